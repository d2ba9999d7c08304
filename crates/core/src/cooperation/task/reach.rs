//! Which organizations each task reaches (`task_reach`), how many tasks each
//! organization reaches by status and colour (`task_tally`), by the top of their
//! lead's branch and colour (`task_top_tally`), and of each resolution's tasks
//! (`resolution_reach`).
//!
//! A task reaches every organization it involves — lead, assigner, supporters, the
//! plan's owner, the agreement's parties — and every organization above them. That is
//! exactly who may read it (their subtree holds an involved organization), so the read
//! rule, an organization's ledger in deadline order and the colour counts become
//! indexed lookups instead of path matches over a million tasks. It also has one row
//! under its lead's side ([`side_key`], a negative key no organization has), so the
//! tasks of one side are walked and counted the same way. Both tables are
//! derived: every write that changes a task or who it involves ends with [`sync`] of
//! the tasks it touched, once per transaction, and [`check`] recounts them from the
//! tasks themselves.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use crate::sql::Arg;

use super::*;

/// The reach key of readers who see every task (national level, administrators).
pub const EVERYONE: i64 = 0;

/// The key of a side's rows: the tasks whose lead organization is on that side. Sides
/// are keyed below zero so they never meet an organization's id (or [`EVERYONE`]).
pub const fn side_key(side: i64) -> i64 {
    -side
}

/// Tasks handled per statement group: keeps every `in (…)` and multi-row insert well
/// under SQLite's 32,766 bound parameters.
const CHUNK: usize = 500;
/// Rows per multi-row insert: 8 parameters each.
const INSERT_ROWS: usize = 4_000;

/// One row of `task_reach`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub(crate) struct Row {
    pub org_id: i64,
    pub task_id: i64,
    pub done: i64,
    pub deadline: NaiveDate,
    pub lead: i64,
    pub status: String,
    pub colour: String,
    /// The task's place in the ledger ([`ledger_key`]).
    pub ledger: String,
    /// 1 when the task owes a report (`task.report_missing`).
    pub missing: i64,
    /// The lead organization's side.
    pub side: i64,
}

/// What decides a task's rows: its own fields and the paths of the organizations it
/// involves.
pub(crate) struct Facts<'a> {
    pub task_id: i64,
    pub status: &'a str,
    pub colour: &'a str,
    pub missing: bool,
    pub deadline: NaiveDate,
    pub agreement_id: Option<i64>,
    pub plan_id: i64,
    pub area_id: Option<i64>,
    pub lead_path: &'a str,
    /// The side of the lead organization.
    pub lead_side: i64,
    pub other_paths: &'a [&'a str],
}

/// A task's place in the progress ledger as one text that sorts byte by byte as the
/// ledger is ordered: agreement (none first), plan, area (none first), lead down the
/// tree, deadline; ties go by task id. Numbers are zero-padded to sort as numbers, and
/// a space (below `/` and the digits) ends the path, so a lead sorts before those
/// below it.
pub fn ledger_key(
    agreement: Option<i64>,
    plan: i64,
    area: Option<i64>,
    lead_path: &str,
    deadline: NaiveDate,
) -> String {
    format!(
        "{:012}{plan:012}{:012}{lead_path} {deadline}",
        agreement.unwrap_or(0),
        area.unwrap_or(0)
    )
}

/// The lead's path within a row's `ledger` key, as SQL over `r`: after the three
/// 12-digit numbers, before the space and the 10-character deadline. Lets a walk of an
/// organization's rows group them by lead without reading each task and its lead.
pub const LEAD_PATH_OF_LEDGER: &str = "substr(r.ledger, 37, length(r.ledger) - 47)";

/// The lead's path within a `ledger` key, as [`LEAD_PATH_OF_LEDGER`] reads it in SQL.
pub fn lead_path_of_ledger(ledger: &str) -> &str {
    ledger
        .get(36..ledger.len().saturating_sub(11))
        .unwrap_or("")
}

