//! Account settings: profile, interface language, password.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use qiaolian_core::account::{self, Account, Locale};
use qiaolian_core::auth;
use serde::Deserialize;

use super::{FormErrors, PageResult, form_errors, render_with};
use crate::AppState;
use crate::ctx::{Ctx, SESSION_COOKIE, User, cookie};

#[derive(Template)]
#[template(path = "account/show.html")]
struct AccountPage {
    ctx: Ctx,
    me: Account,
    errors: FormErrors,
    notice: Option<&'static str>,
}

impl AccountPage {
    fn locales(&self) -> &'static [Locale] {
        Locale::ALL
    }
}

fn page(
    ctx: Ctx,
    me: Account,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> axum::response::Response {
    let status = errors.status(false);
    render_with(
        status,
        &AccountPage {
            ctx,
            me,
            errors,
            notice,
        },
    )
}

pub async fn show(ctx: Ctx, User(me): User) -> PageResult {
    Ok(page(ctx, me, FormErrors::new(), None))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

pub async fn change_password(
    ctx: Ctx,
    User(me): User,
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> PageResult {
    let actor = me.actor();
    match account::change_password(
        &state.db,
        &actor,
        &f.current_password,
        &f.new_password,
        &f.confirm_password,
    )
    .await
    {
        Ok(()) => {
            auth::end_other_sessions(&state.db, me.id, cookie(&headers, SESSION_COOKIE)).await?;
            Ok(page(
                ctx,
                me,
                FormErrors::new(),
                Some("account.password_changed"),
            ))
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            Ok(page(ctx, me, errors, None))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LanguageForm {
    locale: String,
}

pub async fn set_language(
    ctx: Ctx,
    User(me): User,
    State(state): State<AppState>,
    Form(f): Form<LanguageForm>,
) -> PageResult {
    let locale = Locale::parse(&f.locale).unwrap_or(me.locale);
    account::set_locale(&state.db, &me.actor(), locale).await?;
    let me = account::get(&state.db, me.id).await?.unwrap_or(me);
    let mut ctx = ctx;
    ctx.info.locale = locale;
    Ok(page(
        ctx,
        me,
        FormErrors::new(),
        Some("account.language_saved"),
    ))
}
