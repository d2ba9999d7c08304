//! The results page of the search box in the header.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use qiaolian_core::Error;
use qiaolian_core::search::{self, Group, Kind, PER_GROUP, SearchInput};

use super::{FormErrors, PageResult, form_errors, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "search/results.html")]
struct ResultsPage {
    ctx: Ctx,
    q: String,
    /// The one kind being paged through, if any.
    only: Option<Kind>,
    page: u32,
    per_page: u32,
    searched: bool,
    groups: Vec<Group>,
    errors: FormErrors,
}

impl ResultsPage {
    fn href(&self, kind: Option<Kind>, page: u32) -> String {
        let mut params = vec![("q", self.q.clone())];
        if let Some(k) = kind {
            params.push(("kind", k.as_str().to_owned()));
        }
        if page > 1 {
            params.push(("page", page.to_string()));
        }
        format!(
            "/search?{}",
            serde_urlencoded::to_string(&params).unwrap_or_default()
        )
    }

    fn url(&self, kind: &Kind, id: &i64) -> String {
        let base = match kind {
            Kind::Org => "orgs",
            Kind::Person => "people",
            Kind::Agreement => "agreements",
            Kind::Task => "tasks",
            Kind::Meeting => "meetings",
            Kind::Event => "events",
            Kind::Project => "projects",
        };
        format!("/{base}/{id}")
    }

    fn pages(&self, total: &i64) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((total + per - 1) / per).unwrap_or(u32::MAX)
    }

    /// A group's count as read: `1000+` past what is counted.
    fn count(&self, g: &Group) -> String {
        if g.more {
            format!("{}+", g.total)
        } else {
            g.total.to_string()
        }
    }

    fn more(&self, total: &i64) -> bool {
        self.only.is_none() && *total > PER_GROUP
    }
}

pub async fn results(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    input: Result<Query<SearchInput>, QueryRejection>,
) -> PageResult {
    let Ok(Query(input)) = input else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let only = input.kind.as_deref().and_then(|k| Kind::parse(k).ok());
    let mut page = ResultsPage {
        q: input.q.trim().chars().take(search::MAX_QUERY).collect(),
        only,
        page: input.page.unwrap_or(1).max(1),
        per_page: input.per_page.unwrap_or(20).clamp(1, 100),
        searched: false,
        groups: vec![],
        errors: FormErrors::new(),
        ctx,
    };
    if input.q.trim().is_empty() {
        return Ok(render_with(StatusCode::OK, &page));
    }
    match qiaolian_core::kinds::search(&state.db, &user.actor(), &input).await {
        Ok(r) => {
            page.searched = r.searched;
            page.groups = r.groups;
        }
        Err(e @ Error::Invalid(_)) => page.errors = form_errors(page.ctx.info.locale, e)?,
        Err(e) => return Err(e.into()),
    }
    Ok(render_with(page.errors.status(false), &page))
}