/// How deep the organizations are that `task_top_tally` counts under: the provinces,
/// the districts and prefectures (the battle map's regions) and the counties below
/// prefectures. A lead path starts with the path of an organization this deep or
/// shallower exactly when its [`top_of`] organization's path does.
pub const TOP_DEPTH: usize = 3;

/// The organization a lead path is counted under in `task_top_tally`: its ancestor at
/// [`TOP_DEPTH`], or the lead itself when it is shallower.
pub fn top_of(lead_path: &str) -> i64 {
    path_ids(lead_path).take(TOP_DEPTH).last().unwrap_or(0)
}

/// The organization ids on a path such as `/1/7/55/`, the organization itself last.
pub(crate) fn path_ids(path: &str) -> impl Iterator<Item = i64> + '_ {
    path.split('/').filter_map(|s| s.parse().ok())
}

/// The rows of one task: each organization once, marked when it is the lead or above
/// it, plus the row every all-seeing reader walks and the row of the lead's side.
pub(crate) fn rows(f: &Facts) -> Vec<Row> {
    let mut orgs: BTreeMap<i64, i64> = BTreeMap::new();
    orgs.insert(EVERYONE, 1);
    orgs.insert(side_key(f.lead_side), 1);
    for id in path_ids(f.lead_path) {
        orgs.insert(id, 1);
    }
    for path in f.other_paths {
        for id in path_ids(path) {
            orgs.entry(id).or_insert(0);
        }
    }
    let done = i64::from(matches!(f.status, "closed" | "cancelled"));
    let ledger = ledger_key(
        f.agreement_id,
        f.plan_id,
        f.area_id,
        f.lead_path,
        f.deadline,
    );
    orgs.into_iter()
        .map(|(org_id, lead)| Row {
            org_id,
            task_id: f.task_id,
            done,
            deadline: f.deadline,
            lead,
            status: f.status.to_owned(),
            colour: f.colour.to_owned(),
            ledger: ledger.clone(),
            missing: i64::from(f.missing),
            side: f.lead_side,
        })
        .collect()
}

/// A tally key: organization, the lead's side, lead, status, colour.
pub type Key = (i64, i64, i64, String, String);

/// What a tally key counts: its rows, and those of them that owe a report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub n: i64,
    pub missing: i64,
}

/// A key of `task_top_tally`: organization, the top of the lead's branch
/// ([`top_of`]), colour.
pub type TopKey = (i64, i64, String);

/// Counts by key of both tallies, added to and taken from as rows come and go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub keys: BTreeMap<Key, Count>,
    pub tops: BTreeMap<TopKey, Count>,
}

impl Tally {
    fn add(&mut self, r: &Row, by: i64) {
        let key = (r.org_id, r.side, r.lead, r.status.clone(), r.colour.clone());
        let top = (
            r.org_id,
            top_of(lead_path_of_ledger(&r.ledger)),
            r.colour.clone(),
        );
        for c in [
            self.keys.entry(key).or_default(),
            self.tops.entry(top).or_default(),
        ] {
            c.n += by;
            c.missing += by * r.missing;
        }
    }
}

/// The counts of a map that are not zero, in key order.
fn nonzero<K>(map: &BTreeMap<K, Count>) -> impl Iterator<Item = (&K, Count)> {
    map.iter()
        .filter(|(_, c)| **c != Count::default())
        .map(|(k, c)| (k, *c))
}

/// The task fields `rows` needs, for a set of tasks.
#[derive(sqlx::FromRow)]
struct TaskFacts {
    id: i64,
    status: String,
    colour: String,
    report_missing: i64,
    deadline: NaiveDate,
    agreement_id: Option<i64>,
    plan_id: i64,
    area_id: Option<i64>,
    lead_path: String,
    lead_side: i64,
}

