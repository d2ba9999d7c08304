//! Integration tests: the real server, over real HTTP, on SQLite and PostgreSQL.
#![expect(
    clippy::expect_used,
    reason = "a broken test set-up should fail loudly"
)]

mod harness;

mod accounts;
mod api_orgs;
mod api_session;
mod associations;
mod bench_data;
mod browser;
mod cli;
mod cooperation;
mod dashboard;
mod donations;
mod events;
mod exports;
mod figures;
mod jobs;
mod ledger;
mod network;
mod ops;
mod orders;
mod outage;
mod outcome_figures;
mod outcomes;
mod pages;
mod pages_cooperation;
mod people;
mod people_import;
mod people_links;
mod person_figures;
mod projects;
mod reading;
mod search;
mod stats;
mod writes;
