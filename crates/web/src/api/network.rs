//! Pairings, mechanisms, joint meetings with resolutions, and exchanges.

use axum::extract::{Path, State};
use qiaolian_core::exchange::{self, Exchange, ExchangeFilter, ExchangeInput};
use qiaolian_core::mechanism::{self, ConvenorInput, Mechanism, MembersInput};
use qiaolian_core::meeting::{self, Meeting, MeetingId, MeetingInput};
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::pairing::{self, Pairing, PairingFilter, PairingId, PairingInput};
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// Pairings, with their status (active or dormant) and exchange counts.
#[utoipa::path(get, path = "/api/v1/pairings", tag = "network", params(PairingFilter, PageRequest), security(("bearer" = [])),
    responses((status = 200, body = Page<Pairing>), (status = 422, body = ErrorBody)))]
pub async fn list_pairings(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<PairingFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<ApiJson<Page<Pairing>>, ApiError> {
    Ok(ApiJson(
        pairing::list(&state.db, &user.actor(), &filter, page).await?,
    ))
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

/// Mechanisms with members and convenor history.
#[utoipa::path(get, path = "/api/v1/mechanisms", tag = "network", security(("bearer" = [])), responses((status = 200, body = Vec<Mechanism>)))]
pub async fn list_mechanisms(
    user: User,
    State(state): State<AppState>,
) -> Result<ApiJson<Vec<Mechanism>>, ApiError> {
    Ok(ApiJson(mechanism::list(&state.db, &user.actor()).await?))
}

#[utoipa::path(get, path = "/api/v1/mechanisms/{id}", tag = "network", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Mechanism), (status = 404, body = ErrorBody)))]
pub async fn get_mechanism(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Mechanism>, ApiError> {
    Ok(ApiJson(
        mechanism::get(&state.db, &user.actor(), OrgId(id)).await?,
    ))
}

/// Replace a mechanism's members.
#[utoipa::path(put, path = "/api/v1/mechanisms/{id}/members", tag = "network", params(("id" = i64, Path)), request_body = MembersInput,
    security(("bearer" = [])), responses((status = 200, body = Mechanism), (status = 422, body = ErrorBody)))]
pub async fn set_members(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MembersInput>,
) -> Result<ApiJson<Mechanism>, ApiError> {
    Ok(ApiJson(
        mechanism::set_members(&state.db, &user.actor(), OrgId(id), &input).await?,
    ))
}

/// Rotate the convenor to a member from a date.
#[utoipa::path(post, path = "/api/v1/mechanisms/{id}/convenors", tag = "network", params(("id" = i64, Path)), request_body = ConvenorInput,
    security(("bearer" = [])), responses((status = 200, body = Mechanism), (status = 422, body = ErrorBody)))]
pub async fn rotate_convenor(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ConvenorInput>,
) -> Result<ApiJson<Mechanism>, ApiError> {
    Ok(ApiJson(
        mechanism::rotate_convenor(&state.db, &user.actor(), OrgId(id), &input).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MeetingQuery {
    /// Only the meetings of this mechanism.
    mechanism: Option<i64>,
}

/// Joint meetings, newest first, with resolutions and how many are done.
#[utoipa::path(get, path = "/api/v1/meetings", tag = "network", params(MeetingQuery), security(("bearer" = [])), responses((status = 200, body = Vec<Meeting>)))]
pub async fn list_meetings(
    user: User,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<MeetingQuery>,
) -> Result<ApiJson<Vec<Meeting>>, ApiError> {
    Ok(ApiJson(
        meeting::list(&state.db, &user.actor(), q.mechanism.map(OrgId)).await?,
    ))
}

/// Record a joint meeting with its resolutions.
#[utoipa::path(post, path = "/api/v1/meetings", tag = "network", request_body = MeetingInput, security(("bearer" = [])),
    responses((status = 200, body = Meeting), (status = 422, body = ErrorBody)))]
pub async fn create_meeting(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<MeetingInput>,
) -> Result<ApiJson<Meeting>, ApiError> {
    Ok(ApiJson(
        meeting::create(&state.db, &user.actor(), &input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "network", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Meeting), (status = 404, body = ErrorBody)))]
pub async fn get_meeting(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Meeting>, ApiError> {
    Ok(ApiJson(
        meeting::get(&state.db, &user.actor(), MeetingId(id)).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResolutionInput {
    pub text: String,
}

/// Add the next numbered resolution to a meeting.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/resolutions", tag = "network", params(("id" = i64, Path)), request_body = ResolutionInput,
    security(("bearer" = [])), responses((status = 200, body = Meeting), (status = 422, body = ErrorBody)))]
pub async fn add_resolution(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ResolutionInput>,
) -> Result<ApiJson<Meeting>, ApiError> {
    Ok(ApiJson(
        meeting::add_resolution(&state.db, &user.actor(), MeetingId(id), &input.text).await?,
    ))
}

/// The exchange log, filtered.
#[utoipa::path(get, path = "/api/v1/exchanges", tag = "network", params(ExchangeFilter, PageRequest), security(("bearer" = [])),
    responses((status = 200, body = Page<Exchange>), (status = 422, body = ErrorBody)))]
pub async fn list_exchanges(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<ExchangeFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<ApiJson<Page<Exchange>>, ApiError> {
    Ok(ApiJson(
        exchange::list(&state.db, &user.actor(), &filter, page).await?,
    ))
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
