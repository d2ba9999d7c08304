//! Roll-ups of what events yield — per event, series across years, organization
//! subtree, side and year. Every figure is counted from the records by the same filter
//! that lists them, so each number on a page links to exactly the rows behind it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::db::{Db, Tx};
use crate::error::{Check, Result};
use crate::sql::Sql;
use crate::{on, side};

pub mod tally;

/// Which outcomes to count: the same four parameters on every outcome list.
///
/// Each kind of record reads them from its own point of view: an event by its dates
/// and the organizations that ran it, a talent by the day and organization that
/// received them, an article by its publication day and the event it covered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct Scope {
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i32>)]
    pub year: Option<i32>,
    /// An event series ("brand") id.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub series: Option<i64>,
    /// This organization and every one below it.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub org: Option<i64>,
    /// A side code, e.g. `cq`.
    pub side: Option<String>,
    /// First day, `YYYY-MM-DD` (with `year`, the later of the two starts).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (with `year`, the earlier of the two ends).
    pub to: Option<String>,
}

/// A scope checked against the database, ready to bind.
#[derive(Clone, Debug, Default)]
pub struct Bound {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub series: Option<i64>,
    /// `path%` of the organization subtree.
    pub org_like: Option<String>,
    pub side: Option<i64>,
}

impl Scope {
    /// Checks each parameter, adding field errors for unknown values.
    pub async fn bind(&self, tx: &mut Tx, check: &mut Check) -> Result<Bound> {
        let (from, to) =
            crate::text::period(check, self.year, self.from.as_deref(), self.to.as_deref());
        let org_like = crate::org::subtree_like(tx, check, self.org).await?;
        let side = match self
            .side
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(code) => match side::by_code(tx, code).await? {
                Some(s) => Some(s.id.0),
                None => {
                    check.add("side", "unknown_side");
                    None
                }
            },
            None => None,
        };
        known_series(tx, check, self.series).await?;
        Ok(Bound {
            from,
            to,
            series: self.series,
            org_like,
            side,
        })
    }

    /// The scope as a query string, to link each figure to its list.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(y) = self.year {
            parts.push(format!("year={y}"));
        }
        if let Some(s) = self.series {
            parts.push(format!("series={s}"));
        }
        if let Some(o) = self.org {
            parts.push(format!("org={o}"));
        }
        if let Some(s) = self.side.as_deref().filter(|s| !s.is_empty()) {
            parts.push(format!("side={}", crate::text::url_component(s)));
        }
        for (name, v) in [("from", &self.from), ("to", &self.to)] {
            if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                parts.push(format!("{name}={}", crate::text::url_component(v)));
            }
        }
        parts.join("&")
    }

    pub fn with_year(&self, year: i32) -> Scope {
        Scope {
            year: Some(year),
            ..self.clone()
        }
    }
}

/// A field error on `series` unless there is such an event series.
pub async fn known_series(tx: &mut Tx, check: &mut Check, series: Option<i64>) -> Result<()> {
    let Some(id) = series else { return Ok(()) };
    let known: Option<i64> = on!(tx, |c| {
        sqlx::query_scalar("select id from event_series where id = $1")
            .bind(id)
            .fetch_optional(c)
            .await?
    });
    if known.is_none() {
        check.add("series", "unknown_series");
    }
    Ok(())
}

impl Bound {
    /// The scope as a condition on one kind of record: `day` is the date it happened,
    /// `series` the series of its event, and `orgs` the ids of the organizations it
    /// belongs to (a column or a subquery), read as "in the subtree" and "of the side".
    pub fn sql(&self, day: &str, series: &str, orgs: &str) -> Sql {
        let mut w = Sql::truth(true);
        if let Some(v) = self.from {
            w.push(&format!(" and {day} >= ")).bind(v);
        }
        if let Some(v) = self.to {
            w.push(&format!(" and {day} <= ")).bind(v);
        }
        if let Some(v) = self.series {
            w.push(&format!(" and {series} = ")).bind(v);
        }
        if let Some(v) = &self.org_like {
            w.push(&format!(
                " and exists (select 1 from org so where so.id in ({orgs}) and so.path like "
            ))
            .bind(v.as_str())
            .push(")");
        }
        if let Some(v) = self.side {
            w.push(&format!(
                " and exists (select 1 from org so where so.id in ({orgs}) and so.side_id = "
            ))
            .bind(v)
            .push(")");
        }
        w
    }

