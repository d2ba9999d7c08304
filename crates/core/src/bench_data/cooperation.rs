//! Agreements between federations of the two sides, their areas, the plans that carry
//! them out and the tasks of each plan (a third of them sub-tasks handed further down),
//! with supporters, monthly progress reports up to today and the task's history.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;

use super::bulk::{Bulk, V};
use super::{World, day_between, words, ymd};
use crate::error::Result;
use crate::row;
use crate::supervision;
use crate::task::TaskStatus;

pub struct Agreement {
    pub id: i64,
    pub signed_on: NaiveDate,
    pub parties: [usize; 2],
}

pub struct Plan {
    pub id: i64,
    pub agreement: usize,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub cadence: supervision::Cadence,
}

/// The day of the month (or quarter-end month) every generated plan's reports are due.
const DUE_DAY: u32 = 25;

#[derive(Default)]
pub struct Cooperation {
    pub agreements: Vec<Agreement>,
    /// The first area id of each agreement and how many it has.
    pub areas: Vec<(i64, i64)>,
    pub plans: Vec<Plan>,
    pub tasks: i64,
}

/// What the ledger of a task needs to know of it.
struct Made {
    id: i64,
    start: NaiveDate,
    /// The last day reports were written: today, the deadline or the closing day.
    until: NaiveDate,
    progress: i64,
    status: TaskStatus,
    /// The lead's account, which writes the reports.
    author: i64,
    /// The assigner's account and organization, which create and close the task.
    assigner: (i64, i64),
}

pub async fn load(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    agreements(bulk, w).await?;
    plans(bulk, w).await?;
    tasks(bulk, w).await
}

/// One local federation of a side, or now and then the province itself.
fn local(w: &World, rng: &mut StdRng, side: usize) -> usize {
    let l = &w.orgs.local[side];
    if l.is_empty() || rng.random_bool(0.05) {
        w.orgs.provinces[side]
    } else {
        l[rng.random_range(0..l.len())]
    }
}

fn place(w: &World, i: usize) -> String {
    w.orgs.all[i]
        .name
        .trim_end_matches("侨联")
        .trim_end_matches("侨商会")
        .to_owned()
}

