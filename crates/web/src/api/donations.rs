//! The donation ledger: donations with their history and allocations, and the
//! figures of each campaign.

use axum::extract::{Path, State};
use axum::response::Response;
use qiaolian_core::donation::{
    self, AllocationInput, CampaignTotals, Donation, DonationFilter, DonationId, DonationInput,
    StepInput,
};
use qiaolian_core::page::{Page, PageRequest};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

/// Donations the caller may read, newest gift first.
#[utoipa::path(get, path = "/api/v1/donations", tag = "donations", params(DonationFilter, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((Page<Donation> = "application/json"), (Workbook = XLSX))), (status = 422, body = ErrorBody)))]
pub async fn list(
    user: User,
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<DonationFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| {
        donation::list(&state.db, &actor, &f, p)
    })
    .await
}

/// Record a donation of money or goods (amount in yuan as typed).
#[utoipa::path(post, path = "/api/v1/donations", tag = "donations", request_body = DonationInput, security(("bearer" = [])),
    responses((status = 200, body = Donation), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<DonationInput>,
) -> Result<ApiJson<Donation>, ApiError> {
    Ok(ApiJson(
        donation::create(&state.db, &user.actor(), &input).await?,
    ))
}

/// A donation with its status history and allocations.
#[utoipa::path(get, path = "/api/v1/donations/{id}", tag = "donations", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Donation), (status = 404, body = ErrorBody)))]
pub async fn get(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Donation>, ApiError> {
    Ok(ApiJson(
        donation::get(&state.db, &user.actor(), DonationId(id)).await?,
    ))
}

/// Move a donation to another status, dated (a step back needs a note).
#[utoipa::path(post, path = "/api/v1/donations/{id}/steps", tag = "donations", params(("id" = i64, Path)), request_body = StepInput,
    security(("bearer" = [])), responses((status = 200, body = Donation), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn step(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<StepInput>,
) -> Result<ApiJson<Donation>, ApiError> {
    Ok(ApiJson(
        donation::advance(&state.db, &user.actor(), DonationId(id), &input).await?,
    ))
}

/// Allocate part of a received donation to a use; never more than is left.
#[utoipa::path(post, path = "/api/v1/donations/{id}/allocations", tag = "donations", params(("id" = i64, Path)), request_body = AllocationInput,
    security(("bearer" = [])), responses((status = 200, body = Donation), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn allocate(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AllocationInput>,
) -> Result<ApiJson<Donation>, ApiError> {
    Ok(ApiJson(
        donation::allocate(&state.db, &user.actor(), DonationId(id), &input).await?,
    ))
}

/// Every campaign with the figures of the donations the caller may read.
#[utoipa::path(get, path = "/api/v1/donation-campaigns", tag = "donations", security(("bearer" = [])),
    responses((status = 200, body = Vec<CampaignTotals>)))]
pub async fn campaigns(
    user: User,
    State(state): State<AppState>,
) -> Result<ApiJson<Vec<CampaignTotals>>, ApiError> {
    Ok(ApiJson(
        donation::campaign_totals(&state.db, &user.actor()).await?,
    ))
}

/// The count and sums of exactly the donations the list shows for these filters.
#[utoipa::path(get, path = "/api/v1/donations/totals", tag = "donations", params(DonationFilter), security(("bearer" = [])),
    responses((status = 200, body = donation::Totals), (status = 422, body = ErrorBody)))]
pub async fn totals(
    user: User,
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<DonationFilter>,
) -> Result<ApiJson<donation::Totals>, ApiError> {
    Ok(ApiJson(
        donation::totals(&state.db, &user.actor(), &f).await?,
    ))
}
