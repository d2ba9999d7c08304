//! Search across everything: one box that finds organizations, people, agreements,
//! tasks, meetings, events and projects, in simplified or traditional characters, full-
//! or half-width, by words, by one or two characters of a name, or by pinyin.
//!
//! Each record has one document in `search_doc`, rewritten in the same transaction as
//! the record. A document holds words only: the title and body folded (`text::fold`),
//! cut by jieba with the domain dictionary `data/search_words.txt` plus every region
//! name, the title's characters and character pairs (so 志明 finds 陈志明), and pinyin.
//! The full-text index (FTS5 on SQLite, a GIN-indexed `tsvector` of the same words on
//! PostgreSQL) only proposes candidates; every query joins back to the record and
//! applies that record type's own read rule, so neither a title nor a count leaks.
//! Ranking is plain SQL, identical on both engines: exact title, title prefix, title
//! substring, pinyin prefix, then anything else; shorter titles first, then newest.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use jieba_rs::Jieba;
use pinyin::ToPinyinMulti;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::access::Actor;
use crate::db::{Db, Engine, Tx};
use crate::error::{Check, Error, FieldError, Result};
use crate::sql::Sql;
use crate::{on, text};

text_enum!(
    /// What a search result is; also the order of the groups on the results page.
    Kind {
        Org = "org",
        Person = "person",
        Agreement = "agreement",
        Task = "task",
        Meeting = "meeting",
        Event = "event",
        Project = "project",
    }
);

/// The longest query accepted, in characters. Longer ones are a paste gone wrong.
pub const MAX_QUERY: usize = 100;
/// The newest matches of a kind examined, at most, when paging through that kind: they
/// are checked against the read rule, counted and ranked, and a group whose examination
/// stopped here says "1000+". Nobody pages through more, and checking and ranking every
/// match of a common word costs seconds at a million tasks (docs/BENCHMARKS.md).
pub const COUNT_UP_TO: i64 = 1000;
/// The same when all kinds are shown together, five hits each: enough to rank the five
/// and say "100+", at a tenth of the cost, seven times over.
pub const OVERVIEW_UP_TO: i64 = 100;
/// Hits per group when all kinds are shown together.
pub const PER_GROUP: i64 = 5;
/// Raise when documents are built differently, so start-up rebuilds every index.
const FORMAT: &str = "3";

/// Starts the word that names a document's kind (`\u{E000}task`), so the full-text index
/// itself finds one kind's matches: filtering the kind afterwards made a common word
/// read every match of every kind seven times. A private-use character is a letter to
/// both engines' indexes but never part of a query (`pieces` keeps only alphanumerics).
const KIND_MARK: char = '\u{E000}';

fn kind_word(kind: Kind) -> String {
    format!("{KIND_MARK}{}", kind.as_str())
}

const WORDS: &str = include_str!("../../data/search_words.txt");

static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut j = Jieba::new();
    let regions = crate::reference::REGIONS_TSV
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(1));
    let words = WORDS
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    for w in words.chain(regions) {
        j.add_word(&text::fold(w), None, None);
    }
    j
});

fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}' | '〇')
}

/// Folded text in pieces a tokenizer will not split further: maximal runs of Chinese
/// characters, and of other letters and digits. Everything else separates.
fn pieces(folded: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, bool)> = None;
    for (i, c) in folded.char_indices() {
        let kind = c.is_alphanumeric().then(|| is_han(c));
        if let Some((start, han)) = current
            && kind != Some(han)
        {
            out.push((han, &folded[start..i]));
            current = None;
        }
        if current.is_none() {
            current = kind.map(|han| (i, han));
        }
    }
    if let Some((start, han)) = current {
        out.push((han, &folded[start..]));
    }
    out
}

