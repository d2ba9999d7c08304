//! Signed projects (签约项目): amount in fen, investor, landing region, the event where
//! they were signed, and their life from signing to operation, each step dated.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::event::EventId;
use crate::money::Fen;
use crate::org::OrgId;
use crate::{on, reference, settings, text};

id_type!(ProjectId);

text_enum!(
    ProjectStatus {
        Signed = "signed",
        Contracted = "contracted",
        Started = "started",
        InOperation = "in_operation",
        Stalled = "stalled",
        Cancelled = "cancelled",
    }
);

impl ProjectStatus {
    /// Position on the way to operation; stalled and cancelled are off it.
    fn rank(self) -> Option<u8> {
        match self {
            ProjectStatus::Signed => Some(0),
            ProjectStatus::Contracted => Some(1),
            ProjectStatus::Started => Some(2),
            ProjectStatus::InOperation => Some(3),
            ProjectStatus::Stalled | ProjectStatus::Cancelled => None,
        }
    }

    /// A landed project (落地): construction started or in operation.
    pub fn landed(self) -> bool {
        matches!(self, ProjectStatus::Started | ProjectStatus::InOperation)
    }
}

/// Whether moving from one status to another needs a reason: any step back, and any
/// move out of stalled or cancelled.
pub fn needs_reason(from: ProjectStatus, to: ProjectStatus) -> bool {
    match (from.rank(), to.rank()) {
        (Some(a), Some(b)) => b < a,
        (None, _) => true,
        (Some(_), None) => false,
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ProjectStep {
    #[sqlx(try_from = "String")]
    pub status: ProjectStatus,
    pub happened_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Project {
    pub id: ProjectId,
    pub title: String,
    pub sector: Option<String>,
    /// In fen.
    pub amount_fen: Fen,
    pub investor_name: String,
    pub investor_org_id: Option<OrgId>,
    pub investor_country: Option<String>,
    pub region_code: String,
    pub region_name: String,
    pub event_id: Option<EventId>,
    pub signed_on: NaiveDate,
    #[sqlx(try_from = "String")]
    pub status: ProjectStatus,
    pub owner_org_id: OrgId,
    #[serde(skip)]
    pub owner_org_path: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub steps: Vec<ProjectStep>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProjectInput {
    pub title: String,
    pub sector: Option<String>,
    /// Yuan as typed, e.g. `"3000000000"` or `"1234.56"`.
    pub amount: String,
    pub investor_name: String,
    pub investor_org_id: Option<OrgId>,
    pub investor_country: Option<String>,
    /// GB/T 2260 code of the landing region.
    pub region_code: String,
    pub event_id: Option<EventId>,
    /// `YYYY-MM-DD`
    pub signed_on: String,
    /// The organization that follows the project up.
    pub owner_org_id: Option<OrgId>,
}

pub async fn create(db: &Db, actor: &Actor, input: &ProjectInput) -> Result<Project> {
    let mut tx = db.begin().await?;
    let mut check = Check::default();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let title = check.take("title", text::required(&input.title, 200));
    let sector = check
        .take("sector", text::optional(&opt(&input.sector), 100))
        .flatten();
    let amount = check.take("amount", Fen::parse_yuan(&input.amount));
    let investor = check.take("investor_name", text::required(&input.investor_name, 200));
    let country = check
        .take(
            "investor_country",
            reference::parse_country_code(&opt(&input.investor_country)),
        )
        .flatten();
    if let Some(c) = &country
        && reference::country(&mut tx, c).await?.is_none()
    {
        check.add("investor_country", "unknown_country");
    }
    let region = match check.take(
        "region_code",
        reference::parse_region_code(&input.region_code),
    ) {
        Some(None) => {
            check.add("region_code", "required");
            None
        }
        r => r.flatten(),
    };
    if let Some(r) = &region
        && reference::region(&mut tx, r).await?.is_none()
    {
        check.add("region_code", "unknown_region");
    }
    let signed_on = match check.take("signed_on", text::date(&input.signed_on)) {
        Some(None) => {
            check.add("signed_on", "required");
            None
        }
        d => d.flatten(),
    };
    if signed_on.is_some_and(|d| d > settings::today()) {
        check.add("signed_on", "date_in_future");
    }
    if let Some(e) = input.event_id
        && crate::event::get(db, e).await.is_err()
    {
        check.add("event_id", "unknown_event");
    }
    let owner_path = match input.owner_org_id {
        None => check.take("owner_org_id", Err(crate::FieldError::new("required"))),
        Some(id) => check.take(
            "owner_org_id",
            crate::org::path_of(&mut tx, id)
                .await?
                .ok_or(crate::FieldError::new("unknown_org")),
        ),
    };
    check.finish()?;
    let (
        Some(title),
        Some(amount),
        Some(investor),
        Some(region),
        Some(signed_on),
        Some(owner_path),
        Some(owner),
    ) = (
        title,
        amount,
        investor,
        region,
        signed_on,
        owner_path,
        input.owner_org_id,
    )
    else {
        return Err(Error::Other(
            "project parsed without errors yet incomplete".into(),
        ));
    };
    access::authorize(actor, Resource::Project, Action::Create, Some(&owner_path))?;
    let now = crate::now();
    let id: ProjectId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into project (title, sector, amount_fen, investor_name, investor_org_id, investor_country, region_code,
                event_id, signed_on, status, owner_org_id, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'signed', $10, $11, $11) returning id",
        )
        .bind(&title)
        .bind(&sector)
        .bind(amount)
        .bind(&investor)
        .bind(input.investor_org_id)
        .bind(&country)
        .bind(&region)
        .bind(input.event_id)
        .bind(signed_on)
        .bind(owner)
        .bind(now)
        .fetch_one(c)
        .await?
    });
    step_row(&mut tx, actor, id, ProjectStatus::Signed, signed_on, None).await?;
    tx.commit().await?;
    get(db, id).await
}

async fn step_row(
    tx: &mut Tx,
    actor: &Actor,
    id: ProjectId,
    status: ProjectStatus,
    on_: NaiveDate,
    note: Option<&str>,
) -> Result<()> {
    on!(tx, |c| {
        sqlx::query(
            "insert into project_step (project_id, status, happened_on, note, account_id, created_at) values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(on_)
        .bind(note)
        .bind(actor.account_id)
        .bind(crate::now())
        .execute(c)
        .await?;
    });
    Ok(())
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct StepInput {
    /// The new status.
    pub status: String,
    /// `YYYY-MM-DD`; today if left out.
    pub happened_on: String,
    /// What happened; required when going back or leaving stalled/cancelled.
    pub note: Option<String>,
    pub version: Option<i64>,
}

/// Moves a project along its life, dated; going back needs a reason.
pub async fn advance(db: &Db, actor: &Actor, id: ProjectId, input: &StepInput) -> Result<Project> {
    let p = get(db, id).await?;
    access::authorize(
        actor,
        Resource::Project,
        Action::Update,
        Some(&p.owner_org_path),
    )?;
    if input.version.is_some_and(|v| v != p.version) {
        return Err(Error::Conflict {
            current_version: p.version,
        });
    }
    let mut check = Check::default();
    let to = check.take("status", ProjectStatus::parse(&input.status));
    let day = check
        .take("happened_on", text::date(&input.happened_on))
        .map(|d| d.unwrap_or_else(settings::today));
    if day.is_some_and(|d| d > settings::today()) {
        check.add("happened_on", "date_in_future");
    }
    if day.is_some_and(|d| d < p.signed_on) {
        check.add("happened_on", "before_signing");
    }
    let note = check
        .take(
            "note",
            text::optional(&input.note.clone().unwrap_or_default(), text::LONG),
        )
        .flatten();
    if let Some(to) = to {
        if to == p.status {
            check.add("status", "same_status");
        } else if needs_reason(p.status, to) && note.is_none() {
            check.add("note", "backwards_without_reason");
        }
    }
    check.finish()?;
    let (Some(to), Some(day)) = (to, day) else {
        return Err(Error::Other(
            "project step parsed without errors yet incomplete".into(),
        ));
    };
    let mut tx = db.begin().await?;
    let changed = on!(&mut tx, |c| {
        sqlx::query("update project set status = $1, updated_at = $2, version = version + 1 where id = $3 and version = $4")
            .bind(to.as_str())
            .bind(crate::now())
            .bind(id)
            .bind(p.version)
            .execute(c)
            .await?
            .rows_affected()
    });
    if changed == 0 {
        return Err(Error::Conflict {
            current_version: p.version,
        });
    }
    step_row(&mut tx, actor, id, to, day, note.as_deref()).await?;
    tx.commit().await?;
    get(db, id).await
}

const SELECT: &str = "select p.id, p.title, p.sector, p.amount_fen, p.investor_name, p.investor_org_id, p.investor_country,
    p.region_code, r.name as region_name, p.event_id, p.signed_on, p.status, p.owner_org_id, o.path as owner_org_path,
    p.version, p.created_at
    from project p join region r on r.code = p.region_code join org o on o.id = p.owner_org_id";

pub async fn get(db: &Db, id: ProjectId) -> Result<Project> {
    let mut tx = db.begin().await?;
    let mut p: Project = on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} where p.id = $1")))
            .bind(id)
            .fetch_optional(c)
            .await?
    })
    .ok_or(Error::NotFound)?;
    p.steps = on!(&mut tx, |c| {
        sqlx::query_as(
            "select status, happened_on, note from project_step where project_id = $1 order by id",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    });
    Ok(p)
}

/// Projects signed at an event, in signing order.
pub async fn of_event(db: &Db, event: EventId) -> Result<Vec<Project>> {
    let mut tx = db.begin().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} where p.event_id = $1 order by p.signed_on, p.id"
        )))
        .bind(event)
        .fetch_all(c)
        .await?
    }))
}

/// Counts and amounts of a set of projects: signed, and landed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Totals {
    pub signed: i64,
    pub signed_fen: Fen,
    pub landed: i64,
    pub landed_fen: Fen,
}

pub fn totals(projects: &[Project]) -> Totals {
    let live = projects
        .iter()
        .filter(|p| p.status != ProjectStatus::Cancelled);
    let landed: Vec<&Project> = projects.iter().filter(|p| p.status.landed()).collect();
    Totals {
        signed: i64::try_from(live.clone().count()).unwrap_or(i64::MAX),
        signed_fen: live.map(|p| p.amount_fen).sum(),
        landed: i64::try_from(landed.len()).unwrap_or(i64::MAX),
        landed_fen: landed.iter().map(|p| p.amount_fen).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_back_and_out_of_side_states_need_a_reason() {
        use ProjectStatus::*;
        assert!(!needs_reason(Signed, Contracted));
        assert!(!needs_reason(Contracted, Started));
        assert!(
            !needs_reason(Signed, Started),
            "skipping a step forward is fine"
        );
        assert!(needs_reason(Started, Contracted));
        assert!(!needs_reason(Started, Stalled));
        assert!(needs_reason(Stalled, Started));
        assert!(needs_reason(Cancelled, Signed));
    }
}
