//! The progress ledger (打表推进): the tasks a reader may see, grouped by agreement →
//! plan → area → lead organization, each with its four fixes, its latest report, its
//! progress against the progress expected by today, its colour and whether a report
//! its plan's cadence asks for is missing. Filters and totals are the task list's own.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::view::{LIST_FROM, colour_counts_in, select};
use super::*;

/// A task's latest progress report, as the ledger shows it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct LatestReport {
    #[serde(skip)]
    pub task_id: TaskId,
    pub reported_on: NaiveDate,
    pub percent: i64,
    /// What was done, as reported.
    pub done: String,
}

/// One row of the ledger.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LedgerRow {
    pub task: Task,
    pub agreement_title: Option<String>,
    /// The progress the task should have reached by today, in percent.
    pub expected: i64,
    pub latest: Option<LatestReport>,
    /// Its plan asks for monthly or quarterly reports and the last one due is missing.
    pub report_missing: bool,
    /// On a past day: how the task stood then (its status, progress and colour there
    /// replace today's).
    pub then: Option<Then>,
}

/// The ledger of a filter: a page of rows in group order, the total, and the tasks of
/// the whole filter (all pages) by colour.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Ledger {
    pub items: Vec<LedgerRow>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
    /// Tasks of every page by colour, in `Colour::ALL`'s order.
    pub colours: Vec<ColourCount>,
    /// The past day the ledger stands on; none for today.
    pub as_of: Option<NaiveDate>,
    /// The day changes are counted from.
    pub since: Option<NaiveDate>,
    /// What changed from `since` to `as_of` (or today), in ledger order, at most
    /// [`CHANGES_SHOWN`].
    pub changes: Vec<Change>,
    pub changes_total: i64,
}

#[derive(Clone, Copy, Debug, Serialize, utoipa::ToSchema)]
pub struct ColourCount {
    pub colour: Colour,
    pub tasks: i64,
}

/// Agreement, plan, area, lead (down the tree), then deadline: the order of a ledger a
/// federation prints and reviews, kept on each `task_reach` row (`reach::ledger_key`)
/// so a page is a walk of its index.
const LEDGER_ORDER: &str = "r.ledger, r.task_id";

/// The ledger of the tasks the filter selects for this reader: today's, or as it stood
/// at the end of a past day; with the changes since an earlier day if asked. Kept until
/// the database changes ([`crate::memo`]): a review meeting opens the same pages again.
pub async fn ledger(
    db: &Db,
    actor: &Actor,
    filter: &TaskFilter,
    d: &LedgerDays,
    page: PageRequest,
) -> Result<Ledger> {
    let page = page.clamped();
    let key = format!("ledger {actor:?} {filter:?} {d:?} {page:?}");
    db.kept(key, || review(db, actor, filter, d, page)).await
}

async fn review(
    db: &Db,
    actor: &Actor,
    filter: &TaskFilter,
    d: &LedgerDays,
    page: PageRequest,
) -> Result<Ledger> {
    let mut tx = db.read().await?;
    let (as_of, since) = days(&mut tx, d).await?;
    if as_of.is_none() && since.is_none() {
        drop(tx);
        return current(db, actor, filter, page).await;
    }
    let on_day = match as_of {
        Some(_) => Some(day_filters(filter)?),
        None => None,
    };
    // A past day's ledger and the changes since a day read the filter's tasks and their
    // history once, together.
    let tasks = selected(&mut tx, actor, filter).await?;
    let states = match as_of {
        Some(day) => Some(then(&mut tx, &tasks, day).await?),
        None => None,
    };
    let changed = match since {
        Some(from) => Some(changes(&mut tx, &tasks, from, states.as_ref()).await?),
        None => None,
    };
    drop(tx);
    let mut ledger = match (as_of, states, on_day) {
        (Some(day), Some(states), Some(wanted)) => {
            past(db, tasks, &states, wanted, day, page).await?
        }
        _ => current(db, actor, filter, page).await?,
    };
    if let (Some(from), Some((changes, total))) = (since, changed) {
        ledger.since = Some(from);
        ledger.changes = changes;
        ledger.changes_total = total;
    }
    Ok(ledger)
}

