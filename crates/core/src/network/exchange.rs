//! Exchanges between organizations (互访、接待、座谈…): the record that shows the
//! cooperation is alive. Counted per year, per side and per pair; each one keeps the
//! pairings between its organizations current.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::agreement::AgreementId;
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::org::OrgId;
use crate::org::OrgRef;
use crate::page::{Page, PageRequest};
use crate::pairing::{self, PairingId};
use crate::person::{self, PersonId};
use crate::sql::{self, Sql};
use crate::{on, settings, text};

id_type!(ExchangeId);

text_enum!(
    ExchangeKind {
        Visit = "visit",
        Reception = "reception",
        Seminar = "seminar",
        VideoCall = "video_call",
        JointActivity = "joint_activity",
        Other = "other",
    }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Exchange {
    pub id: ExchangeId,
    pub happened_on: NaiveDate,
    #[sqlx(try_from = "String")]
    pub kind: ExchangeKind,
    pub from_org_id: OrgId,
    pub from_org_name: String,
    #[serde(skip)]
    pub from_org_path: String,
    pub summary: String,
    pub participants: Option<i64>,
    pub pairing_id: Option<PairingId>,
    pub mechanism_id: Option<OrgId>,
    pub agreement_id: Option<AgreementId>,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub to_orgs: Vec<OrgRef>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ExchangeInput {
    /// `YYYY-MM-DD`
    pub happened_on: String,
    /// `visit`, `reception`, `seminar`, `video_call`, `joint_activity` or `other`.
    pub kind: String,
    pub from_org_id: Option<OrgId>,
    pub to_org_ids: Vec<OrgId>,
    pub summary: String,
    pub participants: Option<i64>,
    pub pairing_id: Option<PairingId>,
    pub mechanism_id: Option<OrgId>,
    pub agreement_id: Option<AgreementId>,
    /// People of the directory who took part.
    pub people: Vec<PersonId>,
}

/// Who may read an exchange: judged against the organizations on both ends of an exchange (`POLICY`),
/// written over `e`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Exchange,
    orgs: &[
        OrgOf::Column("e.from_org_id"),
        OrgOf::Select("select vt.org_id from exchange_to vt where vt.exchange_id = e.id"),
    ],
    also: None,
    reached: None,
};

pub async fn create(db: &Db, actor: &Actor, input: &ExchangeInput) -> Result<Exchange> {
    let mut tx = db.write().await?;
    let mut check = Check::default();
    let kind = check.take("kind", ExchangeKind::parse(&input.kind));
    let day = check.required("happened_on", text::date(&input.happened_on));
    if day.is_some_and(|d| d > settings::today()) {
        check.add("happened_on", "date_in_future");
    }
    let summary = check.take("summary", text::required(&input.summary, text::LONG));
    if input
        .participants
        .is_some_and(|p| !(0..=1_000_000).contains(&p))
    {
        check.add("participants", "bad_count");
    }
    let from_path = match input.from_org_id {
        None => check.take("from_org_id", Err(crate::FieldError::new("required"))),
        Some(id) => check.take(
            "from_org_id",
            crate::org::path_of(&mut tx, id)
                .await?
                .ok_or(crate::FieldError::new("unknown_org")),
        ),
    };
    if input.to_org_ids.is_empty() {
        check.add("to_org_ids", "required");
    }
    for to in &input.to_org_ids {
        if Some(*to) == input.from_org_id {
            check.add("to_org_ids", "exchange_with_itself");
        } else if crate::org::path_of(&mut tx, *to).await?.is_none() {
            check.add("to_org_ids", "unknown_org");
        }
    }
    if let Some(p) = input.pairing_id
        && crate::error::unseen(pairing::get_in(&mut tx, actor, p).await)?
    {
        check.add("pairing_id", "unknown_pairing");
    }
    if let Some(m) = input.mechanism_id
        && crate::error::unseen(crate::mechanism::get_in(&mut tx, actor, m).await)?
    {
        check.add("mechanism_id", "unknown_mechanism");
    }
    if let Some(a) = input.agreement_id
        && crate::error::unseen(crate::agreement::get_in(&mut tx, actor, a).await)?
    {
        check.add("agreement_id", "unknown_agreement");
    }
    let mut people = Vec::new();
    for p in &input.people {
        if let Some(p) = person::linkable(&mut tx, actor, &mut check, "people", Some(*p)).await?
            && !people.contains(&p.id)
        {
            people.push(p.id);
        }
    }
    check.finish()?;
    let (Some(kind), Some(day), Some(summary), Some(from), Some(from_path)) =
        (kind, day, summary, input.from_org_id, from_path)
    else {
        return Err(Error::Other(
            "exchange parsed without errors yet incomplete".into(),
        ));
    };
    access::authorize(actor, Resource::Exchange, Action::Create, Some(&from_path))?;
    let id: ExchangeId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into exchange (happened_on, kind, from_org_id, summary, participants, pairing_id, mechanism_id,
                agreement_id, created_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
        )
        .bind(day)
        .bind(kind.as_str())
        .bind(from)
        .bind(&summary)
        .bind(input.participants)
        .bind(input.pairing_id)
        .bind(input.mechanism_id)
        .bind(input.agreement_id)
        .bind(actor.account_id)
        .bind(crate::now())
        .fetch_one(c)
        .await?
    });
    let mut to_orgs = input.to_org_ids.clone();
    to_orgs.sort();
    to_orgs.dedup();
    for to in &to_orgs {
        on!(&mut tx, |c| {
            sqlx::query("insert into exchange_to (exchange_id, org_id) values ($1, $2)")
                .bind(id)
                .bind(to)
                .execute(c)
                .await?;
        });
        pairing::touch(&mut tx, from, *to, day).await?;
    }
    for p in &people {
        on!(&mut tx, |c| {
            sqlx::query("insert into exchange_person (exchange_id, person_id) values ($1, $2)")
                .bind(id)
                .bind(p)
                .execute(c)
                .await?;
        });
    }
    if let Some(p) = input.pairing_id {
        on!(&mut tx, |c| {
            sqlx::query("update pairing set last_exchange_on = $1 where id = $2 and (last_exchange_on is null or last_exchange_on < $1)")
                .bind(day)
                .bind(p)
                .execute(c)
                .await?;
        });
    }
    crate::outcome::tally::Change::added(crate::outcome::tally::Records::exchanges([id.0]))
        .settle(&mut tx)
        .await?;
    let e = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(e)
}