/// The rows the tasks `ids` should have now, computed from the tasks themselves.
pub(crate) async fn expected(tx: &mut Tx, ids: &[i64]) -> Result<Vec<Row>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "select t.id, t.status, t.colour, t.report_missing, t.deadline, p.agreement_id, t.plan_id, t.area_id,
                o.path as lead_path, o.side_id as lead_side
         from task t join org o on o.id = t.lead_org_id join plan p on p.id = t.plan_id
         where t.id in ",
    );
    q.bind_list(ids.iter().copied());
    let tasks: Vec<TaskFacts> = q.all(tx).await?;
    // Everyone else involved, in one statement: the assigner, the supporters, the plan's
    // owner and the agreement's parties.
    let parts = [
        "select t.id, o.path from task t join org o on o.id = t.assigner_org_id where t.id in ",
        "select s.task_id, o.path from task_support s join org o on o.id = s.org_id where s.task_id in ",
        "select t.id, o.path from task t join plan p on p.id = t.plan_id join org o on o.id = p.owner_org_id
         where t.id in ",
        "select t.id, o.path from task t join plan p on p.id = t.plan_id
         join agreement_party a on a.agreement_id = p.agreement_id join org o on o.id = a.org_id where t.id in ",
    ];
    let mut q = Sql::new("");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            q.push(" union all ");
        }
        q.push(part).bind_list(ids.iter().copied());
    }
    let mut others: HashMap<i64, Vec<String>> = HashMap::new();
    for (task, path) in q.all::<(i64, String)>(tx).await? {
        others.entry(task).or_default().push(path);
    }
    let mut out = Vec::new();
    for t in &tasks {
        let paths: Vec<&str> = others
            .get(&t.id)
            .map(|v| v.iter().map(String::as_str).collect())
            .unwrap_or_default();
        out.extend(rows(&Facts {
            task_id: t.id,
            status: &t.status,
            colour: &t.colour,
            missing: t.report_missing != 0,
            deadline: t.deadline,
            agreement_id: t.agreement_id,
            plan_id: t.plan_id,
            area_id: t.area_id,
            lead_path: &t.lead_path,
            lead_side: t.lead_side,
            other_paths: &paths,
        }));
    }
    Ok(out)
}

/// The stored rows of a set of tasks, awaiting its `(…)` of ids.
const STORED: &str = "select org_id, task_id, done, deadline, lead, status, colour, ledger, missing, side from task_reach where task_id in ";

/// Brings the rows and tallies of the tasks `ids` up to date with the tasks. Called
/// once per write transaction with every task it touched, so the tallies are changed
/// in one statement, in key order: on PostgreSQL concurrent writers then lock the
/// shared tally rows in the same order and cannot deadlock.
pub(crate) async fn sync(tx: &mut Tx, ids: &[TaskId]) -> Result<()> {
    let ids: Vec<i64> = ids
        .iter()
        .map(|i| i.0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut delta = Tally::default();
    for chunk in ids.chunks(CHUNK) {
        // Another write syncing one of these tasks (a party added to its agreement
        // beside an edit of it) is waited for, so the rows read below are its rows.
        crate::db::lock_all(tx, "task", chunk).await?;
        keep_reporting(tx, chunk).await?;
        let mut q = Sql::new(STORED);
        q.bind_list(chunk.iter().copied());
        let old: Vec<Row> = q.all(tx).await?;
        let new = expected(tx, chunk).await?;
        if old.len() == new.len() && old.iter().collect::<BTreeSet<_>>() == new.iter().collect() {
            continue;
        }
        for r in &old {
            delta.add(r, -1);
        }
        for r in &new {
            delta.add(r, 1);
        }
        let mut del = Sql::new("delete from task_reach where task_id in ");
        del.bind_list(chunk.iter().copied());
        del.execute(tx).await?;
        insert(tx, &new).await?;
    }
    apply(tx, &delta).await?;
    recount_resolutions(tx, &ids).await
}

/// Whether a task owes a report today, and the day it will without a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Reporting {
    missing: bool,
    due: Option<NaiveDate>,
}

