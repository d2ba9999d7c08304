//! Articles by media outlets.

use axum::extract::State;
use axum::response::Response;
use qiaolian_core::article::{self, Article, ArticleFilter, ArticleInput};
use qiaolian_core::page::{Page, PageRequest};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

#[utoipa::path(get, path = "/api/v1/articles", tag = "events", params(ArticleFilter, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((Page<Article> = "application/json"), (Workbook = XLSX))), (status = 422, body = ErrorBody)))]
pub async fn list_articles(
    user: User,
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<ArticleFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| article::list(&state.db, &actor, &f, p)).await
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
