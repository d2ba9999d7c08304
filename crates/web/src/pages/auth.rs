//! Sign-in and sign-out pages, and the language switch.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use qiaolian_core::account::{self, Locale};
use qiaolian_core::{Error, auth};
use serde::Deserialize;

use super::{PageResult, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, LANG_COOKIE, SESSION_COOKIE, cookie, set_cookie};
use crate::i18n;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    next: String,
    login: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

/// Only paths of this site, so the sign-in page cannot bounce a user to another one:
/// browsers drop tabs and newlines from URLs and read `\\` as `/`, so `/\t/evil` or
/// `/\\evil` would leave; a control character would not even fit in a header.
pub(crate) fn safe_next(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2000
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if local {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

pub async fn form(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    if ctx.user().is_some() {
        return Redirect::to(&safe_next(&q.next)).into_response();
    }
    render(&LoginPage {
        ctx,
        next: safe_next(&q.next),
        login: String::new(),
        error: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    login: String,
    password: String,
    next: String,
}

pub async fn submit(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let next = safe_next(&f.next);
    let locale = ctx.info.locale;
    let error = match auth::verify_login(&state.db, &f.login, &f.password, &ctx.info.address).await
    {
        Ok(account) => {
            let token = auth::create_session(&state.db, account.id).await?;
            let cookie = set_cookie(
                SESSION_COOKIE,
                &token,
                Some(auth::SESSION_DAYS * 86_400),
                ctx.info.https,
            );
            return Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response());
        }
        Err(Error::Unauthorized) => i18n::t(locale, "login.failed").to_owned(),
        Err(Error::TooManyAttempts { retry_after_secs }) => {
            i18n::tn(locale, "login.throttled", retry_after_secs)
        }
        Err(e) => return Err(e.into()),
    };
    Ok(render_with(
        StatusCode::UNAUTHORIZED,
        &LoginPage {
            ctx,
            next,
            login: f.login.chars().take(40).collect(),
            error: Some(error),
        },
    ))
}

pub async fn logout(
    ctx: Ctx,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> PageResult {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        auth::end_session(&state.db, token).await?;
    }
    let expired = set_cookie(SESSION_COOKIE, "", Some(0), ctx.info.https);
    Ok(([(header::SET_COOKIE, expired)], Redirect::to("/login")).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LocaleForm {
    lang: String,
    next: String,
}

/// Switches the UI language: saved on the account, or in a cookie before sign-in.
pub async fn set_locale(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(f): Form<LocaleForm>,
) -> PageResult {
    let locale = Locale::parse(&f.lang).unwrap_or(Locale::ZhCn);
    if let Some(user) = ctx.user() {
        account::set_locale(&state.db, &user.actor(), locale).await?;
    }
    let c = set_cookie(
        LANG_COOKIE,
        locale.as_str(),
        Some(365 * 86_400),
        ctx.info.https,
    );
    Ok(([(header::SET_COOKIE, c)], Redirect::to(&safe_next(&f.next))).into_response())
}
