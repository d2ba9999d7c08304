//! The article list with its figures, with the roll-up's scope filter.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use qiaolian_core::Error;
use qiaolian_core::article::{self, Article, ArticleFigures, ArticleFilter};
use qiaolian_core::page::{Page, PageRequest};

use super::outcomes::{ScopeChoices, choices};
use super::{PageResult, render};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

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
