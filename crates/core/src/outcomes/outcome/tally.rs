//! Outcome figures kept on write (`outcome_tally`): what events, projects, talents,
//! articles, exchanges and donations add up to, per organization reached, side, series
//! and year.
//!
//! A record reaches every organization it belongs to (an event's hosts, a project's
//! owner, a talent's receiver, the hosts of an article's event) and every one above
//! them, plus [`EVERYONE`]; and the sides of those organizations. Its figures are
//! added under each of those keys, for its year, and for its series and for all
//! series. (Months would double the rows, most of them one record each: periods
//! shorter than a year are counted from the records.) A roll-up then reads a few hundred rows of one key instead of
//! counting every record of the country. Writes that change a record (or what it
//! belongs to) take its figures as they stood with [`Change::of`] before the change and
//! [`Change::settle`] after it, in the same transaction; [`check`] recounts the table
//! from the records.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::db::{Db, Tx};
use crate::error::Result;
use crate::sql::Sql;

/// The organization key of figures over every organization, and the side key of
/// figures over every side.
pub const EVERYONE: i64 = 0;
/// The series key of figures over every series (and none).
pub const ANY_SERIES: i64 = 0;

/// Records handled per statement: keeps every `in (…)` well under SQLite's bound.
const CHUNK: usize = 500;
/// Rows per multi-row upsert: 8 parameters each.
const UPSERT_ROWS: usize = 3_000;

/// What a row counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Measure {
    /// Held events; `amount` their participants.
    Event,
    /// Held events with participants from the country in `detail`; `amount` those
    /// participants.
    Country,
    /// Projects at the status in `detail`; `amount` their amount in fen.
    Project,
    /// Talents received.
    Talent,
    /// Articles of the outlet (an organization id) in `detail`.
    Article,
    /// Exchanges; `amount` their participants. Counted under the organizations on
    /// both ends, and under the side of the one it came from (the exchange log's side).
    Exchange,
    /// Donations of the form and status in `detail` (`money:received`); `amount` their
    /// value in fen. Counted under the recipient, by the day the gift was made.
    Donation,
    /// What was allocated of those donations (same `detail`, year and keys as the
    /// gift); `n` the allocations, `amount` their sum in fen.
    Allocation,
}

impl Measure {
    pub const ALL: [Measure; 8] = [
        Measure::Event,
        Measure::Country,
        Measure::Project,
        Measure::Talent,
        Measure::Article,
        Measure::Exchange,
        Measure::Donation,
        Measure::Allocation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Event => "event",
            Measure::Country => "country",
            Measure::Project => "project",
            Measure::Talent => "talent",
            Measure::Article => "article",
            Measure::Exchange => "exchange",
            Measure::Donation => "donation",
            Measure::Allocation => "allocation",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Which records a row covers: those reaching an organization (`side` 0), those of a
/// side (`org` 0), or all (both 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Key {
    pub org: i64,
    pub side: i64,
}

/// One row's key: scope, series, year, measure and its breakdown.
pub type Cell = (Key, i64, i32, Measure, String);

/// Counts and amounts by cell, added to and taken from as records change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally(pub BTreeMap<Cell, (i64, i64)>);

/// What one record adds under one measure.
#[derive(Clone, Debug)]
pub(crate) struct Part {
    pub measure: Measure,
    pub detail: String,
    pub n: i64,
    pub amount: i64,
}

/// What decides a record's rows: its day, its series, the paths and sides of the
/// organizations it belongs to, and what it adds.
pub(crate) struct Facts<'a> {
    pub day: NaiveDate,
    pub series: Option<i64>,
    pub orgs: &'a [(&'a str, i64)],
    pub parts: &'a [Part],
}

/// The keys a record's figures go under: every organization on the paths of its own,
/// each of their sides, and everyone.
pub(crate) fn keys(orgs: &[(&str, i64)]) -> BTreeSet<Key> {
    let mut keys = BTreeSet::from([Key {
        org: EVERYONE,
        side: EVERYONE,
    }]);
    for (path, side) in orgs {
        keys.extend(crate::task::reach::path_ids(path).map(|org| Key {
            org,
            side: EVERYONE,
        }));
        keys.insert(Key {
            org: EVERYONE,
            side: *side,
        });
    }
    keys
}