/// What decides a task's [`Reporting`], with what is stored of it.
#[derive(sqlx::FromRow)]
struct ReportingFacts {
    id: i64,
    status: String,
    start_on: NaiveDate,
    last_report_on: Option<NaiveDate>,
    cadence: String,
    due_day: Option<i64>,
    has_children: bool,
    report_missing: i64,
    report_due: Option<NaiveDate>,
}

impl ReportingFacts {
    fn stored(&self) -> Reporting {
        Reporting {
            missing: self.report_missing != 0,
            due: self.report_due,
        }
    }

    /// As the ledger judges it, on the plan's cadence.
    fn on(&self, today: NaiveDate) -> Reporting {
        let reporting = TaskStatus::parse(&self.status).is_ok_and(|s| s.reports(self.has_children));
        let cadence =
            supervision::Cadence::parse(&self.cadence).unwrap_or(supervision::Cadence::None);
        let day = u32::try_from(self.due_day.unwrap_or(28)).unwrap_or(28);
        let from = if reporting {
            supervision::missing_from(cadence, day, self.start_on, self.last_report_on)
        } else {
            None
        };
        Reporting {
            missing: from.is_some_and(|d| d <= today),
            due: from.filter(|d| *d > today),
        }
    }

    /// Stored differently from today's, and not merely waiting for the upkeep (whose
    /// range is `report_due` up to today).
    fn stale(&self, today: NaiveDate) -> bool {
        self.on(today) != self.stored() && self.report_due.is_none_or(|d| d > today)
    }
}

async fn reporting_facts(tx: &mut Tx, ids: &[i64]) -> Result<Vec<ReportingFacts>> {
    let mut q = Sql::new(
        "select t.id, t.status, t.start_on, t.last_report_on, p.cadence, p.due_day,
                exists (select 1 from task k where k.parent_id = t.id) as has_children,
                t.report_missing, t.report_due
         from task t join plan p on p.id = t.plan_id where t.id in ",
    );
    q.bind_list(ids.iter().copied());
    q.all(tx).await
}

/// Brings `task.report_missing` and `task.report_due` of these tasks up to today: one
/// statement per distinct new state (a batch of the upkeep has one), not one per task.
async fn keep_reporting(tx: &mut Tx, ids: &[i64]) -> Result<()> {
    let today = settings::today();
    let mut changed: BTreeMap<Reporting, Vec<i64>> = BTreeMap::new();
    for f in reporting_facts(tx, ids).await? {
        let want = f.on(today);
        if want != f.stored() {
            changed.entry(want).or_default().push(f.id);
        }
    }
    for (r, ids) in changed {
        let mut q = Sql::new("update task set report_missing = ");
        q.bind(i64::from(r.missing))
            .push(", report_due = ")
            .bind(r.due)
            .push(" where id in ")
            .bind_list(ids);
        q.execute(tx).await?;
    }
    Ok(())
}

/// A resolution's kept counts as they should be, over the row `resolution`: the tasks
/// it became, and how many of them are open.
const TASK_COUNT: &str =
    "(select count(*) from resolution_task rt where rt.resolution_id = resolution.id)";
const OPEN_TASK_COUNT: &str =
    "(select count(*) from resolution_task rt join task t on t.id = rt.task_id
    where rt.resolution_id = resolution.id and t.status not in ('closed', 'cancelled'))";

/// `update` of every resolution's kept counts (a `where` narrows it): one at a time for
/// the tasks a write touched, all at once where the generator loads them.
pub(crate) fn resolution_recount() -> String {
    format!("update resolution set task_count = {TASK_COUNT}, open_task_count = {OPEN_TASK_COUNT}")
}

/// The `resolution_reach` rows of the resolutions that pass `filter` (a condition over
/// `rt`), counted from `task_reach`: for each organization their tasks reach, how many
/// of those tasks and how many of them are open.
fn resolution_reach_count(filter: &Sql) -> Sql {
    let mut q = Sql::new(
        "select x.org_id, rt.resolution_id, count(*), cast(sum(1 - x.done) as bigint)
         from resolution_task rt join task_reach x on x.task_id = rt.task_id where ",
    );
    q.append(filter)
        .push(" group by x.org_id, rt.resolution_id");
    q
}

