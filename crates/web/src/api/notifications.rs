//! The signed-in user's messages: their inbox, the unread count, marking them read.

use axum::extract::State;
use qiaolian_core::notification::{self, Notification, NotificationFilter};
use qiaolian_core::page::{Page, PageRequest};
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// The caller's messages, newest first (`unread=true`: only those not read yet).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    params(NotificationFilter, PageRequest), security(("bearer" = [])),
    responses((status = 200, body = Page<Notification>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<NotificationFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
) -> Result<ApiJson<Page<Notification>>, ApiError> {
    Ok(ApiJson(
        notification::list(&state.db, &user.actor(), &filter, page).await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Unread {
    pub unread: i64,
}

/// How many of the caller's messages are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread", tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = Unread), (status = 401, body = ErrorBody)))]
pub async fn unread(
    user: User,
    State(state): State<AppState>,
) -> Result<ApiJson<Unread>, ApiError> {
    Ok(ApiJson(Unread {
        unread: notification::unread(&state.db, &user.actor()).await?,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// These messages (1–500); without it, all of the caller's.
    pub ids: Option<Vec<i64>>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Marked {
    /// How many turned read.
    pub marked: u64,
}

/// Mark the caller's messages read: those named, or all.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications",
    request_body = MarkRead, security(("bearer" = [])),
    responses((status = 200, body = Marked), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn mark_read(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<MarkRead>,
) -> Result<ApiJson<Marked>, ApiError> {
    let marked = notification::mark_read(&state.db, &user.actor(), input.ids.as_deref()).await?;
    Ok(ApiJson(Marked { marked }))
}
