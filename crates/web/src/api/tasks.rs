//! Tasks, their steps, the progress ledger, comments and the inbox.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use qiaolian_core::Error;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::task::{
    self, Inbox, ReportInput, Step, Task, TaskDetail, TaskFilter, TaskId, TaskInput,
};
use serde::Deserialize;

use axum::response::{IntoResponse, Response};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

/// Tasks the caller may see, filtered (colour, status, lead subtree, agreement, area,
/// deadline range); with `format=xlsx`, all of them as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(TaskFilter, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((Page<Task> = "application/json"), (Workbook = XLSX))), (status = 422, body = ErrorBody)))]
pub async fn list_tasks(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<TaskFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| {
        task::list(&state.db, &actor, &filter, p)
    })
    .await
}

/// The progress ledger (打表推进): the tasks the caller may see with the list's filters,
/// grouped by agreement, plan, area and lead organization, each with its latest report,
/// its expected progress and whether a report is missing; and the tasks of all pages by
/// colour. With `as_of`, the ledger as it stood at the end of that day (at most
/// 20,000 tasks of the filter are worked out); with `since`, what changed from that day.
/// With `format=xlsx`, the whole ledger (every page) as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/ledger", tag = "tasks", params(TaskFilter, task::LedgerDays, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((task::Ledger = "application/json"), (Workbook = XLSX))), (status = 422, body = ErrorBody)))]
pub async fn ledger(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<TaskFilter>,
    ApiQuery(days): ApiQuery<task::LedgerDays>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    if x.xlsx {
        return export::ledger(&state, x, &actor, &filter, &days).await;
    }
    Ok(ApiJson(task::ledger(&state.db, &actor, &filter, &days, page).await?).into_response())
}

/// Draft a task with the four fixes.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = TaskInput, security(("bearer" = [])),
    responses((status = 200, body = Task), (status = 422, body = ErrorBody)))]
pub async fn create_task(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<TaskInput>,
) -> Result<ApiJson<Task>, ApiError> {
    Ok(ApiJson(
        task::create(&state.db, &user.actor(), &input).await?,
    ))
}

/// A task with its ledger, history, sub-tasks, colour reasons and allowed actions.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = TaskDetail), (status = 404, body = ErrorBody)))]
pub async fn get_task(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<TaskDetail>, ApiError> {
    Ok(ApiJson(
        task::detail(&state.db, &user.actor(), TaskId(id)).await?,
    ))
}

/// Replace a task's fields (send `version`).
#[utoipa::path(put, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = i64, Path)), request_body = TaskInput,
    security(("bearer" = [])), responses((status = 200, body = Task), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_task(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<TaskInput>,
) -> Result<ApiJson<Task>, ApiError> {
    Ok(ApiJson(
        task::update(&state.db, &user.actor(), TaskId(id), &input).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = TaskStepInput)]
pub struct StepInput {
    /// `assign`, `accept`, `report_done`, `close`, `refuse`, `cancel` or `hand_back`.
    pub step: String,
    /// Required to refuse, cancel or hand back.
    pub reason: Option<String>,
    pub version: Option<i64>,
}

/// Take a lifecycle step.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/steps", tag = "tasks", params(("id" = i64, Path)), request_body = StepInput,
    security(("bearer" = [])), responses((status = 200, body = Task), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn task_step(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<StepInput>,
) -> Result<ApiJson<Task>, ApiError> {
    let step = Step::parse(&input.step).map_err(|e| Error::Invalid([("step", e)].into()))?;
    Ok(ApiJson(
        task::step(
            &state.db,
            &user.actor(),
            TaskId(id),
            step,
            input.reason.as_deref(),
            input.version,
        )
        .await?,
    ))
}

/// Report progress (the lead organization only). JSON, or multipart with `file` evidence.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/reports", tag = "tasks", params(("id" = i64, Path)), request_body = ReportInput,
    security(("bearer" = [])), responses((status = 200, body = Task), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn task_report(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReportInput>,
) -> Result<ApiJson<Task>, ApiError> {
    Ok(ApiJson(
        task::report(&state.db, &user.actor(), TaskId(id), &input, &[]).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CommentInput {
    pub body: String,
}

/// Comment on a task (any involved organization).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/comments", tag = "tasks", params(("id" = i64, Path)), request_body = CommentInput,
    security(("bearer" = [])), responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn task_comment(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CommentInput>,
) -> Result<StatusCode, ApiError> {
    task::comment(&state.db, &user.actor(), TaskId(id), &input.body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What waits for the caller's organization.
#[utoipa::path(get, path = "/api/v1/inbox", tag = "tasks", security(("bearer" = [])), responses((status = 200, body = Inbox)))]
pub async fn inbox(user: User, State(state): State<AppState>) -> Result<ApiJson<Inbox>, ApiError> {
    Ok(ApiJson(task::inbox(&state.db, &user.actor()).await?))
}

/// A task's requests for a later deadline, newest first.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/extensions", tag = "tasks", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<task::Extension>), (status = 404, body = ErrorBody)))]
pub async fn extensions(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<task::Extension>>, ApiError> {
    Ok(ApiJson(
        task::extensions(&state.db, &user.actor(), TaskId(id)).await?,
    ))
}

/// Ask for a later deadline (the lead organization, 延期申请); the assigning side is told.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/extensions", tag = "tasks", params(("id" = i64, Path)), request_body = task::ExtensionInput,
    security(("bearer" = [])), responses((status = 200, body = task::Extension), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_extension(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<task::ExtensionInput>,
) -> Result<ApiJson<task::Extension>, ApiError> {
    Ok(ApiJson(
        task::request_extension(&state.db, &user.actor(), TaskId(id), &input).await?,
    ))
}

/// Approve (the deadline moves) or refuse the waiting request (the assigning side).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/extensions/decision", tag = "tasks", params(("id" = i64, Path)), request_body = task::ExtensionDecision,
    security(("bearer" = [])), responses((status = 200, body = Task), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_extension(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<task::ExtensionDecision>,
) -> Result<ApiJson<Task>, ApiError> {
    Ok(ApiJson(
        task::decide_extension(&state.db, &user.actor(), TaskId(id), &input).await?,
    ))
}
