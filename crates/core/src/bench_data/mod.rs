//! The data set of the benchmarks: `qiaolian bench-data --scale small|city|national`
//! fills an empty database with a deterministic, plausible programme — organizations
//! at every level of both sides and overseas, agreements broken into plans and tasks
//! with their ledgers, pairings, meetings, exchanges, events with their outcomes,
//! projects, donations and a directory of people — through the real schema, search
//! documents included, so a server starts on it with nothing to rebuild.
//!
//! Rows are made here, not through the core functions: a million tasks through
//! `task::create` would take hours. What the core functions compute on write is
//! computed with the same functions (colours with `supervision`, name keys with `text`,
//! search documents with `search::document`), so the result reads as if typed in.

pub mod bulk;
mod cooperation;
mod directory;
mod network;
mod orgs;
mod outcomes;
mod supervision;
mod words;

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::{on, row, search, setup};
use bulk::Bulk;

/// How much to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Small,
    City,
    National,
}

impl Scale {
    pub fn parse(s: &str) -> Option<Scale> {
        match s {
            "small" => Some(Scale::Small),
            "city" => Some(Scale::City),
            "national" => Some(Scale::National),
            _ => None,
        }
    }

    /// The share of the national counts.
    fn factor(self) -> f64 {
        match self {
            Scale::Small => 0.01,
            Scale::City => 0.1,
            Scale::National => 1.0,
        }
    }
}

/// The national counts; the other scales take their share.
#[derive(Clone, Copy, Debug)]
pub struct Counts {
    pub agreements: usize,
    pub tasks: usize,
    pub reports_per_task: usize,
    pub exchanges: usize,
    pub pairings: usize,
    pub events: usize,
    pub projects: usize,
    pub people: usize,
    pub donations: usize,
    pub meetings: usize,
    pub talents: usize,
    pub articles: usize,
}

impl Counts {
    pub fn of(scale: Scale) -> Counts {
        let f = scale.factor();
        let n = |national: f64| ((national * f).round() as usize).max(1);
        Counts {
            agreements: n(20_000.0),
            tasks: n(1_000_000.0),
            reports_per_task: 5,
            exchanges: n(500_000.0),
            pairings: n(10_000.0),
            events: n(200_000.0),
            projects: n(100_000.0),
            people: n(1_000_000.0),
            donations: n(200_000.0),
            meetings: n(2_000.0),
            talents: n(50_000.0),
            articles: n(100_000.0),
        }
    }
}

/// What was made, for the harness: how to log in, and how much of what.
#[derive(Debug)]
pub struct Summary {
    pub rows: u64,
    pub seconds: f64,
    /// Login and organization of a district coordinator (万州区侨联).
    pub coordinator: (String, String),
}

/// Everything the tables made so far tell the tables after them.
pub(crate) struct World {
    pub scale: Scale,
    pub counts: Counts,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    /// Password hash shared by every generated account.
    pub password_hash: String,
    pub admin_id: i64,
    /// Ids below these are taken by what `setup::prepare` made.
    pub org_base: i64,
    pub account_base: i64,
    pub orgs: orgs::Orgs,
    pub coop: cooperation::Cooperation,
    pub network: network::Network,
    pub outcomes: outcomes::Outcomes,
    pub people: usize,
    /// Side ids by code.
    pub sides: Vec<(String, i64)>,
}

impl World {
    /// A random generator of its own per table, so the rows of one table do not depend
    /// on how many random numbers the tables before it drew.
    pub fn rng(&self, table: &str) -> StdRng {
        let mut seed = 0x5eed_2026_u64;
        for b in table.bytes() {
            seed = seed.rotate_left(5) ^ u64::from(b);
        }
        StdRng::seed_from_u64(seed)
    }

    /// A creation moment on a day: office hours, Beijing time.
    pub fn at(&self, day: NaiveDate, rng: &mut StdRng) -> DateTime<Utc> {
        let secs = rng.random_range(1..10 * 3600);
        day.and_hms_opt(0, 30, 0).unwrap_or_default().and_utc() + Duration::seconds(secs)
    }
}

/// A day between two days, both included.
pub(crate) fn day_between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + Duration::days(rng.random_range(0..=span))
}

pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// Picks one of a list (not empty), by weight.
pub(crate) fn weighted<'a, T>(
    rng: &mut StdRng,
    items: &'a [T],
    weight: impl Fn(&T) -> u32,
) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut at = rng.random_range(0..total.max(1));
    for item in items {
        let w = weight(item);
        if at < w {
            return item;
        }
        at -= w;
    }
    &items[items.len() - 1]
}

