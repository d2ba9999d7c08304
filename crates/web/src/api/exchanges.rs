//! Exchanges between organizations, and their counts by year and side.

use axum::extract::State;
use axum::response::Response;
use qiaolian_core::exchange::{self, Exchange, ExchangeFilter, ExchangeInput};
use qiaolian_core::page::{Page, PageRequest};
use serde::Serialize;

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

/// The exchange log, filtered.
#[utoipa::path(get, path = "/api/v1/exchanges", tag = "network", params(ExchangeFilter, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((Page<Exchange> = "application/json"), (Workbook = XLSX))), (status = 422, body = ErrorBody)))]
pub async fn list_exchanges(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<ExchangeFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| {
        exchange::list(&state.db, &actor, &filter, p)
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/exchanges", tag = "network", request_body = ExchangeInput, security(("bearer" = [])),
    responses((status = 200, body = Exchange), (status = 422, body = ErrorBody)))]
pub async fn create_exchange(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<ExchangeInput>,
) -> Result<ApiJson<Exchange>, ApiError> {
    Ok(ApiJson(
        exchange::create(&state.db, &user.actor(), &input).await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExchangeStats {
    /// Oldest year first.
    pub per_year: Vec<YearCount>,
    pub per_side: Vec<SideCount>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct YearCount {
    pub year: String,
    pub exchanges: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SideCount {
    /// The side's code, e.g. `cq`.
    pub side: String,
    pub name: String,
    pub exchanges: i64,
}

/// Exchange counts per year and per side for the same filters.
#[utoipa::path(get, path = "/api/v1/exchanges/stats", tag = "network", params(ExchangeFilter), security(("bearer" = [])),
    responses((status = 200, body = ExchangeStats)))]
pub async fn exchange_stats(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<ExchangeFilter>,
) -> Result<ApiJson<ExchangeStats>, ApiError> {
    let per_year = exchange::per_year(&state.db, &user.actor(), &filter).await?;
    let per_side = exchange::per_side(&state.db, &user.actor(), &filter).await?;
    Ok(ApiJson(ExchangeStats {
        per_year: per_year
            .into_iter()
            .map(|(year, exchanges)| YearCount { year, exchanges })
            .collect(),
        per_side: per_side
            .into_iter()
            .map(|(side, name, exchanges)| SideCount {
                side,
                name,
                exchanges,
            })
            .collect(),
    }))
}
