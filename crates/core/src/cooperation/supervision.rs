//! Supervision rules (督办): the colour of a task from its dates and progress, the
//! weighted roll-up of sub-tasks, and when a progress report falls due.
//!
//! Pure functions of their inputs, so the same rule serves pages, API, filters and
//! (later) reminders, and property tests can pin it down.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

pub use crate::settings::Thresholds;

text_enum!(
    /// Red: overdue; yellow: behind schedule; blue: deadline near; green: on track;
    /// grey: closed or cancelled, no longer supervised.
    Colour { Red = "red", Yellow = "yellow", Blue = "blue", Green = "green", Grey = "grey" }
);

/// A colour with the facts that gave it, so a page can say why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    pub colour: Colour,
    /// Progress expected by today from elapsed time (序时进度), 0–100.
    pub expected: i64,
    /// Days until the deadline; negative once overdue.
    pub days_left: i64,
    /// Expected minus actual progress; positive when behind.
    pub behind: i64,
}

/// Expected progress on `today` for a task running from `start` to `deadline`.
pub fn expected_progress(today: NaiveDate, start: NaiveDate, deadline: NaiveDate) -> i64 {
    let total = (deadline - start).num_days();
    let elapsed = (today - start).num_days();
    if elapsed <= 0 {
        0
    } else if total <= 0 || elapsed >= total {
        100
    } else {
        elapsed * 100 / total
    }
}

/// The colour of a task that is still open (`open = false`: closed or cancelled).
pub fn assess(
    today: NaiveDate,
    start: NaiveDate,
    deadline: NaiveDate,
    progress: i64,
    open: bool,
    t: Thresholds,
) -> Assessment {
    let expected = expected_progress(today, start, deadline);
    let days_left = (deadline - today).num_days();
    let behind = expected - progress;
    let colour = if !open {
        Colour::Grey
    } else if days_left < 0 && progress < 100 {
        Colour::Red
    } else if progress < 100 && behind >= t.behind_points {
        Colour::Yellow
    } else if progress < 100 && days_left <= t.near_days {
        Colour::Blue
    } else {
        Colour::Green
    };
    Assessment {
        colour,
        expected,
        days_left,
        behind,
    }
}

/// The first day after `today` on which the colour would change with no new report,
/// or `None` if it never will (finished, closed or already red).
pub fn colour_until(
    today: NaiveDate,
    start: NaiveDate,
    deadline: NaiveDate,
    progress: i64,
    open: bool,
    t: Thresholds,
) -> Option<NaiveDate> {
    if !open || progress >= 100 {
        return None;
    }
    let total = (deadline - start).num_days();
    let mut candidates = vec![
        deadline + Duration::days(1),
        deadline - Duration::days(t.near_days),
    ];
    if total > 0 {
        // Yellow from the first day whose expected progress reaches progress + M.
        let need = progress + t.behind_points;
        if need <= 100 {
            let days = (need * total + 99) / 100;
            candidates.push(start + Duration::days(days.max(1)));
        }
    }
    let now = assess(today, start, deadline, progress, open, t).colour;
    candidates
        .into_iter()
        .filter(|d| *d > today)
        .filter(|d| assess(*d, start, deadline, progress, open, t).colour != now)
        .min()
}

/// Progress of a task with sub-tasks: their progress weighted by weight, rounded down.
/// Sub-tasks of weight 0 or cancelled ones are left out by the caller.
pub fn roll_up(children: &[(i64, i64)]) -> i64 {
    let total: i64 = children.iter().map(|(w, _)| (*w).max(0)).sum();
    if total == 0 {
        return 0;
    }
    let sum: i64 = children
        .iter()
        .map(|(w, p)| (*w).max(0) * (*p).clamp(0, 100))
        .sum();
    sum / total
}

text_enum!(
    /// How often a plan's tasks report progress.
    Cadence { None = "none", Monthly = "monthly", Quarterly = "quarterly" }
);

/// The most recent date on or before `today` when a report was due, and the one before,
/// for a cadence due on `day` (1–28) of each month or quarter-end month.
pub fn due_dates(today: NaiveDate, cadence: Cadence, day: u32) -> Option<(NaiveDate, NaiveDate)> {
    let step = match cadence {
        Cadence::None => return None,
        Cadence::Monthly => 1,
        Cadence::Quarterly => 3,
    };
    let day = day.clamp(1, 28);
    let mut y = today.year();
    let mut m = today.month();
    if cadence == Cadence::Quarterly {
        m = m.div_ceil(3) * 3;
    }
    let mut last = NaiveDate::from_ymd_opt(y, m, day)?;
    while last > today {
        (y, m) = back(y, m, step);
        last = NaiveDate::from_ymd_opt(y, m, day)?;
    }
    let (py, pm) = back(last.year(), last.month(), step);
    Some((last, NaiveDate::from_ymd_opt(py, pm, day)?))
}