    /// Events started within the year, of the series, run by an organization of the
    /// subtree and of the side.
    pub fn events(&self) -> Sql {
        self.sql(
            "e.starts_on",
            "e.series_id",
            "select x.org_id from event_org x where x.event_id = e.id",
        )
    }
}

/// Figures for the events held in a scope.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EventFigures {
    pub events: i64,
    /// Participants over all events (person-times, 人次).
    pub participants: i64,
    /// Distinct countries and regions participants came from.
    pub countries: i64,
}

/// A scope read as the project list reads it.
fn project_filter(scope: &Scope) -> crate::project::ProjectFilter {
    crate::project::ProjectFilter {
        year: scope.year.map(|y| y.to_string()),
        series: scope.series.map(|s| s.to_string()),
        org: scope.org.map(|o| o.to_string()),
        side: scope.side.clone(),
        from: scope.from.clone(),
        to: scope.to.clone(),
        ..Default::default()
    }
}

/// Participants from one country over the events of a scope.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CountryFigures {
    pub country_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub participants: i64,
    pub events: i64,
}

/// Where the participants of a scope's events came from, most first.
pub async fn countries(db: &Db, actor: &Actor, scope: &Scope) -> Result<Vec<CountryFigures>> {
    let mut tx = db.read().await?;
    let mut check = Check::default();
    let b = scope.bind(&mut tx, &mut check).await?;
    check.finish()?;
    if let Some(key) = tally_key(actor, scope, &b)?
        && let Some((first, last)) = tally::whole_years(b.from, b.to)
    {
        let mut q = Sql::new(
            "select t.detail as country_code, k.name_zh, k.name_en, cast(sum(t.amount) as bigint) as participants,
                cast(sum(t.n) as bigint) as events
             from outcome_tally t join country k on k.alpha2 = t.detail
             where t.measure = 'country' and t.n <> 0 and t.org_id = ",
        );
        q.bind(key.org)
            .push(" and t.side_id = ")
            .bind(key.side)
            .push(" and t.series_id = ")
            .bind(scope.series.unwrap_or(tally::ANY_SERIES));
        tally::of_years(&mut q, first, last);
        q.push(" group by t.detail, k.name_zh, k.name_en order by sum(t.amount) desc, t.detail");
        return q.all(&mut tx).await;
    }
    drop(tx);
    countries_from_records(db, actor, scope).await
}

/// Where the participants came from, counted from the records (see
/// [`rollup_from_records`]).
pub async fn countries_from_records(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
) -> Result<Vec<CountryFigures>> {
    let mut tx = db.read().await?;
    let b = scope.bind(&mut tx, &mut Check::default()).await?;
    let mut q = Sql::new(
        "select x.country_code, k.name_zh, k.name_en, cast(sum(x.participants) as bigint) as participants,
            count(distinct x.event_id) as events
         from event_country x join event e on e.id = x.event_id join country k on k.alpha2 = x.country_code
         where e.status = 'held' and ",
    );
    q.append(&b.events()).and(&crate::event::READ.sql(actor)).push(
        " group by x.country_code, k.name_zh, k.name_en order by sum(x.participants) desc, x.country_code",
    );
    q.all(&mut tx).await
}