const SELECT: &str =
    "select e.id, e.happened_on, e.kind, e.from_org_id, o.name as from_org_name, o.path as from_org_path, e.summary,
    e.participants, e.pairing_id, e.mechanism_id, e.agreement_id, e.created_at
    from exchange e join org o on o.id = e.from_org_id";

/// One exchange, if the actor may read it: the list's rule filtered by id.
pub async fn get(db: &Db, actor: &Actor, id: ExchangeId) -> Result<Exchange> {
    get_in(&mut db.read().await?, actor, id).await
}

pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: ExchangeId) -> Result<Exchange> {
    let mut q = Sql::new(&format!("{SELECT} where e.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    let found = q.all(tx).await?;
    with_to_orgs(tx, found).await?.pop().ok_or(Error::NotFound)
}

impl Exchange {
    /// Paths of the organizations on both ends, for permission checks.
    pub fn org_paths(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.from_org_path.as_str())
            .chain(self.to_orgs.iter().map(|o| o.path.as_str()))
    }
}

/// Fills in the receiving organizations of a page of exchanges in one query.
async fn with_to_orgs(tx: &mut Tx, mut items: Vec<Exchange>) -> Result<Vec<Exchange>> {
    let ids: Vec<i64> = items.iter().map(|e| e.id.0).collect();
    let mut to = sql::by_owner(
        tx,
        "select t.exchange_id as owner, o.id as org_id, o.name, o.path from exchange_to t
         join org o on o.id = t.org_id where t.exchange_id in ",
        &ids,
        &Sql::new(" order by o.path"),
    )
    .await?;
    for e in &mut items {
        e.to_orgs = to.remove(&e.id.0).unwrap_or_default();
    }
    Ok(items)
}

/// The latest `limit` exchanges an organization itself took part in, on either end,
/// newest first, as far as the reader may read them.
pub async fn involving(db: &Db, actor: &Actor, org: OrgId, limit: i64) -> Result<Vec<Exchange>> {
    let mut tx = db.read().await?;
    let mut q = Sql::new(&format!("{SELECT} where (e.from_org_id = "));
    q.bind(org.0)
        .push(" or e.id in (select t.exchange_id from exchange_to t where t.org_id = ")
        .bind(org.0)
        .push("))")
        .and(&READ.sql(actor))
        .push(" order by e.happened_on desc, e.id desc limit ")
        .bind(limit);
    let items = q.all(&mut tx).await?;
    with_to_orgs(&mut tx, items).await
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ExchangeFilter {
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i32>)]
    pub year: Option<i32>,
    pub kind: Option<String>,
    /// Exchanges with this organization (or one below it) on either end.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub org: Option<i64>,
    /// Side code of the organization the exchange came from, e.g. `cq`.
    pub side: Option<String>,
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub pairing: Option<i64>,
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub mechanism: Option<i64>,
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    pub to: Option<String>,
}

