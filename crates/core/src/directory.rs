//! The shared directory of people: overseas leaders, experts, media contacts, donors,
//! with their sharing level, legal basis, imports and merges.

pub mod person;
