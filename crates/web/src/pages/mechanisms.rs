//! Mechanism pages: the basin and alliance mechanisms, one with its members, and the
//! rotation of its convenor.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::Db;
use qiaolian_core::mechanism::{self, ConvenorInput, Mechanism};
use qiaolian_core::meeting::{self, Meeting};
use qiaolian_core::org::OrgId;
use serde::Deserialize;

use super::{FormErrors, PageResult, form_errors, num, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};

#[derive(Template)]
#[template(path = "network/mechanisms.html")]
struct MechanismsPage {
    ctx: Ctx,
    items: Vec<Mechanism>,
}

pub async fn mechanisms(ctx: Ctx, user: User, State(state): State<AppState>) -> PageResult {
    let items = mechanism::list(&state.db, &user.actor()).await?;
    Ok(render(&MechanismsPage { ctx, items }))
}

#[derive(Template)]
#[template(path = "network/mechanism.html")]
struct MechanismPage {
    ctx: Ctx,
    m: Mechanism,
    meetings: Vec<Meeting>,
    allowed: mechanism::Allowed,
    errors: FormErrors,
}

async fn mechanism_page(
    ctx: Ctx,
    user: &User,
    db: &Db,
    id: OrgId,
    errors: FormErrors,
) -> PageResult {
    let m = mechanism::get(db, &user.actor(), id).await?;
    let meetings = meeting::list(db, &user.actor(), Some(id)).await?;
    let allowed = m.allowed(&user.actor());
    let status = errors.status(false);
    Ok(render_with(
        status,
        &MechanismPage {
            ctx,
            m,
            meetings,
            allowed,
            errors,
        },
    ))
}

pub async fn mechanism_show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    mechanism_page(ctx, &user, &state.db, OrgId(id), FormErrors::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConvenorForm {
    org_id: String,
    from_on: String,
}

pub async fn rotate(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<ConvenorForm>,
) -> PageResult {
    let input = ConvenorInput {
        org_id: num(&f.org_id).map(OrgId),
        from_on: f.from_on,
    };
    match mechanism::rotate_convenor(&state.db, &user.actor(), OrgId(id), &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/mechanisms/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            mechanism_page(ctx, &user, &state.db, OrgId(id), errors).await
        }
    }
}
