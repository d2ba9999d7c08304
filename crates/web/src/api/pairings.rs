//! Pairings between organizations of the two sides.

use axum::extract::{Path, State};
use axum::response::Response;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::pairing::{self, Pairing, PairingFilter, PairingId, PairingInput};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

/// Pairings, with their status (active or dormant) and exchange counts.
#[utoipa::path(get, path = "/api/v1/pairings", tag = "network", params(PairingFilter, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((Page<Pairing> = "application/json"), (Workbook = XLSX))), (status = 422, body = ErrorBody)))]
pub async fn list_pairings(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<PairingFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| {
        pairing::list(&state.db, &actor, &filter, p)
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/pairings", tag = "network", request_body = PairingInput, security(("bearer" = [])),
    responses((status = 200, body = Pairing), (status = 422, body = ErrorBody)))]
pub async fn create_pairing(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<PairingInput>,
) -> Result<ApiJson<Pairing>, ApiError> {
    Ok(ApiJson(
        pairing::create(&state.db, &user.actor(), &input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/pairings/{id}", tag = "network", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Pairing), (status = 404, body = ErrorBody)))]
pub async fn get_pairing(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Pairing>, ApiError> {
    Ok(ApiJson(
        pairing::get(&state.db, &user.actor(), PairingId(id)).await?,
    ))
}