/// What changed from the end of `from` to the ledger's day (`after`), or to today,
/// in ledger order: the first [`CHANGES_SHOWN`] and how many.
async fn changes(
    tx: &mut Tx,
    tasks: &[Task],
    from: NaiveDate,
    after: Option<&HashMap<TaskId, Then>>,
) -> Result<(Vec<Change>, i64)> {
    let before = then(tx, tasks, from).await?;
    let mut changed: Vec<(&Task, Change)> = tasks
        .iter()
        .filter_map(|t| {
            let after = match after {
                Some(states) => states.get(&t.id)?.clone(),
                None => now(t),
            };
            let before = before.get(&t.id).cloned();
            let kinds = kinds(before.as_ref(), &after);
            (!kinds.is_empty()).then(|| {
                let c = Change {
                    task_id: t.id,
                    title: t.title.clone(),
                    lead_org_name: t.lead_org_name.clone(),
                    before,
                    after,
                    kinds,
                };
                (t, c)
            })
        })
        .collect();
    changed.sort_by_cached_key(|(t, _)| order_key(t));
    let total = changed.len() as i64;
    Ok((
        changed
            .into_iter()
            .take(CHANGES_SHOWN)
            .map(|(_, c)| c)
            .collect(),
        total,
    ))
}

/// The filter's colour and status, which on a past day apply to that day's.
fn day_filters(filter: &TaskFilter) -> Result<(Option<Colour>, Option<TaskStatus>)> {
    let mut check = Check::default();
    let colour = view::blank(&filter.colour).and_then(|c| check.take("colour", Colour::parse(c)));
    let status =
        view::blank(&filter.status).and_then(|s| check.take("status", TaskStatus::parse(s)));
    // Whether a report was missing is kept for today only; a past day's would have to
    // be judged from each plan's cadence then, which the past ledger does not filter by.
    if filter.missing == Some(true) {
        check.add("missing", "missing_only_today");
    }
    check.finish()?;
    Ok((colour, status))
}

/// How a task stands today, as stored.
fn now(t: &Task) -> Then {
    let a = t.assessment();
    Then {
        status: t.status,
        progress: t.progress,
        last_report_on: t.last_report_on,
        colour: t.colour,
        expected: a.expected,
    }
}

/// What kinds of change lead from `before` to `after`.
fn kinds(before: Option<&Then>, after: &Then) -> Vec<&'static str> {
    let Some(b) = before else {
        return vec!["new"];
    };
    let mut k = Vec::new();
    if b.status != after.status {
        k.push(match after.status {
            TaskStatus::Closed => "closed",
            TaskStatus::Cancelled => "cancelled",
            _ => "status",
        });
    }
    if b.colour != Colour::Red && after.colour == Colour::Red {
        k.push("turned_red");
    }
    if b.colour == Colour::Red && after.colour != Colour::Red {
        k.push("recovered");
    }
    if b.progress != after.progress {
        k.push("moved");
    }
    k
}

/// The ledger's order for tasks sorted in memory, as [`LEDGER_ORDER`] sorts them.
fn order_key(t: &Task) -> (String, i64) {
    (
        super::reach::ledger_key(
            t.agreement_id.map(|a| a.0),
            t.plan_id.0,
            t.area_id.map(|a| a.0),
            &t.lead_org_path,
            t.deadline,
        ),
        t.id.0,
    )
}

/// Today's ledger: the list's walk in group order.
async fn current(db: &Db, actor: &Actor, filter: &TaskFilter, page: PageRequest) -> Result<Ledger> {
    let colours = colour_counts(db, actor, filter).await?;
    let mut tx = db.read().await?;
    let sel = select(&mut tx, actor, filter).await?;
    tx.generic_plans(true).await?;
    let total: i64 = match (filter.colour.as_deref().map(str::trim), sel.tallied) {
        // The colour counts are the tally's when the total is.
        (None | Some(""), true) => colours.iter().map(|(_, n)| n).sum(),
        (Some(c), true) => colours
            .iter()
            .find(|(k, _)| k.as_str() == c)
            .map_or(0, |(_, n)| *n),
        _ => {
            let mut q = Sql::new(&format!("select count(*) {} where ", sel.count_from()));
            q.append(&sel.condition).scalar(&mut tx).await?
        }
    };
    let mut q = Sql::new(&format!("select {COLUMNS} {LIST_FROM} where "));
    q.append(&sel.condition)
        .push(&format!(" order by {LEDGER_ORDER} limit "))
        .bind(i64::from(page.per_page))
        .push(" offset ")
        .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX));
    let found: Vec<Task> = q.all(&mut tx).await?;
    tx.generic_plans(false).await?;
    let tasks = with_supporters(&mut tx, found).await?;
    let items = rows(&mut tx, tasks, settings::today(), None).await?;
    Ok(Ledger {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
        colours: colours
            .into_iter()
            .map(|(colour, tasks)| ColourCount { colour, tasks })
            .collect(),
        as_of: None,
        since: None,
        changes: Vec::new(),
        changes_total: 0,
    })
}

