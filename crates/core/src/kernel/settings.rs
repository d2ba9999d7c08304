//! Deployment settings that rules depend on: the time zone deadlines are judged in
//! and the supervision thresholds. Set once at start-up; defaults otherwise.

use std::sync::OnceLock;

use chrono::{Duration, NaiveDate};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Minutes east of UTC of the deployment's time zone (Asia/Shanghai: 480).
    pub utc_offset_minutes: i32,
    pub thresholds: Thresholds,
    /// A pairing with no exchange for this many months is dormant (default 12).
    pub dormant_months: u32,
    /// Days before a task's deadline its lead is reminded (default 3).
    pub remind_days: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            utc_offset_minutes: 480,
            thresholds: Thresholds::default(),
            dormant_months: 12,
            remind_days: 3,
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
    today_at(get().utc_offset_minutes)
}

/// The instant a day begins in the deployment's time zone.
pub fn start_of(day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    let midnight = day.and_time(chrono::NaiveTime::MIN).and_utc();
    midnight - Duration::minutes(i64::from(get().utc_offset_minutes))
}

/// Today in the deployment's time zone, given as minutes east of UTC (China: +480).
pub fn today_at(utc_offset_minutes: i32) -> NaiveDate {
    (chrono::Utc::now() + Duration::minutes(i64::from(utc_offset_minutes))).date_naive()
}

/// When a task turns blue or yellow. Configured per deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Blue when the deadline is this many days away or fewer (default 7).
    pub near_days: i64,
    /// Yellow when progress lags the expected progress by this many points (default 10).
    pub behind_points: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            near_days: 7,
            behind_points: 10,
        }
    }
}
