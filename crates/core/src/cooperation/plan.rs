//! Cooperation plans: under an agreement (or standing alone), owned by one
//! organization, with a reporting cadence. Plans are revised over time: a revision
//! is a new plan that keeps the old one readable, takes over the open tasks or closes
//! them, and records what changed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::agreement::{self, AgreementId};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::org::OrgId;
use crate::sql::Sql;
use crate::supervision::Cadence;
use crate::{on, text};

id_type!(PlanId);

text_enum!(
    PlanStatus { Active = "active", Superseded = "superseded", Closed = "closed" }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Plan {
    pub id: PlanId,
    pub agreement_id: Option<AgreementId>,
    pub agreement_title: Option<String>,
    pub meeting_id: Option<crate::meeting::MeetingId>,
    pub meeting_title: Option<String>,
    pub title: String,
    pub owner_org_id: OrgId,
    pub owner_org_name: String,
    #[serde(skip)]
    pub owner_org_path: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    #[sqlx(try_from = "String")]
    pub cadence: Cadence,
    /// Day of the month (or quarter's last month) reports are due, 1–28.
    pub due_day: Option<i64>,
    pub revision: i64,
    pub previous_id: Option<PlanId>,
    #[sqlx(try_from = "String")]
    pub status: PlanStatus,
    pub change_note: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the actor may do with a plan.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = PlanAllowed)]
pub struct Allowed {
    /// Revise it: only the active revision, by whoever may update the owner's plans.
    pub revise: bool,
}

impl Plan {
    pub fn allowed(&self, actor: &Actor) -> Allowed {
        Allowed {
            revise: self.status == PlanStatus::Active
                && actor.may(Resource::Plan, Action::Update, Some(&self.owner_org_path)),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PlanInput {
    pub agreement_id: Option<AgreementId>,
    /// The joint meeting whose decisions the plan carries out.
    pub meeting_id: Option<crate::meeting::MeetingId>,
    pub title: String,
    pub owner_org_id: Option<OrgId>,
    /// `YYYY-MM-DD`
    pub period_start: String,
    /// `YYYY-MM-DD`
    pub period_end: String,
    /// `none`, `monthly` or `quarterly`.
    pub cadence: String,
    /// 1–28, required with a cadence.
    pub due_day: Option<i64>,
    /// What this revision changes (revisions only).
    pub change_note: Option<String>,
    /// The version of the plan read, when revising: a plan changed since answers 409.
    pub version: Option<i64>,
}

struct Fields {
    agreement_id: Option<AgreementId>,
    meeting_id: Option<crate::meeting::MeetingId>,
    title: String,
    owner: OrgId,
    owner_path: String,
    start: NaiveDate,
    end: NaiveDate,
    cadence: Cadence,
    due_day: Option<i64>,
    change_note: Option<String>,
}

async fn parse(actor: &Actor, tx: &mut Tx, input: &PlanInput) -> Result<Fields> {
    let mut check = Check::default();
    let title = check.take("title", text::required(&input.title, 200));
    let start = check
        .take("period_start", text::date(&input.period_start))
        .flatten();
    let end = check
        .take("period_end", text::date(&input.period_end))
        .flatten();
    if start.is_none() && !check.has("period_start") {
        check.add("period_start", "required");
    }
    if end.is_none() && !check.has("period_end") {
        check.add("period_end", "required");
    }
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        check.add("period_end", "ends_before_start");
    }
    let cadence = match input.cadence.trim() {
        "" => Some(Cadence::None),
        c => check.take("cadence", Cadence::parse(c)),
    };
    if cadence.is_some_and(|c| c != Cadence::None) {
        match input.due_day {
            None => check.add("due_day", "required"),
            Some(d) if !(1..=28).contains(&d) => check.add("due_day", "bad_due_day"),
            Some(_) => {}
        }
    }
    let change_note = check
        .take(
            "change_note",
            text::optional(&input.change_note.clone().unwrap_or_default(), text::LONG),
        )
        .flatten();
    let owner_path = match input.owner_org_id {
        None => check.take("owner_org_id", Err(crate::FieldError::new("required"))),
        Some(id) => check.take(
            "owner_org_id",
            crate::org::path_of(tx, id)
                .await?
                .ok_or(crate::FieldError::new("unknown_org")),
        ),
    };
    if let Some(a) = input.agreement_id
        && crate::error::unseen(agreement::get_in(tx, actor, a).await)?
    {
        check.add("agreement_id", "unknown_agreement");
    }
    if let Some(m) = input.meeting_id
        && crate::error::unseen(crate::meeting::get_in(tx, actor, m).await)?
    {
        check.add("meeting_id", "unknown_meeting");
    }
    check.finish()?;
    match (title, start, end, cadence, owner_path, input.owner_org_id) {
        (Some(title), Some(start), Some(end), Some(cadence), Some(owner_path), Some(owner)) => {
            Ok(Fields {
                agreement_id: input.agreement_id,
                meeting_id: input.meeting_id,
                title,
                owner,
                owner_path,
                start,
                end,
                cadence,
                due_day: if cadence == Cadence::None {
                    None
                } else {
                    input.due_day
                },
                change_note,
            })
        }
        _ => Err(Error::Other(
            "plan parsed without errors yet incomplete".into(),
        )),
    }
}

async fn insert(
    tx: &mut Tx,
    f: &Fields,
    revision: i64,
    previous: Option<PlanId>,
) -> Result<PlanId> {
    let now = crate::now();
    Ok(on!(tx, |c| {
        sqlx::query_scalar(
            "insert into plan (agreement_id, title, owner_org_id, period_start, period_end, cadence, due_day,
                revision, previous_id, status, change_note, created_at, updated_at, meeting_id)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'active', $10, $11, $11, $12) returning id",
        )
        .bind(f.agreement_id)
        .bind(&f.title)
        .bind(f.owner)
        .bind(f.start)
        .bind(f.end)
        .bind(f.cadence.as_str())
        .bind(f.due_day)
        .bind(revision)
        .bind(previous)
        .bind(&f.change_note)
        .bind(now)
        .bind(f.meeting_id)
        .fetch_one(c)
        .await?
    }))
}