/// The ledger as it stood at the end of a past day: the filter's tasks recorded by
/// then, with their status, progress and colour of that day (`states`), the filter's
/// colour and status applied to those.
async fn past(
    db: &Db,
    tasks: Vec<Task>,
    states: &HashMap<TaskId, Then>,
    wanted: (Option<Colour>, Option<TaskStatus>),
    day: NaiveDate,
    page: PageRequest,
) -> Result<Ledger> {
    let (tasks, colours) = on_day(tasks, states, wanted);
    let total = tasks.len() as i64;
    let shown: Vec<Task> = tasks
        .into_iter()
        .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
        .take(page.per_page as usize)
        .collect();
    let mut tx = db.read().await?;
    let shown = with_supporters(&mut tx, shown).await?;
    let items = rows(&mut tx, shown, day, Some(states)).await?;
    Ok(Ledger {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
        colours,
        as_of: Some(day),
        since: None,
        changes: Vec::new(),
        changes_total: 0,
    })
}

/// The tasks of a past day's ledger in its order, and their colours then: those
/// recorded by the day, of the filter's status and colour on it.
fn on_day(
    mut tasks: Vec<Task>,
    states: &HashMap<TaskId, Then>,
    (colour, status): (Option<Colour>, Option<TaskStatus>),
) -> (Vec<Task>, Vec<ColourCount>) {
    tasks.retain(|t| {
        states
            .get(&t.id)
            .is_some_and(|s| status.is_none_or(|x| s.status == x))
    });
    let colours: Vec<ColourCount> = Colour::ALL
        .iter()
        .map(|c| ColourCount {
            colour: *c,
            tasks: tasks
                .iter()
                .filter(|t| states.get(&t.id).is_some_and(|s| s.colour == *c))
                .count() as i64,
        })
        .collect();
    tasks.retain(|t| colour.is_none_or(|c| states.get(&t.id).is_some_and(|s| s.colour == c)));
    tasks.sort_by_cached_key(order_key);
    (tasks, colours)
}

/// How many rows of the whole ledger are read and handed over at a time.
const EXPORT_CHUNK: usize = 2_000;

/// What an export of the whole ledger says above its rows.
#[derive(Clone, Debug)]
pub struct LedgerHead {
    pub total: i64,
    pub colours: Vec<ColourCount>,
    pub as_of: Option<NaiveDate>,
}

/// A part of the whole ledger as [`ledger_each`] hands it over.
pub enum LedgerPart {
    /// First, once: what stands above the rows.
    Head(LedgerHead),
    /// Then the rows, in group order, a chunk at a time.
    Rows(Vec<LedgerRow>),
}

