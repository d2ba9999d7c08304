//! Signed projects (签约项目): amount in fen, investor, landing region, the event where
//! they were signed, and their life from signing to operation, each step dated.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::event::{EventId, SeriesId};
use crate::money::Fen;
use crate::org::OrgId;
use crate::outcome::tally;
use crate::page::{Page, PageRequest};
use crate::person::{self, PersonId};
use crate::sql::Sql;
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

    /// The next status on the way to operation, if there is one.
    pub fn next(self) -> Option<ProjectStatus> {
        let r = self.rank()?;
        ProjectStatus::ALL
            .iter()
            .copied()
            .find(|s| s.rank() == Some(r + 1))
    }

    /// A landed project (落地): construction started or in operation.
    pub fn landed(self) -> bool {
        matches!(self, ProjectStatus::Started | ProjectStatus::InOperation)
    }
}

/// What the actor may do with a project, for showing only the forms that work.
#[derive(Clone, Copy, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ProjectAllowed)]
pub struct Allowed {
    /// Record a step (contracted, started…), forward or back with a reason.
    pub step: bool,
    /// The step proposed first: the next one on the way to operation, else the current.
    pub proposed: ProjectStatus,
}

impl Project {
    pub fn allowed(&self, actor: &Actor) -> Allowed {
        Allowed {
            step: actor.may(
                Resource::Project,
                Action::Update,
                Some(&self.owner_org_path),
            ),
            proposed: self.status.next().unwrap_or(self.status),
        }
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
    /// The investor's name; empty when `withheld`.
    pub investor_name: String,
    pub investor_org_id: Option<OrgId>,
    pub investor_country: Option<String>,
    /// Chinese and English names of the investor's country.
    pub investor_country_zh: Option<String>,
    pub investor_country_en: Option<String>,
    pub region_code: String,
    pub region_name: String,
    pub event_id: Option<EventId>,
    pub event_title: Option<String>,
    pub series_id: Option<SeriesId>,
    pub series_name: Option<String>,
    pub signed_on: NaiveDate,
    #[sqlx(try_from = "String")]
    pub status: ProjectStatus,
    pub owner_org_id: OrgId,
    pub owner_org_name: String,
    /// Code of the owner organization's side.
    pub side_code: String,
    #[serde(skip)]
    pub owner_org_path: String,
    /// The investor, when a person of the directory.
    pub person_id: Option<PersonId>,
    /// The record names a person this reader may not open: their id and name are left
    /// out (`person_id` is null, the name empty).
    #[sqlx(skip)]
    pub withheld: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub steps: Vec<ProjectStep>,
}

impl crate::person::NamesPerson for Project {
    fn person(&self) -> Option<PersonId> {
        self.person_id
    }

    fn withhold(&mut self) {
        self.person_id = None;
        self.investor_name = String::new();
        self.withheld = true;
    }
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
    /// The investor, when a person of the directory; fills a blank name and country.
    pub person_id: Option<PersonId>,
}

/// Who may read a project: judged against the organization that follows a project up (`POLICY`),
/// written over `p`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Project,
    orgs: &[OrgOf::Column("p.owner_org_id")],
    also: None,
    reached: None,
};