fn back(y: i32, m: u32, step: u32) -> (i32, u32) {
    if m > step {
        (y, m - step)
    } else {
        (y - 1, m + 12 - step)
    }
}

/// Whether an open task owes a report: it started before the last due date and has
/// not reported since the due date before that.
pub fn report_missing(
    today: NaiveDate,
    cadence: Cadence,
    day: u32,
    start: NaiveDate,
    last_report: Option<NaiveDate>,
) -> bool {
    let Some((last_due, prev_due)) = due_dates(today, cadence, day) else {
        return false;
    };
    start < last_due && last_report.is_none_or(|r| r <= prev_due)
}

/// The first due date strictly after `after`.
fn next_due(after: NaiveDate, cadence: Cadence, day: u32) -> Option<NaiveDate> {
    let (last, _) = due_dates(after, cadence, day)?;
    let step = if cadence == Cadence::Quarterly { 3 } else { 1 };
    let months = last.year() * 12 + last.month0() as i32 + step;
    NaiveDate::from_ymd_opt(
        months.div_euclid(12),
        months.rem_euclid(12) as u32 + 1,
        last.day(),
    )
}

/// The day from which [`report_missing`] holds for a task with this start and last
/// report: it turns true once and stays true until the next report, so one stored day
/// per task is enough for the kept counts and their upkeep. `None` without a cadence.
pub fn missing_from(
    cadence: Cadence,
    day: u32,
    start: NaiveDate,
    last_report: Option<NaiveDate>,
) -> Option<NaiveDate> {
    // The last due date must be after the start, and the one before it on or after the
    // last report.
    let after_start = next_due(start, cadence, day)?;
    let Some(report) = last_report else {
        return Some(after_start);
    };
    let covered = next_due(report.pred_opt()?, cadence, day)?;
    Some(after_start.max(next_due(covered, cadence, day)?))
}

