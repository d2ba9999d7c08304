//! Events (经贸、文化、联谊、研修、营会…): kind, series across years, hosts and
//! supporters, participants by country, endorsements (批示). Totals are computed from
//! these records, never typed in twice.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::org::OrgId;
use crate::outcome::{Scope, tally};
use crate::page::{Page, PageRequest};
use crate::sql::{self, Sql};
use crate::{on, reference, text};

id_type!(EventId);
id_type!(SeriesId);

text_enum!(
    EventKind {
        Economic = "economic",
        Culture = "culture",
        Liaison = "liaison",
        StudyProgramme = "study_programme",
        YouthCampOnline = "youth_camp_online",
        YouthCampOffline = "youth_camp_offline",
        MediaTour = "media_tour",
        PoliticalEducation = "political_education",
        Conference = "conference",
        Other = "other",
    }
);

text_enum!(
    EventStatus { Planned = "planned", Held = "held", Cancelled = "cancelled" }
);

text_enum!(
    EventRole { Host = "host", CoHost = "co_host", Supporter = "supporter" }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EventOrg {
    pub org_id: OrgId,
    pub name: String,
    #[serde(skip)]
    pub path: String,
    #[sqlx(try_from = "String")]
    pub role: EventRole,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CountryCount {
    pub country_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub participants: i64,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Endorsement {
    pub by_whom: String,
    pub given_on: NaiveDate,
    pub text: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Event {
    pub id: EventId,
    #[sqlx(try_from = "String")]
    pub kind: EventKind,
    pub series_id: Option<SeriesId>,
    pub series_name: Option<String>,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub region_code: Option<String>,
    pub country_code: Option<String>,
    pub place: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: EventStatus,
    pub summary: Option<String>,
    pub agreement_id: Option<crate::agreement::AgreementId>,
    pub mechanism_id: Option<OrgId>,
    pub pairing_id: Option<crate::pairing::PairingId>,
    /// Participants over all countries.
    pub participants: i64,
    /// Countries and regions the participants came from.
    pub country_count: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub orgs: Vec<EventOrg>,
    #[sqlx(skip)]
    pub countries: Vec<CountryCount>,
    #[sqlx(skip)]
    pub endorsements: Vec<Endorsement>,
    #[sqlx(skip)]
    pub attachments: Vec<crate::file::Attachment>,
}

impl Event {
    /// Paths of the organizations that ran it, for permission checks.
    pub fn org_paths(&self) -> impl Iterator<Item = &str> {
        self.orgs.iter().map(|o| o.path.as_str())
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EventOrgInput {
    pub org_id: Option<OrgId>,
    /// `host`, `co_host` or `supporter`.
    pub role: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CountryInput {
    /// ISO 3166-1 alpha-2.
    pub country_code: String,
    pub participants: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EventInput {
    pub kind: String,
    /// Name of the recurring series ("brand"); created on first use.
    pub series: Option<String>,
    pub title: String,
    /// `YYYY-MM-DD`
    pub starts_on: String,
    /// `YYYY-MM-DD`; the start day if left out.
    pub ends_on: String,
    pub region_code: Option<String>,
    pub country_code: Option<String>,
    pub place: Option<String>,
    /// `planned`, `held` or `cancelled`.
    pub status: String,
    pub summary: Option<String>,
    pub orgs: Vec<EventOrgInput>,
    /// Ignored while the event has named participants: they are counted instead.
    pub countries: Vec<CountryInput>,
    /// The framework agreement the event carries out.
    pub agreement_id: Option<crate::agreement::AgreementId>,
    /// The cooperation mechanism (an organization of kind mechanism) behind it.
    pub mechanism_id: Option<OrgId>,
    pub pairing_id: Option<crate::pairing::PairingId>,
    /// The version read, for edits; a stale one is refused with 409.
    pub version: Option<i64>,
}

struct Fields {
    kind: EventKind,
    series: Option<String>,
    title: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    region_code: Option<String>,
    country_code: Option<String>,
    place: Option<String>,
    status: EventStatus,
    summary: Option<String>,
    orgs: Vec<(OrgId, EventRole, String)>,
    countries: Vec<(String, i64)>,
}

/// Checks that a linked record exists; `table` is one of ours, never user input.
async fn linked(
    tx: &mut Tx,
    check: &mut Check,
    field: &'static str,
    table: &str,
    id: Option<i64>,
) -> Result<()> {
    let Some(id) = id else { return Ok(()) };
    let found: Option<i64> = on!(tx, |c| {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "select id from {table} where id = $1"
        )))
        .bind(id)
        .fetch_optional(c)
        .await?
    });
    if found.is_none() {
        check.add(field, "unknown_link");
    }
    Ok(())
}

async fn parse(tx: &mut Tx, actor: &Actor, input: &EventInput) -> Result<Fields> {
    let mut check = Check::default();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let kind = check.take("kind", EventKind::parse(&input.kind));
    let status = check.take("status", EventStatus::parse(&input.status));
    let title = check.take("title", text::required(&input.title, 200));
    let series = check
        .take("series", text::optional(&opt(&input.series), 100))
        .flatten();
    let place = check
        .take("place", text::optional(&opt(&input.place), 200))
        .flatten();
    let summary = check
        .take("summary", text::optional(&opt(&input.summary), text::LONG))
        .flatten();
    let starts_on = check.required("starts_on", text::date(&input.starts_on));
    let ends_on = match check.take("ends_on", text::date(&input.ends_on)) {
        Some(None) => starts_on,
        d => d.flatten(),
    };
    if let (Some(s), Some(e)) = (starts_on, ends_on)
        && e < s
    {
        check.add("ends_on", "ends_before_start");
    }
    let region_code = check
        .take(
            "region_code",
            reference::known_region(tx, &opt(&input.region_code)).await?,
        )
        .flatten();
    let country_code = check
        .take(
            "country_code",
            reference::known_country(tx, &opt(&input.country_code)).await?,
        )
        .flatten();
    let mut orgs = Vec::new();
    for o in &input.orgs {
        let role = check.take("orgs", EventRole::parse(&o.role));
        let path = match o.org_id {
            Some(id) => crate::org::path_of(tx, id).await?,
            None => None,
        };
        match (o.org_id, path, role) {
            (Some(id), Some(path), Some(role)) => {
                if orgs.iter().any(|(x, _, _)| *x == id) {
                    check.add("orgs", "duplicate_party");
                }
                orgs.push((id, role, path));
            }
            (_, None, _) => check.add("orgs", "unknown_org"),
            _ => {}
        }
    }
    if !orgs.iter().any(|(_, r, _)| *r == EventRole::Host) {
        check.add("orgs", "host_required");
    }
    let mut countries: Vec<(String, i64)> = Vec::new();
    for c in &input.countries {
        let Some(code) = check
            .take(
                "countries",
                reference::known_country(tx, &c.country_code).await?,
            )
            .flatten()
        else {
            check.add("countries", "unknown_country");
            continue;
        };
        match c.participants {
            Some(n) if n >= 0 => {
                if countries.iter().any(|(x, _)| *x == code) {
                    check.add("countries", "duplicate_country");
                }
                countries.push((code, n));
            }
            _ => check.add("countries", "bad_count"),
        }
    }
    // An agreement is read by its parties: one the author cannot see cannot be named.
    if let Some(a) = input.agreement_id
        && crate::error::unseen(crate::agreement::get_in(tx, actor, a).await)?
    {
        check.add("agreement_id", "unknown_agreement");
    }
    linked(
        tx,
        &mut check,
        "pairing_id",
        "pairing",
        input.pairing_id.map(|a| a.0),
    )
    .await?;
    if let Some(m) = input.mechanism_id {
        let kind: Option<String> = on!(&mut *tx, |c| {
            sqlx::query_scalar("select kind from org where id = $1")
                .bind(m)
                .fetch_optional(c)
                .await?
        });
        if kind.as_deref() != Some(crate::org::OrgKind::Mechanism.as_str()) {
            check.add("mechanism_id", "unknown_link");
        }
    }
    check.finish()?;
    match (kind, status, title, starts_on, ends_on) {
        (Some(kind), Some(status), Some(title), Some(starts_on), Some(ends_on)) => Ok(Fields {
            kind,
            series,
            title,
            starts_on,
            ends_on,
            region_code,
            country_code,
            place,
            status,
            summary,
            orgs,
            countries,
        }),
        _ => Err(Error::Other(
            "event parsed without errors yet incomplete".into(),
        )),
    }
}

async fn series_id(tx: &mut Tx, name: &str) -> Result<SeriesId> {
    on!(&mut *tx, |c| {
        sqlx::query("insert into event_series (name, created_at) values ($1, $2) on conflict (name) do nothing")
            .bind(name)
            .bind(crate::now())
            .execute(c)
            .await?;
    });
    Ok(on!(tx, |c| {
        sqlx::query_scalar("select id from event_series where name = $1")
            .bind(name)
            .fetch_one(c)
            .await?
    }))
}

/// Binds an event's fields as `$1`…`$13`, in the order both insert and update name them.
macro_rules! bind_event {
    ($f:expr, $series:expr, $input:expr, $q:expr) => {
        $q.bind($f.kind.as_str())
            .bind($series)
            .bind(&$f.title)
            .bind($f.starts_on)
            .bind($f.ends_on)
            .bind(&$f.region_code)
            .bind(&$f.country_code)
            .bind(&$f.place)
            .bind($f.status.as_str())
            .bind(&$f.summary)
            .bind($input.agreement_id)
            .bind($input.mechanism_id)
            .bind($input.pairing_id)
    };
}

/// The series named on the form, created on first use.
async fn series_of(tx: &mut Tx, f: &Fields) -> Result<Option<SeriesId>> {
    match &f.series {
        Some(name) => Ok(Some(series_id(tx, name).await?)),
        None => Ok(None),
    }
}

/// What the actor may do with an event: record its outcomes (sessions, register,
/// talents, articles, projects, files, endorsements) and edit it.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = EventAllowed)]
pub struct Allowed {
    pub update: bool,
}

impl Event {
    pub fn allowed(&self, actor: &Actor) -> Allowed {
        Allowed {
            update: actor.may_any(Resource::Event, Action::Update, self.org_paths()),
        }
    }
}

/// Who may read an event: judged against the hosts, co-hosts and supporters of an event (`POLICY`),
/// written over `e`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Event,
    orgs: &[OrgOf::Select(
        "select vo.org_id from event_org vo where vo.event_id = e.id",
    )],
    also: None,
    reached: None,
};

/// Records an event; the actor must be able to act for one of its hosts.
pub async fn create(db: &Db, actor: &Actor, input: &EventInput) -> Result<Event> {
    let mut tx = db.write().await?;
    let f = parse(&mut tx, actor, input).await?;
    let hosts = f
        .orgs
        .iter()
        .filter(|o| o.1 != EventRole::Supporter)
        .map(|o| o.2.as_str());
    access::authorize_any(actor, Resource::Event, Action::Create, hosts)?;
    let series = series_of(&mut tx, &f).await?;
    let now = crate::now();
    let id: EventId = on!(&mut tx, |c| {
        bind_event!(f, series, input, sqlx::query_scalar(
            "insert into event (kind, series_id, title, starts_on, ends_on, region_code, country_code, place, status,
                summary, agreement_id, mechanism_id, pairing_id, created_by, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) returning id",
        ))
        .bind(actor.account_id)
        .bind(now)
        .fetch_one(c)
        .await?
    });
    write_parts(&mut tx, id, &f, true).await?;
    tally::Change::added(tally::Records::events([id.0]))
        .settle(&mut tx)
        .await?;
    crate::search::refresh(&mut tx, crate::search::Kind::Event, id.0).await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// Writes an event's organizations and, unless counted from its register, its
/// participants by country, replacing what was there.
async fn write_parts(tx: &mut Tx, id: EventId, f: &Fields, countries: bool) -> Result<()> {
    on!(&mut *tx, |c| {
        sqlx::query("delete from event_org where event_id = $1")
            .bind(id)
            .execute(c)
            .await?;
    });
    for (org, role, _) in &f.orgs {
        on!(&mut *tx, |c| {
            sqlx::query("insert into event_org (event_id, org_id, role) values ($1, $2, $3)")
                .bind(id)
                .bind(org)
                .bind(role.as_str())
                .execute(c)
                .await?;
        });
    }
    if !countries {
        return Ok(());
    }
    on!(&mut *tx, |c| {
        sqlx::query("delete from event_country where event_id = $1")
            .bind(id)
            .execute(c)
            .await?;
    });
    for (code, n) in &f.countries {
        on!(&mut *tx, |c| {
            sqlx::query("insert into event_country (event_id, country_code, participants) values ($1, $2, $3)")
                .bind(id)
                .bind(code)
                .bind(n)
                .execute(c)
                .await?;
        });
    }
    Ok(())
}

/// Edits an event. The editor must be able to update it for one of the organizations
/// that ran it, and to record events for the hosts it now names.
pub async fn update(db: &Db, actor: &Actor, id: EventId, input: &EventInput) -> Result<Event> {
    let mut tx = db.write().await?;
    let old = get_in(&mut tx, actor, id).await?;
    access::authorize_any(actor, Resource::Event, Action::Update, old.org_paths())?;
    crate::db::claim(&mut tx, "event", id.0, input.version.unwrap_or(old.version)).await?;
    let f = parse(&mut tx, actor, input).await?;
    access::authorize_any(
        actor,
        Resource::Event,
        Action::Create,
        f.orgs
            .iter()
            .filter(|o| o.1 != EventRole::Supporter)
            .map(|o| o.2.as_str()),
    )?;
    let series = series_of(&mut tx, &f).await?;
    // What is counted through the event moves with its day, series, status and hosts.
    let records = tally::Records::of_event(&mut tx, id.0).await?;
    let change = tally::Change::of(&mut tx, records).await?;
    on!(&mut tx, |c| {
        bind_event!(f, series, input, sqlx::query(
            "update event set kind = $1, series_id = $2, title = $3, starts_on = $4, ends_on = $5, region_code = $6,
                country_code = $7, place = $8, status = $9, summary = $10, agreement_id = $11, mechanism_id = $12,
                pairing_id = $13
             where id = $14",
        ))
        .bind(id)
        .execute(c)
        .await?;
    });
    let counted = crate::camp::has_register(&mut tx, id).await?;
    write_parts(&mut tx, id, &f, !counted).await?;
    change.settle(&mut tx).await?;
    crate::search::refresh(&mut tx, crate::search::Kind::Event, id.0).await?;
    let e = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(e)
}

/// Whether an event exists.
pub async fn exists(tx: &mut Tx, id: EventId) -> Result<bool> {
    let found: Option<i64> = on!(tx, |c| {
        sqlx::query_scalar("select id from event where id = $1")
            .bind(id)
            .fetch_optional(c)
            .await?
    });
    Ok(found.is_some())
}

/// Paths of the organizations that ran an event; empty if there is no such event.
pub async fn org_paths(tx: &mut Tx, id: EventId) -> Result<Vec<String>> {
    Ok(on!(tx, |c| {
        sqlx::query_scalar(
            "select o.path from event_org x join org o on o.id = x.org_id where x.event_id = $1",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    }))
}

/// Attaches a file (programme, photos, minutes) to an event.
pub async fn attach(
    db: &Db,
    actor: &Actor,
    id: EventId,
    upload: &crate::file::Upload,
) -> Result<Event> {
    let mut tx = db.write().await?;
    may_attach_in(&mut tx, actor, id).await?;
    crate::file::attach(&mut tx, "event", id.0, upload, actor.account_id).await?;
    let e = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(e)
}

/// Whether the actor may add files to an event: asked before an upload is read.
pub async fn may_attach(db: &Db, actor: &Actor, id: EventId) -> Result<()> {
    may_attach_in(&mut db.read().await?, actor, id).await
}

async fn may_attach_in(tx: &mut Tx, actor: &Actor, id: EventId) -> Result<()> {
    let e = get_in(tx, actor, id).await?;
    access::authorize_any(actor, Resource::Event, Action::Update, e.org_paths())
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EndorsementInput {
    pub by_whom: String,
    /// `YYYY-MM-DD`
    pub given_on: String,
    pub text: String,
}

/// Records an endorsement (批示) an event received.
pub async fn endorse(
    db: &Db,
    actor: &Actor,
    id: EventId,
    input: &EndorsementInput,
) -> Result<Event> {
    let mut tx = db.write().await?;
    let e = get_in(&mut tx, actor, id).await?;
    access::authorize_any(
        actor,
        Resource::Event,
        Action::Update,
        e.orgs.iter().map(|o| o.path.as_str()),
    )?;
    let mut check = Check::default();
    let by = check.take("by_whom", text::required(&input.by_whom, 100));
    let given = check.required("given_on", text::date(&input.given_on));
    let body = check.take("text", text::required(&input.text, text::LONG));
    check.finish()?;
    let (Some(by), Some(given), Some(body)) = (by, given, body) else {
        return Err(Error::Other(
            "endorsement parsed without errors yet incomplete".into(),
        ));
    };
    on!(&mut tx, |c| {
        sqlx::query("insert into endorsement (event_id, by_whom, given_on, text, created_at) values ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(&by)
            .bind(given)
            .bind(&body)
            .bind(crate::now())
            .execute(c)
            .await?;
    });
    let e = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(e)
}

const SELECT: &str = "select e.id, e.kind, e.series_id, s.name as series_name, e.title, e.starts_on, e.ends_on,
    e.region_code, e.country_code, e.place, e.status, e.summary, e.agreement_id, e.mechanism_id, e.pairing_id,
    -- PostgreSQL sums bigints as numeric; the cast keeps one integer type on both engines.
    (select cast(coalesce(sum(c.participants), 0) as bigint) from event_country c where c.event_id = e.id) as participants,
    (select count(*) from event_country c where c.event_id = e.id) as country_count,
    e.version, e.created_at
    from event e left join event_series s on s.id = e.series_id";

/// Fills in the organizations, countries, endorsements and files of a page of events,
/// one query each.
async fn fill(tx: &mut Tx, events: &mut [Event]) -> Result<()> {
    let ids: Vec<i64> = events.iter().map(|e| e.id.0).collect();
    let mut orgs = sql::by_owner(
        tx,
        "select x.event_id as owner, x.org_id, o.name, o.path, x.role from event_org x join org o on o.id = x.org_id
         where x.event_id in ",
        &ids,
        &Sql::new(" order by case x.role when 'host' then 0 when 'co_host' then 1 else 2 end, o.path"),
    )
    .await?;
    let mut countries = sql::by_owner(
        tx,
        "select x.event_id as owner, x.country_code, k.name_zh, k.name_en, x.participants from event_country x
         join country k on k.alpha2 = x.country_code where x.event_id in ",
        &ids,
        &Sql::new(" order by x.participants desc, x.country_code"),
    )
    .await?;
    let mut endorsements = sql::by_owner(
        tx,
        "select event_id as owner, by_whom, given_on, text from endorsement where event_id in ",
        &ids,
        &Sql::new(" order by given_on, id"),
    )
    .await?;
    let files = crate::file::list(tx, "event", &ids).await?;
    for e in events {
        e.orgs = orgs.remove(&e.id.0).unwrap_or_default();
        e.countries = countries.remove(&e.id.0).unwrap_or_default();
        e.endorsements = endorsements.remove(&e.id.0).unwrap_or_default();
        e.attachments = files
            .iter()
            .filter(|(owner, _)| *owner == e.id.0)
            .map(|(_, a)| a.clone())
            .collect();
    }
    Ok(())
}

/// One event, if the actor may read it: the list's rule filtered by id.
pub async fn get(db: &Db, actor: &Actor, id: EventId) -> Result<Event> {
    get_in(&mut db.read().await?, actor, id).await
}

pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: EventId) -> Result<Event> {
    let mut q = Sql::new(&format!("{SELECT} where e.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    let mut e: Event = q.optional(tx).await?.ok_or(Error::NotFound)?;
    fill(tx, std::slice::from_mut(&mut e)).await?;
    Ok(e)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct EventFilter {
    pub kind: Option<String>,
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub series: Option<i64>,
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i32>)]
    pub year: Option<i32>,
    pub status: Option<String>,
    /// Events hosted, co-hosted or supported by this organization or one below it.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub org: Option<i64>,
    /// Events run by an organization of this side (code).
    pub side: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    pub to: Option<String>,
}

impl EventFilter {
    pub fn scope(&self) -> Scope {
        Scope {
            year: self.year,
            series: self.series,
            org: self.org,
            side: self.side.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

/// Events, newest first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &EventFilter,
    page: PageRequest,
) -> Result<Page<Event>> {
    let mut check = Check::default();
    let blank = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let kind = blank(&filter.kind).and_then(|k| check.take("kind", EventKind::parse(&k)));
    let status = blank(&filter.status).and_then(|k| check.take("status", EventStatus::parse(&k)));
    let mut tx = db.read().await?;
    let b = filter.scope().bind(&mut tx, &mut check).await?;
    check.finish()?;
    let mut w = b.events();
    w.and(&READ.sql(actor));
    if let Some(k) = kind {
        w.push(" and e.kind = ").bind(k.as_str());
    }
    if let Some(v) = status {
        w.push(" and e.status = ").bind(v.as_str());
    }
    let mut found: Page<Event> = w
        .page(
            &mut tx,
            SELECT,
            "from event e",
            "e.starts_on desc, e.id desc",
            page,
        )
        .await?;
    fill(&mut tx, &mut found.items).await?;
    Ok(found)
}

/// The latest `limit` events an organization itself hosted, co-hosted or supported,
/// newest first, as far as the reader may read them.
pub async fn involving(db: &Db, actor: &Actor, org: OrgId, limit: i64) -> Result<Vec<Event>> {
    let mut tx = db.read().await?;
    let mut q = Sql::new(&format!(
        "{SELECT} where e.id in (select x.event_id from event_org x where x.org_id = "
    ));
    q.bind(org.0)
        .push(")")
        .and(&READ.sql(actor))
        .push(" order by e.starts_on desc, e.id desc limit ")
        .bind(limit);
    let mut items: Vec<Event> = q.all(&mut tx).await?;
    fill(&mut tx, &mut items).await?;
    Ok(items)
}

/// Every event series ("brand"), by name.
pub async fn all_series(db: &Db) -> Result<Vec<(i64, String)>> {
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as("select id, name from event_series order by name")
            .fetch_all(c)
            .await?
    }))
}

/// Events on any day from `from` to `to`, for the calendar; without their parts.
pub async fn between(db: &Db, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<Vec<Event>> {
    let mut q = Sql::new(&format!("{SELECT} where e.starts_on <= "));
    q.bind(to)
        .push(" and e.ends_on >= ")
        .bind(from)
        .and(&READ.sql(actor))
        .push(" order by e.starts_on, e.ends_on desc, e.id");
    q.all(&mut db.read().await?).await
}