pub async fn create(db: &Db, actor: &Actor, input: &ProjectInput) -> Result<Project> {
    let mut tx = db.write().await?;
    let mut check = Check::default();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let title = check.take("title", text::required(&input.title, 200));
    let sector = check
        .take("sector", text::optional(&opt(&input.sector), 100))
        .flatten();
    let amount = check.take("amount", Fen::parse_yuan(&input.amount));
    let linked = person::linkable(&mut tx, actor, &mut check, "person_id", input.person_id).await?;
    let investor = check.take(
        "investor_name",
        text::required(
            &person::or_linked(&input.investor_name, linked.as_ref()),
            200,
        ),
    );
    let country = check
        .take(
            "investor_country",
            reference::known_country(
                &mut tx,
                &person::linked_country(&opt(&input.investor_country), linked.as_ref()),
            )
            .await?,
        )
        .flatten();
    let region = check.required(
        "region_code",
        reference::known_region(&mut tx, &input.region_code).await?,
    );
    let signed_on = check.required("signed_on", text::date(&input.signed_on));
    if signed_on.is_some_and(|d| d > settings::today()) {
        check.add("signed_on", "date_in_future");
    }
    if let Some(e) = input.event_id
        && crate::error::unseen(crate::event::get_in(&mut tx, actor, e).await)?
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
                event_id, signed_on, status, owner_org_id, created_at, updated_at, person_id)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'signed', $10, $11, $11, $12) returning id",
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
        .bind(linked.as_ref().map(|p| p.id))
        .fetch_one(c)
        .await?
    });
    STEPS
        .record(
            &mut tx,
            actor,
            id.0,
            ProjectStatus::Signed.as_str(),
            signed_on,
            None,
        )
        .await?;
    tally::Change::added(tally::Records::projects([id.0]))
        .settle(&mut tx)
        .await?;
    crate::search::refresh(&mut tx, crate::search::Kind::Project, id.0).await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// The dated steps of a project's life.
const STEPS: crate::step::Steps = crate::step::Steps {
    table: "project_step",
    owner: "project_id",
};

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = ProjectStepInput)]
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
    let mut tx = db.write().await?;
    let p = get_in(&mut tx, actor, id).await?;
    access::authorize(
        actor,
        Resource::Project,
        Action::Update,
        Some(&p.owner_org_path),
    )?;
    crate::db::claim(&mut tx, "project", id.0, input.version.unwrap_or(p.version)).await?;
    let mut check = Check::default();
    let to = check.take("status", ProjectStatus::parse(&input.status));
    let day = text::step_day(
        &mut check,
        "happened_on",
        &input.happened_on,
        p.signed_on,
        "before_signing",
    );
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
    let change = tally::Change::of(&mut tx, tally::Records::projects([id.0])).await?;
    on!(&mut tx, |c| {
        sqlx::query("update project set status = $1 where id = $2")
            .bind(to.as_str())
            .bind(id)
            .execute(c)
            .await?;
    });
    change.settle(&mut tx).await?;
    STEPS
        .record(&mut tx, actor, id.0, to.as_str(), day, note.as_deref())
        .await?;
    let p = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(p)
}

/// Every project with what lists show and filter by: its region, owner organization and
/// side, event and series, investor country.
macro_rules! from_projects {
    () => {
        "from project p join region r on r.code = p.region_code join org o on o.id = p.owner_org_id
    join side sd on sd.id = o.side_id left join event e on e.id = p.event_id
    left join event_series s on s.id = e.series_id left join country k on k.alpha2 = p.investor_country"
    };
}

const FROM: &str = from_projects!();

const SELECT: &str = concat!(
    "select p.id, p.title, p.sector, p.amount_fen, p.investor_name, p.investor_org_id, p.investor_country,
    k.name_zh as investor_country_zh, k.name_en as investor_country_en,
    p.region_code, r.name as region_name, p.event_id, e.title as event_title, e.series_id, s.name as series_name,
    p.signed_on, p.status, p.owner_org_id, o.name as owner_org_name, sd.code as side_code, o.path as owner_org_path,
    p.person_id, p.version, p.created_at ",
    from_projects!()
);

/// One project, if the actor may read it: the list's rule filtered by id.
pub async fn get(db: &Db, actor: &Actor, id: ProjectId) -> Result<Project> {
    get_in(&mut db.read().await?, actor, id).await
}

pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: ProjectId) -> Result<Project> {
    let mut q = Sql::new(&format!("{SELECT} where p.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    let mut p: Project = q.optional(tx).await?.ok_or(Error::NotFound)?;
    person::withhold(tx, actor, std::slice::from_mut(&mut p)).await?;
    p.steps = STEPS.of(tx, id.0).await?;
    Ok(p)
}

/// Projects signed at an event, in signing order.
pub async fn of_event(db: &Db, actor: &Actor, event: EventId) -> Result<Vec<Project>> {
    let mut tx = db.read().await?;
    let mut q = Sql::new(&format!("{SELECT} where p.event_id = "));
    q.bind(event.0)
        .and(&READ.sql(actor))
        .push(" order by p.signed_on, p.id");
    let mut items: Vec<Project> = q.all(&mut tx).await?;
    person::withhold(&mut tx, actor, &mut items).await?;
    Ok(items)
}

/// Counts and amounts of a set of projects: signed, and landed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ProjectTotals)]
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

/// Which projects a list, a pipeline or a landing table covers. Every field is optional
/// and typed as text, so a bad value answers a field error rather than a bad query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ProjectFilter {
    /// A status (`signed` … `cancelled`), or `landed` (started or in operation), or
    /// `not_cancelled` (every project counted as signed).
    pub status: Option<String>,
    /// Year of signing, e.g. `2024`.
    pub year: Option<String>,
    /// Quarter of signing, `1`–`4`; needs `year`.
    pub quarter: Option<String>,
    /// Signed on or after, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Signed on or before, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Event series (brand) id: projects signed at any event of the series.
    pub series: Option<String>,
    /// Event id: projects signed at this event.
    pub event: Option<String>,
    /// Owner organization id: projects it or an organization below it follows up.
    pub org: Option<String>,
    /// Side code of the owner organization, e.g. `cq`.
    pub side: Option<String>,
    /// Landing region, GB/T 2260: `500000` a province, `510100` a prefecture,
    /// `500101` a county — every project whose region code starts with it once the
    /// trailing `00` pairs are dropped.
    pub region: Option<String>,
}

/// `status` values that are not one status.
pub const LANDED: &str = "landed";
pub const NOT_CANCELLED: &str = "not_cancelled";

/// The project filters once checked.
struct Where {
    status: Option<String>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    series: Option<i64>,
    event: Option<i64>,
    org_like: Option<String>,
    side: Option<String>,
    region_like: Option<String>,
}

impl Where {
    /// The read rule and every filter, as one condition over the tables of `FROM`.
    fn sql(&self, actor: &Actor) -> Sql {
        let mut w = READ.sql(actor);
        match self.status.as_deref() {
            Some("landed") => {
                w.push(" and p.status in ('started', 'in_operation')");
            }
            Some("not_cancelled") => {
                w.push(" and p.status <> 'cancelled'");
            }
            Some(s) => {
                w.push(" and p.status = ").bind(s);
            }
            None => {}
        }
        if let Some(v) = self.from {
            w.push(" and p.signed_on >= ").bind(v);
        }
        if let Some(v) = self.to {
            w.push(" and p.signed_on <= ").bind(v);
        }
        if let Some(v) = self.series {
            w.push(" and e.series_id = ").bind(v);
        }
        if let Some(v) = self.event {
            w.push(" and p.event_id = ").bind(v);
        }
        if let Some(v) = &self.org_like {
            w.push(" and o.path like ").bind(v.as_str());
        }
        if let Some(v) = &self.side {
            w.push(" and sd.code = ").bind(v.as_str());
        }
        if let Some(v) = &self.region_like {
            w.push(" and p.region_code like ").bind(v.as_str());
        }
        w
    }
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn id_of(s: &str) -> Result<i64, crate::FieldError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(crate::FieldError::new("unknown_value"))
}

/// The prefix a region code stands for: `500000` → `50`, `510100` → `5101`,
/// `500101` → `500101`.
pub fn region_prefix(code: &str) -> &str {
    let mut p = code;
    while p.len() > 2 && p.ends_with("00") {
        p = &p[..p.len() - 2];
    }
    p
}

async fn checked(tx: &mut Tx, filter: &ProjectFilter) -> Result<Where> {
    let mut check = Check::default();
    let status = blank(&filter.status).and_then(|s| {
        if s == LANDED || s == NOT_CANCELLED {
            Some(s.to_owned())
        } else {
            check
                .take("status", ProjectStatus::parse(s))
                .map(|s| s.as_str().to_owned())
        }
    });
    let year = blank(&filter.year).and_then(|y| {
        check.take(
            "year",
            y.parse::<i32>()
                .ok()
                .filter(|y| (1900..=2100).contains(y))
                .ok_or(crate::FieldError::new("unknown_value")),
        )
    });
    let quarter = blank(&filter.quarter).and_then(|q| {
        check.take(
            "quarter",
            q.parse::<u32>()
                .ok()
                .filter(|q| (1..=4).contains(q))
                .ok_or(crate::FieldError::new("unknown_value")),
        )
    });
    if quarter.is_some() && blank(&filter.year).is_none() {
        check.add("year", "required");
    }
    let (from, to) = match (year, quarter) {
        (Some(y), None) => (
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y, 12, 31),
        ),
        (Some(y), Some(q)) => (
            NaiveDate::from_ymd_opt(y, q * 3 - 2, 1),
            NaiveDate::from_ymd_opt(
                if q == 4 { y + 1 } else { y },
                if q == 4 { 1 } else { q * 3 + 1 },
                1,
            )
            .and_then(|d| d.pred_opt()),
        ),
        _ => (None, None),
    };
    let (since, until) =
        crate::text::period(&mut check, None, blank(&filter.from), blank(&filter.to));
    let (from, to) = (from.max(since), [to, until].into_iter().flatten().min());
    let series = blank(&filter.series).and_then(|v| check.take("series", id_of(v)));
    crate::outcome::known_series(tx, &mut check, series).await?;
    let event = blank(&filter.event).and_then(|v| check.take("event", id_of(v)));
    if let Some(id) = event {
        let known: Option<i64> = on!(&mut *tx, |c| {
            sqlx::query_scalar("select id from event where id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?
        });
        if known.is_none() {
            check.add("event", "unknown_event");
        }
    }
    let org = blank(&filter.org).and_then(|v| check.take("org", id_of(v)));
    let org_like = crate::org::subtree_like(tx, &mut check, org).await?;
    let side = match blank(&filter.side) {
        Some(code) => match crate::side::by_code(tx, code).await? {
            Some(s) => Some(s.code),
            None => {
                check.add("side", "unknown_side");
                None
            }
        },
        None => None,
    };
    let region = match blank(&filter.region) {
        Some(r) => check
            .take("region", reference::known_region(tx, r).await?)
            .flatten(),
        None => None,
    };
    let region_like = region.map(|code| format!("{}%", region_prefix(&code)));
    check.finish()?;
    Ok(Where {
        status,
        from,
        to,
        series,
        event,
        org_like,
        side,
        region_like,
    })
}

/// Projects that match the filter, newest signing first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &ProjectFilter,
    page: PageRequest,
) -> Result<Page<Project>> {
    let mut tx = db.read().await?;
    let w = checked(&mut tx, filter).await?;
    let mut found: Page<Project> = w
        .sql(actor)
        .page(&mut tx, SELECT, FROM, "p.signed_on desc, p.id desc", page)
        .await?;
    person::withhold(&mut tx, actor, &mut found.items).await?;
    Ok(found)
}

