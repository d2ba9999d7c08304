//! The signed-in user and their API tokens.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use qiaolian_core::account::Account;
use qiaolian_core::auth::{self, NewToken, Token, TokenId};
use serde::Serialize;

use super::ApiJson;
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};

/// Who am I: the account behind the token or session.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = Account), (status = 401, body = ErrorBody)))]
pub async fn get(User(me): User) -> ApiJson<Account> {
    ApiJson(me)
}

/// The caller's API tokens, newest first; revoked and expired ones too.
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = Vec<Token>), (status = 401, body = ErrorBody)))]
pub async fn tokens(
    user: User,
    State(state): State<AppState>,
) -> Result<ApiJson<Vec<Token>>, ApiError> {
    Ok(ApiJson(auth::tokens(&state.db, &user.actor()).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: Token,
    /// The secret, shown this once: send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Create an API token for a script (90 days unless `days` says otherwise).
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "session", request_body = NewToken, security(("bearer" = [])),
    responses((status = 200, body = CreatedToken), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewToken>,
) -> Result<ApiJson<CreatedToken>, ApiError> {
    let (token, secret) = auth::create_token(&state.db, &user.actor(), &input).await?;
    Ok(ApiJson(CreatedToken { token, secret }))
}

/// Revoke one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "session", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    auth::revoke(&state.db, &user.actor(), TokenId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
