//! The progress ledger: reports, comments, the history of events, colours brought
//! up to date, sub-tasks rolled up, and tasks carried to a plan's next revision.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::*;

/// A progress report as submitted.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReportInput {
    /// `YYYY-MM-DD`; today if left out.
    pub reported_on: String,
    /// 0–100.
    pub percent: Option<i64>,
    pub done: String,
    pub next_step: Option<String>,
    pub problems: Option<String>,
    /// Required when the percent is lower than the last one.
    pub backwards_reason: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Report {
    pub id: ReportId,
    pub reported_on: NaiveDate,
    pub percent: i64,
    pub done: String,
    pub next_step: Option<String>,
    pub problems: Option<String>,
    pub backwards_reason: Option<String>,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    #[serde(default)]
    pub evidence: Vec<Attachment>,
}

/// Adds a report to the ledger (append-only); the latest sets the task's progress.
pub async fn report(
    db: &Db,
    actor: &Actor,
    id: TaskId,
    input: &ReportInput,
    evidence: &[Upload],
) -> Result<Task> {
    let mut tx = db.write().await?;
    let task = report_in(&mut tx, actor, id, input, evidence).await?;
    tx.commit().await?;
    Ok(task)
}

/// [`report`] inside a write that goes on (an order's answer reports with it).
pub(crate) async fn report_in(
    tx: &mut Tx,
    actor: &Actor,
    id: TaskId,
    input: &ReportInput,
    evidence: &[Upload],
) -> Result<Task> {
    // Reports carry no version: two at once are both recorded, one after the other.
    crate::db::lock(&mut *tx, "task", id.0).await?;
    let task = get_in(&mut *tx, actor, id).await?;
    task.authorize(actor, Action::Report)?;
    match task.status {
        TaskStatus::Accepted | TaskStatus::InProgress => {}
        TaskStatus::Closed | TaskStatus::Cancelled => {
            return Err(Error::field("status", "task_closed"));
        }
        _ => return Err(Error::field("status", "not_reportable")),
    }
    if task.child_count > 0 {
        return Err(Error::field("percent", "has_subtasks"));
    }
    let mut check = Check::default();
    let today = settings::today();
    let reported_on = check
        .take("reported_on", text::date(&input.reported_on))
        .map(|d| d.unwrap_or(today));
    if reported_on.is_some_and(|d| d > today) {
        check.add("reported_on", "date_in_future");
    }
    let percent = match input.percent {
        None => {
            check.add("percent", "required");
            None
        }
        Some(p) if !(0..=100).contains(&p) => {
            check.add("percent", "percent_range");
            None
        }
        Some(p) => Some(p),
    };
    let done = check.take("done", text::required(&input.done, text::LONG));
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let next_step = check
        .take(
            "next_step",
            text::optional(&opt(&input.next_step), text::LONG),
        )
        .flatten();
    let problems = check
        .take(
            "problems",
            text::optional(&opt(&input.problems), text::LONG),
        )
        .flatten();
    let backwards = check
        .take(
            "backwards_reason",
            text::optional(&opt(&input.backwards_reason), text::LONG),
        )
        .flatten();
    if percent.is_some_and(|p| p < task.progress) && backwards.is_none() {
        check.add("backwards_reason", "backwards_without_reason");
    }
    for u in evidence {
        if let Err(e) = u.check() {
            check.take::<()>("evidence", Err(e));
        }
    }
    check.finish()?;
    let (Some(reported_on), Some(percent), Some(done)) = (reported_on, percent, done) else {
        return Err(Error::Other(
            "report parsed without errors yet incomplete".into(),
        ));
    };
    let to = if task.status == TaskStatus::Accepted {
        TaskStatus::InProgress
    } else {
        task.status
    };
    let last_report_on = task
        .last_report_on
        .map_or(reported_on, |d| d.max(reported_on));
    let (colour, colour_until) = colour_of(task.start_on, task.deadline, percent, to.is_open());
    let now = crate::now();
    // The claim, the progress and the colour in one statement: the report holds the
    // write lock for as few round trips as it can, since every other write waits on it.
    let claimed = on!(&mut *tx, |c| {
        sqlx::query(
            "update task set progress = $1, last_report_on = $2, status = $3, colour = $4, colour_until = $5,
                version = version + 1, updated_at = $6
             where id = $7 and version = $8",
        )
        .bind(percent)
        .bind(last_report_on)
        .bind(to.as_str())
        .bind(colour.as_str())
        .bind(colour_until)
        .bind(now)
        .bind(id)
        .bind(task.version)
        .execute(c)
        .await?
        .rows_affected()
    });
    if claimed == 0 {
        return Err(crate::db::unclaimed(&mut *tx, "task", id.0).await);
    }
    let report_id: ReportId = on!(&mut *tx, |c| {
        sqlx::query_scalar(
            "insert into progress_report (task_id, reported_on, percent, done, next_step, problems, backwards_reason,
                author_id, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
        )
        .bind(id)
        .bind(reported_on)
        .bind(percent)
        .bind(&done)
        .bind(&next_step)
        .bind(&problems)
        .bind(&backwards)
        .bind(actor.account_id)
        .bind(now)
        .fetch_one(c)
        .await?
    });
    for u in evidence {
        file::attach(&mut *tx, "progress", report_id.0, u, actor.account_id).await?;
    }
    event(
        &mut *tx,
        actor,
        id,
        "report",
        Some(task.status),
        Some(to),
        Some(&format!("{percent}%")),
    )
    .await?;
    // A report moves the day the next one falls due, which the task's rows carry with
    // its status and colour; the parents rolled up are synced as usual.
    let mut touched = vec![id];
    if let Some(parent) = task.parent_id {
        touched.extend(roll_up(&mut *tx, parent).await?);
    }
    reach::sync(&mut *tx, &touched).await?;
    // The answer is the task as read, with what this report changed: nothing else
    // could change it meanwhile, its row being claimed.
    Ok(Task {
        progress: percent,
        last_report_on: Some(last_report_on),
        status: to,
        colour,
        version: task.version + 1,
        updated_at: now,
        ..task
    })
}