async fn agreements(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let mut rng = w.rng("agreement");
    let n = w.counts.agreements;
    let first = ymd(2019, 1, 1);
    let last = w.today - Duration::days(30);
    let mut made = Vec::with_capacity(n);
    let mut rows = Vec::with_capacity(n);
    for k in 0..n {
        let id = k as i64 + 1;
        let (a, b) = if k == 0 {
            (w.orgs.provinces[0], w.orgs.provinces[1])
        } else {
            (local(w, &mut rng, 0), local(w, &mut rng, 1))
        };
        let (a, b) = if rng.random_bool(0.5) { (a, b) } else { (b, a) };
        let signed_on = if k == 0 {
            ymd(2020, 4, 1)
        } else {
            day_between(&mut rng, first, last)
        };
        let area = words::AREAS[rng.random_range(0..words::AREAS.len())];
        let (kind, title) = match k {
            0 => ("strategic", "川渝侨联战略合作协议".to_owned()),
            _ if rng.random_bool(0.3) => (
                "framework",
                format!(
                    "{}与{}{}框架协议",
                    w.orgs.all[a].name, w.orgs.all[b].name, area.0
                ),
            ),
            _ => (
                "cooperation",
                format!(
                    "{}与{}{}合作协议",
                    w.orgs.all[a].name, w.orgs.all[b].name, area.0
                ),
            ),
        };
        let status = match rng.random_range(0..100) {
            0..3 => "draft",
            3..5 => "terminated",
            _ => "in_force",
        };
        let valid_until = signed_on + Duration::days(365 * rng.random_range(2..6_i64));
        let at = w.at(signed_on, &mut rng);
        rows.push(row![
            id,
            kind,
            title,
            signed_on,
            valid_until,
            format!("双方围绕{}开展合作：{}。", area.0, area.1),
            status,
            w.orgs.author(a, w.admin_id),
            1_i64,
            at,
            at
        ]);
        made.push(Agreement {
            id,
            signed_on,
            parties: [a, b],
        });
    }
    bulk.load(
        "agreement",
        &[
            "id",
            "kind",
            "title",
            "signed_on",
            "valid_until",
            "summary",
            "status",
            "created_by",
            "version",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;
    let o = &w.orgs;
    bulk.load(
        "agreement_party",
        &["agreement_id", "org_id", "role"],
        made.iter().flat_map(|a| {
            [
                row![a.id, o.id(a.parties[0]), "lead"],
                row![a.id, o.id(a.parties[1]), "signatory"],
            ]
        }),
    )
    .await?;
    let mut areas = Vec::with_capacity(n);
    let mut area_rows = Vec::new();
    let mut next = 0_i64;
    for a in &made {
        let count = rng.random_range(1..=3_i64);
        let offset = rng.random_range(0..words::AREAS.len());
        areas.push((next + 1, count));
        for p in 0..count {
            next += 1;
            let (name, description) = words::AREAS[(offset + p as usize) % words::AREAS.len()];
            area_rows.push(row![next, a.id, p + 1, name, description]);
        }
    }
    bulk.load(
        "agreement_area",
        &["id", "agreement_id", "position", "name", "description"],
        area_rows,
    )
    .await?;
    w.coop.agreements = made;
    w.coop.areas = areas;
    Ok(())
}

async fn plans(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let mut rng = w.rng("plan");
    // A plan carries about 33 tasks; agreements get one plan each, the rest go to
    // agreements drawn at random (a second year's plan).
    let n = (w.counts.tasks / 33).max(w.coop.agreements.len());
    let mut made = Vec::with_capacity(n);
    let mut rows = Vec::with_capacity(n);
    for k in 0..n {
        let agreement = if k < w.coop.agreements.len() {
            k
        } else {
            rng.random_range(0..w.coop.agreements.len())
        };
        let a = &w.coop.agreements[agreement];
        let start = if k < w.coop.agreements.len() {
            a.signed_on
        } else {
            day_between(&mut rng, a.signed_on, w.today.max(a.signed_on))
        };
        let year = start.year();
        let end = ymd(year + rng.random_range(0..3), 12, 31);
        let id = k as i64 + 1;
        let owner = a.parties[0];
        let cadence = if rng.random_bool(0.8) {
            supervision::Cadence::Monthly
        } else {
            supervision::Cadence::Quarterly
        };
        let at = w.at(start, &mut rng);
        rows.push(row![
            id,
            a.id,
            format!("{}{year}年实施方案", place(w, owner)),
            w.orgs.id(owner),
            start,
            end,
            cadence.as_str(),
            i64::from(DUE_DAY),
            1_i64,
            "active",
            1_i64,
            at,
            at
        ]);
        made.push(Plan {
            id,
            agreement,
            start,
            end,
            cadence,
        });
    }
    bulk.load(
        "plan",
        &[
            "id",
            "agreement_id",
            "title",
            "owner_org_id",
            "period_start",
            "period_end",
            "cadence",
            "due_day",
            "revision",
            "status",
            "version",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;
    w.coop.plans = made;
    Ok(())
}

/// The status a task plausibly has on `today`, and its progress.
fn status_of(
    rng: &mut StdRng,
    today: NaiveDate,
    start: NaiveDate,
    deadline: NaiveDate,
) -> (TaskStatus, i64) {
    let expected = supervision::expected_progress(today, start, deadline);
    if start > today {
        let s = if rng.random_bool(0.3) {
            TaskStatus::Draft
        } else {
            TaskStatus::Assigned
        };
        return (s, 0);
    }
    let r = rng.random_range(0..100);
    let near = |rng: &mut StdRng| (expected + rng.random_range(-30..=10)).clamp(0, 99);
    if deadline < today {
        match r {
            0..62 => (TaskStatus::Closed, 100),
            62..72 => (TaskStatus::ReportedDone, 100),
            72..95 => (TaskStatus::InProgress, near(rng)),
            _ => (TaskStatus::Cancelled, near(rng)),
        }
    } else {
        match r {
            0..8 => (TaskStatus::Assigned, 0),
            8..25 => (TaskStatus::Accepted, near(rng).min(10)),
            25..95 => (TaskStatus::InProgress, near(rng)),
            _ => (TaskStatus::ReportedDone, 100),
        }
    }
}

async fn tasks(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let mut rng = w.rng("task");
    let total = w.counts.tasks;
    let per_plan = total.div_ceil(w.coop.plans.len().max(1));
    let thresholds = crate::settings::get().thresholds;
    let today = w.today;
    let mut made: Vec<Made> = Vec::with_capacity(total);
    let mut supports: Vec<(i64, i64)> = Vec::with_capacity(total);
    let mut reached: Vec<Involved> = Vec::with_capacity(total);
    let world = &*w;
    let mut id = 0_i64;
    let rows = world.coop.plans.iter().flat_map(|plan| {
        let a = &world.coop.agreements[plan.agreement];
        let (area_first, area_count) = world.coop.areas[plan.agreement];
        let owner = a.parties[0];
        let owner_side = usize::from(world.orgs.all[owner].side == "sc");
        let mut parents: Vec<(i64, usize, NaiveDate, NaiveDate)> = Vec::new();
        let mut rows = Vec::with_capacity(per_plan);
        // The plan's first task id, and its tasks that became parents (which report
        // through their sub-tasks, so never owe a report themselves).
        let (first_id, first_reached) = (id + 1, reached.len());
        let mut with_children = Vec::new();
        for _ in 0..per_plan {
            if id as usize >= total {
                break;
            }
            id += 1;
            // A third are sub-tasks: the lead of a top-level task hands part of it on.
            let parent = (!parents.is_empty() && rng.random_bool(0.33))
                .then(|| parents[rng.random_range(0..parents.len())]);
            let (lead, assigner, start, deadline) = match parent {
                Some((_, plead, pstart, pdeadline)) => {
                    let side = usize::from(world.orgs.all[plead].side == "sc");
                    let lead = local(world, &mut rng, side);
                    let start = day_between(&mut rng, pstart, pdeadline);
                    (lead, plead, start, day_between(&mut rng, start, pdeadline))
                }
                None => {
                    let side = if rng.random_bool(0.7) {
                        owner_side
                    } else {
                        1 - owner_side
                    };
                    let lead = local(world, &mut rng, side);
                    let latest = plan.end.min(today + Duration::days(90)).max(plan.start);
                    let start = day_between(&mut rng, plan.start, latest);
                    let deadline = start + Duration::days(rng.random_range(30..400));
                    (lead, owner, start, deadline)
                }
            };
            let (status, progress) = status_of(&mut rng, today, start, deadline);
            let open = status.is_open();
            let colour =
                supervision::assess(today, start, deadline, progress, open, thresholds).colour;
            let until =
                supervision::colour_until(today, start, deadline, progress, open, thresholds);
            let reported = !matches!(status, TaskStatus::Draft | TaskStatus::Assigned);
            let last_day = match status {
                TaskStatus::Closed | TaskStatus::ReportedDone | TaskStatus::Cancelled => {
                    deadline.min(today)
                }
                _ => today,
            };
            let last_report = reported.then(|| last_report_day(start, last_day)).flatten();
            // As if childless: a parent's flag is fixed up once its plan's tasks are made.
            let reporting = status.reports(false);
            let missing_from = reporting
                .then(|| supervision::missing_from(plan.cadence, DUE_DAY, start, last_report))
                .flatten();
            let missing = missing_from.is_some_and(|d| d <= today);
            if let Some(p) = parent {
                with_children.push(p.0);
            }
            let (title, goal, standard) = words::TASKS[rng.random_range(0..words::TASKS.len())];
            let n = rng.random_range(2..30).to_string();
            let place = place(world, lead);
            let fill = |s: &str| s.replace("{place}", &place).replace("{n}", &n);
            let area = area_first + rng.random_range(0..area_count);
            let at = world.at(start - Duration::days(rng.random_range(1..20)), &mut rng);
            if parent.is_none() {
                parents.push((id, lead, start, deadline));
            }
            let mut support = None;
            if rng.random_bool(0.6) {
                let other = local(
                    world,
                    &mut rng,
                    1 - usize::from(world.orgs.all[lead].side == "sc"),
                );
                if other != lead {
                    supports.push((id, world.orgs.id(other)));
                    support = Some(other);
                }
            }
            reached.push(Involved {
                id,
                status,
                colour,
                missing,
                deadline,
                agreement: a.id,
                plan: plan.id,
                area,
                lead,
                others: [
                    Some(assigner),
                    support,
                    Some(a.parties[0]),
                    Some(a.parties[1]),
                ],
            });
            made.push(Made {
                id,
                start,
                until: last_day,
                progress,
                status,
                author: world.orgs.author(lead, world.admin_id),
                assigner: (
                    world.orgs.author(assigner, world.admin_id),
                    world.orgs.id(assigner),
                ),
            });
            rows.push(row![
                id,
                plan.id,
                area,
                parent.map(|p| p.0),
                fill(title),
                fill(goal),
                fill(standard),
                words::REQUIREMENTS[rng.random_range(0..words::REQUIREMENTS.len())],
                start,
                deadline,
                world.orgs.id(lead),
                world.orgs.id(assigner),
                1_i64,
                status.as_str(),
                progress,
                colour.as_str(),
                until,
                last_report,
                1_i64,
                at,
                at,
                i64::from(missing),
                missing_from.filter(|d| *d > today),
            ]);
        }
        for parent in with_children {
            let i = usize::try_from(parent - first_id).unwrap_or(usize::MAX);
            if let Some(row) = rows.get_mut(i) {
                row[21] = V::I(0);
                row[22] = V::from(None::<NaiveDate>);
            }
            if let Some(r) = reached.get_mut(first_reached + i) {
                r.missing = false;
            }
        }
        rows
    });
    bulk.load(
        "task",
        &[
            "id",
            "plan_id",
            "area_id",
            "parent_id",
            "title",
            "goal",
            "standard",
            "requirement",
            "start_on",
            "deadline",
            "lead_org_id",
            "assigner_org_id",
            "weight",
            "status",
            "progress",
            "colour",
            "colour_until",
            "last_report_on",
            "version",
            "created_at",
            "updated_at",
            "report_missing",
            "report_due",
        ],
        rows,
    )
    .await?;
    w.coop.tasks = id;
    supports.sort_unstable();
    supports.dedup();
    bulk.load(
        "task_support",
        &["task_id", "org_id"],
        supports.into_iter().map(|(t, o)| row![t, o]),
    )
    .await?;
    reach(bulk, w, &reached).await?;
    reports(bulk, w, &made).await?;
    history(bulk, w, &made).await?;
    super::supervision::load(bulk, w, &reached).await
}

/// Who a task involves, for its `task_reach` rows: the lead, then the assigner, the
/// supporter, the plan's owner and the other party.
pub(super) struct Involved {
    pub(super) id: i64,
    pub(super) status: TaskStatus,
    pub(super) colour: supervision::Colour,
    /// Owes a report today.
    missing: bool,
    pub(super) deadline: NaiveDate,
    agreement: i64,
    plan: i64,
    area: i64,
    pub(super) lead: usize,
    /// The assigner, the supporter, the plan's owner and the other party.
    pub(super) others: [Option<usize>; 4],
}

/// A `task_reach` row as the generator sorts it: (org, done, deadline, task, lead,
/// status, colour, ledger key, missing, side) with status and colour as indices and the
/// key as an index into the tasks' keys.
type ReachRow = (i64, i64, NaiveDate, i64, i64, u8, u8, u32, i64, i64);

/// `task_reach`, `task_tally` and `task_top_tally` by core's own rule (`task::reach::rows`), marked built
/// so the server starts without rebuilding them. The rows are loaded in key order: in
/// task order every insert would land somewhere else in a 10-million-row key.
async fn reach(bulk: &mut Bulk, w: &World, tasks: &[Involved]) -> Result<()> {
    use crate::task::reach::{self, Facts};
    let colours = supervision::Colour::ALL;
    let statuses = TaskStatus::ALL;
    let orgs = &w.orgs.all;
    // The ledger keys, one per task rather than one per row.
    let mut rows: Vec<ReachRow> = Vec::new();
    let mut keys: Vec<String> = Vec::with_capacity(tasks.len());
    // (org, side, lead, status, colour) → (tasks, those owing a report)
    type Tally = std::collections::BTreeMap<(i64, i64, i64, u8, u8), (i64, i64)>;
    let mut tally = Tally::new();
    // (org, top of the lead's branch, colour) → (tasks, those owing a report)
    let mut tops: std::collections::BTreeMap<(i64, i64, u8), (i64, i64)> = Default::default();
    for t in tasks {
        let top = reach::top_of(&orgs[t.lead].path);
        let others: Vec<&str> = t
            .others
            .iter()
            .flatten()
            .map(|i| orgs[*i].path.as_str())
            .collect();
        let status = statuses.iter().position(|s| *s == t.status).unwrap_or(0) as u8;
        let colour = colours.iter().position(|c| *c == t.colour).unwrap_or(0) as u8;
        let key = u32::try_from(keys.len()).unwrap_or(u32::MAX);
        let mut first = true;
        for r in reach::rows(&Facts {
            task_id: t.id,
            status: t.status.as_str(),
            colour: t.colour.as_str(),
            missing: t.missing,
            deadline: t.deadline,
            agreement_id: Some(t.agreement),
            plan_id: t.plan,
            area_id: Some(t.area),
            lead_path: &orgs[t.lead].path,
            lead_side: w
                .sides
                .iter()
                .find(|(code, _)| code == orgs[t.lead].side)
                .map_or(0, |(_, id)| *id),
            other_paths: &others,
        }) {
            let c = tally
                .entry((r.org_id, r.side, r.lead, status, colour))
                .or_default();
            c.0 += 1;
            c.1 += r.missing;
            let c = tops.entry((r.org_id, top, colour)).or_default();
            c.0 += 1;
            c.1 += r.missing;
            if first {
                keys.push(r.ledger);
                first = false;
            }
            rows.push((
                r.org_id, r.done, r.deadline, r.task_id, r.lead, status, colour, key, r.missing,
                r.side,
            ));
        }
    }
    rows.sort_unstable();
    let name = |s: u8, c: u8| {
        (
            statuses[usize::from(s)].as_str(),
            colours[usize::from(c)].as_str(),
        )
    };
    bulk.load(
        "task_reach",
        &[
            "org_id", "done", "deadline", "task_id", "lead", "status", "colour", "ledger",
            "missing", "side",
        ],
        rows.into_iter().map(
            |(org, done, deadline, task, lead, s, c, k, missing, side)| {
                let (status, colour) = name(s, c);
                let ledger = keys[k as usize].clone();
                row![
                    org, done, deadline, task, lead, status, colour, ledger, missing, side
                ]
            },
        ),
    )
    .await?;
    bulk.load(
        "task_tally",
        &["org_id", "side", "lead", "status", "colour", "n", "missing"],
        tally
            .into_iter()
            .map(|((org, side, lead, s, c), (n, missing))| {
                let (status, colour) = name(s, c);
                row![org, side, lead, status, colour, n, missing]
            }),
    )
    .await?;
    bulk.load(
        "task_top_tally",
        &["org_id", "top_id", "colour", "n", "missing"],
        tops.into_iter().map(|((org, top, c), (n, missing))| {
            let colour = colours[usize::from(c)].as_str();
            row![org, top, colour, n, missing]
        }),
    )
    .await?;
    bulk.mark_built(reach::BUILT).await
}

/// The 20th of the last month a task reported in, if it ran long enough to report.
fn last_report_day(start: NaiveDate, until: NaiveDate) -> Option<NaiveDate> {
    report_days(start, until).last()
}

/// A task reports on about the 20th of each month it runs, the first at least ten
/// days after it starts.
fn report_days(start: NaiveDate, until: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    let first = start + Duration::days(10);
    let mut day = ymd(first.year(), first.month(), 20);
    if day < first {
        day = next_month(day);
    }
    std::iter::from_fn(move || {
        (day <= until).then(|| {
            let d = day;
            day = next_month(day);
            d
        })
    })
}

fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    ymd(y, m, d.day().min(28))
}

async fn reports(bulk: &mut Bulk, w: &World, made: &[Made]) -> Result<()> {
    let mut rng = w.rng("progress_report");
    // About five reports a task: the first months' and the last ones'.
    let cap = w.counts.reports_per_task * 2;
    let mut id = 0_i64;
    let rows = made.iter().flat_map(|t| {
        let mut rows = Vec::new();
        if matches!(t.status, TaskStatus::Draft | TaskStatus::Assigned) {
            return rows;
        }
        let days: Vec<NaiveDate> = report_days(t.start, t.until).collect();
        let skip = days.len().saturating_sub(cap);
        let n = days.len() - skip;
        for (k, day) in days.into_iter().skip(skip).enumerate() {
            id += 1;
            let percent = if k + 1 == n {
                t.progress
            } else {
                (t.progress * (k as i64 + 1) / n as i64).min(t.progress)
            };
            let at = w.at(day, &mut rng);
            rows.push(row![
                id,
                t.id,
                day,
                percent,
                words::REPORTS[rng.random_range(0..words::REPORTS.len())],
                words::NEXT_STEPS[rng.random_range(0..words::NEXT_STEPS.len())],
                t.author,
                at
            ]);
        }
        rows
    });
    bulk.load(
        "progress_report",
        &[
            "id",
            "task_id",
            "reported_on",
            "percent",
            "done",
            "next_step",
            "author_id",
            "created_at",
        ],
        rows,
    )
    .await?;
    Ok(())
}

/// Each task's creation, and the closing of closed ones.
async fn history(bulk: &mut Bulk, w: &World, made: &[Made]) -> Result<()> {
    let mut rng = w.rng("task_event");
    let mut id = 0_i64;
    let rows = made.iter().flat_map(|t| {
        let mut rows = Vec::with_capacity(2);
        id += 1;
        let created = if t.status == TaskStatus::Draft {
            "draft"
        } else {
            "assigned"
        };
        let at = w.at(t.start - Duration::days(1), &mut rng);
        rows.push(row![
            id,
            t.id,
            "created",
            None::<i64>,
            created,
            t.assigner.0,
            t.assigner.1,
            at
        ]);
        if t.status == TaskStatus::Closed {
            id += 1;
            let at = w.at(t.until, &mut rng);
            rows.push(row![
                id,
                t.id,
                "close",
                "reported_done",
                "closed",
                t.assigner.0,
                t.assigner.1,
                at
            ]);
        }
        rows
    });
    bulk.load(
        "task_event",
        &[
            "id",
            "task_id",
            "kind",
            "from_status",
            "to_status",
            "account_id",
            "org_id",
            "created_at",
        ],
        rows,
    )
    .await?;
    Ok(())
}
