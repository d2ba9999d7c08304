//! Drafting and editing tasks and moving them through their lifecycle: the four
//! fixes checked, parents without cycles, supporters.

use chrono::NaiveDate;

use super::*;

pub(super) struct Fields {
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

pub(super) async fn parse(
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
pub(super) async fn ancestors(tx: &mut Tx, id: TaskId) -> Result<Vec<(TaskId, PlanId)>> {
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
    settle(actor, tx, id, &[f.parent_id], Changed::Text).await
}

/// What a write changed of a task, for [`settle`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Changed {
    /// Its text or dates, which its search document holds.
    Text,
    /// Only its status or progress.
    State,
}

/// Finishes a write to a task: its colour, its parents' roll-up, its search document
/// when its text changed, who it reaches, the task as it now reads, and the commit.
pub(super) async fn settle(
    actor: &Actor,
    mut tx: Tx,
    id: TaskId,
    parents: &[Option<TaskId>],
    changed: Changed,
) -> Result<Task> {
    refresh(&mut tx, id).await?;
    if changed == Changed::Text {
        crate::search::refresh(&mut tx, crate::search::Kind::Task, id.0).await?;
    }
    // The parents too: whether one has sub-tasks decides whether it owes reports.
    let mut touched = vec![id];
    for parent in parents.iter().flatten() {
        touched.push(*parent);
        touched.extend(roll_up(&mut tx, *parent).await?);
    }
    reach::sync(&mut tx, &touched).await?;
    let task = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(task)
}

pub(super) async fn write_supporters(tx: &mut Tx, id: TaskId, orgs: &[OrgId]) -> Result<()> {
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
    settle(
        actor,
        tx,
        id,
        &[current.parent_id, f.parent_id],
        Changed::Text,
    )
    .await
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
    task.authorize(actor, action)?;
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
    if step == Step::HandBack {
        // The assigning side must find another lead: it hears of it at once.
        let params = serde_json::json!({
            "org": task.lead_org_name,
            "reason": reason.as_deref().unwrap_or("").chars().take(200).collect::<String>(),
        });
        let key = format!("task_handed_back:task:{}:{}", id.0, task.version);
        crate::notification::to_org(
            &mut tx,
            task.assigner_org_id,
            "task_handed_back",
            "task",
            id.0,
            &params,
            &key,
        )
        .await?;
    }
    settle(actor, tx, id, &[task.parent_id], Changed::State).await
}
