//! Agreements, plans, tasks, the progress ledger and the inbox.

use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use qiaolian_core::access::Actor;
use qiaolian_core::agreement::{self, Agreement, AgreementFilter, AgreementId, AgreementInput};
use qiaolian_core::file::{AttachmentId, Upload};
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::plan::{self, Plan, PlanId, PlanInput};
use qiaolian_core::task::{
    self, Inbox, ReportInput, Step, Task, TaskDetail, TaskFilter, TaskId, TaskInput,
};
use qiaolian_core::{Db, Error};
use serde::Deserialize;

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// Agreements the caller may see.
#[utoipa::path(get, path = "/api/v1/agreements", tag = "agreements", params(AgreementFilter, PageRequest),
    security(("bearer" = [])), responses((status = 200, body = Page<Agreement>), (status = 401, body = ErrorBody)))]
pub async fn list_agreements(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<AgreementFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<ApiJson<Page<Agreement>>, ApiError> {
    Ok(ApiJson(
        agreement::list(&state.db, &user.actor(), &filter, page).await?,
    ))
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

/// Reads the uploaded files of a multipart body (field `file`) and its text fields.
pub async fn read_multipart(
    mut form: Multipart,
) -> Result<(Vec<Upload>, Vec<(String, String)>), Error> {
    let mut files = Vec::new();
    let mut fields = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|_| Error::field("file", "bad_upload"))?
    {
        let name = field.name().unwrap_or("").to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let mime = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let content = field
                    .bytes()
                    .await
                    .map_err(|_| Error::field("file", "file_too_large"))?
                    .to_vec();
                if !file_name.is_empty() || !content.is_empty() {
                    files.push(Upload {
                        file_name,
                        mime,
                        content,
                    });
                }
            }
            None => fields.push((
                name,
                field
                    .text()
                    .await
                    .map_err(|_| Error::field("file", "bad_upload"))?,
            )),
        }
    }
    Ok((files, fields))
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
    agreement::may_attach(&state.db, &user.actor(), AgreementId(id)).await?;
    let (files, _) = read_multipart(form).await?;
    if files.is_empty() {
        return Err(Error::field("file", "required").into());
    }
    let mut a = None;
    for f in &files {
        a = Some(agreement::attach(&state.db, &user.actor(), AgreementId(id), f).await?);
    }
    a.map(ApiJson).ok_or(Error::NotFound.into())
}

/// Download a stored file, if the caller may read what it belongs to.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "agreements", params(("id" = i64, Path)),
    security(("bearer" = [])), responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)))]
pub async fn download(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    Ok(file_response(&state.db, &user.actor(), AttachmentId(id)).await?)
}

/// A stored file as a download, if the reader may read what it belongs to.
pub async fn file_response(db: &Db, actor: &Actor, id: AttachmentId) -> Result<Response, Error> {
    let d = qiaolian_core::kinds::download(db, actor, id).await?;
    let name: String = form_urlencoded::byte_serialize(d.attachment.file_name.as_bytes()).collect();
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, d.attachment.mime.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{name}"),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        d.content,
    )
        .into_response())
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

#[utoipa::path(post, path = "/api/v1/plans", tag = "plans", request_body = PlanInput, security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 422, body = ErrorBody)))]
pub async fn create_plan(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<PlanInput>,
) -> Result<ApiJson<Plan>, ApiError> {
    Ok(ApiJson(
        plan::create(&state.db, &user.actor(), &input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "plans", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody)))]
pub async fn get_plan(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Plan>, ApiError> {
    Ok(ApiJson(
        plan::get(&state.db, &user.actor(), PlanId(id)).await?,
    ))
}

/// A plan's revisions, oldest first.
#[utoipa::path(get, path = "/api/v1/plans/{id}/history", tag = "plans", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<Plan>)))]
pub async fn plan_history(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<Plan>>, ApiError> {
    Ok(ApiJson(
        plan::history(&state.db, &user.actor(), PlanId(id)).await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RevisionInput {
    #[serde(flatten)]
    pub plan: PlanInput,
    /// Open tasks to close (cancel) instead of carrying them forward.
    #[serde(default)]
    pub close: Vec<TaskId>,
}

/// Revise a plan: a new revision takes over the open tasks (or closes those listed).
#[utoipa::path(post, path = "/api/v1/plans/{id}/revisions", tag = "plans", params(("id" = i64, Path)), request_body = RevisionInput,
    security(("bearer" = [])), responses((status = 200, body = Plan), (status = 422, body = ErrorBody)))]
pub async fn revise_plan(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<RevisionInput>,
) -> Result<ApiJson<Plan>, ApiError> {
    Ok(ApiJson(
        plan::revise(
            &state.db,
            &user.actor(),
            PlanId(id),
            &input.plan,
            &input.close,
        )
        .await?,
    ))
}

/// Tasks the caller may see, filtered (colour, status, lead subtree, agreement, area, deadline range).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(TaskFilter, PageRequest), security(("bearer" = [])),
    responses((status = 200, body = Page<Task>), (status = 422, body = ErrorBody)))]
pub async fn list_tasks(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<TaskFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<ApiJson<Page<Task>>, ApiError> {
    Ok(ApiJson(
        task::list(&state.db, &user.actor(), &filter, page).await?,
    ))
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
    /// `assign`, `accept`, `report_done`, `close`, `refuse` or `cancel`.
    pub step: String,
    /// Required to refuse or cancel.
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
