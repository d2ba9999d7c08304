//! Organizations.

use axum::extract::{Path, State};
use qiaolian_core::org::{self, Org, OrgFilter, OrgId, OrgInput};
use qiaolian_core::page::{Page, PageRequest};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// List organizations, filtered and paged.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", params(OrgFilter, PageRequest), security(("bearer" = [])),
    responses((status = 200, body = Page<Org>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<OrgFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<ApiJson<Page<Org>>, ApiError> {
    Ok(ApiJson(
        org::list(&state.db, &user.actor(), &filter, page).await?,
    ))
}

/// One organization.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Org), (status = 404, body = ErrorBody)))]
pub async fn get(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Org>, ApiError> {
    Ok(ApiJson(
        org::get(&state.db, &user.actor(), OrgId(id)).await?,
    ))
}

/// Create an organization.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = OrgInput, security(("bearer" = [])),
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<OrgInput>,
) -> Result<ApiJson<Org>, ApiError> {
    Ok(ApiJson(
        org::create(&state.db, &user.actor(), &input).await?,
    ))
}

/// Edit an organization: send every field and the `version` you read.
#[utoipa::path(patch, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path)), request_body = OrgInput,
    security(("bearer" = [])),
    responses((status = 200, body = Org), (status = 409, description = "Changed since read", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<OrgInput>,
) -> Result<ApiJson<Org>, ApiError> {
    Ok(ApiJson(
        org::update(&state.db, &user.actor(), OrgId(id), &input).await?,
    ))
}

/// Archive an organization (it is never deleted).
#[utoipa::path(post, path = "/api/v1/orgs/{id}/archive", tag = "orgs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn archive(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Org>, ApiError> {
    Ok(ApiJson(
        org::archive(&state.db, &user.actor(), OrgId(id)).await?,
    ))
}

/// Restore an archived organization.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/restore", tag = "orgs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn restore(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Org>, ApiError> {
    Ok(ApiJson(
        org::restore(&state.db, &user.actor(), OrgId(id)).await?,
    ))
}
