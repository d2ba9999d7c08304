//! Articles by media outlets.

use axum::extract::State;
use qiaolian_core::article::{self, Article, ArticleFilter, ArticleInput};
use qiaolian_core::page::{Page, PageRequest};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

#[utoipa::path(get, path = "/api/v1/articles", tag = "events", params(ArticleFilter, PageRequest), security(("bearer" = [])),
    responses((status = 200, body = Page<Article>), (status = 422, body = ErrorBody)))]
pub async fn list_articles(
    user: User,
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<ArticleFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<ApiJson<Page<Article>>, ApiError> {
    Ok(ApiJson(
        article::list(&state.db, &user.actor(), &f, page).await?,
    ))
}

/// Record an article published by a media outlet.
#[utoipa::path(post, path = "/api/v1/articles", tag = "events", request_body = ArticleInput, security(("bearer" = [])),
    responses((status = 200, body = Article), (status = 422, body = ErrorBody)))]
pub async fn create_article(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<ArticleInput>,
) -> Result<ApiJson<Article>, ApiError> {
    Ok(ApiJson(
        article::create(&state.db, &user.actor(), &input).await?,
    ))
}
