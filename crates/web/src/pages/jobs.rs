//! The jobs every server shares, for administrators: how many of each kind wait, run or
//! failed and how far behind the servers are, the jobs of one state, and a failed one
//! queued again.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use qiaolian_core::job::{self, JobRow, JobState, KindState};
use qiaolian_core::page::{Page, PageRequest};
use serde::Deserialize;

use super::{PageResult, render};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "jobs/list.html")]
struct JobsPage {
    ctx: Ctx,
    kinds: Vec<KindState>,
    state: JobState,
    page: Page<JobRow>,
    pager_href: String,
}

impl JobsPage {
    fn states(&self) -> &'static [JobState] {
        JobState::ALL
    }

    /// A kind's name; one this server does not know (queued by a newer one) as stored.
    fn kind(&self, kind: &str) -> String {
        let key = format!("job.kind.{kind}");
        if crate::i18n::has(&key) {
            self.ctx.t(&key).to_owned()
        } else {
            kind.to_owned()
        }
    }

    /// A wait in words: seconds, minutes or hours.
    fn lag(&self, seconds: &i64) -> String {
        match *seconds {
            ..60 => self.ctx.tn("job.seconds", seconds),
            60..3600 => self.ctx.tn("job.minutes", seconds / 60),
            _ => self.ctx.tn("job.hours", seconds / 3600),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct JobsQuery {
    state: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    q: Result<Query<JobsQuery>, QueryRejection>,
) -> PageResult {
    let Ok(Query(q)) = q else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let which = if q.state.is_empty() {
        JobState::Queued
    } else {
        match JobState::parse(&q.state) {
            Ok(s) => s,
            Err(_) => return Ok(error_page(StatusCode::BAD_REQUEST, "error.400")),
        }
    };
    let paging = PageRequest::new(q.page.unwrap_or(1), q.per_page.unwrap_or(50));
    let page = job::list(&state.db, &user.actor(), which, paging).await?;
    let kinds = job::states(&state.db).await?;
    Ok(render(&JobsPage {
        ctx,
        kinds,
        state: which,
        page,
        pager_href: format!("/jobs?state={which}&"),
    }))
}

/// Queues a failed job again.
pub async fn retry(user: User, State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    job::retry(&state.db, &user.actor(), id).await?;
    Ok(Redirect::to("/jobs?state=queued").into_response())
}
