//! The 一人多营 list: campers registered in more than one camp in a year.

use askama::Template;
use axum::extract::{Query, State};
use qiaolian_core::camp::{self, MultiCamp};

use super::{PageResult, render};
use crate::AppState;
use crate::ctx::{Ctx, User};

#[derive(Template)]
#[template(path = "outcomes/multi_camp.html")]
struct MultiCampPage {
    ctx: Ctx,
    year: i32,
    people: Vec<MultiCamp>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct YearQuery {
    year: Option<i32>,
}

pub async fn multi_camp(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
) -> PageResult {
    use chrono::Datelike;
    let year = q
        .year
        .filter(|y| (1900..=2200).contains(y))
        .unwrap_or_else(|| qiaolian_core::settings::today().year());
    let people = camp::multi_camp(&state.db, &user.actor(), year).await?;
    Ok(render(&MultiCampPage { ctx, year, people }))
}