pub async fn create(db: &Db, actor: &Actor, input: &PlanInput) -> Result<Plan> {
    let mut tx = db.write().await?;
    let f = parse(actor, &mut tx, input).await?;
    access::authorize(actor, Resource::Plan, Action::Create, Some(&f.owner_path))?;
    let id = insert(&mut tx, &f, 1, None).await?;
    let plan = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(plan)
}

/// Replaces an active plan by a new revision. Open tasks move to the new revision,
/// except those listed in `close`, which are cancelled with the change note as reason.
pub async fn revise(
    db: &Db,
    actor: &Actor,
    id: PlanId,
    input: &PlanInput,
    close: &[crate::task::TaskId],
) -> Result<Plan> {
    let mut tx = db.write().await?;
    let old = get_in(&mut tx, actor, id).await?;
    access::authorize(
        actor,
        Resource::Plan,
        Action::Update,
        Some(&old.owner_org_path),
    )?;
    if old.status != PlanStatus::Active {
        return Err(Error::field("status", "plan_not_active"));
    }
    // The plan as read here, or as the reviser read it: a revision made meanwhile
    // answers 409 instead of carrying the open tasks twice.
    crate::db::claim(&mut tx, "plan", id.0, input.version.unwrap_or(old.version)).await?;
    let f = parse(actor, &mut tx, input).await?;
    if f.change_note.is_none() {
        return Err(Error::field("change_note", "required"));
    }
    // The new owner must be one the reviser may hand a plan to, as for a new plan.
    access::authorize(actor, Resource::Plan, Action::Create, Some(&f.owner_path))?;
    let new_id = insert(&mut tx, &f, old.revision + 1, Some(id)).await?;
    on!(&mut tx, |c| {
        sqlx::query("update plan set status = 'superseded' where id = $1")
            .bind(id)
            .execute(c)
            .await?;
    });
    crate::task::carry_forward(
        &mut tx,
        actor,
        id,
        new_id,
        close,
        f.change_note.as_deref().unwrap_or(""),
    )
    .await?;
    let plan = get_in(&mut tx, actor, new_id).await?;
    tx.commit().await?;
    Ok(plan)
}

