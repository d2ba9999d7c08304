//! The home page: who I am, and the programme's organizations at a glance.

use askama::Template;
use axum::extract::State;
use qiaolian_core::access::{Action, Resource};
use qiaolian_core::account::Account;
use qiaolian_core::org;
use qiaolian_core::side::Side;

use super::{PageResult, render};
use crate::AppState;
use crate::ctx::{Ctx, User};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    me: Account,
    total: i64,
    by_side: Vec<(Side, i64)>,
    may_create: bool,
}

pub async fn show(ctx: Ctx, User(me): User, State(state): State<AppState>) -> PageResult {
    let by_side = org::count_by_side(&state.db).await?;
    let total = by_side.iter().map(|(_, n)| n).sum();
    let may_create = me
        .actor()
        .may(Resource::Org, Action::Create, Some(&me.org_path));
    Ok(render(&HomePage {
        ctx,
        me,
        total,
        by_side,
        may_create,
    }))
}
