//! User administration: the accounts of the organizations one administers.

use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use qiaolian_core::account::{self, Account, NewAccount, Role};
use qiaolian_core::org::{self, Org, OrgId};
use qiaolian_core::page::{Page, PageRequest};
use serde::Deserialize;

use super::{FormErrors, PageResult, form_errors, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "users/list.html")]
struct UsersPage {
    ctx: Ctx,
    page: Page<Account>,
    form: UserForm,
    errors: FormErrors,
    created: Option<String>,
    org: Option<Org>,
    roles: Vec<Role>,
}

impl UsersPage {}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    login: String,
    display_name: String,
    org_id: String,
    role: String,
    password: String,
}

async fn page(
    ctx: Ctx,
    user: &User,
    state: &AppState,
    page: PageRequest,
    form: UserForm,
    errors: FormErrors,
    created: Option<String>,
) -> PageResult {
    let actor = user.actor();
    let list = account::list(&state.db, &actor, page).await?;
    let org = match form.org_id.trim().parse::<i64>() {
        Ok(id) => org::get(&state.db, &actor, OrgId(id)).await.ok(),
        Err(_) => None,
    };
    let roles = Role::ALL
        .iter()
        .copied()
        .filter(|r| actor.role.may_grant(*r))
        .collect();
    let status = errors.status(false);
    Ok(render_with(
        status,
        &UsersPage {
            ctx,
            page: list,
            form,
            errors,
            created,
            org,
            roles,
        },
    ))
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    q: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let Ok(Query(q)) = q else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let form = UserForm {
        org_id: user.0.org_id.to_string(),
        role: "member".into(),
        ..UserForm::default()
    };
    page(ctx, &user, &state, q, form, FormErrors::new(), None).await
}

pub async fn create(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(form): Form<UserForm>,
) -> PageResult {
    let input = NewAccount {
        login: form.login.clone(),
        display_name: form.display_name.clone(),
        org_id: form.org_id.trim().parse().ok().map(OrgId),
        role: form.role.clone(),
        password: form.password.clone(),
    };
    match account::create(&state.db, Some(&user.actor()), &input).await {
        Ok(a) => {
            let fresh = UserForm {
                org_id: form.org_id,
                role: form.role,
                ..UserForm::default()
            };
            page(
                ctx,
                &user,
                &state,
                PageRequest::default(),
                fresh,
                FormErrors::new(),
                Some(a.login),
            )
            .await
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            let form = UserForm {
                password: String::new(),
                ..form
            };
            page(
                ctx,
                &user,
                &state,
                PageRequest::default(),
                form,
                errors,
                None,
            )
            .await
        }
    }
}