/// The whole ledger of a filter (every page), today's or a past day's, sent to `out`
/// — its head, then its rows in group order a chunk at a time — all read in one
/// transaction: for an export, which must not hold 100,000 rows at once (the channel's
/// bound holds the reading back while the writer catches up). More than `limit` tasks
/// are refused (`export_too_large`) before a row is read; a closed channel (the writer
/// stopped) ends the reading.
pub async fn ledger_each(
    db: &Db,
    actor: &Actor,
    filter: &TaskFilter,
    d: &LedgerDays,
    limit: usize,
    out: tokio::sync::mpsc::Sender<LedgerPart>,
) -> Result<()> {
    let mut tx = db.read().await?;
    let (as_of, _) = days(&mut tx, d).await?;
    let too_large = || {
        Error::Invalid(crate::FieldErrors::from([(
            "format",
            crate::FieldError {
                code: "export_too_large",
                limit: Some(limit),
            },
        )]))
    };
    if let Some(day) = as_of {
        let wanted = day_filters(filter)?;
        let tasks = selected(&mut tx, actor, filter).await?;
        let states = then(&mut tx, &tasks, day).await?;
        let (tasks, colours) = on_day(tasks, &states, wanted);
        if tasks.len() > limit {
            return Err(too_large());
        }
        let head = LedgerHead {
            total: tasks.len() as i64,
            colours,
            as_of: Some(day),
        };
        if out.send(LedgerPart::Head(head)).await.is_err() {
            return Ok(());
        }
        let mut rest = tasks.into_iter();
        loop {
            let chunk: Vec<Task> = rest.by_ref().take(EXPORT_CHUNK).collect();
            if chunk.is_empty() {
                return Ok(());
            }
            let chunk = with_supporters(&mut tx, chunk).await?;
            let part = LedgerPart::Rows(rows(&mut tx, chunk, day, Some(&states)).await?);
            if out.send(part).await.is_err() {
                return Ok(());
            }
        }
    }
    let colours = colour_counts_in(&mut tx, actor, filter).await?;
    let sel = select(&mut tx, actor, filter).await?;
    // The order is read once, as ids; each chunk's rows are then read by id.
    let mut q = Sql::new(&format!("select t.id {LIST_FROM} where "));
    q.append(&sel.condition)
        .push(&format!(" order by {LEDGER_ORDER} limit "))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1));
    let ids: Vec<i64> = q
        .all::<(i64,)>(&mut tx)
        .await?
        .into_iter()
        .map(|(i,)| i)
        .collect();
    if ids.len() > limit {
        return Err(too_large());
    }
    let head = LedgerHead {
        total: ids.len() as i64,
        colours: colours
            .into_iter()
            .map(|(colour, tasks)| ColourCount { colour, tasks })
            .collect(),
        as_of: None,
    };
    if out.send(LedgerPart::Head(head)).await.is_err() {
        return Ok(());
    }
    let today = settings::today();
    for chunk in ids.chunks(EXPORT_CHUNK) {
        // By id alone: the ids were chosen under the reader's rule and the filter in
        // this same snapshot, and repeating those made SQLite walk the whole lead's
        // reach for every chunk.
        let mut q = Sql::new(&format!("{SELECT} where t.id in "));
        q.bind_list(chunk.iter().copied());
        let mut found: HashMap<i64, Task> = q
            .all::<Task>(&mut tx)
            .await?
            .into_iter()
            .map(|t| (t.id.0, t))
            .collect();
        let ordered: Vec<Task> = chunk.iter().filter_map(|id| found.remove(id)).collect();
        let ordered = with_supporters(&mut tx, ordered).await?;
        let part = LedgerPart::Rows(rows(&mut tx, ordered, today, None).await?);
        if out.send(part).await.is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// The ledger's columns beyond the task: agreement titles, latest reports and plan
/// cadences, one statement each for the whole page.
async fn rows(
    tx: &mut Tx,
    tasks: Vec<Task>,
    day: NaiveDate,
    states: Option<&HashMap<TaskId, Then>>,
) -> Result<Vec<LedgerRow>> {
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    // The latest report known at the end of the day.
    let mut q = Sql::new(
        "select r.task_id, r.reported_on, r.percent, r.done from progress_report r
         where r.id in (select (select x.id from progress_report x where x.task_id = t.id
                                and x.reported_on <= ",
    );
    q.bind(day)
        .push(" and x.created_at < ")
        .bind(end_of(day))
        .push(
            " order by x.reported_on desc, x.id desc limit 1)
                        from task t where t.id in ",
        )
        .bind_list(tasks.iter().map(|t| t.id.0))
        .push(")");
    let latest: HashMap<TaskId, LatestReport> = q
        .all::<LatestReport>(tx)
        .await?
        .into_iter()
        .map(|r| (r.task_id, r))
        .collect();
    let mut q = Sql::new("select id, title from agreement where id in ");
    q.bind_list(tasks.iter().filter_map(|t| t.agreement_id.map(|a| a.0)));
    let titles: HashMap<AgreementId, String> = q
        .all::<(AgreementId, String)>(tx)
        .await?
        .into_iter()
        .collect();
    let cadences = view::Cadences::of_plans(tx, tasks.iter().map(|t| t.plan_id)).await?;
    Ok(tasks
        .into_iter()
        .map(|task| {
            let then = states.and_then(|s| s.get(&task.id)).cloned();
            let (status, last) = match &then {
                Some(t) => (t.status, t.last_report_on),
                None => (task.status, task.last_report_on),
            };
            let reporting = status.reports(task.child_count > 0);
            let report_missing =
                reporting && cadences.missing_on(day, task.plan_id, task.start_on, last);
            LedgerRow {
                agreement_title: task.agreement_id.and_then(|a| titles.get(&a).cloned()),
                expected: supervision::expected_progress(day, task.start_on, task.deadline),
                latest: latest.get(&task.id).cloned(),
                report_missing,
                then,
                task,
            }
        })
        .collect())
}

/// The ledger on a past day, and the changes between two days.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct LedgerDays {
    /// The ledger as it stood at the end of this day (`YYYY-MM-DD`, not in the future).
    pub as_of: Option<String>,
    /// Also list what changed from the end of this day to `as_of` (or today).
    pub since: Option<String>,
}

/// A task as it stood at the end of a day: its status, progress and last report then,
/// and the colour those give on that day.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Then {
    pub status: TaskStatus,
    pub progress: i64,
    pub last_report_on: Option<NaiveDate>,
    pub colour: Colour,
    pub expected: i64,
}

/// What happened to a task between two days.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Change {
    pub task_id: TaskId,
    pub title: String,
    pub lead_org_name: String,
    /// None when the task was recorded after the first day.
    pub before: Option<Then>,
    pub after: Then,
    /// `new`, `closed`, `cancelled`, `turned_red`, `recovered` (red no more), `moved`
    /// (progress changed), `status` (another step).
    pub kinds: Vec<&'static str>,
}

