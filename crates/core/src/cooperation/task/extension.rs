//! Extension requests (延期申请): the lead asks the assigning side for a later deadline
//! with a reason; approved, the task's deadline moves (the first one stays on the task,
//! so the ledger shows both) and the history says from when to when; refused, with a
//! reason. One request waits at a time.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::*;

text_enum!(
    ExtensionState { Pending = "pending", Approved = "approved", Refused = "refused" }
);

/// A request for a later deadline.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Extension {
    pub id: i64,
    pub task_id: TaskId,
    pub reason: String,
    pub old_deadline: NaiveDate,
    pub new_deadline: NaiveDate,
    #[sqlx(try_from = "String")]
    pub state: ExtensionState,
    pub decision_note: Option<String>,
    pub requested_by_name: String,
    pub requested_org_name: String,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A request as submitted.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ExtensionInput {
    pub reason: String,
    /// `YYYY-MM-DD`: later than the deadline, not before today, within the plan.
    pub new_deadline: String,
}

/// The assigning side's decision.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ExtensionDecision {
    pub approve: bool,
    /// Required when refusing.
    pub note: Option<String>,
}

const SELECT_EXTENSION: &str = "select x.id, x.task_id, x.reason, x.old_deadline, x.new_deadline, x.state,
    x.decision_note, ra.display_name as requested_by_name, ro.name as requested_org_name,
    da.display_name as decided_by_name, x.decided_at, x.created_at
    from extension_request x join account ra on ra.id = x.requested_by join org ro on ro.id = x.requested_org_id
    left join account da on da.id = x.decided_by where x.task_id = ";

/// The task a request or a decision is on, locked for the rest of the write, if the
/// reader may take `action` on it (the lead's side asks, the assigner's decides).
async fn locked(tx: &mut Tx, actor: &Actor, id: TaskId, action: Action) -> Result<Task> {
    crate::db::lock(tx, "task", id.0).await?;
    let task = get_in(tx, actor, id).await?;
    task.authorize(actor, action)?;
    Ok(task)
}

/// The lead asks for a later deadline; the assigning side is told.
pub async fn request_extension(
    db: &Db,
    actor: &Actor,
    id: TaskId,
    input: &ExtensionInput,
) -> Result<Extension> {
    let mut tx = db.write().await?;
    let task = locked(&mut tx, actor, id, Action::Report).await?;
    if !matches!(
        task.status,
        TaskStatus::Assigned | TaskStatus::Accepted | TaskStatus::InProgress
    ) {
        return Err(Error::field("status", "not_extendable"));
    }
    let mut check = Check::default();
    let reason = check.take("reason", text::required(&input.reason, text::LONG));
    let new = check.required("new_deadline", text::date(&input.new_deadline));
    let mut q = Sql::new("select period_end from plan where id = ");
    let plan_end: NaiveDate = q.bind(task.plan_id.0).scalar(&mut tx).await?;
    if let Some(d) = new {
        if d < settings::today() {
            check.add("new_deadline", "date_in_past");
        } else if d <= task.deadline {
            check.add("new_deadline", "extension_not_later");
        } else if d > plan_end {
            check.add("new_deadline", "after_plan_end");
        }
    }
    let mut q =
        Sql::new("select count(*) from extension_request where state = 'pending' and task_id = ");
    if q.bind(id.0).scalar::<i64>(&mut tx).await? > 0 {
        check.add("new_deadline", "extension_pending");
    }
    check.finish()?;
    let (Some(reason), Some(new)) = (reason, new) else {
        return Err(Error::Other(
            "extension parsed without errors yet incomplete".into(),
        ));
    };
    let mut q = Sql::new(
        "insert into extension_request (task_id, reason, old_deadline, new_deadline, state, requested_by,
            requested_org_id, created_at) values (",
    );
    q.bind(id.0)
        .push(", ")
        .bind(reason.as_str())
        .push(", ")
        .bind(task.deadline)
        .push(", ")
        .bind(new)
        .push(", 'pending', ")
        .bind(actor.account_id.0)
        .push(", ")
        .bind(actor.org_id.0)
        .push(", ")
        .bind(crate::now())
        .push(") returning id");
    let ext: i64 = q.scalar(&mut tx).await?;
    let note = format!("{} → {new}：{reason}", task.deadline);
    event(
        &mut tx,
        actor,
        id,
        "extension_requested",
        None,
        None,
        Some(&note),
    )
    .await?;
    let params = serde_json::json!({ "org": task.lead_org_name, "from": task.deadline, "to": new });
    let key = format!("extension_requested:task:{}:{ext}", id.0);
    crate::notification::to_org(
        &mut tx,
        task.assigner_org_id,
        "extension_requested",
        "task",
        id.0,
        &params,
        &key,
    )
    .await?;
    let mut q = Sql::new(SELECT_EXTENSION);
    q.bind(id.0).push(" and x.id = ").bind(ext);
    let found = q.optional(&mut tx).await?.ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(found)
}

