//! Signed projects: the list with its filters, the pipeline by status, landing rates,
//! and each project followed from signing to operation.

use axum::extract::{Path, State};
use axum::response::Response;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::project::{
    self, LandingBy, LandingRow, Project, ProjectFilter, ProjectId, ProjectInput, StatusFigure,
    StepInput, Totals,
};
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

/// Projects that match the filters, newest signing first.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ProjectFilter, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((Page<Project> = "application/json"), (Workbook = XLSX))), (status = 422, body = ErrorBody)))]
pub async fn list(
    user: User,
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<ProjectFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| project::list(&state.db, &actor, &f, p)).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Pipeline {
    /// Every status, in the order of a project's life, with its count and amount.
    pub statuses: Vec<StatusFigure>,
    /// Signed (all but cancelled) and landed (started or in operation).
    pub totals: Totals,
}

/// Projects that match the filters, counted and summed by status.
#[utoipa::path(get, path = "/api/v1/projects/pipeline", tag = "projects", params(ProjectFilter), security(("bearer" = [])),
    responses((status = 200, body = Pipeline), (status = 422, body = ErrorBody)))]
pub async fn pipeline(
    user: User,
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<ProjectFilter>,
) -> Result<ApiJson<Pipeline>, ApiError> {
    let statuses = project::pipeline(&state.db, &user.actor(), &f).await?;
    let totals = project::totals_of(&statuses);
    Ok(ApiJson(Pipeline { statuses, totals }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct LandingQuery {
    /// `year` (default), `quarter`, `side`, `region` (prefecture) or `series`.
    pub by: Option<String>,
}

/// Signed and landed projects and the landing rates, broken down by one dimension.
#[utoipa::path(get, path = "/api/v1/projects/landing", tag = "projects", params(LandingQuery, ProjectFilter), security(("bearer" = [])),
    responses((status = 200, body = Vec<LandingRow>), (status = 422, body = ErrorBody)))]
pub async fn landing(
    user: User,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<LandingQuery>,
    ApiQuery(f): ApiQuery<ProjectFilter>,
) -> Result<ApiJson<Vec<LandingRow>>, ApiError> {
    let by = LandingBy::from_query(q.by.as_deref())?;
    Ok(ApiJson(
        project::landing(&state.db, &user.actor(), &f, by).await?,
    ))
}

/// Record a signed project (amount in yuan as typed).
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectInput, security(("bearer" = [])),
    responses((status = 200, body = Project), (status = 422, body = ErrorBody)))]
pub async fn create(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<ProjectInput>,
) -> Result<ApiJson<Project>, ApiError> {
    Ok(ApiJson(
        project::create(&state.db, &user.actor(), &input).await?,
    ))
}

/// A project with its dated steps.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Project), (status = 404, body = ErrorBody)))]
pub async fn get(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Project>, ApiError> {
    Ok(ApiJson(
        project::get(&state.db, &user.actor(), ProjectId(id)).await?,
    ))
}

/// Move a project to another status, dated (a step back needs a note).
#[utoipa::path(post, path = "/api/v1/projects/{id}/steps", tag = "projects", params(("id" = i64, Path)), request_body = StepInput,
    security(("bearer" = [])), responses((status = 200, body = Project), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn step(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<StepInput>,
) -> Result<ApiJson<Project>, ApiError> {
    Ok(ApiJson(
        project::advance(&state.db, &user.actor(), ProjectId(id), &input).await?,
    ))
}
