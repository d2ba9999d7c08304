//! Deployment settings that rules depend on: the time zone deadlines are judged in
//! and the supervision thresholds. Set once at start-up; defaults otherwise.

use std::sync::OnceLock;

use chrono::NaiveDate;

use crate::supervision::{self, Thresholds};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Minutes east of UTC of the deployment's time zone (Asia/Shanghai: 480).
    pub utc_offset_minutes: i32,
    pub thresholds: Thresholds,
    /// A pairing with no exchange for this many months is dormant (default 12).
    pub dormant_months: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            utc_offset_minutes: 480,
            thresholds: Thresholds::default(),
            dormant_months: 12,
        }
    }
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Sets the settings for this process; only the first call counts.
pub fn configure(s: Settings) {
    let _ = SETTINGS.set(s);
}

pub fn get() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// Today where the deployment is.
pub fn today() -> NaiveDate {
    supervision::today(get().utc_offset_minutes)
}
