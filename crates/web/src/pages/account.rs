//! Account settings: profile, interface language, password, API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum_extra::extract::Form;
use qiaolian_core::account::{self, Account, Locale};
use qiaolian_core::auth::{self, NewToken, Token, TokenId};
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
    tokens: Vec<Token>,
    /// A token's secret, shown once right after it was made.
    secret: Option<String>,
    token_form: TokenForm,
}

impl AccountPage {
    fn locales(&self) -> &'static [Locale] {
        Locale::ALL
    }

    fn usable(t: &Token) -> bool {
        t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > qiaolian_core::now())
    }
}

/// What the page shows besides the account itself.
#[derive(Default)]
struct Extra {
    secret: Option<String>,
    token_form: TokenForm,
}

async fn page(
    ctx: Ctx,
    db: &qiaolian_core::Db,
    me: Account,
    errors: FormErrors,
    notice: Option<&'static str>,
    extra: Extra,
) -> PageResult {
    let tokens = auth::tokens(db, &me.actor()).await?;
    let status = errors.status(false);
    Ok(render_with(
        status,
        &AccountPage {
            ctx,
            me,
            errors,
            notice,
            tokens,
            secret: extra.secret,
            token_form: extra.token_form,
        },
    ))
}

pub async fn show(ctx: Ctx, User(me): User, State(state): State<AppState>) -> PageResult {
    page(
        ctx,
        &state.db,
        me,
        FormErrors::new(),
        None,
        Extra::default(),
    )
    .await
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    name: String,
    days: String,
}

impl Default for TokenForm {
    fn default() -> Self {
        TokenForm {
            name: String::new(),
            days: auth::TOKEN_DAYS.to_string(),
        }
    }
}

/// Makes an API token and shows its secret once.
pub async fn create_token(
    ctx: Ctx,
    User(me): User,
    State(state): State<AppState>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let input = NewToken {
        name: f.name.clone(),
        days: Some(f.days.trim().parse().unwrap_or(0)),
    };
    match auth::create_token(&state.db, &me.actor(), &input).await {
        Ok((_, secret)) => {
            let extra = Extra {
                secret: Some(secret),
                ..Extra::default()
            };
            page(
                ctx,
                &state.db,
                me,
                FormErrors::new(),
                Some("account.token_created"),
                extra,
            )
            .await
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            let extra = Extra {
                token_form: f,
                ..Extra::default()
            };
            page(ctx, &state.db, me, errors, None, extra).await
        }
    }
}

pub async fn revoke_token(
    ctx: Ctx,
    User(me): User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    auth::revoke(&state.db, &me.actor(), TokenId(id)).await?;
    page(
        ctx,
        &state.db,
        me,
        FormErrors::new(),
        Some("account.token_revoked"),
        Extra::default(),
    )
    .await
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
        cookie(&headers, SESSION_COOKIE),
    )
    .await
    {
        Ok(()) => {
            page(
                ctx,
                &state.db,
                me,
                FormErrors::new(),
                Some("account.password_changed"),
                Extra::default(),
            )
            .await
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            page(ctx, &state.db, me, errors, None, Extra::default()).await
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
    page(
        ctx,
        &state.db,
        me,
        FormErrors::new(),
        Some("account.language_saved"),
        Extra::default(),
    )
    .await
}
