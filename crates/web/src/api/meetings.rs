//! Joint meetings and their resolutions.

use axum::extract::{Path, State};
use axum::response::Response;
use qiaolian_core::meeting::{
    self, Meeting, MeetingId, MeetingInput, ResolutionFilter, ResolutionRow,
};
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use serde::Deserialize;

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    /// Only the meetings of this mechanism.
    mechanism: Option<i64>,
}

/// Joint meetings, newest first, with resolutions and how many are done.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "network", params(MeetingQuery), security(("bearer" = [])), responses((status = 200, body = Vec<Meeting>)))]
pub async fn list_meetings(
    user: User,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<MeetingQuery>,
) -> Result<ApiJson<Vec<Meeting>>, ApiError> {
    Ok(ApiJson(
        meeting::list(&state.db, &user.actor(), q.mechanism.map(OrgId)).await?,
    ))
}

/// Record a joint meeting with its resolutions.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "network", request_body = MeetingInput, security(("bearer" = [])),
    responses((status = 200, body = Meeting), (status = 422, body = ErrorBody)))]
pub async fn create_meeting(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<MeetingInput>,
) -> Result<ApiJson<Meeting>, ApiError> {
    Ok(ApiJson(
        meeting::create(&state.db, &user.actor(), &input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "network", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Meeting), (status = 404, body = ErrorBody)))]
pub async fn get_meeting(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Meeting>, ApiError> {
    Ok(ApiJson(
        meeting::get(&state.db, &user.actor(), MeetingId(id)).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResolutionInput {
    pub text: String,
}

/// Add the next numbered resolution to a meeting.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/resolutions", tag = "network", params(("id" = i64, Path)), request_body = ResolutionInput,
    security(("bearer" = [])), responses((status = 200, body = Meeting), (status = 422, body = ErrorBody)))]
pub async fn add_resolution(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ResolutionInput>,
) -> Result<ApiJson<Meeting>, ApiError> {
    Ok(ApiJson(
        meeting::add_resolution(&state.db, &user.actor(), MeetingId(id), &input.text).await?,
    ))
}

/// Resolutions of joint meetings with their status (by the tasks the caller may read),
/// newest meeting first.
#[utoipa::path(get, path = "/api/v1/resolutions", tag = "network", params(ResolutionFilter, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((Page<ResolutionRow> = "application/json"), (Workbook = XLSX))), (status = 422, body = ErrorBody)))]
pub async fn list_resolutions(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<ResolutionFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| {
        meeting::resolutions(&state.db, &actor, &filter, p)
    })
    .await
}
