//! Tasks: the four fixes (goal, standard, deadline, requirement), a lead and
//! supporting organizations, sub-tasks rolled up by weight, a lifecycle from draft to
//! closed, the append-only progress ledger and the supervision colour.
//!
//! Who does what: the assigning organization (the plan's owner) drafts, assigns,
//! verifies and closes or refuses, and cancels; only the lead organization itself
//! accepts and reports; every involved organization may comment.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::agreement::{AgreementId, AreaId};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::file::{self, Attachment, Upload};
use crate::org::OrgId;
use crate::page::{Page, PageRequest};
use crate::plan::{self, PlanId, PlanStatus};
use crate::sql::{self, Sql};
use crate::supervision::{self, Assessment, Colour};
use crate::{on, settings, text};

id_type!(TaskId);
id_type!(ReportId);

text_enum!(
    TaskStatus {
        Draft = "draft",
        Assigned = "assigned",
        Accepted = "accepted",
        InProgress = "in_progress",
        ReportedDone = "reported_done",
        Closed = "closed",
        Cancelled = "cancelled",
    }
);

impl TaskStatus {
    pub fn is_open(self) -> bool {
        !matches!(self, TaskStatus::Closed | TaskStatus::Cancelled)
    }
}

text_enum!(
    /// A step of the lifecycle. `refuse` sends a task reported done back to work.
    Step {
        Assign = "assign",
        Accept = "accept",
        ReportDone = "report_done",
        Close = "close",
        Refuse = "refuse",
        Cancel = "cancel",
    }
);

impl Step {
    /// Where the step may start, where it leads, and which side takes it.
    fn rule(self) -> (&'static [TaskStatus], TaskStatus, Action) {
        use TaskStatus::*;
        match self {
            Step::Assign => (&[Draft], Assigned, Action::Assign),
            Step::Accept => (&[Assigned], Accepted, Action::Report),
            Step::ReportDone => (&[Accepted, InProgress], ReportedDone, Action::Report),
            Step::Close => (&[ReportedDone], Closed, Action::Assign),
            Step::Refuse => (&[ReportedDone], InProgress, Action::Assign),
            Step::Cancel => (
                &[Draft, Assigned, Accepted, InProgress, ReportedDone],
                Cancelled,
                Action::Assign,
            ),
        }
    }

    fn needs_reason(self) -> bool {
        matches!(self, Step::Refuse | Step::Cancel)
    }
}

pub use crate::org::OrgRef;

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Task {
    pub id: TaskId,
    pub plan_id: PlanId,
    pub plan_title: String,
    pub agreement_id: Option<AgreementId>,
    pub area_id: Option<AreaId>,
    pub area_name: Option<String>,
    pub parent_id: Option<TaskId>,
    pub title: String,
    /// 定目标
    pub goal: String,
    /// 定标准
    pub standard: String,
    /// 定要求
    pub requirement: String,
    pub start_on: NaiveDate,
    /// 定时限
    pub deadline: NaiveDate,
    pub lead_org_id: OrgId,
    pub lead_org_name: String,
    #[serde(skip)]
    pub lead_org_path: String,
    pub assigner_org_id: OrgId,
    pub assigner_org_name: String,
    #[serde(skip)]
    pub assigner_org_path: String,
    pub responsible: Option<String>,
    pub weight: i64,
    #[sqlx(try_from = "String")]
    pub status: TaskStatus,
    pub progress: i64,
    pub last_report_on: Option<NaiveDate>,
    #[sqlx(try_from = "String")]
    pub colour: Colour,
    pub carried_from_id: Option<TaskId>,
    pub child_count: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub supporters: Vec<OrgRef>,
}

impl Task {
    /// Why the task has its colour, as of today.
    pub fn assessment(&self) -> Assessment {
        supervision::assess(
            settings::today(),
            self.start_on,
            self.deadline,
            self.progress,
            self.status.is_open(),
            settings::get().thresholds,
        )
    }

    fn involved_paths(&self) -> impl Iterator<Item = &str> {
        [self.lead_org_path.as_str(), self.assigner_org_path.as_str()]
            .into_iter()
            .chain(self.supporters.iter().map(|s| s.path.as_str()))
    }
}