impl Tally {
    /// Adds (`sign` 1) or takes away (`sign` -1) one record's figures.
    pub(crate) fn add(&mut self, f: &Facts, sign: i64) {
        let series: &[i64] = match f.series {
            Some(s) if s != ANY_SERIES => &[ANY_SERIES, s],
            _ => &[ANY_SERIES],
        };
        for key in keys(f.orgs) {
            for &s in series {
                for p in f.parts {
                    let v = self
                        .0
                        .entry((key, s, f.day.year(), p.measure, p.detail.clone()))
                        .or_default();
                    v.0 += sign * p.n;
                    v.1 += sign * p.amount;
                }
            }
        }
    }

    fn merge(&mut self, other: &Tally, sign: i64) {
        for (cell, (n, amount)) in &other.0 {
            let v = self.0.entry(cell.clone()).or_default();
            v.0 += sign * n;
            v.1 += sign * amount;
        }
    }

    fn nonzero(&self) -> impl Iterator<Item = (&Cell, (i64, i64))> {
        self.0
            .iter()
            .filter(|(_, v)| **v != (0, 0))
            .map(|(c, v)| (c, *v))
    }
}

/// The records a write changes, by kind.
#[derive(Clone, Debug, Default)]
pub(crate) struct Records {
    pub events: Vec<i64>,
    pub projects: Vec<i64>,
    pub talents: Vec<i64>,
    pub articles: Vec<i64>,
    pub exchanges: Vec<i64>,
    pub donations: Vec<i64>,
}

impl Records {
    pub(crate) fn events(ids: impl IntoIterator<Item = i64>) -> Records {
        Records {
            events: ids.into_iter().collect(),
            ..Records::default()
        }
    }

    pub(crate) fn projects(ids: impl IntoIterator<Item = i64>) -> Records {
        Records {
            projects: ids.into_iter().collect(),
            ..Records::default()
        }
    }

    pub(crate) fn talents(ids: impl IntoIterator<Item = i64>) -> Records {
        Records {
            talents: ids.into_iter().collect(),
            ..Records::default()
        }
    }

    pub(crate) fn articles(ids: impl IntoIterator<Item = i64>) -> Records {
        Records {
            articles: ids.into_iter().collect(),
            ..Records::default()
        }
    }

    pub(crate) fn exchanges(ids: impl IntoIterator<Item = i64>) -> Records {
        Records {
            exchanges: ids.into_iter().collect(),
            ..Records::default()
        }
    }

    pub(crate) fn donations(ids: impl IntoIterator<Item = i64>) -> Records {
        Records {
            donations: ids.into_iter().collect(),
            ..Records::default()
        }
    }

    /// An event and what is counted through it: the projects signed, the talents
    /// received and the articles published at it take its series, and articles its
    /// organizations.
    pub(crate) async fn of_event(tx: &mut Tx, id: i64) -> Result<Records> {
        let of = |table: &str| {
            let mut q = Sql::new(&format!("select id from {table} where event_id = "));
            q.bind(id);
            q
        };
        Ok(Records {
            events: vec![id],
            projects: of("project").column(tx).await?,
            talents: of("talent").column(tx).await?,
            articles: of("article").column(tx).await?,
            ..Records::default()
        })
    }

    /// Every record that belongs to an organization of the subtree at `path`: those
    /// whose figures move when it moves in the tree or changes side.
    pub(crate) async fn of_subtree(tx: &mut Tx, path: &str) -> Result<Records> {
        let like = format!("{path}%");
        let of = |sql: &str| {
            let mut q = Sql::new(sql);
            q.bind(like.as_str());
            q
        };
        let events: Vec<i64> = of(
            "select distinct x.event_id from event_org x join org o on o.id = x.org_id where o.path like ",
        )
        .column(tx)
        .await?;
        let mut articles = Vec::new();
        for chunk in events.chunks(CHUNK) {
            let mut q = Sql::new("select id from article where event_id in ");
            q.bind_list(chunk.iter().copied());
            articles.extend(q.column::<i64>(tx).await?);
        }
        Ok(Records {
            events,
            projects: of(
                "select p.id from project p join org o on o.id = p.owner_org_id where o.path like ",
            )
            .column(tx)
            .await?,
            talents: of(
                "select t.id from talent t join org o on o.id = t.org_id where o.path like ",
            )
            .column(tx)
            .await?,
            articles,
            exchanges: {
                let mut q = Sql::new(
                    "select e.id from exchange e join org o on o.id = e.from_org_id where o.path like ",
                );
                q.bind(like.as_str()).push(
                    " union select t.exchange_id from exchange_to t join org o on o.id = t.org_id
                     where o.path like ",
                );
                q.bind(like.as_str()).column(tx).await?
            },
            donations: of(
                "select d.id from donation d join org o on o.id = d.recipient_org_id where o.path like ",
            )
            .column(tx)
            .await?,
        })
    }
}

