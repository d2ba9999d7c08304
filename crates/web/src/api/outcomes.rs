//! What events yield besides projects: editing events, sessions and named participants
//! of programmes and camps, talents, articles, and the roll-ups over them.

use axum::extract::{Path, State};
use qiaolian_core::article::{self, Article, ArticleFilter, ArticleInput};
use qiaolian_core::camp::{self, MultiCamp, Participant, ParticipantInput, Session, SessionInput};
use qiaolian_core::event::{self, Event, EventId, EventInput};
use qiaolian_core::outcome::{self, Rollup, Scope};
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::talent::{self, Talent, TalentFilter, TalentInput};
use serde::Deserialize;

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

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

#[utoipa::path(get, path = "/api/v1/talents", tag = "events", params(TalentFilter, PageRequest), security(("bearer" = [])),
    responses((status = 200, body = Page<Talent>), (status = 422, body = ErrorBody)))]
pub async fn list_talents(
    user: User,
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<TalentFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<ApiJson<Page<Talent>>, ApiError> {
    Ok(ApiJson(
        talent::list(&state.db, &user.actor(), &f, page).await?,
    ))
}

/// Record a talent brought in.
#[utoipa::path(post, path = "/api/v1/talents", tag = "events", request_body = TalentInput, security(("bearer" = [])),
    responses((status = 200, body = Talent), (status = 422, body = ErrorBody)))]
pub async fn create_talent(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<TalentInput>,
) -> Result<ApiJson<Talent>, ApiError> {
    Ok(ApiJson(
        talent::create(&state.db, &user.actor(), &input).await?,
    ))
}

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

/// Outcomes of a scope — year, event series, organization subtree, side — in total and
/// year by year, each counted from the records the matching lists show.
#[utoipa::path(get, path = "/api/v1/outcomes", tag = "events", params(Scope), security(("bearer" = [])),
    responses((status = 200, body = Rollup), (status = 422, body = ErrorBody)))]
pub async fn rollup(
    user: User,
    State(state): State<AppState>,
    ApiQuery(scope): ApiQuery<Scope>,
) -> Result<ApiJson<Rollup>, ApiError> {
    Ok(ApiJson(
        outcome::rollup(&state.db, &user.actor(), &scope).await?,
    ))
}
