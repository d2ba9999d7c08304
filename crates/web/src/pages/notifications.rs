//! The signed-in person's messages: newest first, each opening its record, unread ones
//! marked, read one by one as they are opened or all at once.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use qiaolian_core::notification::{self, Notification, NotificationFilter};
use qiaolian_core::page::{Page, PageRequest};
use serde::Deserialize;

use super::{PageResult, render};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;
use crate::i18n;

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct NotificationsPage {
    ctx: Ctx,
    page: Page<Notification>,
    unread_only: bool,
    pager_href: String,
}

impl NotificationsPage {
    /// The message in the reader's language, from the facts it was sent with.
    fn text(&self, n: &Notification) -> String {
        let fact = |k: &str| {
            n.params
                .get(k)
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .unwrap_or_default()
        };
        let title = n
            .record_title
            .clone()
            .unwrap_or_else(|| format!("#{}", n.record_id));
        let mut key = format!("notification.{}", n.kind);
        let mut days = fact("days");
        // A deadline's days are counted on the day the message is read, not sent.
        if let Ok(deadline) = fact("deadline").parse::<chrono::NaiveDate>() {
            let left = (deadline - qiaolian_core::settings::today()).num_days();
            days = left.abs().to_string();
            key.push_str(match left {
                1.. => "",
                0 => "_today",
                _ => "_past",
            });
        }
        if !i18n::has(&key) {
            return title;
        }
        // An order's level in words; other messages have none (and no key to look up).
        let level = format!("order.level.{}", fact("level"));
        let level = if i18n::has(&level) {
            i18n::t(self.ctx.info.locale, &level).to_owned()
        } else {
            String::new()
        };
        i18n::tv(
            self.ctx.info.locale,
            &key,
            &[
                ("title", title),
                ("deadline", fact("deadline")),
                ("days", days),
                ("org", fact("org")),
                ("number", fact("number")),
                ("due", fact("due")),
                ("reason", fact("reason")),
                ("from", fact("from")),
                ("to", fact("to")),
                ("level", level),
            ],
        )
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct NotificationsQuery {
    /// `1`: only unread messages.
    unread: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    q: Result<Query<NotificationsQuery>, QueryRejection>,
) -> PageResult {
    let Ok(Query(q)) = q else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let unread_only = q.unread == "1";
    let filter = NotificationFilter {
        unread: Some(unread_only),
    };
    let paging = PageRequest::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let page = notification::list(&state.db, &user.actor(), &filter, paging).await?;
    let pager_href = format!(
        "/notifications?unread={}&",
        if unread_only { "1" } else { "" }
    );
    Ok(render(&NotificationsPage {
        ctx,
        page,
        unread_only,
        pager_href,
    }))
}

/// Marks a message read and opens its record: a form's POST (pages that only read
/// never write; the middleware checks its CSRF token), sent by the message's
/// link-styled button.
pub async fn open(user: User, State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let Some((kind, record)) = notification::open(&state.db, &user.actor(), id).await? else {
        return Ok(error_page(StatusCode::NOT_FOUND, "error.404"));
    };
    let to = match kind.as_str() {
        "task" => format!("/tasks/{record}"),
        "order" => format!("/orders/{record}"),
        _ => "/notifications".to_owned(),
    };
    Ok(Redirect::to(&to).into_response())
}

/// Marks every message of the reader read.
pub async fn read_all(user: User, State(state): State<AppState>) -> PageResult {
    notification::mark_read(&state.db, &user.actor(), None).await?;
    Ok(Redirect::to("/notifications").into_response())
}
