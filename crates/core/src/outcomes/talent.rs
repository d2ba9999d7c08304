//! Talents brought in (引进人才): who, in which field and at which level, from which
//! country, at which event, received by which organization and where they settled.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::event::EventId;
use crate::org::OrgId;
use crate::outcome::{Bound, Scope};
use crate::page::{Page, PageRequest};
use crate::person::{self, PersonId};
use crate::sql::Sql;
use crate::{on, reference, settings, text};

id_type!(TalentId);

text_enum!(
    TalentLevel {
        National = "national",
        Provincial = "provincial",
        Municipal = "municipal",
        Other = "other",
    }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Talent {
    pub id: TalentId,
    pub name: String,
    pub field: String,
    #[sqlx(try_from = "String")]
    pub level: TalentLevel,
    pub country_code: String,
    pub country_name_zh: String,
    pub country_name_en: String,
    pub event_id: Option<EventId>,
    pub event_title: Option<String>,
    pub org_id: OrgId,
    pub org_name: String,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub received_on: NaiveDate,
    /// The person of the directory, when linked.
    pub person_id: Option<PersonId>,
    /// The record names a person this reader may not open: their id and name are left
    /// out (`person_id` is null, the name empty).
    #[sqlx(skip)]
    pub withheld: bool,
    pub created_at: DateTime<Utc>,
}

impl crate::person::NamesPerson for Talent {
    fn person(&self) -> Option<PersonId> {
        self.person_id
    }

    fn withhold(&mut self) {
        self.person_id = None;
        self.name = String::new();
        self.withheld = true;
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TalentInput {
    pub name: String,
    pub field: String,
    /// `national`, `provincial`, `municipal` or `other`.
    pub level: String,
    /// ISO 3166-1 alpha-2 of the country they come from.
    pub country_code: String,
    pub event_id: Option<EventId>,
    /// The receiving organization.
    pub org_id: Option<OrgId>,
    /// GB/T 2260 code of where they settled.
    pub region_code: Option<String>,
    /// `YYYY-MM-DD`
    pub received_on: String,
    /// The person of the directory; fills a blank name and country.
    pub person_id: Option<PersonId>,
}

/// The filter a [`Scope`] means for talents, over `t` and its event `e`: received
/// within the year, brought in at an event of the series, received by an organization
/// of the subtree or of the side.
pub fn scope(b: &Bound) -> Sql {
    b.sql("t.received_on", "e.series_id", "t.org_id")
}

/// Who may read a talent: judged against the organization that received a talent (an outcome of events) (`POLICY`),
/// written over `t`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Event,
    orgs: &[OrgOf::Column("t.org_id")],
    also: None,
    reached: None,
};

/// Records a talent; the actor must be able to record outcomes for the receiving organization.
pub async fn create(db: &Db, actor: &Actor, input: &TalentInput) -> Result<Talent> {
    let mut tx = db.write().await?;
    let mut check = Check::default();
    let linked = person::linkable(&mut tx, actor, &mut check, "person_id", input.person_id).await?;
    let name = check.take(
        "name",
        text::required(&person::or_linked(&input.name, linked.as_ref()), 100),
    );
    let field = check.take("field", text::required(&input.field, 100));
    let level = check.take("level", TalentLevel::parse(&input.level));
    let country = check.required(
        "country_code",
        reference::known_country(
            &mut tx,
            &person::linked_country(&input.country_code, linked.as_ref()),
        )
        .await?,
    );
    let region = check
        .take(
            "region_code",
            reference::known_region(&mut tx, input.region_code.as_deref().unwrap_or_default())
                .await?,
        )
        .flatten();
    let received_on = check.required("received_on", text::date(&input.received_on));
    if received_on.is_some_and(|d| d > settings::today()) {
        check.add("received_on", "date_in_future");
    }
    if let Some(e) = input.event_id
        && !crate::event::exists(&mut tx, e).await?
    {
        check.add("event_id", "unknown_event");
    }
    let org_path = match input.org_id {
        None => check.take("org_id", Err(crate::FieldError::new("required"))),
        Some(id) => check.take(
            "org_id",
            crate::org::path_of(&mut tx, id)
                .await?
                .ok_or(crate::FieldError::new("unknown_org")),
        ),
    };
    check.finish()?;
    let (
        Some(name),
        Some(field),
        Some(level),
        Some(country),
        Some(received_on),
        Some(org_path),
        Some(org),
    ) = (
        name,
        field,
        level,
        country,
        received_on,
        org_path,
        input.org_id,
    )
    else {
        return Err(Error::Other(
            "talent parsed without errors yet incomplete".into(),
        ));
    };
    access::authorize(actor, Resource::Event, Action::Create, Some(&org_path))?;
    let id: TalentId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into talent (name, field, level, country_code, event_id, org_id, region_code, received_on, created_by, created_at, person_id)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id",
        )
        .bind(&name)
        .bind(&field)
        .bind(level.as_str())
        .bind(&country)
        .bind(input.event_id)
        .bind(org)
        .bind(&region)
        .bind(received_on)
        .bind(actor.account_id)
        .bind(crate::now())
        .bind(linked.as_ref().map(|p| p.id))
        .fetch_one(c)
        .await?
    });
    use crate::outcome::tally;
    tally::Change::added(tally::Records::talents([id.0]))
        .settle(&mut tx)
        .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

