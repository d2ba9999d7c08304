//! What the programme yields: events and their registers, signed projects, talents,
//! articles, donations, and the roll-ups counted from them.

pub mod article;
pub mod camp;
pub mod donation;
pub mod event;
pub mod outcome;
pub mod project;
pub mod talent;