pub use crate::settings::today_at as today;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const T: Thresholds = Thresholds {
        near_days: 7,
        behind_points: 10,
    };

    #[test]
    fn colours_follow_the_supervision_rules() {
        let (s, e) = (d("2024-01-01"), d("2024-12-31"));
        assert_eq!(
            assess(d("2024-02-01"), s, e, 10, true, T).colour,
            Colour::Green
        );
        assert_eq!(
            assess(d("2024-07-01"), s, e, 30, true, T).colour,
            Colour::Yellow
        );
        assert_eq!(
            assess(d("2024-12-28"), s, e, 99, true, T).colour,
            Colour::Blue
        );
        assert_eq!(
            assess(d("2025-01-01"), s, e, 99, true, T).colour,
            Colour::Red
        );
        assert_eq!(
            assess(d("2025-01-01"), s, e, 100, true, T).colour,
            Colour::Green
        );
        assert_eq!(
            assess(d("2025-01-01"), s, e, 10, false, T).colour,
            Colour::Grey
        );
        let a = assess(d("2024-07-01"), s, e, 30, true, T);
        assert_eq!((a.expected, a.behind), (49, 19));
    }

    #[test]
    fn reports_fall_due_monthly_or_quarterly() {
        assert_eq!(
            due_dates(d("2024-05-30"), Cadence::Monthly, 28),
            Some((d("2024-05-28"), d("2024-04-28")))
        );
        assert_eq!(
            due_dates(d("2024-05-10"), Cadence::Monthly, 28),
            Some((d("2024-04-28"), d("2024-03-28")))
        );
        assert_eq!(
            due_dates(d("2024-01-10"), Cadence::Monthly, 28),
            Some((d("2023-12-28"), d("2023-11-28")))
        );
        assert_eq!(
            due_dates(d("2024-05-10"), Cadence::Quarterly, 28),
            Some((d("2024-03-28"), d("2023-12-28")))
        );
        assert_eq!(due_dates(d("2024-05-10"), Cadence::None, 28), None);
        let start = d("2024-01-01");
        assert!(report_missing(
            d("2024-05-30"),
            Cadence::Monthly,
            28,
            start,
            Some(d("2024-04-20"))
        ));
        assert!(!report_missing(
            d("2024-05-30"),
            Cadence::Monthly,
            28,
            start,
            Some(d("2024-05-02"))
        ));
        assert!(report_missing(
            d("2024-05-30"),
            Cadence::Monthly,
            28,
            start,
            None
        ));
        assert!(!report_missing(
            d("2024-05-30"),
            Cadence::Monthly,
            28,
            d("2024-05-29"),
            None
        ));
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (0i64..4000).prop_map(|n| d("2020-01-01") + Duration::days(n))
    }

    proptest! {
        #[test]
        fn overdue_unfinished_tasks_are_red_and_only_they(
            today in date(), start in date(), len in 0i64..800, progress in 0i64..=100,
        ) {
            let deadline = start + Duration::days(len);
            let a = assess(today, start, deadline, progress, true, T);
            prop_assert_eq!(a.colour == Colour::Red, today > deadline && progress < 100);
        }

        #[test]
        fn expected_progress_is_a_percentage_that_never_falls(
            start in date(), len in 0i64..800, a in date(), b in date(),
        ) {
            let deadline = start + Duration::days(len);
            let (early, late) = if a <= b { (a, b) } else { (b, a) };
            let (e1, e2) = (expected_progress(early, start, deadline), expected_progress(late, start, deadline));
            prop_assert!((0..=100).contains(&e1) && (0..=100).contains(&e2));
            prop_assert!(e1 <= e2);
        }

        #[test]
        fn more_progress_never_makes_a_task_look_worse(
            today in date(), start in date(), len in 0i64..800, p in 0i64..100, more in 1i64..=100,
        ) {
            let deadline = start + Duration::days(len);
            let rank = |c: Colour| match c { Colour::Red => 3, Colour::Yellow => 2, Colour::Blue => 1, _ => 0 };
            let before = assess(today, start, deadline, p, true, T).colour;
            let after = assess(today, start, deadline, (p + more).min(100), true, T).colour;
            prop_assert!(rank(after) <= rank(before));
        }

        #[test]
        fn the_colour_holds_until_the_day_it_is_said_to_change(
            today in date(), start in date(), len in 0i64..400, progress in 0i64..=100,
        ) {
            let deadline = start + Duration::days(len);
            let now = assess(today, start, deadline, progress, true, T).colour;
            let until = colour_until(today, start, deadline, progress, true, T);
            let horizon = until.unwrap_or(deadline + Duration::days(30));
            let mut d = today;
            while d < horizon {
                prop_assert_eq!(assess(d, start, deadline, progress, true, T).colour, now, "changed on {}", d);
                d += Duration::days(1);
            }
            if let Some(u) = until {
                prop_assert_ne!(assess(u, start, deadline, progress, true, T).colour, now);
            }
        }

        #[test]
        fn a_report_goes_missing_on_its_day_and_stays_missing(
            start in date(), report in proptest::option::of(0i64..500), quarterly in any::<bool>(),
            day in 1u32..=28, probe in 0i64..600,
        ) {
            let cadence = if quarterly { Cadence::Quarterly } else { Cadence::Monthly };
            let last = report.map(|n| start + Duration::days(n));
            let from = missing_from(cadence, day, start, last).expect("a cadence has due days");
            let today = start + Duration::days(probe);
            prop_assert_eq!(report_missing(today, cadence, day, start, last), from <= today, "from {}", from);
            prop_assert!(report_missing(from, cadence, day, start, last));
            prop_assert!(!report_missing(from - Duration::days(1), cadence, day, start, last));
        }

        #[test]
        fn roll_up_lies_between_the_smallest_and_largest_child(
            children in proptest::collection::vec((1i64..10, 0i64..=100), 1..12),
        ) {
            let r = roll_up(&children);
            let min = children.iter().map(|c| c.1).min().unwrap_or(0);
            let max = children.iter().map(|c| c.1).max().unwrap_or(0);
            prop_assert!(min <= r && r <= max);
        }

        #[test]
        fn equal_weights_roll_up_to_the_mean(ps in proptest::collection::vec(0i64..=100, 1..12)) {
            let children: Vec<(i64, i64)> = ps.iter().map(|p| (1, *p)).collect();
            prop_assert_eq!(roll_up(&children), ps.iter().sum::<i64>() / ps.len() as i64);
        }
    }
}