/// The key of `outcome_tally` that answers a scope for this reader, if one does: when
/// the reader sees every outcome the figures are the same for all such readers.
/// A roll-up's scope is everything, a side or an organization's subtree, never a side
/// and an organization together (the tally keeps no pairs, and counting them from the
/// records takes a minute at national scale): that is a field error.
fn tally_key(actor: &Actor, scope: &Scope, b: &Bound) -> Result<Option<tally::Key>> {
    if scope.org.is_some() && b.side.is_some() {
        return Err(crate::Error::field("side", "side_with_org"));
    }
    Ok(sees_all(actor).then(|| match scope.org {
        Some(org) => tally::Key {
            org,
            side: tally::EVERYONE,
        },
        None => tally::Key {
            org: tally::EVERYONE,
            side: b.side.unwrap_or(tally::EVERYONE),
        },
    }))
}

/// Whether the reader may read every outcome: the tally counts them all.
fn sees_all(actor: &Actor) -> bool {
    [
        &crate::event::READ,
        &crate::project::READ,
        &crate::talent::READ,
        &crate::article::READ,
    ]
    .iter()
    .all(|r| r.sql(actor) == Sql::truth(true))
}

/// A tally row with the organization it counts for.
#[derive(sqlx::FromRow)]
struct OrgRow {
    org_id: i64,
    #[sqlx(flatten)]
    row: tally::Row,
}

/// The most organizations [`by_org`] reads at once.
pub const MAX_ORGS: usize = 500;

/// Held events with their participants, projects by status and talents of each
/// organization's subtree (as the roll-up with `org=` counts them), from the tally in
/// one read. None when the tally does not answer: a period that starts or ends within
/// a year, or a reader who may not read every outcome.
pub async fn by_org(
    db: &Db,
    actor: &Actor,
    orgs: &[crate::org::OrgId],
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Option<BTreeMap<crate::org::OrgId, YearFigures>>> {
    if orgs.len() > MAX_ORGS {
        return Err(crate::Error::field("org", "too_many"));
    }
    let b = Bound {
        from,
        to,
        ..Default::default()
    };
    let (Some((first, last)), true) = (tally::whole_years(b.from, b.to), sees_all(actor)) else {
        return Ok(None);
    };
    let mut tx = db.read().await?;
    let mut q = Sql::new(
        "select t.org_id, t.year, t.measure, t.detail, t.n, t.amount, cast(null as text) as place
         from outcome_tally t
         where t.n <> 0 and t.measure in ('event', 'project', 'talent') and t.side_id = ",
    );
    q.bind(tally::EVERYONE)
        .push(" and t.series_id = ")
        .bind(tally::ANY_SERIES)
        .push(" and t.org_id in ")
        .bind_list(orgs.iter().map(|o| o.0));
    tally::of_years(&mut q, first, last);
    let rows: Vec<OrgRow> = q.all(&mut tx).await?;
    let mut sums: BTreeMap<crate::org::OrgId, Sums> =
        orgs.iter().map(|o| (*o, Sums::default())).collect();
    for r in &rows {
        if let Some(s) = sums.get_mut(&crate::org::OrgId(r.org_id)) {
            s.add(&r.row);
        }
    }
    Ok(Some(
        sums.iter().map(|(org, s)| (*org, s.figures(0))).collect(),
    ))
}

/// One year of a roll-up.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct YearFigures {
    pub year: i32,
    pub events: EventFigures,
    pub projects: crate::project::Totals,
    pub talents: i64,
    pub articles: crate::article::ArticleFigures,
}

/// A roll-up: the whole scope, and the same figures year by year.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Rollup {
    pub total: YearFigures,
    pub years: Vec<YearFigures>,
}