/// The most tasks a ledger on a past day is worked out for: each one's history is read,
/// so a wider scope is narrowed first (a lead, an agreement, a plan).
pub const AS_OF_LIMIT: i64 = 20_000;
/// The most changes listed.
pub const CHANGES_SHOWN: usize = 500;

/// The two days checked: `as_of` and `since`, neither in the future nor before the
/// programme's first agreement, `since` before `as_of`.
async fn days(tx: &mut Tx, d: &LedgerDays) -> Result<(Option<NaiveDate>, Option<NaiveDate>)> {
    let mut check = Check::default();
    let as_of = check
        .take("as_of", text::date(d.as_of.as_deref().unwrap_or("")))
        .flatten();
    let since = check
        .take("since", text::date(d.since.as_deref().unwrap_or("")))
        .flatten();
    let today = settings::today();
    // Today's ledger, the one read all day, names no day to check.
    let first: Option<NaiveDate> = if as_of.is_some() || since.is_some() {
        Sql::new("select min(signed_on) from agreement")
            .scalar(tx)
            .await?
    } else {
        None
    };
    for (field, day) in [("as_of", as_of), ("since", since)] {
        match day {
            Some(d) if d > today => check.add(field, "day_in_future"),
            Some(d) if first.is_some_and(|f| d < f) => check.add(field, "before_programme"),
            _ => {}
        }
    }
    if let (Some(s), a) = (since, as_of.unwrap_or(today))
        && s >= a
    {
        check.add("since", "since_not_before");
    }
    check.finish()?;
    Ok((as_of.filter(|d| *d < today), since))
}

