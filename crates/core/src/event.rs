//! Events (经贸、文化、联谊、研修、营会…): kind, series across years, hosts and
//! supporters, participants by country, endorsements (批示). Totals are computed from
//! these records, never typed in twice.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::org::OrgId;
use crate::page::{Page, PageRequest};
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
    pub countries: Vec<CountryInput>,
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

fn required_date(check: &mut Check, field: &'static str, s: &str) -> Option<NaiveDate> {
    match check.take(field, text::date(s)) {
        Some(None) => {
            check.add(field, "required");
            None
        }
        d => d.flatten(),
    }
}

async fn parse(tx: &mut Tx, input: &EventInput) -> Result<Fields> {
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
    let starts_on = required_date(&mut check, "starts_on", &input.starts_on);
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
            reference::parse_region_code(&opt(&input.region_code)),
        )
        .flatten();
    if let Some(code) = &region_code
        && reference::region(tx, code).await?.is_none()
    {
        check.add("region_code", "unknown_region");
    }
    let country_code = check
        .take(
            "country_code",
            reference::parse_country_code(&opt(&input.country_code)),
        )
        .flatten();
    if let Some(code) = &country_code
        && reference::country(tx, code).await?.is_none()
    {
        check.add("country_code", "unknown_country");
    }
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
            .take("countries", reference::parse_country_code(&c.country_code))
            .flatten()
        else {
            check.add("countries", "unknown_country");
            continue;
        };
        if reference::country(tx, &code).await?.is_none() {
            check.add("countries", "unknown_country");
        }
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

/// Records an event; the actor must be able to act for one of its hosts.
pub async fn create(db: &Db, actor: &Actor, input: &EventInput) -> Result<Event> {
    let mut tx = db.begin().await?;
    let f = parse(&mut tx, input).await?;
    let hosts = f
        .orgs
        .iter()
        .filter(|o| o.1 != EventRole::Supporter)
        .map(|o| o.2.as_str());
    access::authorize_any(actor, Resource::Event, Action::Create, hosts)?;
    let series = match &f.series {
        Some(name) => Some(series_id(&mut tx, name).await?),
        None => None,
    };
    let now = crate::now();
    let id: EventId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into event (kind, series_id, title, starts_on, ends_on, region_code, country_code, place, status,
                summary, created_by, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) returning id",
        )
        .bind(f.kind.as_str())
        .bind(series)
        .bind(&f.title)
        .bind(f.starts_on)
        .bind(f.ends_on)
        .bind(&f.region_code)
        .bind(&f.country_code)
        .bind(&f.place)
        .bind(f.status.as_str())
        .bind(&f.summary)
        .bind(actor.account_id)
        .bind(now)
        .fetch_one(c)
        .await?
    });
    for (org, role, _) in &f.orgs {
        on!(&mut tx, |c| {
            sqlx::query("insert into event_org (event_id, org_id, role) values ($1, $2, $3)")
                .bind(id)
                .bind(org)
                .bind(role.as_str())
                .execute(c)
                .await?;
        });
    }
    for (code, n) in &f.countries {
        on!(&mut tx, |c| {
            sqlx::query("insert into event_country (event_id, country_code, participants) values ($1, $2, $3)")
                .bind(id)
                .bind(code)
                .bind(n)
                .execute(c)
                .await?;
        });
    }
    tx.commit().await?;
    get(db, id).await
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
    let e = get(db, id).await?;
    access::authorize_any(
        actor,
        Resource::Event,
        Action::Update,
        e.orgs.iter().map(|o| o.path.as_str()),
    )?;
    let mut check = Check::default();
    let by = check.take("by_whom", text::required(&input.by_whom, 100));
    let given = required_date(&mut check, "given_on", &input.given_on);
    let body = check.take("text", text::required(&input.text, text::LONG));
    check.finish()?;
    let (Some(by), Some(given), Some(body)) = (by, given, body) else {
        return Err(Error::Other(
            "endorsement parsed without errors yet incomplete".into(),
        ));
    };
    let mut tx = db.begin().await?;
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
    tx.commit().await?;
    get(db, id).await
}