/// The read rule and every filter of `ExchangeFilter`, checked, as one condition over
/// `exchange e join org o on o.id = e.from_org_id`.
async fn condition(tx: &mut Tx, actor: &Actor, f: &ExchangeFilter) -> Result<Sql> {
    let mut check = Check::default();
    let kind = f
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .and_then(|k| check.take("kind", ExchangeKind::parse(k)));
    let org_like = crate::org::subtree_like(tx, &mut check, f.org).await?;
    let (from, to) = crate::text::period(&mut check, f.year, f.from.as_deref(), f.to.as_deref());
    check.finish()?;
    let mut w = READ.sql(actor);
    if let Some(like) = org_like {
        w.push(" and (o.path like ")
            .bind(like.as_str())
            .push(
                " or exists (select 1 from exchange_to t join org x on x.id = t.org_id
                 where t.exchange_id = e.id and x.path like ",
            )
            .bind(like)
            .push("))");
    }
    if let Some(k) = kind {
        w.push(" and e.kind = ").bind(k.as_str());
    }
    if let Some(side) = f.side.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        w.push(" and exists (select 1 from side s where s.id = o.side_id and s.code = ")
            .bind(side)
            .push(")");
    }
    if let Some(v) = from {
        w.push(" and e.happened_on >= ").bind(v);
    }
    if let Some(v) = to {
        w.push(" and e.happened_on <= ").bind(v);
    }
    if let Some(v) = f.pairing {
        w.push(" and e.pairing_id = ").bind(v);
    }
    if let Some(v) = f.mechanism {
        w.push(" and e.mechanism_id = ").bind(v);
    }
    Ok(w)
}

const FROM: &str = "from exchange e join org o on o.id = e.from_org_id";

/// How many exchanges the log shows for this filter, all pages: read from the outcome
/// tally where it answers the filter ([`tallied`]), else counted.
pub async fn count(db: &Db, actor: &Actor, filter: &ExchangeFilter) -> Result<i64> {
    let mut tx = db.read().await?;
    let w = condition(&mut tx, actor, filter).await?;
    if let Some(t) = tallied(&mut tx, actor, filter).await? {
        let mut q =
            Sql::new("select cast(coalesce(sum(t.n), 0) as bigint) from outcome_tally t where ");
        q.append(&t);
        return q.scalar(&mut tx).await;
    }
    let mut q = Sql::new(&format!("select count(*) {FROM} where "));
    q.append(&w);
    q.scalar(&mut tx).await
}

