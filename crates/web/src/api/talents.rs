//! Talents brought in.

use axum::extract::State;
use axum::response::Response;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::talent::{self, Talent, TalentFilter, TalentInput};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

#[utoipa::path(get, path = "/api/v1/talents", tag = "events", params(TalentFilter, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((Page<Talent> = "application/json"), (Workbook = XLSX))), (status = 422, body = ErrorBody)))]
pub async fn list_talents(
    user: User,
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<TalentFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| talent::list(&state.db, &actor, &f, p)).await
}

/// Record a talent brought in.
#[utoipa::path(post, path = "/api/v1/talents", tag = "events", request_body = TalentInput, security(("bearer" = [])),
    responses((status = 200, body = Talent), (status = 422, body = ErrorBody)))]
pub async fn create_talent(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<TalentInput>,
) -> Result<ApiJson<Talent>, ApiError> {
    Ok(ApiJson(
        talent::create(&state.db, &user.actor(), &input).await?,
    ))
}