const SELECT: &str = "select e.id, e.kind, e.series_id, s.name as series_name, e.title, e.starts_on, e.ends_on,
    e.region_code, e.country_code, e.place, e.status, e.summary,
    -- PostgreSQL sums bigints as numeric; the cast keeps one integer type on both engines.
    (select cast(coalesce(sum(c.participants), 0) as bigint) from event_country c where c.event_id = e.id) as participants,
    (select count(*) from event_country c where c.event_id = e.id) as country_count,
    e.version, e.created_at
    from event e left join event_series s on s.id = e.series_id";

async fn fill(tx: &mut Tx, e: &mut Event) -> Result<()> {
    e.orgs = on!(&mut *tx, |c| {
        sqlx::query_as(
            "select x.org_id, o.name, o.path, x.role from event_org x join org o on o.id = x.org_id
             where x.event_id = $1 order by case x.role when 'host' then 0 when 'co_host' then 1 else 2 end, o.path",
        )
        .bind(e.id)
        .fetch_all(c)
        .await?
    });
    e.countries = on!(&mut *tx, |c| {
        sqlx::query_as(
            "select x.country_code, k.name_zh, k.name_en, x.participants from event_country x
             join country k on k.alpha2 = x.country_code where x.event_id = $1 order by x.participants desc, x.country_code",
        )
        .bind(e.id)
        .fetch_all(c)
        .await?
    });
    e.endorsements = on!(&mut *tx, |c| {
        sqlx::query_as("select by_whom, given_on, text from endorsement where event_id = $1 order by given_on, id")
            .bind(e.id)
            .fetch_all(c)
            .await?
    });
    Ok(())
}

pub async fn get(db: &Db, id: EventId) -> Result<Event> {
    let mut tx = db.begin().await?;
    let mut e: Event = on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} where e.id = $1")))
            .bind(id)
            .fetch_optional(c)
            .await?
    })
    .ok_or(Error::NotFound)?;
    fill(&mut tx, &mut e).await?;
    Ok(e)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct EventFilter {
    pub kind: Option<String>,
    pub series: Option<i64>,
    pub year: Option<i32>,
    pub status: Option<String>,
    /// Events hosted, co-hosted or supported by this organization or one below it.
    pub org: Option<i64>,
}

/// Events, newest first.
pub async fn list(db: &Db, filter: &EventFilter, page: PageRequest) -> Result<Page<Event>> {
    let page = page.clamped();
    let mut check = Check::default();
    let blank = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let kind = blank(&filter.kind).and_then(|k| check.take("kind", EventKind::parse(&k)));
    let status = blank(&filter.status).and_then(|k| check.take("status", EventStatus::parse(&k)));
    let (from, to) = match filter.year {
        Some(y) => (
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y, 12, 31),
        ),
        None => (None, None),
    };
    if filter.year.is_some() && from.is_none() {
        check.add("year", "unknown_value");
    }
    let mut tx = db.begin().await?;
    let org_like = match filter.org {
        Some(id) => match crate::org::path_of(&mut tx, OrgId(id)).await? {
            Some(p) => Some(format!("{p}%")),
            None => {
                check.add("org", "unknown_org");
                None
            }
        },
        None => None,
    };
    check.finish()?;
    let where_ = "where ($1 is null or e.kind = $1) and ($2 is null or e.series_id = $2) and ($3 is null or e.starts_on >= $3)
        and ($4 is null or e.starts_on <= $4) and ($5 is null or e.status = $5)
        and ($6 is null or exists (select 1 from event_org x join org o on o.id = x.org_id where x.event_id = e.id and o.path like $6))";
    let total: i64 = on!(&mut tx, |c| {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "select count(*) from event e {where_}"
        )))
        .bind(kind.map(EventKind::as_str))
        .bind(filter.series)
        .bind(from)
        .bind(to)
        .bind(status.map(EventStatus::as_str))
        .bind(&org_like)
        .fetch_one(c)
        .await?
    });
    let mut items: Vec<Event> = on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} {where_} order by e.starts_on desc, e.id desc limit $7 offset $8"
        )))
        .bind(kind.map(EventKind::as_str))
        .bind(filter.series)
        .bind(from)
        .bind(to)
        .bind(status.map(EventStatus::as_str))
        .bind(&org_like)
        .bind(i64::from(page.per_page))
        .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX))
        .fetch_all(c)
        .await?
    });
    for e in &mut items {
        fill(&mut tx, e).await?;
    }
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}
