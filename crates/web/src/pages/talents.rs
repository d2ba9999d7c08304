//! The talent list, with the roll-up's scope filter.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use qiaolian_core::Error;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::talent::{self, Talent, TalentFilter};

use super::outcomes::{ScopeChoices, choices};
use super::{PageResult, render};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "outcomes/talents.html")]
struct TalentsPage {
    ctx: Ctx,
    page: Page<Talent>,
    filter: TalentFilter,
    choices: ScopeChoices,
    pager_href: String,
}

pub async fn talents(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<TalentFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let (filter, result) = match talent::list(&state.db, &user.actor(), &filter, page).await {
        Ok(p) => (filter, p),
        Err(Error::Invalid(_)) => (
            TalentFilter::default(),
            talent::list(&state.db, &user.actor(), &TalentFilter::default(), page).await?,
        ),
        Err(e) => return Err(e.into()),
    };
    let choices = choices(&state.db, &user, &filter.scope()).await?;
    let pager_href = format!(
        "/talents?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    Ok(render(&TalentsPage {
        ctx,
        page: result,
        filter,
        choices,
        pager_href,
    }))
}