/// Fills an empty database. `password` is the password of the administrator made by
/// `setup::prepare` and of every generated account.
pub async fn generate(url: &str, scale: Scale, password: &str, quiet: bool) -> Result<Summary> {
    let started = Instant::now();
    let db = Db::connect(url).await?;
    setup::prepare(&db, Some(password)).await?;
    let mut tx = db.read().await?;
    let (orgs, admin_id, org_base, account_base): (i64, i64, i64, i64) = on!(&mut tx, |c| {
        sqlx::query_as(
            "select (select count(*) from org), (select min(id) from account where role = 'admin'),
                (select coalesce(max(id), 0) from org), (select coalesce(max(id), 0) from account)",
        )
        .fetch_one(c)
        .await?
    });
    let tasks: i64 = on!(&mut tx, |c| {
        sqlx::query_scalar("select count(*) from task")
            .fetch_one(c)
            .await?
    });
    let sides: Vec<(String, i64)> = on!(&mut tx, |c| {
        sqlx::query_as("select code, id from side")
            .fetch_all(c)
            .await?
    });
    drop(tx);
    if orgs > 1 || tasks > 0 {
        return Err(Error::Config(
            "bench-data fills an empty database; this one already has records".into(),
        ));
    }
    let password_hash = crate::account::hash_password_off_thread(password).await?;
    let today = crate::settings::today();
    db.close().await;

    let mut bulk = Bulk::open(url, quiet).await?;
    bulk.drop_indexes(TABLES).await?;
    let mut w = World {
        scale,
        counts: Counts::of(scale),
        today,
        now: Utc::now(),
        password_hash,
        admin_id,
        org_base,
        account_base,
        orgs: orgs::Orgs::default(),
        coop: cooperation::Cooperation::default(),
        network: network::Network::default(),
        outcomes: outcomes::Outcomes::default(),
        people: 0,
        sides: sides.clone(),
    };
    orgs::load(&mut bulk, &mut w, &sides).await?;
    cooperation::load(&mut bulk, &mut w).await?;
    network::load(&mut bulk, &mut w).await?;
    directory::load(&mut bulk, &mut w).await?;
    outcomes::load(&mut bulk, &mut w).await?;
    documents(&mut bulk).await?;
    let rows = bulk.rows;
    bulk.finish(TABLES).await?;
    Ok(Summary {
        rows,
        seconds: started.elapsed().as_secs_f64(),
        coordinator: w.orgs.coordinator.clone(),
    })
}

/// Every table the generator fills (also those whose identity it moves on).
const TABLES: &[&str] = &[
    "org",
    "account",
    "agreement",
    "agreement_party",
    "agreement_area",
    "plan",
    "task",
    "task_support",
    "task_reach",
    "task_tally",
    "task_top_tally",
    "progress_report",
    "task_event",
    "pairing",
    "mechanism_member",
    "mechanism_convenor",
    "meeting",
    "meeting_participant",
    "resolution",
    "resolution_task",
    "resolution_reach",
    "exchange",
    "exchange_to",
    "exchange_person",
    "event_series",
    "event",
    "event_org",
    "event_country",
    "endorsement",
    "event_session",
    "event_participant",
    "project",
    "project_step",
    "talent",
    "article",
    "outcome_tally",
    "donation_campaign",
    "donation",
    "donation_step",
    "donation_allocation",
    "person",
    "person_category",
    "person_tag",
    "person_tally",
    "person_side_tally",
    "person_contact",
    "person_affiliation",
    "search_doc",
    "supervision_order",
    "order_event",
    "urging",
    "extension_request",
    "notification",
    "job",
];

/// The search documents of every record, built as `search::rebuild` builds them: while
/// one batch is written (and, on SQLite, indexed for full text by the table's trigger),
/// the next is cut into words on the blocking threads.
async fn documents(bulk: &mut Bulk) -> Result<()> {
    const BATCH: i64 = 20_000;
    let began = Instant::now();
    // Every record's document is written here, the system organization's too.
    bulk.exec("delete from search_doc").await?;
    let mut next_id = 1_i64;
    let mut pending = None;
    for &kind in search::Kind::ALL {
        let sql = search::source_after(kind);
        let mut after = 0_i64;
        loop {
            let mut rows = bulk.documents(&sql, after, BATCH).await?;
            let Some(last) = rows.last().map(|r| r.0) else {
                break;
            };
            after = last;
            let second = rows.split_off(rows.len().div_ceil(2));
            let built = [build(kind, rows), build(kind, second)];
            if let Some(done) = pending.replace(built) {
                next_id = write_documents(bulk, done, next_id).await?;
            }
        }
    }
    if let Some(done) = pending {
        write_documents(bulk, done, next_id).await?;
    }
    bulk.exec(&format!(
        "insert into meta (key, value) values ('search_format', '{}')
         on conflict (key) do update set value = excluded.value",
        search::format_digest()
    ))
    .await?;
    tracing::info!(
        seconds = began.elapsed().as_secs_f64(),
        "search documents written"
    );
    Ok(())
}

type Built = tokio::task::JoinHandle<Vec<search::Document>>;

fn build(kind: search::Kind, rows: Vec<(i64, String, Option<String>, String)>) -> Built {
    tokio::task::spawn_blocking(move || {
        rows.into_iter()
            .map(|(id, title, subtitle, body)| search::document(kind, id, title, subtitle, &body))
            .collect()
    })
}

/// Writes built documents from id `next_id` on; answers the id after the last.
async fn write_documents(bulk: &mut Bulk, built: [Built; 2], next_id: i64) -> Result<i64> {
    let mut docs = Vec::new();
    for b in built {
        docs.extend(
            b.await
                .map_err(|e| Error::Other(format!("search documents: {e}")))?,
        );
    }
    let after = next_id + docs.len() as i64;
    bulk.append(
        "search_doc",
        &[
            "id",
            "kind",
            "ref_id",
            "title",
            "title_key",
            "title_pinyin",
            "subtitle",
            "tokens",
        ],
        docs.into_iter().zip(next_id..).map(|(d, id)| {
            row![
                id,
                d.kind,
                d.ref_id,
                d.title,
                d.title_key,
                d.title_pinyin,
                d.subtitle,
                d.tokens
            ]
        }),
    )
    .await?;
    Ok(after)
}
