//! The battle map (挂图作战): a scope's and a period's figures (from [`crate::stats`]),
//! the regions of the member sides with their federations' figures, the pairings
//! between regions, the mechanisms that span them, the figures year by year, and each
//! organization's tasks by colour — every number with the list of records it counts.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::db::Db;
use crate::error::{Check, Result};
use crate::org::OrgId;
use crate::sql::Sql;
use crate::stats::{self, Scope, Stats, StatsQuery};
use crate::supervision::Colour;
use crate::{exchange, outcome, settings};

/// The dashboard's scope (as the figures API reads it) and a period of whole years,
/// either open.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct DashboardQuery {
    /// `all`, a side code or `org:<id>`.
    pub scope: Option<String>,
    /// First year, e.g. `2023`.
    pub from: Option<String>,
    /// Last year.
    pub to: Option<String>,
}

/// The earliest year a period may name: the programme's records start in the 2010s.
pub const FIRST_YEAR: i32 = 2000;

/// A region of the map (a district or county of a municipality, a prefecture of a
/// province) and the federation whose subtree its figures count.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = MapArea)]
pub struct Area {
    /// GB/T 2260 code, as the map's shapes are keyed.
    pub code: String,
    pub name: String,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    /// Whether its federation is within the scope; only then are figures given.
    pub in_scope: bool,
    /// Values of [`stats::MAP_KEYS`], in that order.
    pub values: Vec<i64>,
    /// The API list each value counts, in the same order.
    pub records: Vec<String>,
}

/// Pairings between organizations of two regions.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PairLine {
    pub from: String,
    pub to: String,
    pub pairings: i64,
    pub records: String,
}

/// A mechanism or alliance and the regions its members are in.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Span {
    pub id: OrgId,
    pub name: String,
    pub kind: String,
    pub areas: Vec<String>,
}

/// One year of the trend; `records` in the order of [`TREND_KEYS`].
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct YearRow {
    pub year: i32,
    pub values: Vec<i64>,
    pub records: Vec<String>,
}

/// What the trend charts show year by year.
pub const TREND_KEYS: [&str; 5] = [
    "exchanges",
    "events_held",
    "participants",
    "projects_signed_amount",
    "talents",
];

/// An organization's tasks (led by it or below) by colour, in `Colour::ALL`'s order,
/// and how many of them owe a report (`/api/v1/tasks?lead=…&missing=true`).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MixRow {
    pub org_id: OrgId,
    pub name: String,
    pub colours: [i64; 5],
    pub total: i64,
    pub reports_missing: i64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub stats: Stats,
    pub areas: Vec<Area>,
    pub lines: Vec<PairLine>,
    pub spans: Vec<Span>,
    pub trend: Vec<YearRow>,
    pub mix: Vec<MixRow>,
    /// More organizations than [`MIX_ROWS`] were below the scope.
    pub mix_capped: bool,
}

/// The most organizations the colour table lists.
pub const MIX_ROWS: usize = 300;

/// A year of the period, checked.
fn year(check: &mut Check, field: &'static str, text: Option<&str>) -> Option<i32> {
    let text = text.map(str::trim).filter(|t| !t.is_empty())?;
    let last = settings::today().year() + 1;
    match text.parse::<i32>() {
        Ok(y) if (FIRST_YEAR..=last).contains(&y) => Some(y),
        _ => {
            check.add(field, "bad_year");
            None
        }
    }
}

/// The battle map of a scope and a period for this reader, kept until the database
/// changes ([`crate::memo`]).
pub async fn dashboard(db: &Db, actor: &Actor, q: &DashboardQuery) -> Result<Dashboard> {
    db.kept(format!("dashboard {actor:?} {q:?}"), || draw(db, actor, q))
        .await
}