/// How many projects are at one status, and for how much.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatusFigure {
    pub status: ProjectStatus,
    pub count: i64,
    pub amount_fen: Fen,
}

/// Projects by status, every status present, in the order of their life.
pub async fn pipeline(db: &Db, actor: &Actor, filter: &ProjectFilter) -> Result<Vec<StatusFigure>> {
    let mut tx = db.read().await?;
    let w = checked(&mut tx, filter).await?;
    // PostgreSQL sums bigints as numeric; the casts keep one integer type on both engines.
    let mut q = Sql::new(&format!(
        "select p.status, count(*), cast(coalesce(sum(p.amount_fen), 0) as bigint) {FROM} where "
    ));
    q.append(&w.sql(actor)).push(" group by p.status");
    let rows: Vec<(String, i64, i64)> = q.all(&mut tx).await?;
    Ok(ProjectStatus::ALL
        .iter()
        .map(|s| {
            let (count, fen) = rows
                .iter()
                .find(|(k, _, _)| k == s.as_str())
                .map_or((0, 0), |(_, n, f)| (*n, *f));
            StatusFigure {
                status: *s,
                count,
                amount_fen: Fen(fen),
            }
        })
        .collect())
}

/// Signed and landed totals of a pipeline (signed leaves out cancelled projects).
pub fn totals_of(pipeline: &[StatusFigure]) -> Totals {
    let mut t = Totals::default();
    for f in pipeline {
        if f.status != ProjectStatus::Cancelled {
            t.signed += f.count;
            t.signed_fen = t.signed_fen + f.amount_fen;
        }
        if f.status.landed() {
            t.landed += f.count;
            t.landed_fen = t.landed_fen + f.amount_fen;
        }
    }
    t
}

