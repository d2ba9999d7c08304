//! The roll-up of outcomes.

use axum::extract::State;
use qiaolian_core::outcome::{self, Rollup, Scope};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

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
