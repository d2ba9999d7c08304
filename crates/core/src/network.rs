//! The network between organizations: pairings, alliances and other mechanisms, and
//! the exchanges between them.

pub mod exchange;
pub mod mechanism;
pub mod pairing;