/// The rows of `outcome_tally` (`t`) that add up to a filter's exchanges, when they do:
/// for a reader who sees every exchange (the tally counts them all), a filter of an
/// organization or a side (never both: the tally keeps no pairs) and whole years, and
/// nothing else. The filter is checked first by [`condition`].
async fn tallied(tx: &mut Tx, actor: &Actor, f: &ExchangeFilter) -> Result<Option<Sql>> {
    use crate::outcome::tally::{ANY_SERIES, EVERYONE, of_years, whole_years};
    let side = f.side.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let kind = f.kind.as_deref().map(str::trim).filter(|k| !k.is_empty());
    if READ.sql(actor) != Sql::truth(true)
        || kind.is_some()
        || f.pairing.is_some()
        || f.mechanism.is_some()
        || (f.org.is_some() && side.is_some())
    {
        return Ok(None);
    }
    let mut check = Check::default();
    let (from, to) = text::period(&mut check, f.year, f.from.as_deref(), f.to.as_deref());
    let (true, Some((first, last))) = (check.finish().is_ok(), whole_years(from, to)) else {
        return Ok(None);
    };
    let side_id = match side {
        Some(code) => match crate::side::by_code(tx, code).await? {
            Some(s) => s.id.0,
            // No such side: no exchange comes from it.
            None => return Ok(Some(Sql::truth(false))),
        },
        None => EVERYONE,
    };
    let mut q = Sql::new("t.measure = 'exchange' and t.detail = '' and t.org_id = ");
    q.bind(f.org.unwrap_or(EVERYONE))
        .push(" and t.side_id = ")
        .bind(side_id)
        .push(" and t.series_id = ")
        .bind(ANY_SERIES);
    of_years(&mut q, first, last);
    Ok(Some(q))
}

/// The exchange log, newest first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &ExchangeFilter,
    page: PageRequest,
) -> Result<Page<Exchange>> {
    let mut tx = db.read().await?;
    let found: Page<Exchange> = condition(&mut tx, actor, filter)
        .await?
        .page(&mut tx, SELECT, FROM, "e.happened_on desc, e.id desc", page)
        .await?;
    let items = with_to_orgs(&mut tx, found.items).await?;
    Ok(Page { items, ..found })
}

/// Counts of exchanges matching the filter per year (ignoring its year), oldest first.
pub async fn per_year(
    db: &Db,
    actor: &Actor,
    filter: &ExchangeFilter,
) -> Result<Vec<(String, i64)>> {
    let mut tx = db.read().await?;
    let f = ExchangeFilter {
        year: None,
        ..filter.clone()
    };
    let w = condition(&mut tx, actor, &f).await?;
    if let Some(t) = tallied(&mut tx, actor, &f).await? {
        let mut q = Sql::new(
            "select cast(t.year as text) as year, cast(sum(t.n) as bigint) from outcome_tally t where ",
        );
        q.append(&t)
            .push(" and t.n <> 0 group by t.year order by t.year");
        return q.all(&mut tx).await;
    }
    // Dates print as YYYY-MM-DD on both engines, so the year is the first four characters.
    let mut q = Sql::new(&format!(
        "select substr(cast(e.happened_on as text), 1, 4) as year, count(*) {FROM} where "
    ));
    q.append(&w)
        .push(" group by substr(cast(e.happened_on as text), 1, 4) order by 1");
    q.all(&mut tx).await
}

/// Counts per side of the organization exchanges came from, in the sides' order.
pub async fn per_side(
    db: &Db,
    actor: &Actor,
    filter: &ExchangeFilter,
) -> Result<Vec<(String, String, i64)>> {
    let mut tx = db.read().await?;
    let mut q = Sql::new(&format!(
        "select s.code, s.name_zh, count(*) {FROM} join side s on s.id = o.side_id where "
    ));
    q.append(&condition(&mut tx, actor, filter).await?)
        .push(" group by s.code, s.name_zh, s.sort_order order by s.sort_order");
    q.all(&mut tx).await
}
