//! Outcome pages: the roll-up of a scope (year, series, organization subtree, side)
//! whose every figure links to the list behind it, the talent and article lists, and
//! the 一人多营 list of campers registered twice in a year.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use qiaolian_core::Error;
use qiaolian_core::article::{self, Article, ArticleFigures, ArticleFilter};
use qiaolian_core::camp::{self, MultiCamp};
use qiaolian_core::outcome::{self, CountryFigures, Rollup, Scope};
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::side::{self, Side};
use qiaolian_core::talent::{self, Talent, TalentFilter};

use super::{PageResult, render};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

/// The choices of the scope filter: series and sides by name, the organization picked.
struct ScopeChoices {
    series: Vec<(i64, String)>,
    sides: Vec<Side>,
    org_name: String,
}

async fn choices(
    db: &qiaolian_core::Db,
    user: &User,
    scope: &Scope,
) -> Result<ScopeChoices, Error> {
    let org_name = match scope.org {
        Some(id) => qiaolian_core::org::get(db, &user.actor(), qiaolian_core::org::OrgId(id))
            .await
            .map(|o| o.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(ScopeChoices {
        series: qiaolian_core::event::all_series(db).await?,
        sides: side::list(db).await?,
        org_name,
    })
}

#[derive(Template)]
#[template(path = "outcomes/index.html")]
struct IndexPage {
    ctx: Ctx,
    scope: Scope,
    q: String,
    rollup: Rollup,
    countries: Vec<CountryFigures>,
    choices: ScopeChoices,
    refused: bool,
    /// Donations received by the scope's organizations, as far as the reader may see
    /// them; `None` for a series, which donations do not belong to.
    donations: Option<qiaolian_core::donation::Totals>,
    donations_q: String,
}

impl IndexPage {
    fn year_q(&self, year: &i32) -> String {
        self.scope.with_year(*year).query()
    }
}

pub async fn index(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    scope: Result<Query<Scope>, QueryRejection>,
) -> PageResult {
    let Ok(Query(scope)) = scope else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let (scope, refused) = match outcome::rollup(&state.db, &user.actor(), &scope).await {
        Ok(_) => (scope, false),
        Err(Error::Invalid(_)) => (Scope::default(), true),
        Err(e) => return Err(e.into()),
    };
    let rollup = outcome::rollup(&state.db, &user.actor(), &scope).await?;
    let countries = outcome::countries(&state.db, &user.actor(), &scope).await?;
    let choices = choices(&state.db, &user, &scope).await?;
    let by_recipient = qiaolian_core::donation::DonationFilter {
        year: scope.year,
        org: scope.org,
        side: scope.side.clone(),
        ..Default::default()
    };
    let donations = match scope.series {
        Some(_) => None,
        None => {
            Some(qiaolian_core::donation::totals(&state.db, &user.actor(), &by_recipient).await?)
        }
    };
    let donations_q = serde_urlencoded::to_string(&by_recipient).unwrap_or_default();
    Ok(render(&IndexPage {
        donations,
        donations_q,
        ctx,
        q: scope.query(),
        scope,
        rollup,
        countries,
        choices,
        refused,
    }))
}

#[derive(Template)]
#[template(path = "outcomes/talents.html")]
struct TalentsPage {
    ctx: Ctx,
    page: Page<Talent>,
    filter: TalentFilter,
    choices: ScopeChoices,
    pager_href: String,
}

pub async fn talents(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<TalentFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let (filter, result) = match talent::list(&state.db, &user.actor(), &filter, page).await {
        Ok(p) => (filter, p),
        Err(Error::Invalid(_)) => (
            TalentFilter::default(),
            talent::list(&state.db, &user.actor(), &TalentFilter::default(), page).await?,
        ),
        Err(e) => return Err(e.into()),
    };
    let choices = choices(&state.db, &user, &filter.scope()).await?;
    let pager_href = format!(
        "/talents?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    Ok(render(&TalentsPage {
        ctx,
        page: result,
        filter,
        choices,
        pager_href,
    }))
}

#[derive(Template)]
#[template(path = "outcomes/articles.html")]
struct ArticlesPage {
    ctx: Ctx,
    page: Page<Article>,
    figures: ArticleFigures,
    filter: ArticleFilter,
    choices: ScopeChoices,
    pager_href: String,
}

pub async fn articles(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<ArticleFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let (filter, result) = match article::list(&state.db, &user.actor(), &filter, page).await {
        Ok(p) => (filter, p),
        Err(Error::Invalid(_)) => (
            ArticleFilter::default(),
            article::list(&state.db, &user.actor(), &ArticleFilter::default(), page).await?,
        ),
        Err(e) => return Err(e.into()),
    };
    let figures = article::filtered_figures(&state.db, &user.actor(), &filter).await?;
    let choices = choices(&state.db, &user, &filter.scope()).await?;
    let pager_href = format!(
        "/articles?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    Ok(render(&ArticlesPage {
        ctx,
        page: result,
        figures,
        filter,
        choices,
        pager_href,
    }))
}

#[derive(Template)]
#[template(path = "outcomes/multi_camp.html")]
struct MultiCampPage {
    ctx: Ctx,
    year: i32,
    people: Vec<MultiCamp>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct YearQuery {
    year: Option<i32>,
}

pub async fn multi_camp(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
) -> PageResult {
    use chrono::Datelike;
    let year = q
        .year
        .filter(|y| (1900..=2200).contains(y))
        .unwrap_or_else(|| qiaolian_core::settings::today().year());
    let people = camp::multi_camp(&state.db, &user.actor(), year).await?;
    Ok(render(&MultiCampPage { ctx, year, people }))
}