/// A record's day and series, and the organizations it belongs to.
#[derive(sqlx::FromRow)]
struct Dated {
    id: i64,
    day: NaiveDate,
    series_id: Option<i64>,
}

/// Paths and sides of organizations, by the event (or record) they belong to.
type Belongs = HashMap<i64, Vec<(String, i64)>>;

async fn event_orgs(tx: &mut Tx, events: &[i64]) -> Result<Belongs> {
    let mut out: Belongs = HashMap::new();
    for chunk in events.chunks(CHUNK) {
        let mut q = Sql::new(
            "select x.event_id, o.path, o.side_id from event_org x join org o on o.id = x.org_id
             where x.event_id in ",
        );
        q.bind_list(chunk.iter().copied());
        for (event, path, side) in q.all::<(i64, String, i64)>(tx).await? {
            out.entry(event).or_default().push((path, side));
        }
    }
    Ok(out)
}

fn add_one(tally: &mut Tally, d: &Dated, orgs: Option<&Vec<(String, i64)>>, parts: &[Part]) {
    let orgs: Vec<(&str, i64)> = orgs
        .map(|v| v.iter().map(|(p, s)| (p.as_str(), *s)).collect())
        .unwrap_or_default();
    tally.add(
        &Facts {
            day: d.day,
            series: d.series_id,
            orgs: &orgs,
            parts,
        },
        1,
    );
}

