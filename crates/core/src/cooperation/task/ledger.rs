//! The progress ledger (打表推进): the tasks a reader may see, grouped by agreement →
//! plan → area → lead organization, each with its four fixes, its latest report, its
//! progress against the progress expected by today, its colour and whether a report
//! its plan's cadence asks for is missing. Filters and totals are the task list's own.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::view::{LIST_FROM, select};
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
}

#[derive(Clone, Copy, Debug, Serialize, utoipa::ToSchema)]
pub struct ColourCount {
    pub colour: Colour,
    pub tasks: i64,
}

/// Agreement, plan, area, lead (down the tree), then deadline: the order of a ledger a
/// federation prints and reviews.
const LEDGER_ORDER: &str = "coalesce(p.agreement_id, 0), t.plan_id, coalesce(t.area_id, 0), lo.path, r.deadline, r.task_id";

/// The ledger of the tasks the filter selects for this reader.
pub async fn ledger(
    db: &Db,
    actor: &Actor,
    filter: &TaskFilter,
    page: PageRequest,
) -> Result<Ledger> {
    let page = page.clamped();
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
            let mut q = Sql::new(&format!("select count(*) {LIST_FROM} where "));
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
    let items = rows(&mut tx, tasks).await?;
    Ok(Ledger {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
        colours: colours
            .into_iter()
            .map(|(colour, tasks)| ColourCount { colour, tasks })
            .collect(),
    })
}

/// The ledger's columns beyond the task: agreement titles, latest reports and plan
/// cadences, one statement each for the whole page.
async fn rows(tx: &mut Tx, tasks: Vec<Task>) -> Result<Vec<LedgerRow>> {
    if tasks.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(
        "select r.task_id, r.reported_on, r.percent, r.done from progress_report r
         where r.id in (select (select x.id from progress_report x where x.task_id = t.id
                                order by x.reported_on desc, x.id desc limit 1)
                        from task t where t.id in ",
    );
    q.bind_list(tasks.iter().map(|t| t.id.0)).push(")");
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
    let mut q = Sql::new("select id, cadence, due_day from plan where id in ");
    q.bind_list(tasks.iter().map(|t| t.plan_id.0));
    let cadences: HashMap<PlanId, (supervision::Cadence, u32)> = q
        .all::<(PlanId, String, Option<i64>)>(tx)
        .await?
        .into_iter()
        .map(|(id, cadence, day)| {
            let cadence =
                supervision::Cadence::parse(&cadence).unwrap_or(supervision::Cadence::None);
            (
                id,
                (cadence, u32::try_from(day.unwrap_or(28)).unwrap_or(28)),
            )
        })
        .collect();
    let today = settings::today();
    Ok(tasks
        .into_iter()
        .map(|task| {
            // Only a task that reports itself can owe a report: one in work, not a
            // parent whose progress its sub-tasks make.
            let reporting = matches!(task.status, TaskStatus::Accepted | TaskStatus::InProgress)
                && task.child_count == 0;
            let report_missing = reporting
                && cadences.get(&task.plan_id).is_some_and(|(cadence, day)| {
                    supervision::report_missing(
                        today,
                        *cadence,
                        *day,
                        task.start_on,
                        task.last_report_on,
                    )
                });
            LedgerRow {
                agreement_title: task.agreement_id.and_then(|a| titles.get(&a).cloned()),
                expected: supervision::expected_progress(today, task.start_on, task.deadline),
                latest: latest.get(&task.id).cloned(),
                report_missing,
                task,
            }
        })
        .collect())
}