/// The end of a local day, as the instant history is read up to.
fn end_of(day: NaiveDate) -> DateTime<Utc> {
    let offset = chrono::Duration::minutes(i64::from(settings::get().utc_offset_minutes));
    (day + chrono::Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        - offset
}

/// Every task of the filter (its colour and status aside, which belong to the day),
/// refused past [`AS_OF_LIMIT`].
async fn selected(tx: &mut Tx, actor: &Actor, filter: &TaskFilter) -> Result<Vec<Task>> {
    let all = TaskFilter {
        colour: None,
        status: None,
        ..filter.clone()
    };
    let sel = select(tx, actor, &all).await?;
    let mut q = Sql::new(&format!("select count(*) {} where ", sel.count_from()));
    let n: i64 = q.append(&sel.condition).scalar(tx).await?;
    if n > AS_OF_LIMIT {
        return Err(Error::Invalid(crate::FieldErrors::from([(
            "as_of",
            crate::FieldError {
                code: "as_of_too_many",
                limit: Some(AS_OF_LIMIT as usize),
            },
        )])));
    }
    let mut q = Sql::new(&format!("select {COLUMNS} {LIST_FROM} where "));
    q.append(&sel.condition);
    q.all(tx).await
}

/// How each task of the filter stood at the end of `day`, read from its history (the
/// past ledger's reading, which read on today gives today's ledger).
pub async fn states_on(
    db: &Db,
    actor: &Actor,
    filter: &TaskFilter,
    day: NaiveDate,
) -> Result<HashMap<TaskId, Then>> {
    let mut tx = db.read().await?;
    let tasks = selected(&mut tx, actor, filter).await?;
    then(&mut tx, &tasks, day).await
}

/// How each task stood at the end of `day`: read from its status steps and reports up
/// to then; a parent's progress is its live sub-tasks' weighted roll-up on that day,
/// walked down at most [`MAX_DEPTH`] levels. None for a task not yet recorded.
async fn then(tx: &mut Tx, tasks: &[Task], day: NaiveDate) -> Result<HashMap<TaskId, Then>> {
    let end = end_of(day);
    // The tasks and every sub-task below them, level by level.
    let mut facts: HashMap<i64, (Option<i64>, i64, NaiveDate, NaiveDate, bool)> = tasks
        .iter()
        .map(|t| {
            let f = (
                t.parent_id.map(|p| p.0),
                t.weight,
                t.start_on,
                t.deadline,
                t.created_at < end,
            );
            (t.id.0, f)
        })
        .collect();
    let mut level: Vec<i64> = tasks
        .iter()
        .filter(|t| t.child_count > 0)
        .map(|t| t.id.0)
        .collect();
    for _ in 0..MAX_DEPTH {
        if level.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for chunk in level.chunks(500) {
            let mut q = Sql::new(
                "select id, parent_id, weight, start_on, deadline, created_at from task where parent_id in ",
            );
            q.bind_list(chunk.iter().copied());
            let rows: Vec<(i64, i64, i64, NaiveDate, NaiveDate, DateTime<Utc>)> = q.all(tx).await?;
            for (id, parent, weight, start, deadline, created) in rows {
                if let std::collections::hash_map::Entry::Vacant(e) = facts.entry(id) {
                    e.insert((Some(parent), weight, start, deadline, created < end));
                    next.push(id);
                }
            }
        }
        level = next;
    }
    let ids: Vec<i64> = facts.keys().copied().collect();
    let mut status: HashMap<i64, String> = HashMap::new();
    let mut reported: HashMap<i64, (NaiveDate, i64)> = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut q = Sql::new(
            "select task_id, to_status from task_event where to_status is not null and created_at < ",
        );
        q.bind(end)
            .push(" and task_id in ")
            .bind_list(chunk.iter().copied())
            .push(" order by task_id, id");
        for (id, s) in q.all::<(i64, String)>(tx).await? {
            status.insert(id, s);
        }
        let mut q = Sql::new(
            "select task_id, reported_on, percent from progress_report where reported_on <= ",
        );
        q.bind(day)
            .push(" and created_at < ")
            .bind(end)
            .push(" and task_id in ")
            .bind_list(chunk.iter().copied())
            .push(" order by task_id, reported_on, id");
        for (id, on, percent) in q.all::<(i64, NaiveDate, i64)>(tx).await? {
            reported.insert(id, (on, percent));
        }
    }
    // Children before parents: deepest first.
    let depth = |mut id: i64| {
        let mut d = 0;
        while let Some((Some(p), ..)) = facts.get(&id) {
            id = *p;
            d += 1;
            if d > MAX_DEPTH {
                break;
            }
        }
        d
    };
    let mut order: Vec<(i64, i64)> = ids.iter().map(|id| (depth(*id), *id)).collect();
    order.sort_unstable_by(|a, b| b.cmp(a));
    let mut children: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    let mut out: HashMap<TaskId, Then> = HashMap::new();
    let thresholds = settings::get().thresholds;
    for (_, id) in order {
        let Some(&(parent, weight, start, deadline, existed)) = facts.get(&id) else {
            continue;
        };
        let Some(s) = status.get(&id).and_then(|s| TaskStatus::parse(s).ok()) else {
            continue;
        };
        if !existed {
            continue;
        }
        let progress = match children.remove(&id) {
            Some(kids) if !kids.is_empty() => supervision::roll_up(&kids),
            _ => reported.get(&id).map_or(0, |(_, p)| *p),
        };
        if let Some(p) = parent
            && s != TaskStatus::Cancelled
        {
            children.entry(p).or_default().push((weight, progress));
        }
        let a = supervision::assess(day, start, deadline, progress, s.is_open(), thresholds);
        out.insert(
            TaskId(id),
            Then {
                status: s,
                progress,
                last_report_on: reported.get(&id).map(|(on, _)| *on),
                colour: a.colour,
                expected: a.expected,
            },
        );
    }
    Ok(out)
}