const SELECT: &str = "select p.id, p.agreement_id, a.title as agreement_title, p.meeting_id,
    m.title as meeting_title, p.title, p.owner_org_id,
    o.name as owner_org_name, o.path as owner_org_path, p.period_start, p.period_end, p.cadence, p.due_day,
    p.revision, p.previous_id, p.status, p.change_note, p.version, p.created_at, p.updated_at
    from plan p join org o on o.id = p.owner_org_id left join agreement a on a.id = p.agreement_id
    left join meeting m on m.id = p.meeting_id";

/// Who may read a plan: its owner, its agreement's parties, those above them and the
/// national level.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Plan,
    orgs: &[
        OrgOf::Column("p.owner_org_id"),
        OrgOf::Select(
            "select vp.org_id from agreement_party vp where vp.agreement_id = p.agreement_id",
        ),
    ],
    also: None,
    reached: None,
};

pub async fn get(db: &Db, actor: &Actor, id: PlanId) -> Result<Plan> {
    get_in(&mut db.read().await?, actor, id).await
}

pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: PlanId) -> Result<Plan> {
    let mut q = Sql::new(&format!("{SELECT} where p.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    q.optional(tx).await?.ok_or(Error::NotFound)
}

/// Plans of an agreement, every revision, newest first within a chain.
pub async fn of_agreement(db: &Db, actor: &Actor, agreement: AgreementId) -> Result<Vec<Plan>> {
    agreement::get(db, actor, agreement).await?;
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} where p.agreement_id = $1 order by p.status, p.period_start, p.id"
        )))
        .bind(agreement)
        .fetch_all(c)
        .await?
    }))
}

/// The revisions of a plan from the first to this one.
pub async fn history(db: &Db, actor: &Actor, id: PlanId) -> Result<Vec<Plan>> {
    let mut tx = db.read().await?;
    let mut chain = vec![get_in(&mut tx, actor, id).await?];
    // Bounded like every walk of a chain: a thousand revisions is beyond any programme.
    while let Some(prev) = chain.last().and_then(|p| p.previous_id)
        && chain.len() < 1000
    {
        chain.push(get_in(&mut tx, actor, prev).await?);
    }
    chain.reverse();
    Ok(chain)
}

/// What a revision changed against the one before: (field, before, after).
pub fn changes(old: &Plan, new: &Plan) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let mut cmp = |field: &'static str, a: String, b: String| {
        if a != b {
            out.push((field, a, b));
        }
    };
    cmp("title", old.title.clone(), new.title.clone());
    cmp(
        "period_start",
        old.period_start.to_string(),
        new.period_start.to_string(),
    );
    cmp(
        "period_end",
        old.period_end.to_string(),
        new.period_end.to_string(),
    );
    cmp("cadence", old.cadence.to_string(), new.cadence.to_string());
    cmp(
        "due_day",
        old.due_day.map(|d| d.to_string()).unwrap_or_default(),
        new.due_day.map(|d| d.to_string()).unwrap_or_default(),
    );
    cmp(
        "owner_org_name",
        old.owner_org_name.clone(),
        new.owner_org_name.clone(),
    );
    out
}

/// Active plans the actor may add tasks to (owned within their reach), newest first.
pub async fn usable(db: &Db, actor: &Actor) -> Result<Vec<Plan>> {
    let reach = access::reach(actor.role, Resource::Task, Action::Create);
    let mut q = Sql::new(&format!("{SELECT} where p.status = 'active' and "));
    q.append(&access::condition(
        actor,
        reach,
        &[OrgOf::Column("p.owner_org_id")],
    ))
    .push(" order by p.created_at desc limit 200");
    q.all(&mut db.read().await?).await
}