/// `insert` of those rows ([`resolution_reach_count`]).
pub(crate) fn resolution_reach_fill(filter: &Sql) -> Sql {
    let mut q = Sql::new("insert into resolution_reach (org_id, resolution_id, n, open) ");
    q.append(&resolution_reach_count(filter));
    q
}

/// Recounts the resolutions the tasks `ids` implement (their kept counts and their
/// `resolution_reach` rows), locked first in id order so concurrent PostgreSQL
/// writers queue on them and each counts the others' tasks.
async fn recount_resolutions(tx: &mut Tx, ids: &[i64]) -> Result<()> {
    let mut resolutions = BTreeSet::new();
    for chunk in ids.chunks(CHUNK) {
        let mut q = Sql::new("select resolution_id from resolution_task where task_id in ");
        q.bind_list(chunk.iter().copied());
        resolutions.extend(q.column::<i64>(tx).await?);
    }
    let resolutions: Vec<i64> = resolutions.into_iter().collect();
    crate::db::lock_all(tx, "resolution", &resolutions).await?;
    for id in &resolutions {
        let mut q = Sql::new(&format!("{} where id = ", resolution_recount()));
        q.bind(*id).execute(tx).await?;
    }
    for part in resolutions.chunks(CHUNK) {
        let mut q = Sql::new("delete from resolution_reach where resolution_id in ");
        q.bind_list(part.iter().copied()).execute(tx).await?;
        let mut these = Sql::new("rt.resolution_id in ");
        these.bind_list(part.iter().copied());
        resolution_reach_fill(&these).execute(tx).await?;
    }
    Ok(())
}

async fn insert(tx: &mut Tx, rows: &[Row]) -> Result<()> {
    for part in rows.chunks(INSERT_ROWS) {
        let mut q = Sql::new(
            "insert into task_reach (org_id, task_id, done, deadline, lead, status, colour, ledger, missing, side) values ",
        );
        for (i, r) in part.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .bind(r.org_id)
                .push(", ")
                .bind(r.task_id)
                .push(", ")
                .bind(r.done)
                .push(", ")
                .bind(r.deadline)
                .push(", ")
                .bind(r.lead)
                .push(", ")
                .bind(r.status.as_str())
                .push(", ")
                .bind(r.colour.as_str())
                .push(", ")
                .bind(r.ledger.as_str())
                .push(", ")
                .bind(r.missing)
                .push(", ")
                .bind(r.side)
                .push(")");
        }
        q.execute(tx).await?;
    }
    Ok(())
}

/// Adds a delta to the stored tallies, each in key order.
async fn apply(tx: &mut Tx, delta: &Tally) -> Result<()> {
    let keys = nonzero(&delta.keys).map(|((org, side, lead, status, colour), c)| {
        let key: Vec<Arg> = vec![
            (*org).into(),
            (*side).into(),
            (*lead).into(),
            status.as_str().into(),
            colour.as_str().into(),
        ];
        (key, c)
    });
    add_counts(
        tx,
        "task_tally",
        "org_id, side, lead, status, colour",
        keys.collect(),
    )
    .await?;
    let tops = nonzero(&delta.tops).map(|((org, top, colour), c)| {
        let key: Vec<Arg> = vec![(*org).into(), (*top).into(), colour.as_str().into()];
        (key, c)
    });
    add_counts(
        tx,
        "task_top_tally",
        "org_id, top_id, colour",
        tops.collect(),
    )
    .await
}