/// The figures of `records` as the database holds them now.
async fn counted(tx: &mut Tx, records: &Records) -> Result<Tally> {
    let mut tally = Tally::default();
    for chunk in records.events.chunks(CHUNK) {
        let mut q = Sql::new(
            "select id, starts_on as day, series_id from event where status = 'held' and id in ",
        );
        q.bind_list(chunk.iter().copied());
        let events: Vec<Dated> = q.all(tx).await?;
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        let orgs = event_orgs(tx, &ids).await?;
        let mut q = Sql::new(
            "select event_id, country_code, participants from event_country where event_id in ",
        );
        q.bind_list(ids.iter().copied());
        let mut countries: HashMap<i64, Vec<Part>> = HashMap::new();
        for (event, code, n) in q.all::<(i64, String, i64)>(tx).await? {
            countries.entry(event).or_default().push(Part {
                measure: Measure::Country,
                detail: code,
                n: 1,
                amount: n,
            });
        }
        for e in &events {
            let mut parts = countries.remove(&e.id).unwrap_or_default();
            parts.push(Part {
                measure: Measure::Event,
                detail: String::new(),
                n: 1,
                amount: parts.iter().map(|p| p.amount).sum(),
            });
            add_one(&mut tally, e, orgs.get(&e.id), &parts);
        }
    }
    for chunk in records.projects.chunks(CHUNK) {
        let mut q = Sql::new(
            "select p.id, p.signed_on, e.series_id, p.status, p.amount_fen, o.path, o.side_id
             from project p join org o on o.id = p.owner_org_id left join event e on e.id = p.event_id
             where p.id in ",
        );
        q.bind_list(chunk.iter().copied());
        type ProjectRow = (i64, NaiveDate, Option<i64>, String, i64, String, i64);
        for (id, day, series_id, status, fen, path, side) in q.all::<ProjectRow>(tx).await? {
            let d = Dated { id, day, series_id };
            let part = Part {
                measure: Measure::Project,
                detail: status,
                n: 1,
                amount: fen,
            };
            add_one(&mut tally, &d, Some(&vec![(path, side)]), &[part]);
        }
    }
    for chunk in records.talents.chunks(CHUNK) {
        let mut q = Sql::new(
            "select t.id, t.received_on, e.series_id, o.path, o.side_id
             from talent t join org o on o.id = t.org_id left join event e on e.id = t.event_id
             where t.id in ",
        );
        q.bind_list(chunk.iter().copied());
        type TalentRow = (i64, NaiveDate, Option<i64>, String, i64);
        for (id, day, series_id, path, side) in q.all::<TalentRow>(tx).await? {
            let d = Dated { id, day, series_id };
            let part = Part {
                measure: Measure::Talent,
                detail: String::new(),
                n: 1,
                amount: 0,
            };
            add_one(&mut tally, &d, Some(&vec![(path, side)]), &[part]);
        }
    }
    for chunk in records.articles.chunks(CHUNK) {
        let mut q = Sql::new(
            "select a.id, a.published_on, e.series_id, a.outlet_id, a.event_id
             from article a left join event e on e.id = a.event_id where a.id in ",
        );
        q.bind_list(chunk.iter().copied());
        type ArticleRow = (i64, NaiveDate, Option<i64>, i64, Option<i64>);
        let rows: Vec<ArticleRow> = q.all(tx).await?;
        let events: Vec<i64> = rows
            .iter()
            .filter_map(|r| r.4)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let orgs = event_orgs(tx, &events).await?;
        for (id, day, series_id, outlet, event) in rows {
            let d = Dated { id, day, series_id };
            let part = Part {
                measure: Measure::Article,
                detail: outlet.to_string(),
                n: 1,
                amount: 0,
            };
            add_one(&mut tally, &d, event.and_then(|e| orgs.get(&e)), &[part]);
        }
    }
    for chunk in records.exchanges.chunks(CHUNK) {
        let mut q = Sql::new(
            "select e.id, e.happened_on, e.participants, o.path, o.side_id
             from exchange e join org o on o.id = e.from_org_id where e.id in ",
        );
        q.bind_list(chunk.iter().copied());
        type ExchangeRow = (i64, NaiveDate, Option<i64>, String, i64);
        let rows: Vec<ExchangeRow> = q.all(tx).await?;
        let mut q = Sql::new(
            "select t.exchange_id, o.path from exchange_to t join org o on o.id = t.org_id
             where t.exchange_id in ",
        );
        q.bind_list(chunk.iter().copied());
        let mut to: HashMap<i64, Vec<String>> = HashMap::new();
        for (id, path) in q.all::<(i64, String)>(tx).await? {
            to.entry(id).or_default().push(path);
        }
        for (id, day, participants, path, side) in rows {
            let d = Dated {
                id,
                day,
                series_id: None,
            };
            // The other ends count under their organizations, not their sides (side
            // EVERYONE adds no key of its own).
            let mut orgs = vec![(path, side)];
            orgs.extend(
                to.remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| (p, EVERYONE)),
            );
            let part = Part {
                measure: Measure::Exchange,
                detail: String::new(),
                n: 1,
                amount: participants.unwrap_or(0),
            };
            add_one(&mut tally, &d, Some(&orgs), &[part]);
        }
    }
    for chunk in records.donations.chunks(CHUNK) {
        let mut q = Sql::new(
            "select d.id, d.given_on, d.form, d.status, d.amount_fen, o.path, o.side_id,
                cast(count(a.id) as bigint), cast(coalesce(sum(a.amount_fen), 0) as bigint)
             from donation d join org o on o.id = d.recipient_org_id
             left join donation_allocation a on a.donation_id = d.id
             where d.id in ",
        );
        q.bind_list(chunk.iter().copied())
            .push(" group by d.id, d.given_on, d.form, d.status, d.amount_fen, o.path, o.side_id");
        type DonationRow = (i64, NaiveDate, String, String, i64, String, i64, i64, i64);
        for (id, day, form, status, fen, path, side, uses, used) in q.all::<DonationRow>(tx).await?
        {
            let d = Dated {
                id,
                day,
                series_id: None,
            };
            add_one(
                &mut tally,
                &d,
                Some(&vec![(path, side)]),
                &donation_parts(&form, &status, fen, uses, used),
            );
        }
    }
    Ok(tally)
}

/// What one donation adds: the gift, and what was allocated of it (if anything).
pub(crate) fn donation_parts(
    form: &str,
    status: &str,
    fen: i64,
    allocations: i64,
    allocated: i64,
) -> Vec<Part> {
    let detail = format!("{form}:{status}");
    let mut parts = vec![Part {
        measure: Measure::Donation,
        detail: detail.clone(),
        n: 1,
        amount: fen,
    }];
    if allocations > 0 {
        parts.push(Part {
            measure: Measure::Allocation,
            detail,
            n: allocations,
            amount: allocated,
        });
    }
    parts
}

/// A write in progress: the figures of its records as they stood before it.
#[must_use = "a change must be settled in the same transaction"]
pub(crate) struct Change {
    records: Records,
    before: Tally,
}

