//! API sign-in: trade a login and password for a bearer token.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use qiaolian_core::auth;
use serde::{Deserialize, Serialize};

use super::ApiJson;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{ApiError, ErrorBody};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct Credentials {
    pub login: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the token stops working (90 days after sign-in).
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Sign in; returns a new API token.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = Credentials,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "Wrong login or password", body = ErrorBody),
        (status = 429, description = "Too many failures; see Retry-After", body = ErrorBody),
    ))]
pub async fn create(
    ctx: Ctx,
    State(state): State<AppState>,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<ApiJson<TokenResponse>, ApiError> {
    let account = auth::verify_login(&state.db, &c.login, &c.password, &ctx.info.address).await?;
    let new = auth::NewToken {
        // Shown to the user on the account page.
        name: "API 登录".into(),
        days: None,
    };
    let (t, token) = auth::create_token(&state.db, &account.actor(), &new).await?;
    Ok(ApiJson(TokenResponse {
        token,
        expires_at: t.expires_at,
    }))
}

/// Revoke the bearer token this request carries.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(qiaolian_core::Error::Unauthorized)?;
    if auth::revoke_token(&state.db, token.trim()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(qiaolian_core::Error::Unauthorized.into())
    }
}
