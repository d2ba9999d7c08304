//! The signed-in user.

use qiaolian_core::account::Account;

use super::ApiJson;
use crate::ctx::User;
use crate::error::ErrorBody;

/// Who am I: the account behind the token or session.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", security(("bearer" = [])),
    responses((status = 200, body = Account), (status = 401, body = ErrorBody)))]
pub async fn get(User(me): User) -> ApiJson<Account> {
    ApiJson(me)
}
