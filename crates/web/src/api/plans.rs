//! Plans and their revisions.

use axum::extract::{Path, State};
use qiaolian_core::plan::{self, Plan, PlanId, PlanInput};
use qiaolian_core::task::TaskId;
use serde::Deserialize;

use super::ApiJson;
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

#[utoipa::path(post, path = "/api/v1/plans", tag = "plans", request_body = PlanInput, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 422, body = ErrorBody)))]
pub async fn create_plan(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<PlanInput>,
) -> Result<ApiJson<Plan>, ApiError> {
    Ok(ApiJson(
        plan::create(&state.db, &user.actor(), &input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "plans", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody)))]
pub async fn get_plan(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Plan>, ApiError> {
    Ok(ApiJson(
        plan::get(&state.db, &user.actor(), PlanId(id)).await?,
    ))
}

/// A plan's revisions, oldest first.
#[utoipa::path(get, path = "/api/v1/plans/{id}/history", tag = "plans", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<Plan>)))]
pub async fn plan_history(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<Plan>>, ApiError> {
    Ok(ApiJson(
        plan::history(&state.db, &user.actor(), PlanId(id)).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevisionInput {
    #[serde(flatten)]
    pub plan: PlanInput,
    /// Open tasks to close (cancel) instead of carrying them forward.
    #[serde(default)]
    pub close: Vec<TaskId>,
}

/// Revise a plan: a new revision takes over the open tasks (or closes those listed).
#[utoipa::path(post, path = "/api/v1/plans/{id}/revisions", tag = "plans", params(("id" = i64, Path)), request_body = RevisionInput,
    security(("bearer" = [])), responses((status = 200, body = Plan), (status = 422, body = ErrorBody)))]
pub async fn revise_plan(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RevisionInput>,
) -> Result<ApiJson<Plan>, ApiError> {
    Ok(ApiJson(
        plan::revise(
            &state.db,
            &user.actor(),
            PlanId(id),
            &input.plan,
            &input.close,
        )
        .await?,
    ))
}