async fn draw(db: &Db, actor: &Actor, q: &DashboardQuery) -> Result<Dashboard> {
    let mut check = Check::default();
    let from_year = year(&mut check, "from", q.from.as_deref());
    let to_year = year(&mut check, "to", q.to.as_deref());
    if let (Some(f), Some(t)) = (from_year, to_year)
        && t < f
    {
        check.add("to", "to_year_before_from");
    }
    check.finish()?;
    let from = from_year.and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1));
    let to = to_year.and_then(|y| NaiveDate::from_ymd_opt(y, 12, 31));
    let stats = stats::stats(
        db,
        actor,
        &StatsQuery {
            scope: q.scope.clone(),
            from: from.map(|d| d.to_string()),
            to: to.map(|d| d.to_string()),
        },
    )
    .await?;
    let scope = Scope::parse(db, actor, q.scope.as_deref()).await?;
    let scope_path = scope_path(db, &scope).await?;
    let here = (&scope, scope_path.as_deref());
    let (areas, area_orgs, area_colours) = areas(db, actor, here, from, to).await?;
    let lines = lines(db, &area_orgs, here).await?;
    let spans = spans(db, &area_orgs).await?;
    let trend = trend(db, actor, &scope, from, to).await?;
    let (mix, mix_capped) = mix(db, actor, &scope, &area_orgs, &area_colours).await?;
    Ok(Dashboard {
        from: from_year,
        to: to_year,
        stats,
        areas,
        lines,
        spans,
        trend,
        mix,
        mix_capped,
    })
}

/// A region's federation: the highest one recorded for the region.
#[derive(Clone, Debug, sqlx::FromRow)]
struct AreaOrg {
    id: OrgId,
    name: String,
    path: String,
    region_code: String,
    side: String,
}

impl AreaOrg {
    fn in_scope(&self, scope: &Scope, scope_path: Option<&str>) -> bool {
        match scope {
            Scope::All => true,
            Scope::Side(code) => &self.side == code,
            Scope::Org(_) => scope_path.is_some_and(|p| self.path.starts_with(p)),
        }
    }
}

/// The path of the scope's organization.
async fn scope_path(db: &Db, scope: &Scope) -> Result<Option<String>> {
    match scope {
        Scope::Org(id) => crate::org::path_of(&mut db.read().await?, *id).await,
        _ => Ok(None),
    }
}

/// Tasks by colour and reports missing, per lead organization (and those below it).
type Colours = std::collections::HashMap<OrgId, crate::task::LeadMix>;

/// The map's regions — those directly below each member side's region — with their
/// federations' figures for the period, and their colours (the mix table's too).
async fn areas(
    db: &Db,
    actor: &Actor,
    (scope, scope_path): (&Scope, Option<&str>),
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(Vec<Area>, Vec<AreaOrg>, Colours)> {
    let mut tx = db.read().await?;
    let regions: Vec<(String, String)> = Sql::new(
        "select r.code, r.name from region r join side s on s.region_code = r.parent_code
         where s.kind = 'member' order by r.code",
    )
    .all(&mut tx)
    .await?;
    let found: Vec<AreaOrg> = Sql::new(
        "select o.id, o.name, o.path, o.region_code, s.code as side from org o
         join side s on s.id = o.side_id
         where o.archived_at is null and o.kind = 'federation' and o.region_code in
           (select r.code from region r join side m on m.region_code = r.parent_code where m.kind = 'member')
         order by length(o.path), o.id",
    )
    .all(&mut tx)
    .await?;
    drop(tx);
    let mut by_code: BTreeMap<String, AreaOrg> = BTreeMap::new();
    for o in found {
        by_code.entry(o.region_code.clone()).or_insert(o);
    }
    let area_orgs: Vec<AreaOrg> = by_code.values().cloned().collect();
    let counted: Vec<OrgId> = area_orgs
        .iter()
        .filter(|o| o.in_scope(scope, scope_path))
        .map(|o| o.id)
        .collect();
    let colours = crate::task::colours_by_lead(db, actor, &counted).await?;
    let outcomes = match outcome::by_org(db, actor, &counted, from, to).await? {
        Some(figures) => figures,
        // A reader who may not read every outcome: each region counted from its
        // records, as its list counts them (bounded by the number of regions).
        None => {
            let mut figures = BTreeMap::new();
            for id in &counted {
                let scope = outcome::Scope {
                    org: Some(id.0),
                    from: from.map(|d| d.to_string()),
                    to: to.map(|d| d.to_string()),
                    ..Default::default()
                };
                figures.insert(*id, outcome::rollup(db, actor, &scope).await?.total);
            }
            figures
        }
    };
    let areas = regions
        .into_iter()
        .map(|(code, name)| {
            let org = by_code.get(&code);
            let counted = org.filter(|o| counted.contains(&o.id));
            let (values, records) = match counted {
                Some(o) => {
                    let scope = Scope::Org(o.id);
                    let c = colours.get(&o.id).copied().unwrap_or_default().colours;
                    let y = outcomes.get(&o.id).cloned().unwrap_or_default();
                    let values = stats::MAP_KEYS
                        .iter()
                        .map(|key| map_value(key, &c, &y))
                        .collect();
                    let records = stats::MAP_KEYS
                        .iter()
                        .map(|key| stats::records_of(key, &scope, from, to).unwrap_or_default())
                        .collect();
                    (values, records)
                }
                None => (Vec::new(), Vec::new()),
            };
            Area {
                code,
                name,
                org_id: org.map(|o| o.id),
                org_name: org.map(|o| o.name.clone()),
                in_scope: counted.is_some(),
                values,
                records,
            }
        })
        .collect();
    Ok((areas, area_orgs, colours))
}

fn map_value(key: &str, colours: &[i64; 5], y: &outcome::YearFigures) -> i64 {
    let colour = |c: Colour| {
        Colour::ALL
            .iter()
            .position(|x| *x == c)
            .map_or(0, |i| colours[i])
    };
    match key {
        "tasks_red" => colour(Colour::Red),
        "tasks_yellow" => colour(Colour::Yellow),
        "events_held" => y.events.events,
        "participants" => y.events.participants,
        "projects_landed" => y.projects.landed,
        "projects_signed_amount" => y.projects.signed_fen.0,
        "talents" => y.talents,
        _ => 0,
    }
}

/// The region federation whose subtree holds an organization, read off its path.
fn area_of<'a>(path: &str, by_id: &HashMap<i64, &'a AreaOrg>) -> Option<&'a AreaOrg> {
    path.split('/')
        .filter_map(|id| id.parse::<i64>().ok())
        .find_map(|id| by_id.get(&id).copied())
}

