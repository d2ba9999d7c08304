//! User administration: the accounts of the organizations one administers.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum_extra::extract::Form;
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
    let roles = grantable(&actor);
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

/// The roles the actor may hand out, for the role pickers.
fn grantable(actor: &qiaolian_core::access::Actor) -> Vec<Role> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| actor.role.may_grant(*r))
        .collect()
}

#[derive(Template)]
#[template(path = "users/edit.html")]
struct EditPage {
    ctx: Ctx,
    account: Account,
    form: EditForm,
    errors: FormErrors,
    conflict: bool,
    saved: bool,
    roles: Vec<Role>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct EditForm {
    display_name: String,
    role: String,
    /// `on` when ticked: the account may sign in.
    active: String,
    version: String,
}

impl EditForm {
    fn of(a: &Account) -> EditForm {
        EditForm {
            display_name: a.display_name.clone(),
            role: a.role.as_str().to_owned(),
            active: if a.active { "on".into() } else { String::new() },
            version: a.version.to_string(),
        }
    }
}

/// How a save ended, for the page shown after it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Editing,
    Saved,
    Conflict,
}

fn edit_page(
    ctx: Ctx,
    user: &User,
    account: Account,
    form: EditForm,
    errors: FormErrors,
    outcome: Outcome,
) -> axum::response::Response {
    let conflict = outcome == Outcome::Conflict;
    let actor = user.actor();
    let roles = grantable(&actor);
    let status = errors.status(conflict);
    render_with(
        status,
        &EditPage {
            ctx,
            account,
            form,
            errors,
            conflict,
            saved: outcome == Outcome::Saved,
            roles,
        },
    )
}

pub async fn edit(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> PageResult {
    let a = account::get_managed(&state.db, &user.actor(), account::AccountId(id)).await?;
    let form = EditForm::of(&a);
    Ok(edit_page(
        ctx,
        &user,
        a,
        form,
        FormErrors::new(),
        Outcome::Editing,
    ))
}

pub async fn update(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(form): Form<EditForm>,
) -> PageResult {
    let id = account::AccountId(id);
    let patch = account::AccountPatch {
        role: Some(form.role.clone()),
        active: Some(form.active == "on"),
        display_name: Some(form.display_name.clone()),
        version: form.version.trim().parse().ok(),
    };
    match account::update(&state.db, &user.actor(), id, &patch).await {
        Ok(a) => {
            let form = EditForm::of(&a);
            Ok(edit_page(
                ctx,
                &user,
                a,
                form,
                FormErrors::new(),
                Outcome::Saved,
            ))
        }
        Err(e) => {
            // A stale save shows the form again with a warning; refused fields, their errors.
            let (errors, outcome) = match e {
                qiaolian_core::Error::Conflict { .. } => (FormErrors::new(), Outcome::Conflict),
                e => (form_errors(ctx.info.locale, e)?, Outcome::Editing),
            };
            let a = account::get_managed(&state.db, &user.actor(), id).await?;
            Ok(edit_page(ctx, &user, a, form, errors, outcome))
        }
    }
}
