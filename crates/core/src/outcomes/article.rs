//! Media coverage: articles published by media outlets (organizations of kind
//! `media_outlet`, with their country), counted per event and per media tour.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::event::EventId;
use crate::org::{OrgId, OrgKind};
use crate::outcome::{Bound, Scope};
use crate::page::{Page, PageRequest};
use crate::sql::Sql;
use crate::{on, settings, text};

id_type!(ArticleId);

text_enum!(
    Language {
        Zh = "zh",
        En = "en",
        Th = "th",
        Ja = "ja",
        Ko = "ko",
        Vi = "vi",
        Id = "id",
        Ms = "ms",
        Fr = "fr",
        De = "de",
        Es = "es",
        Pt = "pt",
        Ru = "ru",
        Ar = "ar",
        Other = "other",
    }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Article {
    pub id: ArticleId,
    pub title: String,
    pub outlet_id: OrgId,
    pub outlet_name: String,
    pub outlet_country: Option<String>,
    pub outlet_country_zh: Option<String>,
    pub outlet_country_en: Option<String>,
    pub url: Option<String>,
    pub published_on: NaiveDate,
    #[sqlx(try_from = "String")]
    pub language: Language,
    pub event_id: Option<EventId>,
    pub event_title: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ArticleInput {
    pub title: String,
    /// A media outlet: an organization of kind `media_outlet`.
    pub outlet_id: Option<OrgId>,
    /// `http://` or `https://` address of the article.
    pub url: Option<String>,
    /// `YYYY-MM-DD`
    pub published_on: String,
    /// `zh`, `en`, `th`, … or `other`.
    pub language: String,
    pub event_id: Option<EventId>,
}

/// Coverage figures: articles, and the outlets and their countries behind them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ArticleFigures {
    pub articles: i64,
    pub outlets: i64,
    /// Distinct countries and regions of the outlets.
    pub countries: i64,
}

/// The filter a [`Scope`] means for articles, over `a` and its event `e`: published
/// within the year, covering an event of the series, or an event run by an
/// organization of the subtree or of the side.
pub fn scope(b: &Bound) -> Sql {
    b.sql(
        "a.published_on",
        "e.series_id",
        "select x.org_id from event_org x where x.event_id = a.event_id",
    )
}

/// A web address worth linking to: only http(s), so no `javascript:` ever reaches a page.
fn parse_url(s: &str) -> std::result::Result<Option<String>, crate::FieldError> {
    let Some(u) = text::optional(s, 2000)? else {
        return Ok(None);
    };
    let lower = u.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !u.chars().any(char::is_whitespace) => Ok(Some(u)),
        _ => Err(crate::FieldError::new("bad_url")),
    }
}

async fn check_input(tx: &mut Tx, input: &ArticleInput, check: &mut Check) -> Result<()> {
    check.take("title", text::required(&input.title, 300));
    check.take("url", parse_url(input.url.as_deref().unwrap_or_default()));
    check.take("language", Language::parse(&input.language));
    match check.take("published_on", text::date(&input.published_on)) {
        Some(None) => check.add("published_on", "required"),
        Some(Some(d)) if d > settings::today() => check.add("published_on", "date_in_future"),
        _ => {}
    }
    match input.outlet_id {
        None => check.add("outlet_id", "required"),
        Some(id) => {
            let kind: Option<String> = on!(&mut *tx, |c| {
                sqlx::query_scalar("select kind from org where id = $1")
                    .bind(id)
                    .fetch_optional(c)
                    .await?
            });
            match kind {
                None => check.add("outlet_id", "unknown_org"),
                Some(k) if k != OrgKind::MediaOutlet.as_str() => {
                    check.add("outlet_id", "not_media_outlet")
                }
                Some(_) => {}
            }
        }
    }
    if let Some(e) = input.event_id
        && !crate::event::exists(tx, e).await?
    {
        check.add("event_id", "unknown_event");
    }
    Ok(())
}

/// Who may read an article: judged against the outlet of an article (an outcome of events) (`POLICY`),
/// written over `a`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Event,
    orgs: &[OrgOf::Column("a.outlet_id")],
    also: None,
    reached: None,
};

/// Records an article. An article about an event is recorded by those who ran it;
/// others by anyone who may record events for their own organization.
pub async fn create(db: &Db, actor: &Actor, input: &ArticleInput) -> Result<Article> {
    let mut tx = db.write().await?;
    let mut check = Check::default();
    check_input(&mut tx, input, &mut check).await?;
    check.finish()?;
    match input.event_id {
        Some(e) => {
            let paths = crate::event::org_paths(&mut tx, e).await?;
            access::authorize_any(
                actor,
                Resource::Event,
                Action::Update,
                paths.iter().map(String::as_str),
            )?;
        }
        None => access::authorize(
            actor,
            Resource::Event,
            Action::Create,
            Some(&actor.org_path),
        )?,
    }
    let id = insert(&mut tx, actor, input).await?;
    tx.commit().await?;
    get(db, actor, id).await
}