/// Whether the actor may report on a task: asked before evidence files are read.
pub async fn may_report(db: &Db, actor: &Actor, id: TaskId) -> Result<()> {
    let task = get(db, actor, id).await?;
    task.authorize(actor, Action::Report)
}

/// Records a step another kind of record took on a task (an order opened, answered,
/// closed) in its history.
pub(crate) async fn record_event(
    tx: &mut Tx,
    actor: &Actor,
    id: TaskId,
    kind: &str,
    note: &str,
) -> Result<()> {
    event(tx, actor, id, kind, None, None, Some(note)).await
}

/// A comment from any organization involved in the task.
pub async fn comment(db: &Db, actor: &Actor, id: TaskId, body: &str) -> Result<()> {
    let mut tx = db.write().await?;
    let task = get_in(&mut tx, actor, id).await?;
    access::authorize_any(
        actor,
        Resource::Task,
        Action::Comment,
        task.involved_paths(),
    )?;
    let body =
        text::required(body, text::LONG).map_err(|e| Error::Invalid([("comment", e)].into()))?;
    event(&mut tx, actor, id, "comment", None, None, Some(&body)).await?;
    tx.commit().await
}

pub(super) async fn event(
    tx: &mut Tx,
    actor: &Actor,
    id: TaskId,
    kind: &str,
    from: Option<TaskStatus>,
    to: Option<TaskStatus>,
    note: Option<&str>,
) -> Result<()> {
    on!(tx, |c| {
        sqlx::query(
            "insert into task_event (task_id, kind, from_status, to_status, note, account_id, org_id, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(kind)
        .bind(from.map(TaskStatus::as_str))
        .bind(to.map(TaskStatus::as_str))
        .bind(note)
        .bind(actor.account_id)
        .bind(actor.org_id)
        .bind(crate::now())
        .execute(c)
        .await?;
    });
    Ok(())
}

/// A task's colour as of today and the day it next changes.
fn colour_of(
    start: NaiveDate,
    deadline: NaiveDate,
    progress: i64,
    open: bool,
) -> (Colour, Option<NaiveDate>) {
    let (today, t) = (settings::today(), settings::get().thresholds);
    (
        supervision::assess(today, start, deadline, progress, open, t).colour,
        supervision::colour_until(today, start, deadline, progress, open, t),
    )
}

/// Recomputes the stored colour of one task and when it next changes.
pub(super) async fn refresh(tx: &mut Tx, id: TaskId) -> Result<()> {
    let (start, deadline, progress, status): (NaiveDate, NaiveDate, i64, String) =
        on!(&mut *tx, |c| {
            sqlx::query_as("select start_on, deadline, progress, status from task where id = $1")
                .bind(id)
                .fetch_one(c)
                .await?
        });
    let open = TaskStatus::parse(&status)
        .map(TaskStatus::is_open)
        .unwrap_or(true);
    let (colour, until) = colour_of(start, deadline, progress, open);
    on!(tx, |c| {
        sqlx::query("update task set colour = $1, colour_until = $2 where id = $3")
            .bind(colour.as_str())
            .bind(until)
            .bind(id)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Brings stored colours and report flags up to date with the calendar: only tasks
/// whose colour or flag was due to change by today are touched (an indexed range each).
/// Run by the server's upkeep, never by a read.
pub async fn refresh_stale(db: &Db) -> Result<u64> {
    // No order in either range: each batch moves its tasks' days on, so the next finds
    // the rest, and the range alone stays on its index.
    let colours = in_batches(
        db,
        "select id from task where colour_until <= ",
        async |tx, ids| {
            for id in ids {
                refresh(tx, *id).await?;
            }
            reach::sync(tx, ids).await
        },
    )
    .await?;
    // A flag's rows and tallies follow in the same write: sync sets the flag first.
    let flags = in_batches(
        db,
        "select id from task where report_due <= ",
        async |tx, ids| reach::sync(tx, ids).await,
    )
    .await?;
    Ok(colours + flags)
}

/// Tasks per upkeep write: few enough that no request waits long behind one.
const BATCH: usize = 200;

/// Runs `fix` over the tasks `due` (a query awaiting today) selects, a batch per write.
/// The upkeep runs every minute and most minutes finds nothing: a read looks first, so
/// those minutes take no write lock at all.
async fn in_batches(
    db: &Db,
    due: &str,
    mut fix: impl AsyncFnMut(&mut Tx, &[TaskId]) -> Result<()>,
) -> Result<u64> {
    let mut done = 0;
    loop {
        let mut q = Sql::new(due);
        q.bind(settings::today()).push(&format!(" limit {BATCH}"));
        let ids: Vec<TaskId> = q
            .column::<i64>(&mut db.read().await?)
            .await?
            .into_iter()
            .map(TaskId)
            .collect();
        if ids.is_empty() {
            return Ok(done);
        }
        // Fixing a task recomputes it from what it now holds, so one another write
        // brought up to date since the read is merely recomputed the same.
        let mut tx = db.write().await?;
        fix(&mut tx, &ids).await?;
        tx.commit().await?;
        done += ids.len() as u64;
        if ids.len() < BATCH {
            return Ok(done);
        }
    }
}

/// Sets a parent's progress to the weighted roll-up of its live sub-tasks, up the tree,
/// with the colour that progress gives; answers the tasks whose colour or status (what
/// their reach rows hold) this changed. Two statements a level, and none above a parent
/// whose progress stays: its ancestors' cannot change either.
pub(super) async fn roll_up(tx: &mut Tx, parent: TaskId) -> Result<Vec<TaskId>> {
    let mut touched = Vec::new();
    let mut next = Some(parent);
    // Bounded: parents are checked against cycles, and old data cannot loop this.
    for _ in 0..MAX_DEPTH {
        let Some(id) = next else { break };
        // Siblings reporting at once queue here, each averaging what the other wrote;
        // writes lock a task before its parents (see ARCHITECTURE, "A recount locks").
        crate::db::lock(tx, "task", id.0).await?;
        // The parent and its live children in one read: a row per child, or one row
        // with no child when none is left.
        type Row = (
            NaiveDate,
            NaiveDate,
            i64,
            String,
            String,
            Option<TaskId>,
            Option<i64>,
            Option<i64>,
        );
        let rows: Vec<Row> = on!(&mut *tx, |c| {
            sqlx::query_as(
                "select t.start_on, t.deadline, t.progress, t.status, t.colour, t.parent_id, k.weight, k.progress
                 from task t left join task k on k.parent_id = t.id and k.status <> 'cancelled'
                 where t.id = $1",
            )
            .bind(id)
            .fetch_all(c)
            .await?
        });
        let Some((start, deadline, old, status, colour, parent_id, ..)) = rows.first().cloned()
        else {
            break;
        };
        let children: Vec<(i64, i64)> = rows.iter().filter_map(|r| Some((r.6?, r.7?))).collect();
        let progress = supervision::roll_up(&children);
        if progress == old {
            break;
        }
        let open = TaskStatus::parse(&status)
            .map(TaskStatus::is_open)
            .unwrap_or(true);
        let (new, until) = colour_of(start, deadline, progress, open);
        on!(&mut *tx, |c| {
            sqlx::query(
                "update task set progress = $1, colour = $2, colour_until = $3 where id = $4",
            )
            .bind(progress)
            .bind(new.as_str())
            .bind(until)
            .bind(id)
            .execute(c)
            .await?;
        });
        if new.as_str() != colour {
            touched.push(id);
        }
        next = parent_id;
    }
    Ok(touched)
}

/// Moves a superseded plan's open tasks to its new revision, cancelling those in `close`.
pub(crate) async fn carry_forward(
    tx: &mut Tx,
    actor: &Actor,
    from: PlanId,
    to: PlanId,
    close: &[TaskId],
    note: &str,
) -> Result<()> {
    let open: Vec<(TaskId, String)> = on!(&mut *tx, |c| {
        sqlx::query_as("select id, status from task where plan_id = $1 and status not in ('closed', 'cancelled')")
            .bind(from)
            .fetch_all(c)
            .await?
    });
    for (id, status) in &open {
        let (id, status) = (*id, TaskStatus::parse(status).ok());
        if close.contains(&id) {
            on!(&mut *tx, |c| {
                sqlx::query("update task set status = 'cancelled', updated_at = $1, version = version + 1 where id = $2")
                    .bind(crate::now())
                    .bind(id)
                    .execute(c)
                    .await?;
            });
            event(
                tx,
                actor,
                id,
                "closed_by_revision",
                status,
                Some(TaskStatus::Cancelled),
                Some(note),
            )
            .await?;
            refresh(tx, id).await?;
        } else {
            on!(&mut *tx, |c| {
                sqlx::query("update task set plan_id = $1, updated_at = $2, version = version + 1 where id = $3")
                    .bind(to)
                    .bind(crate::now())
                    .bind(id)
                    .execute(c)
                    .await?;
            });
            event(tx, actor, id, "carried_forward", None, None, Some(note)).await?;
        }
    }
    // The new revision may have another owner or agreement: who each task reaches too.
    let moved: Vec<TaskId> = open.iter().map(|(id, _)| *id).collect();
    reach::sync(tx, &moved).await
}
