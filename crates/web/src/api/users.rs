//! User accounts (administrators).

use axum::extract::{Path, State};
use qiaolian_core::account::{self, Account, AccountId, AccountPatch, NewAccount};
use qiaolian_core::page::{Page, PageRequest};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// List the accounts the caller administers.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(PageRequest), security(("bearer" = [])),
    responses((status = 200, body = Page<Account>), (status = 403, body = ErrorBody)))]
pub async fn list(
    user: User,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<ApiJson<Page<Account>>, ApiError> {
    Ok(ApiJson(
        account::list(&state.db, &user.actor(), page).await?,
    ))
}

/// Create an account in an organization the caller administers.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewAccount, security(("bearer" = [])),
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewAccount>,
) -> Result<ApiJson<Account>, ApiError> {
    Ok(ApiJson(
        account::create(&state.db, Some(&user.actor()), &input).await?,
    ))
}

/// Change an account's role, display name or whether it may sign in, on the version
/// read. Disabling it, or changing its role, ends its sessions and revokes its tokens.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    request_body = AccountPatch, security(("bearer" = [])),
    responses((status = 200, body = Account), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<AccountPatch>,
) -> Result<ApiJson<Account>, ApiError> {
    Ok(ApiJson(
        account::update(&state.db, &user.actor(), AccountId(id), &patch).await?,
    ))
}
