//! Events with their outcomes; the projects signed at them are in `projects.rs`.

use axum::extract::{Path, State};
use axum::response::Response;
use qiaolian_core::event::{self, EndorsementInput, Event, EventFilter, EventId, EventInput};
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::project::{self, Project, Totals};
use serde::Serialize;

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventFilter, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((Page<Event> = "application/json"), (Workbook = XLSX))), (status = 422, body = ErrorBody)))]
pub async fn list(
    user: User,
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<EventFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| event::list(&state.db, &actor, &f, p)).await
}

/// Record an event with its hosts and participants by country.
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = EventInput, security(("bearer" = [])),
    responses((status = 200, body = Event), (status = 422, body = ErrorBody)))]
pub async fn create(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<EventInput>,
) -> Result<ApiJson<Event>, ApiError> {
    Ok(ApiJson(
        event::create(&state.db, &user.actor(), &input).await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventDetail {
    pub event: Event,
    pub projects: Vec<Project>,
    /// Projects and amounts signed and landed at this event.
    pub totals: Totals,
}

/// An event with its projects and their totals.
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = EventDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<EventDetail>, ApiError> {
    let event = event::get(&state.db, &user.actor(), EventId(id)).await?;
    let projects = project::of_event(&state.db, &user.actor(), event.id).await?;
    let totals = project::totals(&projects);
    Ok(ApiJson(EventDetail {
        event,
        projects,
        totals,
    }))
}

/// Record an endorsement (批示) of an event.
#[utoipa::path(post, path = "/api/v1/events/{id}/endorsements", tag = "events", params(("id" = i64, Path)), request_body = EndorsementInput,
    security(("bearer" = [])), responses((status = 200, body = Event), (status = 422, body = ErrorBody)))]
pub async fn endorse(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<EndorsementInput>,
) -> Result<ApiJson<Event>, ApiError> {
    Ok(ApiJson(
        event::endorse(&state.db, &user.actor(), EventId(id), &input).await?,
    ))
}

/// Edit an event; send the `version` read. Participants by country are ignored while
/// the event has named participants.
#[utoipa::path(put, path = "/api/v1/events/{id}", tag = "events", params(("id" = i64, Path)), request_body = EventInput,
    security(("bearer" = [])), responses((status = 200, body = Event), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_event(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<EventInput>,
) -> Result<ApiJson<Event>, ApiError> {
    Ok(ApiJson(
        event::update(&state.db, &user.actor(), EventId(id), &input).await?,
    ))
}
