//! The roll-up of outcomes.

use axum::extract::State;
use qiaolian_core::outcome::{self, CountryFigures, Rollup, Scope};
use qiaolian_core::page::Page;

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

/// Where the participants of a scope's held events came from, most first: the whole
/// list in one page, its `total` the number of countries and regions.
#[utoipa::path(get, path = "/api/v1/outcomes/countries", tag = "events", params(Scope), security(("bearer" = [])),
    responses((status = 200, body = Page<CountryFigures>), (status = 422, body = ErrorBody)))]
pub async fn countries(
    user: User,
    State(state): State<AppState>,
    ApiQuery(scope): ApiQuery<Scope>,
) -> Result<ApiJson<Page<CountryFigures>>, ApiError> {
    let items = outcome::countries(&state.db, &user.actor(), &scope).await?;
    Ok(ApiJson(Page::whole(items)))
}