/// The assigning side approves the waiting request (the deadline moves) or refuses it
/// with a reason; the lead is told either way.
pub async fn decide_extension(
    db: &Db,
    actor: &Actor,
    id: TaskId,
    decision: &ExtensionDecision,
) -> Result<Task> {
    let mut tx = db.write().await?;
    let task = locked(&mut tx, actor, id, Action::Assign).await?;
    let mut q = Sql::new(
        "select id, old_deadline, new_deadline from extension_request where state = 'pending' and task_id = ",
    );
    let Some((ext, old, new)) = q
        .bind(id.0)
        .optional::<(i64, NaiveDate, NaiveDate)>(&mut tx)
        .await?
    else {
        return Err(Error::field("status", "no_pending_extension"));
    };
    let note = text::optional(decision.note.as_deref().unwrap_or(""), text::LONG)
        .map_err(|e| Error::Invalid([("note", e)].into()))?;
    if !decision.approve && note.is_none() {
        return Err(Error::field("note", "required"));
    }
    let now = crate::now();
    let state = if decision.approve {
        ExtensionState::Approved
    } else {
        ExtensionState::Refused
    };
    let mut q = Sql::new("update extension_request set state = ");
    q.bind(state.as_str())
        .push(", decision_note = ")
        .bind(note.clone())
        .push(", decided_by = ")
        .bind(actor.account_id.0)
        .push(", decided_at = ")
        .bind(now)
        .push(" where id = ")
        .bind(ext);
    q.execute(&mut tx).await?;
    let (kind, text_) = if decision.approve {
        // The deadline the plan first set stays on the task, however often it moves.
        let mut q = Sql::new("update task set deadline = ");
        q.bind(new)
            .push(", first_deadline = coalesce(first_deadline, ")
            .bind(old)
            .push("), version = version + 1, updated_at = ")
            .bind(now)
            .push(" where id = ")
            .bind(id.0);
        q.execute(&mut tx).await?;
        let mut t = format!("{old} → {new}");
        if let Some(n) = &note {
            t.push_str(&format!("：{n}"));
        }
        ("extension_approved", t)
    } else {
        ("extension_refused", note.clone().unwrap_or_default())
    };
    event(&mut tx, actor, id, kind, None, None, Some(&text_)).await?;
    let params = serde_json::json!({
        "org": task.assigner_org_name, "from": old, "to": new,
        "reason": note.unwrap_or_default().chars().take(200).collect::<String>(),
    });
    let key = format!("{kind}:task:{}:{ext}", id.0);
    crate::notification::to_org(&mut tx, task.lead_org_id, kind, "task", id.0, &params, &key)
        .await?;
    settle(actor, tx, id, &[task.parent_id], Changed::Text).await
}

/// A task's requests for a later deadline, newest first, if the reader may read it.
pub async fn extensions(db: &Db, actor: &Actor, id: TaskId) -> Result<Vec<Extension>> {
    let mut tx = db.read().await?;
    get_in(&mut tx, actor, id).await?;
    extensions_in(&mut tx, id).await
}

/// A task's requests, for a reader already known to read the task.
pub(super) async fn extensions_in(tx: &mut Tx, id: TaskId) -> Result<Vec<Extension>> {
    let mut q = Sql::new(SELECT_EXTENSION);
    q.bind(id.0).push(" order by x.id desc");
    q.all(tx).await
}