async fn insert(tx: &mut Tx, actor: &Actor, input: &ArticleInput) -> Result<ArticleId> {
    let title = text::required(&input.title, 300).unwrap_or_default();
    let url = parse_url(input.url.as_deref().unwrap_or_default()).unwrap_or_default();
    let published = text::date(&input.published_on).ok().flatten();
    let id: ArticleId = on!(&mut *tx, |c| {
        sqlx::query_scalar(
            "insert into article (title, outlet_id, url, published_on, language, event_id, created_by, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        )
        .bind(&title)
        .bind(input.outlet_id)
        .bind(&url)
        .bind(published)
        .bind(input.language.trim())
        .bind(input.event_id)
        .bind(actor.account_id)
        .bind(crate::now())
        .fetch_one(c)
        .await?
    });
    use crate::outcome::tally;
    tally::Change::added(tally::Records::articles([id.0]))
        .settle(tx)
        .await?;
    Ok(id)
}

/// Records a coverage list in one transaction — all or none — as the demo's media tours
/// do; the first refused row's errors are returned.
pub(crate) async fn create_many(db: &Db, actor: &Actor, inputs: &[ArticleInput]) -> Result<usize> {
    let mut tx = db.write().await?;
    for input in inputs {
        let mut check = Check::default();
        check_input(&mut tx, input, &mut check).await?;
        check.finish()?;
    }
    let mut events: Vec<EventId> = inputs.iter().filter_map(|a| a.event_id).collect();
    events.sort_unstable_by_key(|e| e.0);
    events.dedup();
    for e in &events {
        let paths = crate::event::org_paths(&mut tx, *e).await?;
        access::authorize_any(
            actor,
            Resource::Event,
            Action::Update,
            paths.iter().map(String::as_str),
        )?;
    }
    if inputs.iter().any(|a| a.event_id.is_none()) {
        access::authorize(
            actor,
            Resource::Event,
            Action::Create,
            Some(&actor.org_path),
        )?;
    }
    for input in inputs {
        insert(&mut tx, actor, input).await?;
    }
    tx.commit().await?;
    Ok(inputs.len())
}

const SELECT: &str = "select a.id, a.title, a.outlet_id, u.name as outlet_name, u.country_code as outlet_country,
    k.name_zh as outlet_country_zh, k.name_en as outlet_country_en, a.url, a.published_on, a.language,
    a.event_id, e.title as event_title, a.created_at
    from article a join org u on u.id = a.outlet_id left join country k on k.alpha2 = u.country_code
    left join event e on e.id = a.event_id";

/// One article, if the actor may read it: the list's rule filtered by id.
pub async fn get(db: &Db, actor: &Actor, id: ArticleId) -> Result<Article> {
    let mut q = Sql::new(&format!("{SELECT} where a.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    q.optional(&mut db.read().await?)
        .await?
        .ok_or(Error::NotFound)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ArticleFilter {
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
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub outlet: Option<i64>,
    pub language: Option<String>,
}

impl ArticleFilter {
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

async fn bound(tx: &mut Tx, filter: &ArticleFilter) -> Result<(Bound, Option<Language>)> {
    let mut check = Check::default();
    let b = filter.scope().bind(tx, &mut check).await?;
    let language = filter
        .language
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|l| check.take("language", Language::parse(l)));
    check.finish()?;
    Ok((b, language))
}

/// The scope, the read rule and the article filters as one condition over `a` and `e`.
fn condition(
    actor: &Actor,
    b: &Bound,
    event: Option<i64>,
    outlet: Option<i64>,
    language: Option<Language>,
) -> Sql {
    let mut w = scope(b);
    w.and(&READ.sql(actor));
    if let Some(v) = event {
        w.push(" and a.event_id = ").bind(v);
    }
    if let Some(v) = outlet {
        w.push(" and a.outlet_id = ").bind(v);
    }
    if let Some(v) = language {
        w.push(" and a.language = ").bind(v.as_str());
    }
    w
}

/// Articles in a scope, newest first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &ArticleFilter,
    page: PageRequest,
) -> Result<Page<Article>> {
    let mut tx = db.read().await?;
    let (b, language) = bound(&mut tx, filter).await?;
    condition(actor, &b, filter.event, filter.outlet, language)
        .page(
            &mut tx,
            SELECT,
            "from article a left join event e on e.id = a.event_id",
            "a.published_on desc, a.id desc",
            page,
        )
        .await
}

/// Coverage figures of a filter: the same rows `list` returns.
pub async fn filtered_figures(
    db: &Db,
    actor: &Actor,
    filter: &ArticleFilter,
) -> Result<ArticleFigures> {
    let mut tx = db.read().await?;
    let (b, language) = bound(&mut tx, filter).await?;
    figures_of(
        &mut tx,
        &condition(actor, &b, filter.event, filter.outlet, language),
    )
    .await
}

/// Coverage figures of a scope.
pub async fn figures(tx: &mut Tx, actor: &Actor, b: &Bound) -> Result<ArticleFigures> {
    figures_of(tx, &condition(actor, b, None, None, None)).await
}

async fn figures_of(tx: &mut Tx, condition: &Sql) -> Result<ArticleFigures> {
    let mut q = Sql::new(
        "select count(*) as articles, count(distinct a.outlet_id) as outlets, count(distinct u.country_code) as countries
         from article a join org u on u.id = a.outlet_id left join event e on e.id = a.event_id where ",
    );
    q.append(condition);
    q.optional(tx).await?.ok_or(Error::NotFound)
}

/// Articles per outlet for an event, most prolific first.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OutletCount {
    pub outlet_id: OrgId,
    pub name: String,
    pub country_code: Option<String>,
    pub articles: i64,
}

pub async fn by_outlet(db: &Db, event: EventId) -> Result<Vec<OutletCount>> {
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(
            "select u.id as outlet_id, u.name, u.country_code, count(*) as articles from article a join org u on u.id = a.outlet_id
             where a.event_id = $1 group by u.id, u.name, u.country_code order by count(*) desc, u.name",
        )
        .bind(event)
        .fetch_all(c)
        .await?
    }))
}
