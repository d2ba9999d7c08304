//! Alliances and other mechanisms: members and convenors.

use axum::extract::{Path, State};
use qiaolian_core::mechanism::{self, ConvenorInput, Mechanism, MembersInput};
use qiaolian_core::org::OrgId;

use super::ApiJson;
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// Mechanisms with members and convenor history.
#[utoipa::path(get, path = "/api/v1/mechanisms", tag = "network", security(("bearer" = [])), responses((status = 200, body = Vec<Mechanism>)))]
pub async fn list_mechanisms(
    user: User,
    State(state): State<AppState>,
) -> Result<ApiJson<Vec<Mechanism>>, ApiError> {
    Ok(ApiJson(mechanism::list(&state.db, &user.actor()).await?))
}

#[utoipa::path(get, path = "/api/v1/mechanisms/{id}", tag = "network", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Mechanism), (status = 404, body = ErrorBody)))]
pub async fn get_mechanism(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Mechanism>, ApiError> {
    Ok(ApiJson(
        mechanism::get(&state.db, &user.actor(), OrgId(id)).await?,
    ))
}

/// Replace a mechanism's members.
#[utoipa::path(put, path = "/api/v1/mechanisms/{id}/members", tag = "network", params(("id" = i64, Path)), request_body = MembersInput,
    security(("bearer" = [])), responses((status = 200, body = Mechanism), (status = 422, body = ErrorBody)))]
pub async fn set_members(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MembersInput>,
) -> Result<ApiJson<Mechanism>, ApiError> {
    Ok(ApiJson(
        mechanism::set_members(&state.db, &user.actor(), OrgId(id), &input).await?,
    ))
}

/// Rotate the convenor to a member from a date.
#[utoipa::path(post, path = "/api/v1/mechanisms/{id}/convenors", tag = "network", params(("id" = i64, Path)), request_body = ConvenorInput,
    security(("bearer" = [])), responses((status = 200, body = Mechanism), (status = 422, body = ErrorBody)))]
pub async fn rotate_convenor(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ConvenorInput>,
) -> Result<ApiJson<Mechanism>, ApiError> {
    Ok(ApiJson(
        mechanism::rotate_convenor(&state.db, &user.actor(), OrgId(id), &input).await?,
    ))
}