fn syllables(han: &str) -> Vec<String> {
    text::pinyin_of(han)
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A word's pinyin in every reading of its characters (重庆: zhongqing and chongqing,
/// since the pinyin table knows characters, not words), at most eight.
fn readings(word: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for multi in word.to_pinyin_multi() {
        let Some(multi) = multi else {
            return vec![];
        };
        let mut next = Vec::new();
        for p in multi.into_iter() {
            for prefix in &out {
                if next.len() < 8 || prefix.is_empty() {
                    next.push(format!("{prefix}{}", p.plain()));
                }
            }
        }
        next.dedup();
        out = next;
    }
    out.sort();
    out.dedup();
    out
}

/// A record as the index sees it.
struct Doc {
    title: String,
    subtitle: Option<String>,
    body: String,
}

struct Built {
    title_key: String,
    title_pinyin: String,
    tokens: String,
}

fn build(kind: Kind, doc: &Doc) -> Built {
    let mut words = BTreeSet::new();
    let title = text::fold(&doc.title);
    let mut title_key = String::new();
    let mut title_pinyin = String::new();
    for (han, piece) in pieces(&title) {
        title_key.push_str(piece);
        if !han {
            title_pinyin.push_str(piece);
            words.insert(piece.to_owned());
            continue;
        }
        let chars: Vec<char> = piece.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            words.insert(c.to_string());
            if let Some(next) = chars.get(i + 1) {
                words.insert(format!("{c}{next}"));
            }
        }
        for t in JIEBA.cut_for_search(piece, true) {
            words.insert(t.word.to_owned());
        }
        for t in JIEBA.cut_for_search(piece, true) {
            words.extend(readings(t.word));
        }
        let all = syllables(piece);
        title_pinyin.push_str(&all.concat());
        // A name is also found by its given name in pinyin: zhiming for 陈志明.
        if kind == Kind::Person {
            for i in 1..all.len() {
                words.insert(all[i..].concat());
            }
        }
    }
    let body = text::fold(&doc.body);
    for (han, piece) in pieces(&body) {
        if han {
            for t in JIEBA.cut_for_search(piece, true) {
                words.insert(t.word.to_owned());
            }
        } else {
            words.insert(piece.to_owned());
        }
    }
    words.remove("");
    words.insert(kind_word(kind));
    Built {
        title_key,
        title_pinyin,
        tokens: words.into_iter().collect::<Vec<_>>().join(" "),
    }
}

/// One thing the query asks for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Term {
    /// This word exactly.
    Word(String),
    /// A word of three or more characters, or all of its character pairs (in a title
    /// the segmenter may have cut differently).
    Long(String, Vec<String>),
    /// Letters or digits: any word starting with them.
    Prefix(String),
}

/// A parsed query: its terms and the keys that rank titles.
#[derive(Debug)]
struct Query {
    terms: Vec<Term>,
    key: String,
    pinyin: Option<String>,
}

fn parse(q: &str) -> std::result::Result<Query, FieldError> {
    let q = q.trim();
    if q.chars().count() > MAX_QUERY {
        return Err(FieldError::too_long(MAX_QUERY));
    }
    let folded = text::fold(q);
    let mut terms = BTreeSet::new();
    let mut key = String::new();
    let mut ascii = true;
    for (han, piece) in pieces(&folded) {
        key.push_str(piece);
        if !han {
            ascii &= piece.is_ascii();
            terms.insert(Term::Prefix(piece.to_owned()));
            continue;
        }
        ascii = false;
        if piece.chars().count() <= 2 {
            terms.insert(Term::Word(piece.to_owned()));
            continue;
        }
        for t in JIEBA.cut(piece, true) {
            let chars: Vec<char> = t.word.chars().collect();
            if chars.len() <= 2 {
                terms.insert(Term::Word(t.word.to_owned()));
            } else {
                let pairs = chars.windows(2).map(|w| w.iter().collect()).collect();
                terms.insert(Term::Long(t.word.to_owned(), pairs));
            }
        }
    }
    Ok(Query {
        terms: terms.into_iter().collect(),
        pinyin: (ascii && !key.is_empty()).then(|| key.clone()),
        key,
    })
}