impl Change {
    /// Takes the figures of `records` before they change.
    pub(crate) async fn of(tx: &mut Tx, records: Records) -> Result<Change> {
        let before = counted(tx, &records).await?;
        Ok(Change { records, before })
    }

    /// New records, which counted nothing before.
    pub(crate) fn added(records: Records) -> Change {
        Change {
            records,
            before: Tally::default(),
        }
    }

    /// Adds the difference the write made to the stored figures.
    pub(crate) async fn settle(self, tx: &mut Tx) -> Result<()> {
        let mut delta = counted(tx, &self.records).await?;
        delta.merge(&self.before, -1);
        apply(tx, &delta).await
    }
}

/// Adds a delta to the stored figures in key order, so concurrent PostgreSQL writers
/// lock shared rows in the same order and cannot deadlock.
async fn apply(tx: &mut Tx, delta: &Tally) -> Result<()> {
    let changes: Vec<(&Cell, (i64, i64))> = delta.nonzero().collect();
    for part in changes.chunks(UPSERT_ROWS) {
        let mut q = Sql::new(
            "insert into outcome_tally (org_id, side_id, series_id, year, measure, detail, n, amount) values ",
        );
        for (i, ((key, series, year, measure, detail), (n, amount))) in part.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" })
                .bind(key.org)
                .push(", ")
                .bind(key.side)
                .push(", ")
                .bind(*series)
                .push(", ")
                .bind(i64::from(*year))
                .push(", ")
                .bind(measure.as_str())
                .push(", ")
                .bind(detail.as_str())
                .push(", ")
                .bind(*n)
                .push(", ")
                .bind(*amount)
                .push(")");
        }
        q.push(
            " on conflict (org_id, side_id, series_id, year, measure, detail) do update
              set n = outcome_tally.n + excluded.n, amount = outcome_tally.amount + excluded.amount",
        );
        q.execute(tx).await?;
    }
    Ok(())
}

/// One stored row, with the country of the outlet for an article row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Row {
    pub year: i32,
    pub measure: String,
    pub detail: String,
    pub n: i64,
    pub amount: i64,
    /// An article outlet's country, as its organization says now.
    pub place: Option<String>,
}

/// The stored outcome rows (exchanges and donations have figures of their own) of one key and series
/// (and year, if given), each row counting something. Added up in Rust: distinct counts
/// in SQL took longer than the rows.
pub async fn rows(
    tx: &mut Tx,
    key: Key,
    series: i64,
    first: Option<i32>,
    last: Option<i32>,
) -> Result<Vec<Row>> {
    // `case` keeps PostgreSQL from casting a country code to a number.
    let mut q = Sql::new(
        "select t.year, t.measure, t.detail, t.n, t.amount, u.country_code as place
         from outcome_tally t
         left join org u on u.id = case when t.measure = 'article' then cast(t.detail as bigint) end
         where t.n <> 0 and t.measure in ('event', 'country', 'project', 'talent', 'article')
           and t.org_id = ",
    );
    q.bind(key.org)
        .push(" and t.side_id = ")
        .bind(key.side)
        .push(" and t.series_id = ")
        .bind(series);
    of_years(&mut q, first, last);
    q.all(tx).await
}