/// Pairings between the subtrees of two region federations, at least one in scope.
/// Pairings are open to every reader, so the counts are everyone's.
async fn lines(
    db: &Db,
    area_orgs: &[AreaOrg],
    (scope, scope_path): (&Scope, Option<&str>),
) -> Result<Vec<PairLine>> {
    let by_id: HashMap<i64, &AreaOrg> = area_orgs.iter().map(|o| (o.id.0, o)).collect();
    // The pairs by id and the paths of their ends apart: grouping the pairings by the
    // two paths sorted ten thousand pairs of texts on every map.
    let mut tx = db.read().await?;
    let pairs: Vec<(i64, i64)> = Sql::new("select org_a_id, org_b_id from pairing")
        .all(&mut tx)
        .await?;
    let ends: Vec<(i64, String)> = Sql::new(
        "select id, path from org where id in
           (select org_a_id from pairing union select org_b_id from pairing)",
    )
    .all(&mut tx)
    .await?;
    drop(tx);
    let area: HashMap<i64, &AreaOrg> = ends
        .iter()
        .filter_map(|(id, path)| Some((*id, area_of(path, &by_id)?)))
        .collect();
    let mut counts: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for (a, b) in &pairs {
        if let (Some(x), Some(y)) = (area.get(a), area.get(b))
            && x.id != y.id
            && (x.in_scope(scope, scope_path) || y.in_scope(scope, scope_path))
        {
            let key = (x.id.0.min(y.id.0), x.id.0.max(y.id.0));
            *counts.entry(key).or_default() += 1;
        }
    }
    Ok(counts
        .into_iter()
        .filter_map(|((a, b), n)| {
            let (x, y) = (by_id.get(&a)?, by_id.get(&b)?);
            Some(PairLine {
                from: x.region_code.clone(),
                to: y.region_code.clone(),
                pairings: n,
                records: format!("/api/v1/pairings?org={a}&with={b}"),
            })
        })
        .collect())
}

/// The most mechanisms the map offers to highlight.
const SPANS: i64 = 40;