/// Signed and landed totals of the projects that match the filter.
pub async fn totals_for(db: &Db, actor: &Actor, filter: &ProjectFilter) -> Result<Totals> {
    Ok(totals_of(&pipeline(db, actor, filter).await?))
}

text_enum!(
    /// What a landing table is broken down by.
    LandingBy {
        Year = "year",
        Quarter = "quarter",
        Side = "side",
        Region = "region",
        Series = "series",
    }
);

impl LandingBy {
    /// `by` as a query gives it: by year when left out, a field error when unknown.
    pub fn from_query(s: Option<&str>) -> Result<LandingBy> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(LandingBy::Year),
            Some(s) => LandingBy::parse(s).map_err(|_| Error::field("by", "unknown_value")),
        }
    }
}

/// Series that projects were signed at, by name: the choices of the series filter.
pub async fn series_signed_at(db: &Db) -> Result<Vec<(SeriesId, String)>> {
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(
            "select s.id, s.name from event_series s
             where exists (select 1 from event e join project p on p.event_id = e.id where e.series_id = s.id)
             order by s.name",
        )
        .fetch_all(c)
        .await?
    }))
}

/// One line of a landing table: projects signed (not cancelled) and landed (started or
/// in operation), by count and amount, and the landing rates they give.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LandingRow {
    /// What the line is: `2024`, `2024-Q3`, a side code, a region code (prefecture, or
    /// the province for a municipality's districts), a series id; empty for projects
    /// signed at no series.
    pub key: String,
    /// Its name in Chinese (the side's English name is in `label_en`).
    pub label: String,
    pub label_en: String,
    pub signed: i64,
    pub signed_fen: Fen,
    pub landed: i64,
    pub landed_fen: Fen,
    /// Landed ÷ signed by count, 0–1; none when nothing was signed.
    pub rate_by_count: Option<f64>,
    /// Landed ÷ signed by amount, 0–1; none when nothing was signed.
    pub rate_by_amount: Option<f64>,
}

/// A landing rate, 0–1, or none when nothing was signed.
pub fn rate(landed: i64, signed: i64) -> Option<f64> {
    (signed > 0).then(|| landed as f64 / signed as f64)
}

impl LandingRow {
    fn new(key: String, label: String, label_en: String, t: Totals) -> LandingRow {
        LandingRow {
            key,
            label,
            label_en,
            signed: t.signed,
            signed_fen: t.signed_fen,
            landed: t.landed,
            landed_fen: t.landed_fen,
            rate_by_count: rate(t.landed, t.signed),
            rate_by_amount: rate(t.landed_fen.0, t.signed_fen.0),
        }
    }
}