/// A task as submitted.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TaskInput {
    pub plan_id: Option<PlanId>,
    pub area_id: Option<AreaId>,
    /// A task of the same plan this one is a sub-task of.
    pub parent_id: Option<TaskId>,
    pub title: String,
    pub goal: String,
    pub standard: String,
    pub requirement: String,
    /// `YYYY-MM-DD`; today if left out.
    pub start_on: String,
    /// `YYYY-MM-DD`
    pub deadline: String,
    pub lead_org_id: Option<OrgId>,
    pub supporting_org_ids: Vec<OrgId>,
    pub responsible: Option<String>,
    /// 1–100, default 1: the share of this task in its parent's progress.
    pub weight: Option<i64>,
    /// The version read, when editing.
    pub version: Option<i64>,
    /// The joint-meeting resolution this task implements (creation only).
    pub resolution_id: Option<crate::meeting::ResolutionId>,
}

struct Fields {
    plan: plan::Plan,
    area_id: Option<AreaId>,
    parent_id: Option<TaskId>,
    title: String,
    goal: String,
    standard: String,
    requirement: String,
    start_on: NaiveDate,
    deadline: NaiveDate,
    lead: OrgId,
    supporters: Vec<OrgId>,
    responsible: Option<String>,
    weight: i64,
}

/// How deep sub-tasks may nest; every walk of the task tree stops here.
pub const MAX_DEPTH: i64 = 8;

async fn parse(
    actor: &Actor,
    tx: &mut Tx,
    input: &TaskInput,
    this: Option<TaskId>,
) -> Result<Fields> {
    let mut check = Check::default();
    let title = check.take("title", text::required(&input.title, 200));
    let goal = check.take("goal", text::required(&input.goal, text::LONG));
    let standard = check.take("standard", text::required(&input.standard, text::LONG));
    let requirement = check.take(
        "requirement",
        text::required(&input.requirement, text::LONG),
    );
    let start_on = check
        .take("start_on", text::date(&input.start_on))
        .map(|d| d.unwrap_or_else(settings::today));
    let deadline = check.required("deadline", text::date(&input.deadline));
    if let (Some(s), Some(d)) = (start_on, deadline)
        && d < s
    {
        check.add("deadline", "deadline_before_start");
    }
    let responsible = check
        .take(
            "responsible",
            text::optional(&input.responsible.clone().unwrap_or_default(), 100),
        )
        .flatten();
    let weight = input.weight.unwrap_or(1);
    if !(1..=100).contains(&weight) {
        check.add("weight", "bad_weight");
    }
    let plan = match input.plan_id {
        None => {
            check.add("plan_id", "required");
            None
        }
        Some(id) => match plan::get_in(tx, actor, id).await {
            Ok(p) if p.status == PlanStatus::Active => Some(p),
            Ok(_) => {
                check.add("plan_id", "plan_not_active");
                None
            }
            Err(Error::NotFound) => {
                check.add("plan_id", "unknown_plan");
                None
            }
            Err(e) => return Err(e),
        },
    };
    match input.lead_org_id {
        None => check.add("lead_org_id", "required"),
        Some(id) if crate::org::path_of(tx, id).await?.is_none() => {
            check.add("lead_org_id", "unknown_org")
        }
        Some(_) => {}
    }
    for s in &input.supporting_org_ids {
        if Some(*s) == input.lead_org_id {
            check.add("supporting_org_ids", "lead_cannot_support");
        } else if crate::org::path_of(tx, *s).await?.is_none() {
            check.add("supporting_org_ids", "unknown_org");
        }
    }
    if let (Some(area), Some(p)) = (input.area_id, &plan) {
        let ok: i64 = on!(&mut *tx, |c| {
            sqlx::query_scalar(
                "select count(*) from agreement_area where id = $1 and agreement_id = $2",
            )
            .bind(area)
            .bind(p.agreement_id)
            .fetch_one(c)
            .await?
        });
        if ok == 0 {
            check.add("area_id", "unknown_area");
        }
    }
    if let (Some(parent), Some(p)) = (input.parent_id, &plan) {
        let line = ancestors(tx, parent).await?;
        if line.first().is_none_or(|(_, plan)| *plan != p.id) {
            check.add("parent_id", "unknown_parent");
        } else if this.is_some_and(|t| line.iter().any(|(id, _)| *id == t)) {
            check.add("parent_id", "task_parent_cycle");
        } else if line.len() as i64 >= MAX_DEPTH {
            check.take::<()>(
                "parent_id",
                Err(crate::FieldError {
                    code: "too_deep",
                    limit: Some(MAX_DEPTH as usize),
                }),
            );
        }
    }
    // Checked here, before anything is written, so a refused task leaves no trace.
    if let Some(r) = input.resolution_id {
        let found: i64 = on!(&mut *tx, |c| {
            sqlx::query_scalar("select count(*) from resolution where id = $1")
                .bind(r)
                .fetch_one(c)
                .await?
        });
        if found == 0 {
            check.add("resolution_id", "unknown_resolution");
        }
    }
    check.finish()?;
    let mut supporters = input.supporting_org_ids.clone();
    supporters.sort();
    supporters.dedup();
    match (
        plan,
        title,
        goal,
        standard,
        requirement,
        start_on,
        deadline,
        input.lead_org_id,
    ) {
        (
            Some(plan),
            Some(title),
            Some(goal),
            Some(standard),
            Some(requirement),
            Some(start_on),
            Some(deadline),
            Some(lead),
        ) => Ok(Fields {
            plan,
            area_id: input.area_id,
            parent_id: input.parent_id,
            title,
            goal,
            standard,
            requirement,
            start_on,
            deadline,
            lead,
            supporters,
            responsible,
            weight,
        }),
        _ => Err(Error::Other(
            "task parsed without errors yet incomplete".into(),
        )),
    }
}