/// The first and last year of the tally that make up a period (either open), or none
/// when the period starts or ends within a year: the tally keeps whole years.
pub fn whole_years(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Option<(Option<i32>, Option<i32>)> {
    let first = match from {
        Some(d) if d.ordinal() != 1 => return None,
        d => d.map(|d| d.year()),
    };
    let last = match to {
        Some(d) if (d.month(), d.day()) != (12, 31) => return None,
        d => d.map(|d| d.year()),
    };
    Some((first, last))
}

/// Narrows tally rows `t` to the years from `first` to `last`, either open.
pub fn of_years(q: &mut Sql, first: Option<i32>, last: Option<i32>) {
    if let Some(y) = first {
        q.push(" and t.year >= ").bind(i64::from(y));
    }
    if let Some(y) = last {
        q.push(" and t.year <= ").bind(i64::from(y));
    }
}

/// Marks that `outcome_tally` holds every record, so a start skips [`build`]. The
/// generator writes it too.
pub(crate) const BUILT: &str = "outcome_tally";

/// Every record of each kind, in id order, a chunk at a time.
async fn all_ids(tx: &mut Tx, table: &str) -> Result<Vec<Vec<i64>>> {
    let ids: Vec<i64> = Sql::new(&format!("select id from {table} order by id"))
        .column(tx)
        .await?;
    Ok(ids.chunks(CHUNK * 4).map(<[i64]>::to_vec).collect())
}

/// The figures of every record, counted from the records.
async fn recount(tx: &mut Tx) -> Result<Tally> {
    let mut tally = Tally::default();
    for (table, wrap) in [
        ("event", Records::events as fn(Vec<i64>) -> Records),
        ("project", Records::projects),
        ("talent", Records::talents),
        ("article", Records::articles),
        ("exchange", Records::exchanges),
        ("donation", Records::donations),
    ] {
        for chunk in all_ids(tx, table).await? {
            tally.merge(&counted(tx, &wrap(chunk)).await?, 1);
        }
    }
    Ok(tally)
}

/// Fills the table from the records when it has never been built (a database from
/// before it existed): run by every start before serving, a no-op once done.
pub async fn build(db: &Db) -> Result<u64> {
    let Some(mut tx) = crate::db::to_build(db, BUILT).await? else {
        return Ok(0);
    };
    Sql::new("delete from outcome_tally")
        .execute(&mut tx)
        .await?;
    let tally = recount(&mut tx).await?;
    apply(&mut tx, &tally).await?;
    crate::db::mark_built(&mut tx, BUILT).await?;
    tx.commit().await?;
    Ok(tally.0.len() as u64)
}

/// Rows whose stored figures differ from the recount: cell, stored, recounted.
pub type Differences = Vec<(Cell, (i64, i64), (i64, i64))>;

/// How many differing rows a recount names.
const NAMED: usize = 100;

/// Recounts the table from the records, in one snapshot.
pub async fn check(db: &Db) -> Result<Differences> {
    let mut tx = db.read().await?;
    let want = recount(&mut tx).await?;
    type Stored = (i64, i64, i64, i32, String, String, i64, i64);
    let stored: Vec<Stored> = Sql::new(
        "select org_id, side_id, series_id, year, measure, detail, n, amount from outcome_tally
         where n <> 0 or amount <> 0",
    )
    .all(&mut tx)
    .await?;
    let mut out = Vec::new();
    let mut have: BTreeMap<Cell, (i64, i64)> = BTreeMap::new();
    for (org, side, series, year, measure, detail, n, amount) in stored {
        match Measure::parse(&measure) {
            Some(m) => {
                have.insert((Key { org, side }, series, year, m, detail), (n, amount));
            }
            // A measure this build does not know is a difference of its own.
            None => out.push((
                (Key { org, side }, series, year, Measure::Event, measure),
                (n, amount),
                (0, 0),
            )),
        }
    }
    for (cell, v) in want.nonzero() {
        let stored = have.remove(cell).unwrap_or((0, 0));
        if stored != v {
            out.push((cell.clone(), stored, v));
        }
    }
    out.extend(have.into_iter().map(|(cell, v)| (cell, v, (0, 0))));
    out.truncate(NAMED);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_record_counts_once_under_every_organization_above_it_and_each_side() {
        // Two hosts under one city: the city and the province count the event once.
        let keys = keys(&[("/1/7/55/", 2), ("/1/7/56/", 2), ("/3/9/", 3)]);
        let orgs: Vec<i64> = keys.iter().filter(|k| k.side == 0).map(|k| k.org).collect();
        let sides: Vec<i64> = keys.iter().filter(|k| k.org == 0).map(|k| k.side).collect();
        assert_eq!(orgs, [0, 1, 3, 7, 9, 55, 56]);
        assert_eq!(sides, [0, 2, 3]);
    }

    #[test]
    fn figures_go_under_the_year_and_under_the_series_and_all_series() {
        let mut t = Tally::default();
        let parts = [Part {
            measure: Measure::Project,
            detail: "signed".into(),
            n: 1,
            amount: 500,
        }];
        let f = Facts {
            day: day(2024, 3, 9),
            series: Some(4),
            orgs: &[("/1/", 2)],
            parts: &parts,
        };
        t.add(&f, 1);
        // Keys (0,0), (1,0), (0,2) × series 0 and 4.
        assert_eq!(t.0.len(), 6);
        let k = Key { org: 1, side: 0 };
        assert_eq!(
            t.0.get(&(k, 4, 2024, Measure::Project, "signed".into())),
            Some(&(1, 500))
        );
        t.add(&f, -1);
        assert_eq!(t.nonzero().count(), 0);
    }
}
