//! The audit trail, for administrators: its entries and whether the chain holds.

use axum::extract::State;
use qiaolian_core::audit::{self, AuditFilter, ChainState, Entry};
use qiaolian_core::page::{Page, PageRequest};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// Entries of the audit trail, newest first: sign-ins, account, role and token changes,
/// organizations' side and parent, and every disclosure or change of a person.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditFilter, PageRequest),
    security(("bearer" = [])),
    responses((status = 200, body = Page<Entry>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<AuditFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<ApiJson<Page<Entry>>, ApiError> {
    Ok(ApiJson(
        audit::list(&state.db, &user.actor(), &filter, page).await?,
    ))
}

/// Walks the whole chain: how many entries, and the first one altered or missing.
#[utoipa::path(get, path = "/api/v1/audit/chain", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = ChainState), (status = 403, body = ErrorBody)))]
pub async fn chain(
    user: User,
    State(state): State<AppState>,
) -> Result<ApiJson<ChainState>, ApiError> {
    Ok(ApiJson(audit::chain(&state.db, &user.actor()).await?))
}