const SELECT: &str =
    "select t.id, t.name, t.field, t.level, t.country_code, k.name_zh as country_name_zh,
    k.name_en as country_name_en, t.event_id, e.title as event_title, t.org_id, o.name as org_name,
    t.region_code, r.name as region_name, t.received_on, t.person_id, t.created_at
    from talent t join country k on k.alpha2 = t.country_code join org o on o.id = t.org_id
    left join event e on e.id = t.event_id left join region r on r.code = t.region_code";

/// One talent, if the actor may read it: the list's rule filtered by id.
pub async fn get(db: &Db, actor: &Actor, id: TalentId) -> Result<Talent> {
    let mut tx = db.read().await?;
    let mut q = Sql::new(&format!("{SELECT} where t.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    let mut t: Talent = q.optional(&mut tx).await?.ok_or(Error::NotFound)?;
    crate::person::withhold(&mut tx, actor, std::slice::from_mut(&mut t)).await?;
    Ok(t)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct TalentFilter {
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i32>)]
    pub year: Option<i32>,
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub series: Option<i64>,
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub org: Option<i64>,
    pub side: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    pub to: Option<String>,
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub event: Option<i64>,
    pub level: Option<String>,
}

impl TalentFilter {
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

/// Talents in a scope, most recently received first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &TalentFilter,
    page: PageRequest,
) -> Result<Page<Talent>> {
    let mut tx = db.read().await?;
    let mut check = Check::default();
    let b = filter.scope().bind(&mut tx, &mut check).await?;
    let level = filter
        .level
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|l| check.take("level", TalentLevel::parse(l)));
    check.finish()?;
    let mut w = scope(&b);
    w.and(&READ.sql(actor));
    if let Some(e) = filter.event {
        w.push(" and t.event_id = ").bind(e);
    }
    if let Some(l) = level {
        w.push(" and t.level = ").bind(l.as_str());
    }
    let mut found: Page<Talent> = w
        .page(
            &mut tx,
            SELECT,
            "from talent t left join event e on e.id = t.event_id",
            "t.received_on desc, t.id desc",
            page,
        )
        .await?;
    crate::person::withhold(&mut tx, actor, &mut found.items).await?;
    Ok(found)
}

/// How many talents a scope holds; the same rows `list` returns.
pub async fn count(tx: &mut Tx, actor: &Actor, b: &Bound) -> Result<i64> {
    let mut q =
        Sql::new("select count(*) from talent t left join event e on e.id = t.event_id where ");
    q.append(&scope(b)).and(&READ.sql(actor));
    q.scalar(tx).await
}