/// A task and the tasks above it, nearest first, with their plans: at most
/// `MAX_DEPTH` of them, so a cycle left in old data cannot make this loop.
async fn ancestors(tx: &mut Tx, id: TaskId) -> Result<Vec<(TaskId, PlanId)>> {
    Ok(on!(tx, |c| {
        sqlx::query_as(
            "with recursive up (id, parent_id, plan_id, depth) as (
                select id, parent_id, plan_id, 0 from task where id = $1
                union all
                select t.id, t.parent_id, t.plan_id, up.depth + 1 from task t join up on t.id = up.parent_id
                where up.depth < $2
             ) select id, plan_id from up order by depth",
        )
        .bind(id)
        .bind(MAX_DEPTH)
        .fetch_all(c)
        .await?
    }))
}

/// Ids of a task's sub-tasks at every level (bounded by `MAX_DEPTH`), which cannot
/// become its parent.
pub async fn descendants(db: &Db, id: TaskId) -> Result<Vec<TaskId>> {
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_scalar(
            "with recursive down (id, depth) as (
                select id, 1 from task where parent_id = $1
                union all
                select t.id, down.depth + 1 from task t join down on t.parent_id = down.id
                where down.depth < $2
             ) select id from down",
        )
        .bind(id)
        .bind(MAX_DEPTH)
        .fetch_all(c)
        .await?
    }))
}

/// Drafts a task in a plan; the plan's owner is the assigning organization.
pub async fn create(db: &Db, actor: &Actor, input: &TaskInput) -> Result<Task> {
    let mut tx = db.write().await?;
    let f = parse(actor, &mut tx, input, None).await?;
    access::authorize(
        actor,
        Resource::Task,
        Action::Create,
        Some(&f.plan.owner_org_path),
    )?;
    let now = crate::now();
    let id: TaskId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into task (plan_id, area_id, parent_id, title, goal, standard, requirement, start_on, deadline,
                lead_org_id, assigner_org_id, responsible, weight, status, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'draft', $14, $14) returning id",
        )
        .bind(f.plan.id)
        .bind(f.area_id)
        .bind(f.parent_id)
        .bind(&f.title)
        .bind(&f.goal)
        .bind(&f.standard)
        .bind(&f.requirement)
        .bind(f.start_on)
        .bind(f.deadline)
        .bind(f.lead)
        .bind(f.plan.owner_org_id)
        .bind(&f.responsible)
        .bind(f.weight)
        .bind(now)
        .fetch_one(c)
        .await?
    });
    write_supporters(&mut tx, id, &f.supporters).await?;
    if let Some(r) = input.resolution_id {
        crate::meeting::link_task(&mut tx, r, id).await?;
    }
    event(
        &mut tx,
        actor,
        id,
        "created",
        None,
        Some(TaskStatus::Draft),
        None,
    )
    .await?;
    settle(actor, tx, id, &[f.parent_id]).await
}