/// Adds counts to the rows of a tally table keyed by `columns`: a multi-row upsert
/// per part, in the order given.
async fn add_counts(
    tx: &mut Tx,
    table: &str,
    columns: &str,
    rows: Vec<(Vec<Arg>, Count)>,
) -> Result<()> {
    for part in rows.chunks(INSERT_ROWS) {
        let mut q = Sql::new(&format!(
            "insert into {table} ({columns}, n, missing) values "
        ));
        for (i, (key, c)) in part.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            for k in key {
                q.bind(k.clone()).push(", ");
            }
            q.bind(c.n).push(", ").bind(c.missing).push(")");
        }
        q.push(&format!(
            " on conflict ({columns}) do update
              set n = {table}.n + excluded.n, missing = {table}.missing + excluded.missing"
        ));
        q.execute(tx).await?;
    }
    Ok(())
}

/// The tasks that reach an organization: those to sync when it moves in the tree
/// (its own rows list every task that involves it or anything below it).
pub(crate) async fn tasks_reaching(tx: &mut Tx, org: OrgId) -> Result<Vec<TaskId>> {
    let mut q = Sql::new("select task_id from task_reach where org_id = ");
    q.bind(org.0);
    Ok(q.column::<i64>(tx).await?.into_iter().map(TaskId).collect())
}

/// The tasks an organization leads: those to sync when it changes side.
pub(crate) async fn tasks_led_by(tx: &mut Tx, org: OrgId) -> Result<Vec<TaskId>> {
    let mut q = Sql::new("select id from task where lead_org_id = ");
    q.bind(org.0);
    Ok(q.column::<i64>(tx).await?.into_iter().map(TaskId).collect())
}

/// The tasks of an agreement's plans: those to sync when its parties change.
pub(crate) async fn tasks_of_agreement(tx: &mut Tx, agreement: AgreementId) -> Result<Vec<TaskId>> {
    let mut q =
        Sql::new("select t.id from task t join plan p on p.id = t.plan_id where p.agreement_id = ");
    q.bind(agreement.0);
    Ok(q.column::<i64>(tx).await?.into_iter().map(TaskId).collect())
}

/// Marks that `task_reach` and both tallies hold every task, so a start skips
/// [`build`]. The generator writes it too.
pub(crate) const BUILT: &str = "task_reach";

/// Fills the three tables from the tasks when they have never been built (a database
/// from before they existed): run by every start before serving, a no-op once done.
pub async fn build(db: &Db) -> Result<u64> {
    let Some(mut tx) = crate::db::to_build(db, BUILT).await? else {
        return Ok(0);
    };
    Sql::new("delete from task_reach").execute(&mut tx).await?;
    Sql::new("delete from task_tally").execute(&mut tx).await?;
    Sql::new("delete from task_top_tally")
        .execute(&mut tx)
        .await?;
    let mut tally = Tally::default();
    let mut last = 0_i64;
    let mut done = 0_u64;
    loop {
        let mut q = Sql::new("select id from task where id > ");
        q.bind(last).push(" order by id limit ").bind(CHUNK as i64);
        let ids: Vec<i64> = q.column(&mut tx).await?;
        let Some(&end) = ids.last() else { break };
        keep_reporting(&mut tx, &ids).await?;
        let rows = expected(&mut tx, &ids).await?;
        for r in &rows {
            tally.add(r, 1);
        }
        insert(&mut tx, &rows).await?;
        done += ids.len() as u64;
        last = end;
    }
    apply(&mut tx, &tally).await?;
    Sql::new("delete from resolution_reach")
        .execute(&mut tx)
        .await?;
    resolution_reach_fill(&Sql::truth(true))
        .execute(&mut tx)
        .await?;
    crate::db::mark_built(&mut tx, BUILT).await?;
    tx.commit().await?;
    Ok(done)
}

/// What a recount found different from what is stored.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Differences {
    pub tasks_checked: u64,
    /// Tasks whose stored rows differ from those their fields and organizations give.
    pub tasks_reach: Vec<i64>,
    /// Tally keys whose stored count differs from the recount: key, stored, recounted.
    pub tallies: Vec<(Key, Count, Count)>,
    /// The same for `task_top_tally`.
    pub tops: Vec<(TopKey, Count, Count)>,
    /// Open tasks whose stored colour is not today's although it was not due to change
    /// (those due are the upkeep's next batch, not a difference).
    pub colours: Vec<i64>,
    /// Rows of tasks that do not exist.
    pub strays: i64,
    /// Resolutions whose kept task counts, or counts per organization reached
    /// (`resolution_reach`), differ from their tasks.
    pub resolutions: Vec<i64>,
    /// Tasks whose kept report flag or due day is not today's, although not due for
    /// the upkeep.
    pub reports: Vec<i64>,
}

