//! The audit trail for administrators: entries by kind and action, and a check of the
//! whole hash chain on request (it walks every entry, so it is not run on every view).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use qiaolian_core::audit::{self, AuditAction, AuditFilter, ChainState, Entry};
use qiaolian_core::page::{Page, PageRequest};
use serde::Deserialize;

use super::{PageResult, render};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage {
    ctx: Ctx,
    page: Page<Entry>,
    q: AuditQuery,
    chain: Option<ChainState>,
    /// The filters as a query string, for the pager.
    pager_href: String,
}

impl AuditPage {
    fn actions(&self) -> &'static [AuditAction] {
        AuditAction::ALL
    }

    fn entities(&self) -> &'static [&'static str] {
        &["account", "api_token", "org", "person"]
    }

    /// Where an entry's record is shown, when it has a page.
    fn href(e: &Entry) -> Option<String> {
        match e.entity.as_str() {
            "person" => Some(format!("/people/{}", e.entity_id)),
            "org" => Some(format!("/orgs/{}", e.entity_id)),
            "account" => Some(format!("/users/{}/edit", e.entity_id)),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    entity: String,
    action: String,
    /// `1` to walk the chain.
    verify: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    q: Result<Query<AuditQuery>, QueryRejection>,
) -> PageResult {
    let Ok(Query(q)) = q else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let actor = user.actor();
    let filter = AuditFilter {
        entity: Some(q.entity.clone()).filter(|e| !e.is_empty()),
        entity_id: None,
        action: Some(q.action.clone()).filter(|a| !a.is_empty()),
    };
    let paging = PageRequest::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let page = audit::list(&state.db, &actor, &filter, paging).await?;
    let chain = if q.verify == "1" {
        Some(audit::chain(&state.db, &actor).await?)
    } else {
        None
    };
    let pager_href = format!(
        "/audit?entity={}&action={}&",
        form_urlencoded::byte_serialize(q.entity.as_bytes()).collect::<String>(),
        form_urlencoded::byte_serialize(q.action.as_bytes()).collect::<String>()
    );
    Ok(render(&AuditPage {
        ctx,
        page,
        q,
        chain,
        pager_href,
    }))
}