/// Finishes a write to a task: its colour, its parents' roll-up, the task as it now
/// reads, and the commit.
async fn settle(actor: &Actor, mut tx: Tx, id: TaskId, parents: &[Option<TaskId>]) -> Result<Task> {
    refresh(&mut tx, id).await?;
    crate::search::refresh(&mut tx, crate::search::Kind::Task, id.0).await?;
    for parent in parents.iter().flatten() {
        roll_up(&mut tx, *parent).await?;
    }
    let task = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(task)
}

async fn write_supporters(tx: &mut Tx, id: TaskId, orgs: &[OrgId]) -> Result<()> {
    on!(&mut *tx, |c| {
        sqlx::query("delete from task_support where task_id = $1")
            .bind(id)
            .execute(c)
            .await?;
    });
    for org in orgs {
        on!(&mut *tx, |c| {
            sqlx::query("insert into task_support (task_id, org_id) values ($1, $2)")
                .bind(id)
                .bind(org)
                .execute(c)
                .await?;
        });
    }
    Ok(())
}

/// Edits the four fixes and the rest of an open task, made on `input.version`.
pub async fn update(db: &Db, actor: &Actor, id: TaskId, input: &TaskInput) -> Result<Task> {
    let mut tx = db.write().await?;
    let current = get_in(&mut tx, actor, id).await?;
    access::authorize(
        actor,
        Resource::Task,
        Action::Update,
        Some(&current.assigner_org_path),
    )?;
    if !current.status.is_open() {
        return Err(Error::field("status", "task_closed"));
    }
    let Some(version) = input.version else {
        return Err(Error::field("version", "required"));
    };
    crate::db::claim(&mut tx, "task", id.0, version).await?;
    let mut input = input.clone();
    // A task stays in its plan; moving between plans is a revision's job.
    input.plan_id = Some(current.plan_id);
    let f = parse(actor, &mut tx, &input, Some(id)).await?;
    on!(&mut tx, |c| {
        sqlx::query(
            "update task set area_id = $1, parent_id = $2, title = $3, goal = $4, standard = $5, requirement = $6,
                start_on = $7, deadline = $8, lead_org_id = $9, responsible = $10, weight = $11
             where id = $12",
        )
        .bind(f.area_id)
        .bind(f.parent_id)
        .bind(&f.title)
        .bind(&f.goal)
        .bind(&f.standard)
        .bind(&f.requirement)
        .bind(f.start_on)
        .bind(f.deadline)
        .bind(f.lead)
        .bind(&f.responsible)
        .bind(f.weight)
        .bind(id)
        .execute(c)
        .await?;
    });
    write_supporters(&mut tx, id, &f.supporters).await?;
    event(&mut tx, actor, id, "edited", None, None, None).await?;
    settle(actor, tx, id, &[current.parent_id, f.parent_id]).await
}

/// Takes one lifecycle step. `version`, when given, must be the one read.
pub async fn step(
    db: &Db,
    actor: &Actor,
    id: TaskId,
    step: Step,
    reason: Option<&str>,
    version: Option<i64>,
) -> Result<Task> {
    let mut tx = db.write().await?;
    let task = get_in(&mut tx, actor, id).await?;
    let (from, to, action) = step.rule();
    let side = if action == Action::Assign {
        &task.assigner_org_path
    } else {
        &task.lead_org_path
    };
    access::authorize(actor, Resource::Task, action, Some(side))?;
    if version.is_some_and(|v| v != task.version) {
        return Err(Error::Conflict {
            current_version: task.version,
        });
    }
    if !from.contains(&task.status) {
        return Err(Error::field("status", "bad_transition"));
    }
    let reason = text::optional(reason.unwrap_or(""), text::LONG)
        .map_err(|e| Error::Invalid([("reason", e)].into()))?;
    if step.needs_reason() && reason.is_none() {
        return Err(Error::field("reason", "required"));
    }
    if step == Step::ReportDone && task.progress < 100 {
        return Err(Error::field("status", "progress_not_complete"));
    }
    crate::db::claim(&mut tx, "task", id.0, task.version).await?;
    on!(&mut tx, |c| {
        sqlx::query("update task set status = $1 where id = $2")
            .bind(to.as_str())
            .bind(id)
            .execute(c)
            .await?;
    });
    event(
        &mut tx,
        actor,
        id,
        step.as_str(),
        Some(task.status),
        Some(to),
        reason.as_deref(),
    )
    .await?;
    settle(actor, tx, id, &[task.parent_id]).await
}

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

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
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
    let task = get_in(&mut tx, actor, id).await?;
    access::authorize(
        actor,
        Resource::Task,
        Action::Report,
        Some(&task.lead_org_path),
    )?;
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
    crate::db::claim(&mut tx, "task", id.0, task.version).await?;
    let report_id: ReportId = on!(&mut tx, |c| {
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
        .bind(crate::now())
        .fetch_one(c)
        .await?
    });
    for u in evidence {
        file::attach(&mut tx, "progress", report_id.0, u, actor.account_id).await?;
    }
    let to = if task.status == TaskStatus::Accepted {
        TaskStatus::InProgress
    } else {
        task.status
    };
    on!(&mut tx, |c| {
        sqlx::query(
            "update task set progress = $1, last_report_on = $2, status = $3 where id = $4",
        )
        .bind(percent)
        .bind(
            task.last_report_on
                .map_or(reported_on, |d| d.max(reported_on)),
        )
        .bind(to.as_str())
        .bind(id)
        .execute(c)
        .await?;
    });
    event(
        &mut tx,
        actor,
        id,
        "report",
        Some(task.status),
        Some(to),
        Some(&format!("{percent}%")),
    )
    .await?;
    settle(actor, tx, id, &[task.parent_id]).await
}

