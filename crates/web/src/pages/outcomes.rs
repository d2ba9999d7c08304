//! The outcome roll-up of a scope (year, series, organization subtree, side) whose every
//! figure links to the list behind it.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use qiaolian_core::Error;
use qiaolian_core::outcome::{self, CountryFigures, Rollup, Scope};
use qiaolian_core::side::{self, Side};

use super::{PageResult, render};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

/// The choices of the scope filter: series and sides by name, the organization picked.
pub(super) struct ScopeChoices {
    pub(super) series: Vec<(i64, String)>,
    pub(super) sides: Vec<Side>,
    pub(super) org_name: String,
}

pub(super) async fn choices(
    db: &qiaolian_core::Db,
    user: &User,
    scope: &Scope,
) -> Result<ScopeChoices, Error> {
    let org_name = match scope.org {
        Some(id) => qiaolian_core::org::get(db, &user.actor(), qiaolian_core::org::OrgId(id))
            .await
            .map(|o| o.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(ScopeChoices {
        series: qiaolian_core::event::all_series(db).await?,
        sides: side::list(db).await?,
        org_name,
    })
}

#[derive(Template)]
#[template(path = "outcomes/index.html")]
struct IndexPage {
    ctx: Ctx,
    scope: Scope,
    q: String,
    rollup: Rollup,
    countries: Vec<CountryFigures>,
    choices: ScopeChoices,
    refused: bool,
    /// Donations received by the scope's organizations, as far as the reader may see
    /// them; `None` for a series, which donations do not belong to.
    donations: Option<qiaolian_core::donation::Totals>,
    donations_q: String,
}

impl IndexPage {
    fn year_q(&self, year: &i32) -> String {
        self.scope.with_year(*year).query()
    }
}

pub async fn index(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    scope: Result<Query<Scope>, QueryRejection>,
) -> PageResult {
    let Ok(Query(scope)) = scope else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    // A scope with an unknown value shows everything, saying so.
    let (scope, refused, rollup) = match outcome::rollup(&state.db, &user.actor(), &scope).await {
        Ok(r) => (scope, false, r),
        Err(Error::Invalid(_)) => {
            let all = Scope::default();
            let r = outcome::rollup(&state.db, &user.actor(), &all).await?;
            (all, true, r)
        }
        Err(e) => return Err(e.into()),
    };
    let countries = outcome::countries(&state.db, &user.actor(), &scope).await?;
    let choices = choices(&state.db, &user, &scope).await?;
    let by_recipient = qiaolian_core::donation::DonationFilter {
        year: scope.year,
        org: scope.org,
        side: scope.side.clone(),
        ..Default::default()
    };
    let donations = match scope.series {
        Some(_) => None,
        None => {
            Some(qiaolian_core::donation::totals(&state.db, &user.actor(), &by_recipient).await?)
        }
    };
    let donations_q = serde_urlencoded::to_string(&by_recipient).unwrap_or_default();
    Ok(render(&IndexPage {
        donations,
        donations_q,
        ctx,
        q: scope.query(),
        scope,
        rollup,
        countries,
        choices,
        refused,
    }))
}
