//! Search across everything the caller may read.

use axum::extract::State;
use qiaolian_core::search::{Results, SearchInput};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// Organizations, people, agreements, tasks, meetings, events and projects matching
/// `q`, grouped by kind, best first; simplified or traditional, full- or half-width,
/// pinyin. Records the caller may not read are neither listed nor counted.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchInput), security(("bearer" = [])),
    responses((status = 200, body = Results), (status = 422, body = ErrorBody)))]
pub async fn get(
    user: User,
    State(state): State<AppState>,
    ApiQuery(input): ApiQuery<SearchInput>,
) -> Result<ApiJson<Results>, ApiError> {
    Ok(ApiJson(
        qiaolian_core::kinds::search(&state.db, &user.actor(), &input).await?,
    ))
}

/// The same search with the query in the body, for queries too long for a URL.
#[utoipa::path(post, path = "/api/v1/search", tag = "search", request_body = SearchInput, security(("bearer" = [])),
    responses((status = 200, body = Results), (status = 422, body = ErrorBody)))]
pub async fn post(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<SearchInput>,
) -> Result<ApiJson<Results>, ApiError> {
    Ok(ApiJson(
        qiaolian_core::kinds::search(&state.db, &user.actor(), &input).await?,
    ))
}
