//! Agreements: the list, one agreement, its scans and its plans.

use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use qiaolian_core::Error;
use qiaolian_core::agreement::{self, Agreement, AgreementFilter, AgreementId, AgreementInput};
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::plan::{self, Plan};
use serde::de::IgnoredAny;

use super::{ApiJson, ApiQuery, read_multipart, unless_refused};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

/// Agreements the caller may see.
#[utoipa::path(get, path = "/api/v1/agreements", tag = "agreements", params(AgreementFilter, PageRequest, ExportQuery),
    security(("bearer" = [])), responses((status = 200, content((Page<Agreement> = "application/json"), (Workbook = XLSX))), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_agreements(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<AgreementFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| {
        agreement::list(&state.db, &actor, &filter, p)
    })
    .await
}

/// Record an agreement with its parties and areas.
#[utoipa::path(post, path = "/api/v1/agreements", tag = "agreements", request_body = AgreementInput,
    security(("bearer" = [])), responses((status = 200, body = Agreement), (status = 422, body = ErrorBody)))]
pub async fn create_agreement(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<AgreementInput>,
) -> Result<ApiJson<Agreement>, ApiError> {
    Ok(ApiJson(
        agreement::create(&state.db, &user.actor(), &input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "agreements", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = Agreement), (status = 404, body = ErrorBody)))]
pub async fn get_agreement(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Agreement>, ApiError> {
    Ok(ApiJson(
        agreement::get(&state.db, &user.actor(), AgreementId(id)).await?,
    ))
}

/// Replace an agreement's fields, parties and areas (send `version`; areas keep their `id`).
#[utoipa::path(put, path = "/api/v1/agreements/{id}", tag = "agreements", params(("id" = i64, Path)), request_body = AgreementInput,
    security(("bearer" = [])), responses((status = 200, body = Agreement), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_agreement(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AgreementInput>,
) -> Result<ApiJson<Agreement>, ApiError> {
    Ok(ApiJson(
        agreement::update(&state.db, &user.actor(), AgreementId(id), &input).await?,
    ))
}

/// Attach files (multipart, field `file`) to an agreement.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/files", tag = "agreements", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = Agreement), (status = 422, body = ErrorBody)))]
pub async fn attach_to_agreement(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<ApiJson<Agreement>, ApiError> {
    let may = agreement::may_attach(&state.db, &user.actor(), AgreementId(id)).await;
    let (files, IgnoredAny) = read_multipart(unless_refused(form, may).await?).await?;
    if files.is_empty() {
        return Err(Error::field("file", "required").into());
    }
    let mut a = None;
    for f in &files {
        a = Some(agreement::attach(&state.db, &user.actor(), AgreementId(id), f).await?);
    }
    a.map(ApiJson).ok_or(Error::NotFound.into())
}

/// Plans of an agreement, every revision.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/plans", tag = "plans", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, body = Vec<Plan>)))]
pub async fn agreement_plans(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<Plan>>, ApiError> {
    Ok(ApiJson(
        plan::of_agreement(&state.db, &user.actor(), AgreementId(id)).await?,
    ))
}