/// Whether the actor may report on a task: asked before evidence files are read.
pub async fn may_report(db: &Db, actor: &Actor, id: TaskId) -> Result<()> {
    let task = get(db, actor, id).await?;
    access::authorize(
        actor,
        Resource::Task,
        Action::Report,
        Some(&task.lead_org_path),
    )
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

async fn event(
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

/// Recomputes the stored colour of one task and when it next changes.
async fn refresh(tx: &mut Tx, id: TaskId) -> Result<()> {
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
    let (today, t) = (settings::today(), settings::get().thresholds);
    let colour = supervision::assess(today, start, deadline, progress, open, t).colour;
    let until = supervision::colour_until(today, start, deadline, progress, open, t);
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

/// Brings stored colours up to date with the calendar: only tasks whose colour was
/// due to change by today are touched (an indexed range), a few hundred per write so
/// no request waits long behind it. Run by the server's upkeep, never by a read.
pub async fn refresh_stale(db: &Db) -> Result<u64> {
    let mut done = 0;
    loop {
        let mut tx = db.write().await?;
        let ids: Vec<TaskId> = on!(&mut tx, |c| {
            // No order: each batch moves its tasks' days on, so the next finds the rest,
            // and the range alone stays on `task_colour_until_idx`.
            sqlx::query_scalar("select id from task where colour_until <= $1 limit 200")
                .bind(settings::today())
                .fetch_all(c)
                .await?
        });
        for id in &ids {
            refresh(&mut tx, *id).await?;
        }
        tx.commit().await?;
        done += ids.len() as u64;
        if ids.len() < 200 {
            return Ok(done);
        }
    }
}

/// Sets a parent's progress to the weighted roll-up of its live sub-tasks, up the tree.
async fn roll_up(tx: &mut Tx, parent: TaskId) -> Result<()> {
    let mut next = Some(parent);
    // Bounded: parents are checked against cycles, and old data cannot loop this.
    for _ in 0..MAX_DEPTH {
        let Some(id) = next else { break };
        let children: Vec<(i64, i64)> = on!(&mut *tx, |c| {
            sqlx::query_as(
                "select weight, progress from task where parent_id = $1 and status <> 'cancelled'",
            )
            .bind(id)
            .fetch_all(c)
            .await?
        });
        let progress = supervision::roll_up(&children);
        next = on!(&mut *tx, |c| {
            sqlx::query_scalar("update task set progress = $1 where id = $2 returning parent_id")
                .bind(progress)
                .bind(id)
                .fetch_one(c)
                .await?
        });
        refresh(tx, id).await?;
    }
    Ok(())
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
    for (id, status) in open {
        let status = TaskStatus::parse(&status).ok();
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
    Ok(())
}

const SELECT: &str = "select t.id, t.plan_id, p.title as plan_title, p.agreement_id, t.area_id, ar.name as area_name,
    t.parent_id, t.title, t.goal, t.standard, t.requirement, t.start_on, t.deadline,
    t.lead_org_id, lo.name as lead_org_name, lo.path as lead_org_path,
    t.assigner_org_id, ao.name as assigner_org_name, ao.path as assigner_org_path,
    t.responsible, t.weight, t.status, t.progress, t.last_report_on, t.colour, t.carried_from_id,
    (select count(*) from task k where k.parent_id = t.id) as child_count,
    t.version, t.created_at, t.updated_at
    from task t join plan p on p.id = t.plan_id join org lo on lo.id = t.lead_org_id
    join org ao on ao.id = t.assigner_org_id left join agreement_area ar on ar.id = t.area_id";

/// Who may read a task: the organizations it involves — its lead, its assigner, its
/// supporters, its plan's owner and its agreement's parties — those above them and the
/// national level. Written over `t`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Task,
    orgs: &[
        OrgOf::Column("t.lead_org_id"),
        OrgOf::Column("t.assigner_org_id"),
        OrgOf::Select("select vs.org_id from task_support vs where vs.task_id = t.id"),
        OrgOf::Select("select vp.owner_org_id from plan vp where vp.id = t.plan_id"),
        OrgOf::Select(
            "select va.org_id from plan vp join agreement_party va on va.agreement_id = vp.agreement_id
             where vp.id = t.plan_id",
        ),
    ],
    also: None,
};

/// One task, if the actor may see it: the list's rule filtered by id.
pub async fn get(db: &Db, actor: &Actor, id: TaskId) -> Result<Task> {
    get_in(&mut db.read().await?, actor, id).await
}

pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: TaskId) -> Result<Task> {
    let mut q = Sql::new(&format!("{SELECT} where t.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    let found = q.all(tx).await?;
    with_supporters(tx, found)
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// Fills in the supporters of a page of tasks in one query.
async fn with_supporters(tx: &mut Tx, mut tasks: Vec<Task>) -> Result<Vec<Task>> {
    let ids: Vec<i64> = tasks.iter().map(|t| t.id.0).collect();
    let mut supporters = sql::by_owner(
        tx,
        "select s.task_id as owner, o.id as org_id, o.name, o.path from task_support s
         join org o on o.id = s.org_id where s.task_id in ",
        &ids,
        &Sql::new(" order by o.path"),
    )
    .await?;
    for t in &mut tasks {
        t.supporters = supporters.remove(&t.id.0).unwrap_or_default();
    }
    Ok(tasks)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = TaskEvent)]
pub struct Event {
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
    pub account_name: String,
    pub org_name: String,
    pub created_at: DateTime<Utc>,
}

/// What the actor may do with a task, for showing only the buttons that work.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Allowed {
    pub edit: bool,
    pub assign: bool,
    pub accept: bool,
    pub report: bool,
    pub report_done: bool,
    pub verify: bool,
    pub cancel: bool,
    pub comment: bool,
}

/// The joint-meeting resolution a task implements.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Source {
    pub meeting_id: crate::meeting::MeetingId,
    pub meeting_title: String,
    pub number: i64,
    pub text: String,
}

/// A task with its ledger, history, sub-tasks and what the actor may do.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TaskDetail {
    pub task: Task,
    /// The resolutions this task implements.
    pub sources: Vec<Source>,
    pub assessment: Assessment,
    pub reports: Vec<Report>,
    pub events: Vec<Event>,
    pub children: Vec<Task>,
    pub allowed: Allowed,
}

pub async fn detail(db: &Db, actor: &Actor, id: TaskId) -> Result<TaskDetail> {
    let task = get(db, actor, id).await?;
    let mut tx = db.read().await?;
    let mut reports: Vec<Report> = on!(&mut tx, |c| {
        sqlx::query_as(
            "select r.id, r.reported_on, r.percent, r.done, r.next_step, r.problems, r.backwards_reason,
                a.display_name as author_name, r.created_at
             from progress_report r join account a on a.id = r.author_id
             where r.task_id = $1 order by r.reported_on desc, r.id desc",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    });
    let ids: Vec<i64> = reports.iter().map(|r| r.id.0).collect();
    for (owner, f) in file::list(&mut tx, "progress", &ids).await? {
        if let Some(r) = reports.iter_mut().find(|r| r.id.0 == owner) {
            r.evidence.push(f);
        }
    }
    let events = on!(&mut tx, |c| {
        sqlx::query_as(
            "select e.kind, e.from_status, e.to_status, e.note, a.display_name as account_name, o.name as org_name,
                e.created_at
             from task_event e join account a on a.id = e.account_id join org o on o.id = e.org_id
             where e.task_id = $1 order by e.id desc",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    });
    // Sub-tasks by the same rule as every list: one led elsewhere may be hidden.
    let mut q = Sql::new(&format!("{SELECT} where t.parent_id = "));
    q.bind(id.0)
        .and(&READ.sql(actor))
        .push(" order by t.deadline, t.id");
    let found = q.all(&mut tx).await?;
    let children = with_supporters(&mut tx, found).await?;
    let sources = on!(&mut tx, |c| {
        sqlx::query_as(
            "select m.id as meeting_id, m.title as meeting_title, r.number, r.text from resolution_task rt
             join resolution r on r.id = rt.resolution_id join meeting m on m.id = r.meeting_id
             where rt.task_id = $1 order by m.held_on, r.number",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    });
    let open = task.status.is_open();
    let assigner = |action| actor.may(Resource::Task, action, Some(&task.assigner_org_path));
    let lead = actor.may(Resource::Task, Action::Report, Some(&task.lead_org_path));
    let allowed = Allowed {
        edit: open && assigner(Action::Update),
        assign: task.status == TaskStatus::Draft && assigner(Action::Assign),
        accept: task.status == TaskStatus::Assigned && lead,
        report: matches!(task.status, TaskStatus::Accepted | TaskStatus::InProgress)
            && lead
            && task.child_count == 0,
        report_done: matches!(task.status, TaskStatus::Accepted | TaskStatus::InProgress)
            && lead
            && task.progress >= 100,
        verify: task.status == TaskStatus::ReportedDone && assigner(Action::Assign),
        cancel: open && assigner(Action::Assign),
        comment: actor.may_any(Resource::Task, Action::Comment, task.involved_paths()),
    };
    Ok(TaskDetail {
        assessment: task.assessment(),
        task,
        sources,
        reports,
        events,
        children,
        allowed,
    })
}

/// Filters of the task list; all optional.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct TaskFilter {
    pub plan: Option<i64>,
    pub agreement: Option<i64>,
    pub area: Option<i64>,
    /// Lead organization and everything below it.
    pub lead: Option<i64>,
    /// e.g. `in_progress`
    pub status: Option<String>,
    /// `red`, `yellow`, `blue`, `green` or `grey`
    pub colour: Option<String>,
    /// Deadline on or after, `YYYY-MM-DD`.
    pub deadline_from: Option<String>,
    /// Deadline on or before, `YYYY-MM-DD`.
    pub deadline_to: Option<String>,
    /// Text in the title.
    pub q: Option<String>,
    /// Only top-level tasks (not sub-tasks).
    pub top: Option<bool>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

const FROM: &str =
    "from task t join plan p on p.id = t.plan_id join org lo on lo.id = t.lead_org_id
    join org ao on ao.id = t.assigner_org_id";

/// The read rule and every filter of `TaskFilter`, checked, as one condition over the
/// tables of `FROM`.
async fn condition(tx: &mut Tx, actor: &Actor, filter: &TaskFilter) -> Result<Sql> {
    let mut check = Check::default();
    let status = blank(&filter.status).and_then(|s| check.take("status", TaskStatus::parse(s)));
    let colour = blank(&filter.colour).and_then(|s| check.take("colour", Colour::parse(s)));
    let from = check
        .take(
            "deadline_from",
            text::date(blank(&filter.deadline_from).unwrap_or("")),
        )
        .flatten();
    let to = check
        .take(
            "deadline_to",
            text::date(blank(&filter.deadline_to).unwrap_or("")),
        )
        .flatten();
    let lead = match filter.lead {
        Some(id) => {
            let path = crate::org::path_of(tx, OrgId(id)).await?;
            if path.is_none() {
                check.add("lead", "unknown_org");
            }
            path
        }
        None => None,
    };
    check.finish()?;
    let mut w = READ.sql(actor);
    if let Some(v) = filter.plan {
        w.push(" and t.plan_id = ").bind(v);
    }
    if let Some(v) = filter.agreement {
        w.push(" and p.agreement_id = ").bind(v);
    }
    if let Some(v) = filter.area {
        w.push(" and t.area_id = ").bind(v);
    }
    if let Some(p) = lead {
        w.push(" and lo.path like ").bind(format!("{p}%"));
    }
    if let Some(v) = status {
        w.push(" and t.status = ").bind(v.as_str());
    }
    if let Some(v) = colour {
        w.push(" and t.colour = ").bind(v.as_str());
    }
    if let Some(v) = from {
        w.push(" and t.deadline >= ").bind(v);
    }
    if let Some(v) = to {
        w.push(" and t.deadline <= ").bind(v);
    }
    if let Some(q) = blank(&filter.q) {
        w.push(" and t.title like ")
            .bind(format!(
                "%{}%",
                crate::org::escape_like(&q.chars().take(100).collect::<String>())
            ))
            .push(" escape '\\'");
    }
    if filter.top == Some(true) {
        w.push(" and t.parent_id is null");
    }
    Ok(w)
}

/// The tasks the actor may see: open ones first, most urgent on top.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &TaskFilter,
    page: PageRequest,
) -> Result<Page<Task>> {
    let mut tx = db.read().await?;
    let found: Page<Task> = condition(&mut tx, actor, filter)
        .await?
        .page(
            &mut tx,
            SELECT,
            FROM,
            "case when t.status in ('closed', 'cancelled') then 1 else 0 end, t.deadline, t.id",
            page,
        )
        .await?;
    let items = with_supporters(&mut tx, found.items).await?;
    Ok(Page { items, ..found })
}

/// An organization's inbox: what waits for it.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    /// Assigned to us, not yet accepted.
    pub to_accept: Vec<Task>,
    /// Ours to report on: the plan's cadence says a report is missing.
    pub to_report: Vec<Task>,
    /// Overdue tasks we lead or assigned.
    pub overdue: Vec<Task>,
    /// Reported done to us, waiting for verification.
    pub to_verify: Vec<Task>,
    /// Drafts we have not assigned yet.
    pub to_assign: Vec<Task>,
}

/// The inbox of the actor's own organization.
pub async fn inbox(db: &Db, actor: &Actor) -> Result<Inbox> {
    let mut tx = db.read().await?;
    let org = actor.org_id;
    let fetch =
        |cond: &'static str| format!("{SELECT} where {cond} order by t.deadline, t.id limit 200");
    let mut by = async |cond: &'static str| -> Result<Vec<Task>> {
        Ok(on!(&mut tx, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(fetch(cond)))
                .bind(org)
                .fetch_all(c)
                .await?
        }))
    };
    let to_accept = by("t.lead_org_id = $1 and t.status = 'assigned'").await?;
    let reporting = by("t.lead_org_id = $1 and t.status in ('accepted', 'in_progress') and (select count(*) from task k where k.parent_id = t.id) = 0").await?;
    let overdue = by("(t.lead_org_id = $1 or t.assigner_org_id = $1) and t.colour = 'red'").await?;
    let to_verify = by("t.assigner_org_id = $1 and t.status = 'reported_done'").await?;
    let to_assign = by("t.assigner_org_id = $1 and t.status = 'draft'").await?;
    let today = settings::today();
    let mut to_report = Vec::new();
    for t in reporting {
        let plan = plan::load(&mut tx, t.plan_id)
            .await?
            .ok_or(Error::NotFound)?;
        let day = u32::try_from(plan.due_day.unwrap_or(28)).unwrap_or(28);
        if supervision::report_missing(today, plan.cadence, day, t.start_on, t.last_report_on) {
            to_report.push(t);
        }
    }
    Ok(Inbox {
        to_accept,
        to_report,
        overdue,
        to_verify,
        to_assign,
    })
}

/// Counts of tasks by colour among those the actor may see (the filter's own colour is
/// ignored), for the battle map: one grouped query over the stored colours.
pub async fn colour_counts(
    db: &Db,
    actor: &Actor,
    filter: &TaskFilter,
) -> Result<Vec<(Colour, i64)>> {
    let mut tx = db.read().await?;
    let all = TaskFilter {
        colour: None,
        ..filter.clone()
    };
    let mut q = Sql::new(&format!("select t.colour, count(*) {FROM} where "));
    q.append(&condition(&mut tx, actor, &all).await?)
        .push(" group by t.colour");
    let rows: Vec<(String, i64)> = q.all(&mut tx).await?;
    Ok(Colour::ALL
        .iter()
        .map(|c| {
            (
                *c,
                rows.iter()
                    .find(|(k, _)| k == c.as_str())
                    .map_or(0, |(_, n)| *n),
            )
        })
        .collect())
}
