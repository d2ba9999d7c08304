//! Supervision orders (督办单): opened on a task or a resolution, answered by the
//! responsible organization, accepted or returned by the issuer; urgings (催办) and their
//! replies.

use axum::extract::{Path, State};
use qiaolian_core::order::{
    self, AnswerInput, DecisionInput, Order, OrderFilter, OrderId, OrderInput, RecordKind,
};
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::urging::{self, Urging, UrgingInput};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// Orders the caller may read: those awaiting an answer first, by their day.
#[utoipa::path(get, path = "/api/v1/orders", tag = "supervision", params(OrderFilter, PageRequest), security(("bearer" = [])),
    responses((status = 200, body = Page<Order>), (status = 422, body = ErrorBody)))]
pub async fn list(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<OrderFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<ApiJson<Page<Order>>, ApiError> {
    Ok(ApiJson(
        order::list(&state.db, &user.actor(), &filter, page).await?,
    ))
}

/// Open an order in the caller's organization's name; the responsible organization
/// is told at once.
#[utoipa::path(post, path = "/api/v1/orders", tag = "supervision", request_body = OrderInput, security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<OrderInput>,
) -> Result<ApiJson<Order>, ApiError> {
    Ok(ApiJson(
        order::open(&state.db, &user.actor(), &input).await?,
    ))
}

/// One order with its steps.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "supervision", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 404, body = ErrorBody)))]
pub async fn get(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Order>, ApiError> {
    Ok(ApiJson(
        order::get(&state.db, &user.actor(), OrderId(id)).await?,
    ))
}

/// Answer an open order (the responsible organization); a progress is reported to the
/// task's ledger too.
#[utoipa::path(post, path = "/api/v1/orders/{id}/answer", tag = "supervision", params(("id" = i64, Path)), request_body = AnswerInput,
    security(("bearer" = [])), responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AnswerInput>,
) -> Result<ApiJson<Order>, ApiError> {
    Ok(ApiJson(
        order::answer(&state.db, &user.actor(), OrderId(id), &input, &[]).await?,
    ))
}

/// Accept an answer and close the order (the issuer's side).
#[utoipa::path(post, path = "/api/v1/orders/{id}/accept", tag = "supervision", params(("id" = i64, Path)), request_body = DecisionInput,
    security(("bearer" = [])), responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn accept(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<ApiJson<Order>, ApiError> {
    Ok(ApiJson(
        order::accept(&state.db, &user.actor(), OrderId(id), &input).await?,
    ))
}

/// Return an answer with a reason and a new day (the issuer's side).
#[utoipa::path(post, path = "/api/v1/orders/{id}/return", tag = "supervision", params(("id" = i64, Path)), request_body = DecisionInput,
    security(("bearer" = [])), responses((status = 200, body = Order), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn send_back(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<ApiJson<Order>, ApiError> {
    Ok(ApiJson(
        order::send_back(&state.db, &user.actor(), OrderId(id), &input).await?,
    ))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UrgingQuery {
    /// `task` or `resolution`.
    record_kind: String,
    record_id: i64,
}

/// The urgings of one record, newest first.
#[utoipa::path(get, path = "/api/v1/urgings", tag = "supervision", params(UrgingQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Urging>), (status = 422, body = ErrorBody)))]
pub async fn urgings(
    user: User,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<UrgingQuery>,
) -> Result<ApiJson<Vec<Urging>>, ApiError> {
    let kind = RecordKind::parse(&q.record_kind)
        .map_err(|e| qiaolian_core::Error::Invalid([("record_kind", e)].into()))?;
    Ok(ApiJson(
        urging::of_record(&state.db, &user.actor(), kind, q.record_id).await?,
    ))
}

/// Urge the organization responsible for an open item (催办); it is told at once.
#[utoipa::path(post, path = "/api/v1/urgings", tag = "supervision", request_body = UrgingInput, security(("bearer" = [])),
    responses((status = 200, body = Urging), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn urge(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<UrgingInput>,
) -> Result<ApiJson<Urging>, ApiError> {
    Ok(ApiJson(
        urging::urge(&state.db, &user.actor(), &input).await?,
    ))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct ReplyInput {
    pub reply: String,
}

/// Reply to an urging (the urged organization).
#[utoipa::path(post, path = "/api/v1/urgings/{id}/reply", tag = "supervision", params(("id" = i64, Path)), request_body = ReplyInput,
    security(("bearer" = [])), responses((status = 200, body = Urging), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reply(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReplyInput>,
) -> Result<ApiJson<Urging>, ApiError> {
    Ok(ApiJson(
        urging::reply(&state.db, &user.actor(), id, &input.reply).await?,
    ))
}
