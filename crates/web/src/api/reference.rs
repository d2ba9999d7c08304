//! Reference data: sides, regions, countries.

use axum::extract::{Query, State};
use qiaolian_core::reference::{self, Country, Region};
use qiaolian_core::side::{self, Side};
use serde::Deserialize;

use super::ApiJson;
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// The sides of the cooperation programme.
#[utoipa::path(get, path = "/api/v1/sides", tag = "reference", security(("bearer" = [])),
    responses((status = 200, body = Vec<Side>), (status = 401, body = ErrorBody)))]
pub async fn sides(_: User, State(state): State<AppState>) -> Result<ApiJson<Vec<Side>>, ApiError> {
    Ok(ApiJson(side::list(&state.db).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    /// Parent region code; omit for the provinces.
    parent: Option<String>,
    /// Text in a region's name or code instead of browsing by parent.
    q: Option<String>,
}

/// GB/T 2260 regions: the children of `parent`, or the provinces.
#[utoipa::path(get, path = "/api/v1/regions", tag = "reference", params(RegionQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Region>), (status = 401, body = ErrorBody)))]
pub async fn regions(
    _: User,
    State(state): State<AppState>,
    Query(q): Query<RegionQuery>,
) -> Result<ApiJson<Vec<Region>>, ApiError> {
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let text: String = text.chars().take(50).collect();
        return Ok(ApiJson(
            reference::search_regions(&state.db, &text, 50).await?,
        ));
    }
    let parent = q.parent.as_deref().map(str::trim).filter(|p| !p.is_empty());
    Ok(ApiJson(reference::regions(&state.db, parent).await?))
}

/// ISO 3166-1 countries and regions with Chinese and English names.
#[utoipa::path(get, path = "/api/v1/countries", tag = "reference", security(("bearer" = [])),
    responses((status = 200, body = Vec<Country>), (status = 401, body = ErrorBody)))]
pub async fn countries(
    _: User,
    State(state): State<AppState>,
) -> Result<ApiJson<Vec<Country>>, ApiError> {
    Ok(ApiJson(reference::countries(&state.db).await?))
}
