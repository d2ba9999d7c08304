//! Pairing pages: the list of 结对 with its filters, a pairing with its exchanges, and the
//! form that signs a new one.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::exchange::{self, Exchange, ExchangeFilter};
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::pairing::{self, Pairing, PairingFilter, PairingId, PairingInput, PairingLevel};
use qiaolian_core::{Db, Error};
use serde::Deserialize;

use super::{FormErrors, PageResult, form_errors, num, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "network/pairings.html")]
struct PairingsPage {
    ctx: Ctx,
    page: Page<Pairing>,
    filter: PairingFilter,
    pager_href: String,
    form: PairingForm,
    errors: FormErrors,
}

impl PairingsPage {
    fn levels(&self) -> &'static [PairingLevel] {
        PairingLevel::ALL
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PairingForm {
    org_a_id: String,
    org_b_id: String,
    level: String,
    since: String,
}

async fn pairings_page(
    ctx: Ctx,
    db: &Db,
    filter: PairingFilter,
    page: PageRequest,
    form: PairingForm,
    errors: FormErrors,
) -> PageResult {
    let actor = ctx
        .user()
        .map(qiaolian_core::account::Account::actor)
        .ok_or(Error::Unauthorized)?;
    let result = match pairing::list(db, &actor, &filter, page).await {
        Ok(p) => p,
        Err(Error::Invalid(_)) => {
            pairing::list(db, &actor, &PairingFilter::default(), page).await?
        }
        Err(e) => return Err(e.into()),
    };
    let pager_href = format!(
        "/pairings?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    let status = errors.status(false);
    Ok(render_with(
        status,
        &PairingsPage {
            ctx,
            page: result,
            filter,
            pager_href,
            form,
            errors,
        },
    ))
}

pub async fn pairings(
    ctx: Ctx,
    _: User,
    State(state): State<AppState>,
    filter: Result<Query<PairingFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let form = PairingForm {
        level: "district".into(),
        since: qiaolian_core::settings::today().to_string(),
        ..PairingForm::default()
    };
    pairings_page(ctx, &state.db, filter, page, form, FormErrors::new()).await
}

pub async fn create_pairing(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(form): Form<PairingForm>,
) -> PageResult {
    let input = PairingInput {
        org_a_id: num(&form.org_a_id).map(OrgId),
        org_b_id: num(&form.org_b_id).map(OrgId),
        level: form.level.clone(),
        since: form.since.clone(),
        ..PairingInput::default()
    };
    match pairing::create(&state.db, &user.actor(), &input).await {
        Ok(p) => Ok(Redirect::to(&format!("/pairings/{}", p.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            pairings_page(
                ctx,
                &state.db,
                PairingFilter::default(),
                PageRequest::default(),
                form,
                errors,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "network/pairing.html")]
struct PairingPage {
    ctx: Ctx,
    p: Pairing,
    exchanges: Vec<Exchange>,
    /// Tasks under the pairing's agreement that the viewer may see.
    tasks: Vec<qiaolian_core::task::Task>,
}

pub async fn pairing_show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let p = pairing::get(&state.db, &user.actor(), PairingId(id)).await?;
    let filter = ExchangeFilter {
        org: Some(p.org_a_id.0),
        ..ExchangeFilter::default()
    };
    let exchanges = exchange::list(&state.db, &user.actor(), &filter, PageRequest::new(1, 500))
        .await?
        .items
        .into_iter()
        .filter(|e| {
            let ends = |o: OrgId| e.from_org_id == o || e.to_orgs.iter().any(|t| t.org_id == o);
            e.pairing_id == Some(p.id) || (ends(p.org_a_id) && ends(p.org_b_id))
        })
        .collect();
    let tasks = match p.agreement_id {
        Some(a) => {
            let f = qiaolian_core::task::TaskFilter {
                agreement: Some(a.0),
                ..Default::default()
            };
            qiaolian_core::task::list(&state.db, &user.actor(), &f, PageRequest::new(1, 200))
                .await?
                .items
        }
        None => Vec::new(),
    };
    Ok(render(&PairingPage {
        ctx,
        p,
        exchanges,
        tasks,
    }))
}