impl Query {
    /// The full-text match expression in the engine's own syntax. Terms hold only
    /// letters and digits, so quoting cannot be broken out of.
    fn expression(&self, engine: Engine, kind: Option<Kind>) -> String {
        let (and, or) = match engine {
            Engine::Sqlite => (" AND ", " OR "),
            Engine::Postgres => (" & ", " | "),
        };
        let word = |w: &str| match engine {
            Engine::Sqlite => format!("\"{w}\""),
            Engine::Postgres => format!("'{w}'"),
        };
        let words = self
            .terms
            .iter()
            .map(|t| match t {
                Term::Word(w) => word(w),
                Term::Long(w, pairs) => {
                    let pairs: Vec<String> = pairs.iter().map(|p| word(p)).collect();
                    format!("({}{or}({}))", word(w), pairs.join(and))
                }
                Term::Prefix(p) => match engine {
                    Engine::Sqlite => format!("\"{p}\"*"),
                    Engine::Postgres => format!("'{p}':*"),
                },
            })
            .collect::<Vec<_>>()
            .join(and);
        match kind {
            // The words first: when they match nothing, the kind's long list is never read.
            Some(kind) => format!("({words}){and}{}", word(&kind_word(kind))),
            None => words,
        }
    }
}

/// How a kind joins back to its record from `search_doc d`, and the record's read rule
/// for this reader: the same rule its own list applies, so search finds nothing the
/// list hides. The kinds are outside this module (`kinds::search_rule`), which knows
/// only documents.
pub type Rule = fn(Kind, &Actor) -> (&'static str, Sql);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Hit {
    #[sqlx(rename = "ref_id")]
    pub id: i64,
    pub title: String,
    pub subtitle: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub kind: Kind,
    /// The matches the reader may see, not only those listed, among the newest examined
    /// ([`COUNT_UP_TO`] for one kind, [`OVERVIEW_UP_TO`] for all); when `more` is set
    /// there are more than were examined.
    pub total: i64,
    pub more: bool,
    pub hits: Vec<Hit>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Results {
    /// False when the query had no letters, digits or characters to look for.
    pub searched: bool,
    /// Groups with at least one hit, in the order of `Kind`.
    pub groups: Vec<Group>,
}

/// A search as asked: the words, and optionally one kind to page through.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct SearchInput {
    /// The words, at most 100 characters.
    pub q: String,
    /// Only this kind (`org`, `person`, `agreement`, `task`, `meeting`, `event`,
    /// `project`), page by page; otherwise the best five of every kind.
    pub kind: Option<String>,
    /// Page of that kind, from 1.
    pub page: Option<u32>,
    /// Hits per page of that kind, 1–100 (default 20).
    pub per_page: Option<u32>,
}