pub async fn event_figures(tx: &mut Tx, actor: &Actor, b: &Bound) -> Result<EventFigures> {
    let mut held = Sql::new("e.status = 'held' and ");
    held.append(&b.events()).and(&crate::event::READ.sql(actor));
    let mut q = Sql::new("select count(*) as events,
        cast(coalesce((select sum(x.participants) from event_country x join event e on e.id = x.event_id where ");
    q.append(&held).push(
        "), 0) as bigint) as participants,
        (select count(distinct x.country_code) from event_country x join event e on e.id = x.event_id where ",
    );
    q.append(&held)
        .push(") as countries from event e where ")
        .append(&held);
    q.optional(tx).await?.ok_or(crate::Error::NotFound)
}

/// Years in which anything in the scope happened, newest first.
async fn years(tx: &mut Tx, actor: &Actor, b: &Bound) -> Result<Vec<i32>> {
    let mut q = Sql::new(
        "select distinct substr(cast(e.starts_on as text), 1, 4) from event e where e.status = 'held' and ",
    );
    q.append(&b.events())
        .and(&crate::event::READ.sql(actor))
        .push(" union select distinct substr(cast(t.received_on as text), 1, 4) from talent t left join event e on e.id = t.event_id where ")
        .append(&crate::talent::scope(b))
        .and(&crate::talent::READ.sql(actor))
        .push(" union select distinct substr(cast(a.published_on as text), 1, 4) from article a left join event e on e.id = a.event_id where ")
        .append(&crate::article::scope(b))
        .and(&crate::article::READ.sql(actor))
        .push(" union select distinct substr(cast(p.signed_on as text), 1, 4) from project p left join event e on e.id = p.event_id where ")
        .append(&b.sql("p.signed_on", "e.series_id", "p.owner_org_id"))
        .and(&crate::project::READ.sql(actor));
    let raw: Vec<String> = q.column(tx).await?;
    let mut years: Vec<i32> = raw.iter().filter_map(|y| y.parse().ok()).collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    Ok(years)
}

async fn figures(tx: &mut Tx, actor: &Actor, b: &Bound, year: i32) -> Result<YearFigures> {
    Ok(YearFigures {
        year,
        events: event_figures(tx, actor, b).await?,
        projects: crate::project::Totals::default(),
        talents: crate::talent::count(tx, actor, b).await?,
        articles: crate::article::figures(tx, actor, b).await?,
    })
}

/// The roll-up of a scope: totals and a row per year. Read from `outcome_tally` where
/// it answers the scope, otherwise counted from the records by the lists' own filters;
/// the two agree (tests compare them on both engines).
pub async fn rollup(db: &Db, actor: &Actor, scope: &Scope) -> Result<Rollup> {
    let mut tx = db.read().await?;
    let mut check = Check::default();
    let b = scope.bind(&mut tx, &mut check).await?;
    check.finish()?;
    if let Some(key) = tally_key(actor, scope, &b)?
        && let Some(years) = tally::whole_years(b.from, b.to)
    {
        return tallied(&mut tx, key, scope, years).await;
    }
    drop(tx);
    rollup_from_records(db, actor, scope).await
}

/// The roll-up of a scope counted from the records themselves: for the scopes the tally
/// does not keep, and to prove it right.
pub async fn rollup_from_records(db: &Db, actor: &Actor, scope: &Scope) -> Result<Rollup> {
    let mut tx = db.read().await?;
    let b = scope.bind(&mut tx, &mut Check::default()).await?;
    let mut total = figures(&mut tx, actor, &b, scope.year.unwrap_or(0)).await?;
    let mut rows = Vec::new();
    for y in years(&mut tx, actor, &b).await? {
        let yb = scope
            .with_year(y)
            .bind(&mut tx, &mut Check::default())
            .await?;
        rows.push((scope.with_year(y), figures(&mut tx, actor, &yb, y).await?));
    }
    drop(tx);
    // Projects are counted by the project list's own function, so the figures and the
    // list they link to cannot drift apart.
    total.projects = crate::project::totals_for(db, actor, &project_filter(scope)).await?;
    let mut years = Vec::new();
    for (s, mut row) in rows {
        row.projects = crate::project::totals_for(db, actor, &project_filter(&s)).await?;
        years.push(row);
    }
    Ok(Rollup { total, years })
}

/// What one year (or the whole scope) of tally rows adds up to.
#[derive(Default)]
struct Sums<'a> {
    events: i64,
    participants: i64,
    countries: BTreeSet<&'a str>,
    projects: Vec<crate::project::StatusFigure>,
    talents: i64,
    articles: i64,
    outlets: BTreeSet<&'a str>,
    outlet_countries: BTreeSet<&'a str>,
}

impl<'a> Sums<'a> {
    fn add(&mut self, r: &'a tally::Row) {
        use tally::Measure;
        match Measure::parse(&r.measure) {
            Some(Measure::Event) => {
                self.events += r.n;
                self.participants += r.amount;
            }
            Some(Measure::Country) => {
                self.countries.insert(&r.detail);
            }
            Some(Measure::Project) => {
                if let Ok(status) = crate::project::ProjectStatus::parse(&r.detail) {
                    self.projects.push(crate::project::StatusFigure {
                        status,
                        count: r.n,
                        amount_fen: crate::money::Fen(r.amount),
                    });
                }
            }
            Some(Measure::Talent) => self.talents += r.n,
            Some(Measure::Article) => {
                self.articles += r.n;
                self.outlets.insert(&r.detail);
                self.outlet_countries.extend(r.place.as_deref());
            }
            // Exchanges and donations have figures of their own (`exchange::count`,
            // `donation::totals`).
            Some(Measure::Exchange | Measure::Donation | Measure::Allocation) | None => {}
        }
    }

    fn figures(&self, year: i32) -> YearFigures {
        YearFigures {
            year,
            events: EventFigures {
                events: self.events,
                participants: self.participants,
                countries: self.countries.len() as i64,
            },
            projects: crate::project::totals_of(&self.projects),
            talents: self.talents,
            articles: crate::article::ArticleFigures {
                articles: self.articles,
                outlets: self.outlets.len() as i64,
                countries: self.outlet_countries.len() as i64,
            },
        }
    }
}

/// A roll-up from the tally of one key: a few hundred rows, whatever the scope.
async fn tallied(
    tx: &mut Tx,
    key: tally::Key,
    scope: &Scope,
    (first, last): (Option<i32>, Option<i32>),
) -> Result<Rollup> {
    let series = scope.series.unwrap_or(tally::ANY_SERIES);
    let rows = tally::rows(tx, key, series, first, last).await?;
    let mut total = Sums::default();
    let mut by_year: BTreeMap<i32, Sums> = BTreeMap::new();
    for r in &rows {
        total.add(r);
        by_year.entry(r.year).or_default().add(r);
    }
    Ok(Rollup {
        total: total.figures(scope.year.unwrap_or(0)),
        years: by_year.iter().rev().map(|(y, s)| s.figures(*y)).collect(),
    })
}

/// What an organization took part in itself: its latest exchanges and events.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Visits {
    /// Newest first, at most [`VISITS_SHOWN`].
    pub exchanges: Vec<crate::exchange::Exchange>,
    /// Newest first, at most [`VISITS_SHOWN`].
    pub events: Vec<crate::event::Event>,
}

/// How many exchanges and events [`visits`] returns; the exchange and event lists,
/// filtered by the organization, hold the rest.
pub const VISITS_SHOWN: i64 = 10;

/// An organization's visits and exchanges (an association's record with the
/// federations), each as far as the reader may read it.
pub async fn visits(db: &Db, actor: &Actor, id: crate::org::OrgId) -> Result<Visits> {
    let org = crate::org::get(db, actor, id).await?;
    Ok(Visits {
        exchanges: crate::exchange::involving(db, actor, org.id, VISITS_SHOWN).await?,
        events: crate::event::involving(db, actor, org.id, VISITS_SHOWN).await?,
    })
}