/// Signed and landed figures by year, quarter, side, region or series, for the
/// projects that match the filter: one grouped query.
pub async fn landing(
    db: &Db,
    actor: &Actor,
    filter: &ProjectFilter,
    by: LandingBy,
) -> Result<Vec<LandingRow>> {
    let mut tx = db.read().await?;
    let w = checked(&mut tx, filter).await?;
    let year = "substr(cast(p.signed_on as text), 1, 4)";
    // key, label, English label, order
    let (key, label, label_en, extra_from, order) = match by {
        LandingBy::Year => (year.to_owned(), year.to_owned(), year.to_owned(), "", "1"),
        LandingBy::Quarter => {
            let q = format!(
                "{year} || '-Q' || cast((cast(substr(cast(p.signed_on as text), 6, 2) as integer) + 2) / 3 as text)"
            );
            (q.clone(), q.clone(), q, "", "1")
        }
        LandingBy::Side => (
            "sd.code".into(),
            "sd.name_zh".into(),
            "sd.name_en".into(),
            "",
            "max(sd.sort_order), 1",
        ),
        // The prefecture of the landing region; a municipality's districts have none in
        // GB/T 2260 and count under the municipality.
        LandingBy::Region => (
            "coalesce(pf.code, pv.code)".into(),
            "coalesce(pf.name, pv.name)".into(),
            "coalesce(pf.name, pv.name)".into(),
            "left join region pf on pf.code = substr(p.region_code, 1, 4) || '00' and pf.level = 'prefecture'
             join region pv on pv.code = substr(p.region_code, 1, 2) || '0000'",
            "1",
        ),
        LandingBy::Series => (
            "coalesce(cast(e.series_id as text), '')".into(),
            "coalesce(s.name, '')".into(),
            "coalesce(s.name, '')".into(),
            "",
            "case when max(s.name) is null then 1 else 0 end, 2",
        ),
    };
    let mut q = Sql::new(&format!(
        "select {key} as k, {label} as l, {label_en} as le,
            cast(sum(case when p.status <> 'cancelled' then 1 else 0 end) as bigint),
            cast(coalesce(sum(case when p.status <> 'cancelled' then p.amount_fen else 0 end), 0) as bigint),
            cast(sum(case when p.status in ('started', 'in_operation') then 1 else 0 end) as bigint),
            cast(coalesce(sum(case when p.status in ('started', 'in_operation') then p.amount_fen else 0 end), 0) as bigint)
         {FROM} {extra_from} where "
    ));
    q.append(&w.sql(actor))
        .push(&format!(" group by 1, 2, 3 order by {order}"));
    let rows: Vec<(String, String, String, i64, i64, i64, i64)> = q.all(&mut tx).await?;
    Ok(rows
        .into_iter()
        .map(|(k, l, le, signed, signed_fen, landed, landed_fen)| {
            LandingRow::new(
                k,
                l,
                le,
                Totals {
                    signed,
                    signed_fen: Fen(signed_fen),
                    landed,
                    landed_fen: Fen(landed_fen),
                },
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_code_stands_for_its_prefix() {
        assert_eq!(region_prefix("500000"), "50");
        assert_eq!(region_prefix("510100"), "5101");
        assert_eq!(region_prefix("500101"), "500101");
        assert_eq!(region_prefix("500101001"), "500101001");
    }

    #[test]
    fn a_rate_needs_something_signed() {
        assert_eq!(rate(1, 4), Some(0.25));
        assert_eq!(rate(0, 0), None);
    }

    #[test]
    fn totals_of_a_pipeline_leave_out_cancelled_and_count_started_and_operating_as_landed() {
        let f = |status, count, fen| StatusFigure {
            status,
            count,
            amount_fen: Fen(fen),
        };
        let t = totals_of(&[
            f(ProjectStatus::Signed, 2, 100),
            f(ProjectStatus::Started, 1, 50),
            f(ProjectStatus::InOperation, 1, 30),
            f(ProjectStatus::Cancelled, 5, 1000),
        ]);
        assert_eq!(
            t,
            Totals {
                signed: 4,
                signed_fen: Fen(180),
                landed: 2,
                landed_fen: Fen(80)
            }
        );
    }

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