/// Searches what the actor may read. Groups come in the order of [`Kind`]; a kind the
/// reader may see nothing of is absent, as if nothing matched.
pub async fn search(db: &Db, actor: &Actor, input: &SearchInput, rule: Rule) -> Result<Results> {
    let mut check = Check::default();
    let query = check.take("q", parse(&input.q));
    let only = input
        .kind
        .as_deref()
        .filter(|k| !k.trim().is_empty())
        .and_then(|k| check.take("kind", Kind::parse(k)));
    check.finish()?;
    let query = query.ok_or(Error::field("q", "required"))?;
    let (limit, offset, up_to) = match only {
        Some(_) => {
            let per_page = i64::from(input.per_page.unwrap_or(20).clamp(1, 100));
            let page = i64::from(input.page.unwrap_or(1).max(1));
            (per_page, (page - 1) * per_page, COUNT_UP_TO)
        }
        None => (PER_GROUP, 0, OVERVIEW_UP_TO),
    };
    if query.terms.is_empty() {
        return Ok(Results {
            searched: false,
            groups: vec![],
        });
    }
    let key = crate::org::escape_like(&query.key);
    let pinyin = query
        .pinyin
        .as_deref()
        .map(|p| format!("{}%", crate::org::escape_like(p)));
    let mut groups = Vec::new();
    let mut tx = db.read().await?;
    // The kind words pay when the words match many documents: then each kind's newest
    // matches come straight from the index. When they match few, asking the index for a
    // kind costs more (a seek in the kind's long list per match) than filtering the
    // kind among them. Documents written before they named their kind are found by
    // filtering too, until the background rebuild has rewritten them all.
    let current = stored_format(&mut tx).await?.as_deref() == Some(FORMAT_DIGEST.as_str());
    let marked = current && matches_more_than(&mut tx, db.engine(), &query, FEW).await?;
    for &kind in Kind::ALL {
        if only.is_some_and(|k| k != kind) {
            continue;
        }
        let (join, visible) = rule(kind, actor);
        let newest = newest_matches(db.engine(), &query, kind, marked, up_to);
        let ranked = |limit: i64, offset: i64| {
            let mut q = Sql::new(
                "select d.ref_id, d.title, d.subtitle, count(*) over () as total, d.examined
                 from (select n.*, count(*) over () as examined from (",
            );
            q.append(&newest)
                .push(&format!(") n) d {join} where "))
                .append(&visible)
                .push(" order by case when d.title_key = ")
                .bind(key.as_str())
                .push(" then 0 when d.title_key like ")
                .bind(key.as_str())
                .push(" || '%' escape '\\' then 1 when d.title_key like '%' || ")
                .bind(key.as_str())
                .push(" || '%' escape '\\' then 2 when d.title_pinyin like ")
                .bind(pinyin.clone())
                .push(" escape '\\' then 3 else 4 end, length(d.title_key), d.ref_id desc limit ")
                .bind(limit)
                .push(" offset ")
                .bind(offset);
            q
        };
        let mut rows: Vec<Ranked> = ranked(limit, offset).all(&mut tx).await?;
        let past_end = rows.is_empty() && offset > 0;
        if past_end {
            // Past the last page: the group still says how many there are.
            rows = ranked(1, 0).all(&mut tx).await?;
        }
        let Some(first) = rows.first() else {
            continue;
        };
        let (total, examined) = (first.total, first.examined);
        groups.push(Group {
            kind,
            total: total.min(up_to),
            more: examined > up_to,
            hits: rows
                .into_iter()
                .filter(|_| !past_end)
                .map(|r| Hit {
                    id: r.ref_id,
                    title: r.title,
                    subtitle: r.subtitle,
                })
                .collect(),
        });
    }
    Ok(Results {
        searched: true,
        groups,
    })
}

/// One ranked match, with how many the reader may see and how many were examined.
#[derive(sqlx::FromRow)]
struct Ranked {
    ref_id: i64,
    title: String,
    subtitle: Option<String>,
    total: i64,
    examined: i64,
}

/// What the read rule, the count and the ranking look at, so their cost stays the same
/// however common the words are: documents of a kind whose title is the query or starts
/// with it (a fifth of `up_to`, through the `(kind, title_key)` index, so the best hits
/// are not missed), and the newest [`COUNT_UP_TO`] + 1 that match, which the full-text index hands
/// over newest first and stops there (`up_to` + 1 of them).
fn newest_matches(engine: Engine, query: &Query, kind: Kind, marked: bool, up_to: i64) -> Sql {
    let limit = up_to + 1;
    let titled = up_to / 5;
    let columns = "d.id, d.ref_id, d.title, d.subtitle, d.title_key, d.title_pinyin";
    let kind_name = kind.as_str();
    // Without the kind words the kind is filtered among the matches; on SQLite `+d.kind`
    // keeps the planner off the (kind, ref_id) index, through which every document of
    // the kind would be tested against the matches.
    let (of_kind, expression) = match (marked, engine) {
        (true, _) => (String::new(), query.expression(engine, Some(kind))),
        (false, Engine::Sqlite) => (
            format!(" and +d.kind = '{kind_name}'"),
            query.expression(engine, None),
        ),
        (false, Engine::Postgres) => (
            format!(" and d.kind = '{kind_name}'"),
            query.expression(engine, None),
        ),
    };
    let mut matched = Sql::new("");
    match (engine, marked) {
        (Engine::Sqlite, _) => {
            matched
                .push(&format!(
                    "select {columns} from search_fts f join search_doc d on d.id = f.rowid
                     where search_fts match "
                ))
                .bind(expression)
                .push(&format!("{of_kind} order by f.rowid desc limit {limit}"));
        }
        // PostgreSQL's GIN index cannot hand matches over newest first, and asked for
        // `order by d.id desc limit n` the planner walks the primary key backwards testing
        // every document — through all the documents of other kinds, and through the
        // whole table when the kind has none (it cannot know which words go with which
        // kind). `d.id + 0` keeps it on the GIN index: few matches in all, so few to sort.
        (Engine::Postgres, false) => {
            matched
                .push(&format!(
                    "select {columns} from search_doc d where d.tsv @@ cast("
                ))
                .bind(expression)
                .push(&format!(
                    " as tsquery){of_kind} order by d.id + 0 desc limit {limit}"
                ));
        }
        // Many matches: walk the kind's newest documents (its `(kind, ref_id)` index,
        // backwards) while the words are tested, at most `window` of them; only when
        // fewer than wanted match there does the GIN index give the rest of the kind's
        // matches (sorted, so this costs what they number). The planner runs that
        // second half only on that condition (a one-time filter).
        (Engine::Postgres, true) => {
            let window = (10 * limit).max(2000);
            matched
                .push(&format!(
                    "with w as materialized (select {s_columns} from (select {columns}, d.tsv
                     from search_doc d where d.kind = '{kind_name}' order by d.ref_id desc
                     limit {window}) s where s.tsv @@ cast(",
                    s_columns = columns.replace("d.", "s.")
                ))
                .bind(query.expression(engine, None))
                .push(&format!(
                    " as tsquery) limit {limit})
                     select * from w union select * from (select {columns} from search_doc d
                     where d.tsv @@ cast("
                ))
                .bind(expression)
                .push(&format!(
                    " as tsquery) order by d.ref_id + 0 desc limit {limit}) g
                     where (select count(*) from w) < {limit}"
                ));
        }
    }
    // Byte order, where a prefix range is a range: PostgreSQL's index is `collate "C"`.
    let key = match engine {
        Engine::Sqlite => "d.title_key",
        Engine::Postgres => "(d.title_key collate \"C\")",
    };
    let mut q = Sql::new(&format!(
        "select * from (select {columns} from search_doc d where d.kind = '{kind_name}' and {key} >= "
    ));
    q.bind(query.key.as_str())
        .push(&format!(" and {key} < "))
        .bind(format!("{}\u{10FFFF}", query.key))
        .push(&format!(
            " order by {key} limit {titled}) titled union select * from ("
        ));
    q.append(&matched).push(") matched");
    q
}

/// Up to how many matches in all the kind is filtered among the matches.
const FEW: i64 = 2000;

async fn matches_more_than(tx: &mut Tx, engine: Engine, query: &Query, n: i64) -> Result<bool> {
    let sql = match engine {
        Engine::Sqlite => {
            "select count(*) from (select 1 from search_fts where search_fts match $1 limit $2) m"
        }
        Engine::Postgres => {
            "select count(*) from (select 1 from search_doc d where d.tsv @@ cast($1 as tsquery) limit $2) m"
        }
    };
    // On PostgreSQL a word the planner guesses common is counted by reading the table
    // until enough match — through all of it when the guess is wrong. The GIN index
    // counts any word in milliseconds, so this one statement is kept off the table.
    tx.postgres_only("set local enable_seqscan = off").await?;
    let found: i64 = on!(tx, |c| {
        sqlx::query_scalar(sql)
            .bind(query.expression(engine, None))
            .bind(n + 1)
            .fetch_one(c)
            .await?
    });
    tx.postgres_only("set local enable_seqscan to default")
        .await?;
    Ok(found > n)
}

async fn store_format(tx: &mut Tx, digest: &str) -> Result<()> {
    on!(tx, |c| {
        sqlx::query(
            "insert into meta (key, value) values ('search_format', $1)
             on conflict (key) do update set value = excluded.value",
        )
        .bind(digest)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// A database without documents has nothing to rebuild: every document written from
/// now on has the current format, so that is recorded at once and search uses the
/// kind words from the first record on.
pub async fn adopt_when_empty(db: &Db) -> Result<()> {
    let empty = "select (select count(*) from (select 1 from search_doc limit 1) d)
        + (select count(*) from meta where key = 'search_format')";
    let seen: i64 = on!(&mut db.read().await?, |c| {
        sqlx::query_scalar(empty).fetch_one(c).await?
    });
    if seen > 0 {
        return Ok(());
    }
    let mut tx = db.write().await?;
    let seen: i64 = on!(&mut tx, |c| sqlx::query_scalar(empty).fetch_one(c).await?);
    if seen == 0 {
        store_format(&mut tx, &format_digest()).await?;
    }
    tx.commit().await
}

async fn stored_format(tx: &mut Tx) -> Result<Option<String>> {
    Ok(on!(tx, |c| {
        sqlx::query_scalar("select value from meta where key = 'search_format'")
            .fetch_optional(c)
            .await?
    }))
}

/// Each kind's document, as SQL returning `id, title, subtitle, body`; `{where}` is
/// replaced by the row filter.
fn source(kind: Kind) -> &'static str {
    match kind {
        Kind::Org => {
            "select id, name as title, coalesce(city, short_name) as subtitle,
                coalesce(short_name, '') || ' ' || coalesce(city, '') || ' ' || coalesce(notes, '') as body
             from org {where}"
        }
        Kind::Person => {
            "select id, name as title, foreign_name as subtitle,
                coalesce(foreign_name, '') || ' ' || coalesce(notes, '') as body
             from person {where}"
        }
        Kind::Agreement => {
            "select id, title, cast(signed_on as text) as subtitle, coalesce(summary, '') as body
             from agreement {where}"
        }
        Kind::Task => {
            "select id, title, cast(deadline as text) as subtitle,
                coalesce(goal, '') || ' ' || coalesce(standard, '') || ' ' || coalesce(requirement, '')
                || ' ' || coalesce(responsible, '') as body
             from task {where}"
        }
        Kind::Meeting => {
            "select id, title, cast(held_on as text) as subtitle,
                coalesce(place, '') || ' ' || coalesce(agenda, '') || ' ' || coalesce(minutes, '') as body
             from meeting {where}"
        }
        Kind::Event => {
            "select id, title, cast(starts_on as text) as subtitle,
                coalesce(place, '') || ' ' || coalesce(summary, '') as body
             from event {where}"
        }
        Kind::Project => {
            // An investor who is a person of the directory is named only to readers
            // who may open them (person::withhold); a document is the same for every
            // reader, so it leaves their name out.
            "select id, title, case when person_id is null then investor_name end as subtitle,
                coalesce(sector, '') || ' ' || case when person_id is null then investor_name else '' end as body
             from project {where}"
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    title: String,
    subtitle: Option<String>,
    body: String,
}

async fn write(tx: &mut Tx, kind: Kind, row: Row) -> Result<()> {
    let doc = Doc {
        title: row.title,
        subtitle: row.subtitle,
        body: row.body,
    };
    let built = build(kind, &doc);
    store(tx, kind, row.id, &doc, &built).await
}

async fn store(tx: &mut Tx, kind: Kind, id: i64, doc: &Doc, built: &Built) -> Result<()> {
    on!(tx, |c| {
        sqlx::query(
            "insert into search_doc (kind, ref_id, title, title_key, title_pinyin, subtitle, tokens)
             values ($1, $2, $3, $4, $5, $6, $7)
             on conflict (kind, ref_id) do update set title = excluded.title,
                title_key = excluded.title_key, title_pinyin = excluded.title_pinyin,
                subtitle = excluded.subtitle, tokens = excluded.tokens",
        )
        .bind(kind.as_str())
        .bind(id)
        .bind(&doc.title)
        .bind(&built.title_key)
        .bind(&built.title_pinyin)
        .bind(&doc.subtitle)
        .bind(&built.tokens)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Rewrites one record's document; called by every write that changes what it says.
pub(crate) async fn refresh(tx: &mut Tx, kind: Kind, id: i64) -> Result<()> {
    let sql = source(kind).replace("{where}", "where id = $1");
    let row: Option<Row> = on!(&mut *tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(c)
            .await?
    });
    match row {
        Some(row) => write(tx, kind, row).await,
        None => Ok(()),
    }
}

/// A record's document as stored, for loaders that write many at once.
pub struct Document {
    pub kind: &'static str,
    pub ref_id: i64,
    pub title: String,
    pub title_key: String,
    pub title_pinyin: String,
    pub subtitle: Option<String>,
    pub tokens: String,
}

/// The document of one record, from the columns its kind's source reads.
pub fn document(
    kind: Kind,
    ref_id: i64,
    title: String,
    subtitle: Option<String>,
    body: &str,
) -> Document {
    let doc = Doc {
        title,
        subtitle,
        body: body.to_owned(),
    };
    let built = build(kind, &doc);
    Document {
        kind: kind.as_str(),
        ref_id,
        title: doc.title,
        title_key: built.title_key,
        title_pinyin: built.title_pinyin,
        subtitle: doc.subtitle,
        tokens: built.tokens,
    }
}

/// A kind's source for loaders: `id, title, subtitle, body` of the records with ids
/// above `$1`, in id order, `$2` at most.
pub fn source_after(kind: Kind) -> String {
    source(kind).replace("{where}", "where id > $1 order by id limit $2")
}

/// Names the way documents are built now; stored in `meta` when they are written, so
/// `sync` rebuilds only when it changes.
pub fn format_digest() -> String {
    FORMAT_DIGEST.clone()
}

static FORMAT_DIGEST: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{FORMAT}:{:x}",
        Sha256::digest([WORDS, crate::reference::REGIONS_TSV].concat())
    )
});

/// Rewrites every document, then drops the documents of records that are gone.
/// Records are read a hundred at a time and their words cut outside any
/// transaction; each batch of documents is then written in one short write, so the
/// write lock is never held for long and search keeps answering from the old
/// documents, which are replaced in place, while this runs.
pub async fn rebuild(db: &Db) -> Result<u64> {
    // Writing a document takes about a millisecond in a debug build and less in release,
    // so a batch stays well under the long-write warning and other writers barely wait.
    const BATCH: i64 = 100;
    let mut written = 0;
    for &kind in Kind::ALL {
        let sql = source_after(kind);
        let mut after = 0_i64;
        loop {
            let mut tx = db.read().await?;
            let rows: Vec<Row> = on!(&mut tx, |c| {
                sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(after)
                    .bind(BATCH)
                    .fetch_all(c)
                    .await?
            });
            drop(tx);
            let Some(last) = rows.last().map(|r| r.id) else {
                break;
            };
            let docs = tokio::task::spawn_blocking(move || {
                rows.into_iter()
                    .map(|row| {
                        let doc = Doc {
                            title: row.title,
                            subtitle: row.subtitle,
                            body: row.body,
                        };
                        let built = build(kind, &doc);
                        (row.id, doc, built)
                    })
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| Error::Other(format!("search documents: {e}")))?;
            let mut tx = db.write().await?;
            for (id, doc, built) in &docs {
                store(&mut tx, kind, *id, doc, built).await?;
            }
            tx.commit().await?;
            written += docs.len() as u64;
            after = last;
        }
        let table = match kind {
            Kind::Org => "org",
            Kind::Person => "person",
            Kind::Agreement => "agreement",
            Kind::Task => "task",
            Kind::Meeting => "meeting",
            Kind::Event => "event",
            Kind::Project => "project",
        };
        let mut tx = db.write().await?;
        on!(&mut tx, |c| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "delete from search_doc where kind = $1
                 and not exists (select 1 from {table} x where x.id = search_doc.ref_id)"
            )))
            .bind(kind.as_str())
            .execute(c)
            .await?;
        });
        tx.commit().await?;
    }
    Ok(written)
}

/// Rebuilds the documents when the way they are built has changed since the last
/// start (new code, dictionary or region names), or on a database that has none yet.
/// The server runs it in the background once it answers: at a million tasks it takes
/// minutes (docs/BENCHMARKS.md).
pub async fn sync(db: &Db) -> Result<()> {
    let digest = format_digest();
    let stored = stored_format(&mut db.read().await?).await?;
    if stored.as_deref() == Some(digest.as_str()) {
        return Ok(());
    }
    let written = rebuild(db).await?;
    let mut tx = db.write().await?;
    store_format(&mut tx, &digest).await?;
    tx.commit().await?;
    tracing::info!(written, "search index rebuilt");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(kind: Kind, title: &str, body: &str) -> Vec<String> {
        let doc = Doc {
            title: title.into(),
            subtitle: None,
            body: body.into(),
        };
        build(kind, &doc)
            .tokens
            .split(' ')
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn text_is_cut_into_letters_digits_and_characters() {
        assert_eq!(
            pieces("重庆abc 2024年!侨联"),
            vec![
                (true, "重庆"),
                (false, "abc"),
                (false, "2024"),
                (true, "年"),
                (true, "侨联")
            ]
        );
        assert!(pieces("，。！？…— ").is_empty());
    }

    #[test]
    fn a_name_is_found_by_its_characters_pairs_and_pinyin() {
        let t = tokens(Kind::Person, "陳志明", "");
        for w in ["陈", "志明", "陈志", "chenzhiming", "zhiming", "ming"] {
            assert!(t.contains(&w.to_owned()), "{w} in {t:?}");
        }
        let t = tokens(Kind::Org, "重庆市侨联", "");
        for w in ["chongqing", "qiaolian"] {
            assert!(t.contains(&w.to_owned()), "{w} in {t:?}");
        }
    }

    #[test]
    fn the_domain_dictionary_keeps_words_whole() {
        let t = tokens(Kind::Org, "泰国川渝总商会", "万达开侨商联盟的成员");
        for w in ["川渝", "总商会", "侨商联盟", "chuanyu"] {
            assert!(t.contains(&w.to_owned()), "{w} in {t:?}");
        }
    }

    #[test]
    fn a_query_folds_and_segments_like_the_documents() {
        let q = parse("  重慶市僑聯 ").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(q.key, "重庆市侨联");
        assert!(
            matches!(&q.terms[..], [Term::Long(w, pairs)] if w == "重庆市侨联" && pairs.contains(&"侨联".to_owned())),
            "{:?}",
            q.terms
        );
        let q = parse("Chen ZHIMING").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(q.pinyin.as_deref(), Some("chenzhiming"));
        assert_eq!(
            q.terms,
            vec![Term::Prefix("chen".into()), Term::Prefix("zhiming".into())]
        );
    }

    #[test]
    fn punctuation_alone_asks_for_nothing_and_a_huge_query_is_refused() {
        assert!(parse("'\"%_;--<>《》，。").map(|q| q.terms.is_empty()) == Ok(true));
        assert_eq!(
            parse(&"侨".repeat(10_000)).map(|_| ()),
            Err(FieldError::too_long(MAX_QUERY))
        );
    }

    #[test]
    fn expressions_quote_every_word() {
        let q = parse("陈志明 chen").unwrap_or_else(|e| panic!("{e:?}"));
        let sqlite = q.expression(Engine::Sqlite, Some(Kind::Task));
        let pg = q.expression(Engine::Postgres, None);
        assert!(sqlite.ends_with(") AND \"\u{E000}task\""), "{sqlite}");
        assert!(sqlite.contains("\"chen\"*"), "{sqlite}");
        assert!(pg.contains("'chen':*"), "{pg}");
    }
}