impl Differences {
    pub fn is_empty(&self) -> bool {
        self.tasks_reach.is_empty()
            && self.tallies.is_empty()
            && self.tops.is_empty()
            && self.colours.is_empty()
            && self.strays == 0
            && self.resolutions.is_empty()
            && self.reports.is_empty()
    }
}

/// How many differing records a recount names; past it only the counts grow.
const NAMED: usize = 100;

#[derive(sqlx::FromRow)]
struct ColourFacts {
    id: i64,
    start_on: NaiveDate,
    deadline: NaiveDate,
    progress: i64,
    status: String,
    colour: String,
    colour_until: Option<NaiveDate>,
}

/// Recounts both tables and every stored colour from the tasks, in one snapshot.
pub async fn check(db: &Db) -> Result<Differences> {
    let mut tx = db.read().await?;
    let mut out = Differences::default();
    let mut tally = Tally::default();
    let (today, thresholds) = (settings::today(), settings::get().thresholds);
    let mut last = 0_i64;
    loop {
        let mut q = Sql::new(
            "select id, start_on, deadline, progress, status, colour, colour_until from task where id > ",
        );
        q.bind(last).push(" order by id limit ").bind(CHUNK as i64);
        let tasks: Vec<ColourFacts> = q.all(&mut tx).await?;
        let Some(end) = tasks.last().map(|t| t.id) else {
            break;
        };
        let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();
        for t in &tasks {
            let open = TaskStatus::parse(&t.status).map_or(true, TaskStatus::is_open);
            let now =
                supervision::assess(today, t.start_on, t.deadline, t.progress, open, thresholds);
            let due = t.colour_until.is_some_and(|u| u <= today);
            if now.colour.as_str() != t.colour && !due && out.colours.len() < NAMED {
                out.colours.push(t.id);
            }
        }
        for f in reporting_facts(&mut tx, &ids).await? {
            if f.stale(today) && out.reports.len() < NAMED {
                out.reports.push(f.id);
            }
        }
        let want = expected(&mut tx, &ids).await?;
        let mut q = Sql::new(STORED);
        q.bind_list(ids.iter().copied());
        let have: Vec<Row> = q.all(&mut tx).await?;
        let mut by_task: BTreeMap<i64, (BTreeSet<&Row>, BTreeSet<&Row>)> = BTreeMap::new();
        for r in &want {
            tally.add(r, 1);
            by_task.entry(r.task_id).or_default().0.insert(r);
        }
        for r in &have {
            by_task.entry(r.task_id).or_default().1.insert(r);
        }
        for (task, (w, h)) in by_task {
            if w != h && out.tasks_reach.len() < NAMED {
                out.tasks_reach.push(task);
            }
        }
        out.tasks_checked += ids.len() as u64;
        last = end;
    }
    type Stored = (i64, i64, i64, String, String, i64, i64);
    let stored: Vec<Stored> = Sql::new(
        "select org_id, side, lead, status, colour, n, missing from task_tally
         where n <> 0 or missing <> 0",
    )
    .all(&mut tx)
    .await?;
    let stored = stored
        .into_iter()
        .map(|(o, side, l, s, c, n, missing)| ((o, side, l, s, c), Count { n, missing }))
        .collect();
    out.tallies = differ(stored, &tally.keys);
    let stored: Vec<(i64, i64, String, i64, i64)> = Sql::new(
        "select org_id, top_id, colour, n, missing from task_top_tally
         where n <> 0 or missing <> 0",
    )
    .all(&mut tx)
    .await?;
    let stored = stored
        .into_iter()
        .map(|(o, top, c, n, missing)| ((o, top, c), Count { n, missing }))
        .collect();
    out.tops = differ(stored, &tally.tops);
    out.strays = Sql::new(
        "select count(*) from task_reach r where not exists (select 1 from task t where t.id = r.task_id)",
    )
    .scalar(&mut tx)
    .await?;
    let mut q = Sql::new(&format!(
        "select id from resolution
         where task_count <> {TASK_COUNT} or open_task_count <> {OPEN_TASK_COUNT}
         order by id limit "
    ));
    out.resolutions = q.bind(NAMED as i64).column(&mut tx).await?;
    // Each resolution's rows per organization against a recount from `task_reach`.
    type Reached = (i64, i64, i64, i64);
    let stored: BTreeSet<Reached> =
        Sql::new("select org_id, resolution_id, n, open from resolution_reach")
            .all(&mut tx)
            .await?
            .into_iter()
            .collect();
    let counted: BTreeSet<Reached> = resolution_reach_count(&Sql::truth(true))
        .all(&mut tx)
        .await?
        .into_iter()
        .collect();
    let mut differing: BTreeSet<i64> = stored.symmetric_difference(&counted).map(|r| r.1).collect();
    differing.extend(out.resolutions.iter().copied());
    out.resolutions = differing.into_iter().take(NAMED).collect();
    Ok(out)
}

