//! Sessions and named registers of programmes and camps (一人多营).

use axum::extract::{Path, State};
use qiaolian_core::camp::{self, MultiCamp, Participant, ParticipantInput, Session, SessionInput};
use qiaolian_core::event::{self, EventId};
use serde::Deserialize;

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

#[utoipa::path(get, path = "/api/v1/events/{id}/sessions", tag = "events", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<Session>), (status = 404, body = ErrorBody)))]
pub async fn sessions(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<Session>>, ApiError> {
    let e = event::get(&state.db, &user.actor(), EventId(id)).await?;
    Ok(ApiJson(camp::sessions(&state.db, e.id).await?))
}

/// Add a session (期/班) within the event's dates.
#[utoipa::path(post, path = "/api/v1/events/{id}/sessions", tag = "events", params(("id" = i64, Path)), request_body = SessionInput,
    security(("bearer" = [])), responses((status = 200, body = Session), (status = 422, body = ErrorBody)))]
pub async fn add_session(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<SessionInput>,
) -> Result<ApiJson<Session>, ApiError> {
    Ok(ApiJson(
        camp::add_session(&state.db, &user.actor(), EventId(id), &input).await?,
    ))
}

/// Named participants; for youth camps each lists the other camps of the year where the
/// same person is registered (一人多营).
#[utoipa::path(get, path = "/api/v1/events/{id}/participants", tag = "events", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<Participant>), (status = 404, body = ErrorBody)))]
pub async fn participants(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<Participant>>, ApiError> {
    let e = event::get(&state.db, &user.actor(), EventId(id)).await?;
    Ok(ApiJson(
        camp::participants(&state.db, &user.actor(), e.id).await?,
    ))
}

/// Register a named participant; the event's participants by country follow.
#[utoipa::path(post, path = "/api/v1/events/{id}/participants", tag = "events", params(("id" = i64, Path)), request_body = ParticipantInput,
    security(("bearer" = [])), responses((status = 200, body = Participant), (status = 422, body = ErrorBody)))]
pub async fn register(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ParticipantInput>,
) -> Result<ApiJson<Participant>, ApiError> {
    Ok(ApiJson(
        camp::register(&state.db, &user.actor(), EventId(id), &input).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    pub year: i32,
}

/// Everyone registered in two or more youth camps of a year (一人多营).
#[utoipa::path(get, path = "/api/v1/camps/multi", tag = "events", params(YearQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<MultiCamp>)))]
pub async fn multi_camp(
    user: User,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Result<ApiJson<Vec<MultiCamp>>, ApiError> {
    Ok(ApiJson(
        camp::multi_camp(&state.db, &user.actor(), q.year).await?,
    ))
}