/// Mechanisms and alliances whose members are in two or more regions.
async fn spans(db: &Db, area_orgs: &[AreaOrg]) -> Result<Vec<Span>> {
    let by_id: HashMap<i64, &AreaOrg> = area_orgs.iter().map(|o| (o.id.0, o)).collect();
    let mut tx = db.read().await?;
    let mut q = Sql::new(
        "select g.id, g.name, g.kind, o.path from org g
         join mechanism_member m on m.mechanism_id = g.id join org o on o.id = m.org_id
         where g.archived_at is null and g.id in (select mechanism_id from mechanism_member
           group by mechanism_id order by count(*) desc, mechanism_id limit ",
    );
    q.bind(SPANS).push(") order by g.id");
    let rows: Vec<(OrgId, String, String, String)> = q.all(&mut tx).await?;
    drop(tx);
    let mut spans: Vec<Span> = Vec::new();
    for (id, name, kind, path) in rows {
        if spans.last().is_none_or(|s| s.id != id) {
            spans.push(Span {
                id,
                name,
                kind,
                areas: Vec::new(),
            });
        }
        if let (Some(s), Some(a)) = (spans.last_mut(), area_of(&path, &by_id))
            && !s.areas.contains(&a.region_code)
        {
            s.areas.push(a.region_code.clone());
        }
    }
    spans.retain(|s| s.areas.len() >= 2);
    Ok(spans)
}

/// The scope's figures year by year: the outcome roll-up's years and the exchanges.
async fn trend(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<YearRow>> {
    let (org, side) = match scope {
        Scope::All => (None, None),
        Scope::Side(code) => (None, Some(code.clone())),
        Scope::Org(id) => (Some(id.0), None),
    };
    let (from_text, to_text) = (from.map(|d| d.to_string()), to.map(|d| d.to_string()));
    let rollup = outcome::rollup(
        db,
        actor,
        &outcome::Scope {
            org,
            side: side.clone(),
            from: from_text.clone(),
            to: to_text.clone(),
            ..Default::default()
        },
    )
    .await?;
    let exchanges = exchange::per_year(
        db,
        actor,
        &exchange::ExchangeFilter {
            org,
            side,
            from: from_text,
            to: to_text,
            ..Default::default()
        },
    )
    .await?;
    let mut years: BTreeMap<i32, [i64; 5]> = BTreeMap::new();
    for (y, n) in exchanges {
        if let Ok(y) = y.parse::<i32>() {
            years.entry(y).or_default()[0] = n;
        }
    }
    for r in &rollup.years {
        let row = years.entry(r.year).or_default();
        row[1] = r.events.events;
        row[2] = r.events.participants;
        row[3] = r.projects.signed_fen.0;
        row[4] = r.talents;
    }
    Ok(years
        .into_iter()
        .map(|(year, values)| {
            let (f, t) = (
                NaiveDate::from_ymd_opt(year, 1, 1),
                NaiveDate::from_ymd_opt(year, 12, 31),
            );
            YearRow {
                year,
                values: values.to_vec(),
                records: TREND_KEYS
                    .iter()
                    .map(|k| stats::records_of(k, scope, f, t).unwrap_or_default())
                    .collect(),
            }
        })
        .collect())
}

/// The organizations the colour table compares: those directly below the scope's
/// organization, or the region federations of the scope.
async fn mix(
    db: &Db,
    actor: &Actor,
    scope: &Scope,
    area_orgs: &[AreaOrg],
    area_colours: &Colours,
) -> Result<(Vec<MixRow>, bool)> {
    let mut rows: Vec<(OrgId, String)> = match scope {
        Scope::Org(id) => {
            let mut tx = db.read().await?;
            let mut q =
                Sql::new("select id, name from org where archived_at is null and parent_id = ");
            q.bind(id.0)
                .push(" order by id limit ")
                .bind(MIX_ROWS as i64 + 1);
            q.all(&mut tx).await?
        }
        _ => area_orgs
            .iter()
            .filter(|o| o.in_scope(scope, None))
            .map(|o| (o.id, o.name.clone()))
            .collect(),
    };
    let capped = rows.len() > MIX_ROWS;
    rows.truncate(MIX_ROWS);
    let ids: Vec<OrgId> = rows.iter().map(|(id, _)| *id).collect();
    // The regions' colours are the map's, already counted.
    let counted;
    let colours = if ids.iter().all(|id| area_colours.contains_key(id)) {
        area_colours
    } else {
        counted = crate::task::colours_by_lead(db, actor, &ids).await?;
        &counted
    };
    let mut mix: Vec<MixRow> = rows
        .into_iter()
        .map(|(org_id, name)| {
            let mix = colours.get(&org_id).copied().unwrap_or_default();
            MixRow {
                org_id,
                name,
                colours: mix.colours,
                total: mix.colours.iter().sum(),
                reports_missing: mix.missing,
            }
        })
        .filter(|r| r.total > 0)
        .collect();
    // Most overdue first: the order a leader reads the table in.
    let red = Colour::ALL
        .iter()
        .position(|c| *c == Colour::Red)
        .unwrap_or(0);
    mix.sort_by(|a, b| {
        b.colours[red]
            .cmp(&a.colours[red])
            .then(a.org_id.0.cmp(&b.org_id.0))
    });
    Ok((mix, capped))
}