/// The keys whose stored count is not the recount: key, stored, recounted.
fn differ<K: Ord + Clone>(
    mut stored: BTreeMap<K, Count>,
    counted: &BTreeMap<K, Count>,
) -> Vec<(K, Count, Count)> {
    let mut out = Vec::new();
    for (key, c) in nonzero(counted) {
        let have = stored.remove(key).unwrap_or_default();
        if have != c {
            out.push((key.clone(), have, c));
        }
    }
    out.extend(
        stored
            .into_iter()
            .map(|(key, c)| (key, c, Count::default())),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_is_counted_under_its_branch_at_the_regions_depth() {
        assert_eq!(top_of("/1/"), 1);
        assert_eq!(top_of("/1/7/"), 7);
        assert_eq!(top_of("/1/7/55/"), 55);
        assert_eq!(top_of("/1/7/55/123/9/"), 55);
        // Whatever the lead, its path starts with a shallow organization's path
        // exactly when its top's path does: what makes the tally exact for them.
        let paths = [
            "/1/",
            "/1/7/",
            "/1/7/55/",
            "/1/7/55/123/",
            "/1/70/",
            "/2/7/",
        ];
        let top_path = |p: &str| {
            let n = p.matches('/').count() - 1;
            let keep = n.min(TOP_DEPTH);
            let ids: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).take(keep).collect();
            format!("/{}/", ids.join("/"))
        };
        for lead in paths {
            for org in paths
                .iter()
                .filter(|p| p.matches('/').count() - 1 <= TOP_DEPTH)
            {
                assert_eq!(
                    lead.starts_with(org),
                    top_path(lead).starts_with(org),
                    "{lead} under {org}"
                );
            }
        }
    }

    #[test]
    fn the_ledger_key_holds_the_lead_path_where_the_sql_reads_it() {
        // LEAD_PATH_OF_LEDGER is substr(ledger, 37, length - 47): 1-based, so bytes 36
        // up to the space and the 10-character deadline.
        let day = NaiveDate::from_ymd_opt(2025, 3, 9).unwrap();
        for (agreement, area, path) in [
            (Some(12), None, "/1/7/55/"),
            (None, Some(987_654_321), "/2/"),
            (Some(999_999_999_999), Some(1), "/1/70/5500/123456/"),
        ] {
            let key = ledger_key(agreement, 345, area, path, day);
            assert_eq!(&key[36..key.len() - 11], path, "{key}");
            assert_eq!(lead_path_of_ledger(&key), path, "{key}");
        }
    }
}
