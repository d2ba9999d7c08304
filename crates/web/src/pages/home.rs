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
    /// Tasks the user may see, by supervision colour.
    colours: Vec<(qiaolian_core::supervision::Colour, i64)>,
    /// What waits for the user's organization: catalog key and count.
    waiting: Vec<(&'static str, i64)>,
}

pub async fn show(ctx: Ctx, User(me): User, State(state): State<AppState>) -> PageResult {
    let by_side = org::count_by_side(&state.db).await?;
    let total = by_side.iter().map(|(_, n)| n).sum();
    let actor = me.actor();
    let may_create = actor.may(Resource::Org, Action::Create, Some(&me.org_path));
    let colours =
        qiaolian_core::task::colour_counts(&state.db, &actor, &Default::default()).await?;
    let [accept, report, overdue, verify] = qiaolian_core::task::waiting(&state.db, &actor).await?;
    let waiting = vec![
        ("inbox.to_accept", accept),
        ("inbox.to_report", report),
        ("inbox.overdue", overdue),
        ("inbox.to_verify", verify),
    ];
    Ok(render(&HomePage {
        ctx,
        me,
        total,
        by_side,
        may_create,
        colours,
        waiting,
    }))
}
