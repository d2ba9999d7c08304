//! The kernel: storage, access, accounts, the audit trail, files, text and money, the
//! organization tree and reference data, search documents. Every area builds on it; it
//! knows no area.

pub mod access;
pub mod account;
pub mod audit;
pub mod auth;
pub mod db;
pub mod error;
pub mod file;
pub mod memo;
pub mod money;
pub mod org;
pub mod page;
pub mod reference;
pub mod search;
pub mod settings;
pub mod side;
pub mod sql;
pub mod step;
pub mod text;
