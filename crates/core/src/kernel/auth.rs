//! Signing in: password checks with back-off, browser sessions and API tokens.
//! Only SHA-256 digests of session and API tokens are stored, so a copy of the
//! database does not let anyone sign in.

use std::sync::LazyLock;

use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::access::Actor;
use crate::account::{self, Account, AccountId};
use crate::audit::{self, AuditAction};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::on;

/// How long a browser session lasts.
pub const SESSION_DAYS: i64 = 7;
/// Failures inside this window count towards the back-off.
const FAILURE_WINDOW_MINUTES: i64 = 15;
/// Failures allowed before the back-off starts.
const FREE_FAILURES: i64 = 4;

/// A fresh random secret, 256 bits, as lowercase hex.
pub fn random_token() -> String {
    hex(&rand::random::<[u8; 32]>())
}

pub fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Wait before the next attempt after `failures` recent failures: none for the first
/// `free`, then doubling from 30 s up to the window.
pub fn backoff_secs(failures: i64, free: i64) -> i64 {
    if failures <= free {
        return 0;
    }
    let steps = u32::try_from((failures - free - 1).min(5)).unwrap_or(5);
    (30_i64 << steps).min(FAILURE_WINDOW_MINUTES * 60)
}

/// Failures one address may make across all logins before it waits: enough for a
/// shared office gateway, few enough to stop guessing through many accounts.
const FREE_FAILURES_PER_ADDRESS: i64 = 20;

/// Checks a login and password from a client address. The answer never says which
/// of the two was wrong. Failures slow down that login *from that address* and that
/// address overall, so a stranger cannot keep the owner locked out from elsewhere.
/// Both outcomes for an existing account go into the audit trail.
pub async fn verify_login(db: &Db, login: &str, password: &str, address: &str) -> Result<Account> {
    let login: String = login
        .trim()
        .to_ascii_lowercase()
        .chars()
        .take(100)
        .collect();
    let address: String = address.chars().take(64).collect();
    let now = crate::now();
    let since = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let mut tx = db.read().await?;
    let failures: Vec<(String, chrono::DateTime<chrono::Utc>)> = on!(&mut tx, |c| {
        sqlx::query_as(
            "select login, failed_at from login_failure where address = $1 and failed_at > $2
             order by failed_at desc limit 200",
        )
        .bind(&address)
        .bind(since)
        .fetch_all(c)
        .await?
    });
    let found: Option<(AccountId, String, bool)> = on!(&mut tx, |c| {
        sqlx::query_as("select id, password_hash, active from account where login = $1")
            .bind(&login)
            .fetch_optional(c)
            .await?
    });
    drop(tx);
    let wait = |n: usize, free: i64, last: Option<&chrono::DateTime<chrono::Utc>>| {
        last.map_or(0, |last| {
            backoff_secs(i64::try_from(n).unwrap_or(i64::MAX), free) - (now - *last).num_seconds()
        })
    };
    let same_login: Vec<_> = failures.iter().filter(|(l, _)| *l == login).collect();
    let wait = wait(
        same_login.len(),
        FREE_FAILURES,
        same_login.first().map(|f| &f.1),
    )
    .max(wait(
        failures.len(),
        FREE_FAILURES_PER_ADDRESS,
        failures.first().map(|f| &f.1),
    ));
    if wait > 0 {
        return Err(Error::TooManyAttempts {
            retry_after_secs: u64::try_from(wait).unwrap_or(1),
        });
    }
    // Hash even for unknown logins so timing does not reveal which logins exist.
    let hash = found
        .as_ref()
        .map_or(DUMMY_HASH.clone(), |(_, h, _)| h.clone());
    let password_ok = account::verify_password_off_thread(password, hash).await?;
    let mut tx = db.write().await?;
    match found {
        Some((id, _, true)) if password_ok => {
            on!(&mut tx, |c| {
                sqlx::query("delete from login_failure where login = $1 and address = $2")
                    .bind(&login)
                    .bind(&address)
                    .execute(c)
                    .await?;
            });
            let account = account::get_in(&mut tx, id)
                .await?
                .ok_or(Error::Unauthorized)?;
            let detail = address.clone();
            audit::record(
                &mut tx,
                &account.actor(),
                AuditAction::SignIn,
                "account",
                id.0,
                &detail,
            )
            .await?;
            tx.commit().await?;
            Ok(account)
        }
        _ => {
            on!(&mut tx, |c| {
                sqlx::query(
                    "insert into login_failure (login, failed_at, address) values ($1, $2, $3)",
                )
                .bind(&login)
                .bind(now)
                .bind(&address)
                .execute(c)
                .await?;
            });
            if let Some((id, _, _)) = found
                && let Some(account) = account::get_in(&mut tx, id).await?
            {
                let detail = address.clone();
                audit::record(
                    &mut tx,
                    &account.actor(),
                    AuditAction::SignInFailed,
                    "account",
                    id.0,
                    &detail,
                )
                .await?;
            }
            tx.commit().await?;
            tracing::warn!(login = %login, address = %address, "failed sign-in");
            Err(Error::Unauthorized)
        }
    }
}

/// A hash of a random secret, verified against when the login is unknown.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| account::hash_password(&random_token()).unwrap_or_default());

/// Starts a browser session; returns the secret for the cookie.
pub async fn create_session(db: &Db, account: AccountId) -> Result<String> {
    let token = random_token();
    let now = crate::now();
    let mut tx = db.write().await?;
    on!(&mut tx, |c| {
        sqlx::query("delete from session where expires_at < $1")
            .bind(now)
            .execute(&mut *c)
            .await?;
        sqlx::query("insert into session (token_hash, account_id, created_at, expires_at) values ($1, $2, $3, $4)")
            .bind(digest(&token))
            .bind(account)
            .bind(now)
            .bind(now + Duration::days(SESSION_DAYS))
            .execute(c)
            .await?;
    });
    tx.commit().await?;
    Ok(token)
}

/// The active account behind a session cookie, if the session is still valid.
pub async fn session_account(db: &Db, token: &str) -> Result<Option<Account>> {
    let mut tx = db.read().await?;
    account::by_session(&mut tx, &digest(token), crate::now()).await
}

pub async fn end_session(db: &Db, token: &str) -> Result<()> {
    let mut tx = db.write().await?;
    on!(&mut tx, |c| {
        sqlx::query("delete from session where token_hash = $1")
            .bind(digest(token))
            .execute(c)
            .await?;
    });
    tx.commit().await
}

/// Ends every session of an account except `keep` and revokes all its API tokens,
/// in the caller's write: after a password change, a role change or disabling.
pub(crate) async fn sign_out_everywhere(
    tx: &mut Tx,
    account: AccountId,
    keep: Option<&str>,
) -> Result<()> {
    on!(&mut *tx, |c| {
        sqlx::query("delete from session where account_id = $1 and token_hash <> $2")
            .bind(account)
            .bind(keep.map(digest).unwrap_or_default())
            .execute(c)
            .await?;
    });
    on!(tx, |c| {
        sqlx::query(
            "update api_token set revoked_at = $1 where account_id = $2 and revoked_at is null",
        )
        .bind(crate::now())
        .bind(account)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// How long a token lasts unless its maker says otherwise.
pub const TOKEN_DAYS: i64 = 90;
/// The longest a token may be made to last.
pub const TOKEN_MAX_DAYS: i64 = 366;

id_type!(TokenId);

/// An API token as its owner sees it; the secret itself is shown once, at creation.
#[derive(Clone, Debug, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Token {
    pub id: TokenId,
    pub name: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A new token as asked for.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewToken {
    /// What the token is for, e.g. `月报导出脚本`.
    pub name: String,
    /// 1–366; 90 if left out.
    pub days: Option<i64>,
}

/// Creates an API token for scripts; the secret is returned once and never stored.
pub async fn create_token(db: &Db, actor: &Actor, input: &NewToken) -> Result<(Token, String)> {
    let mut check = crate::error::Check::default();
    let name = check.take("name", crate::text::required(&input.name, 100));
    let days = input.days.unwrap_or(TOKEN_DAYS);
    if !(1..=TOKEN_MAX_DAYS).contains(&days) {
        check.take::<()>(
            "days",
            Err(crate::FieldError {
                code: "bad_token_days",
                limit: Some(TOKEN_MAX_DAYS as usize),
            }),
        );
    }
    check.finish()?;
    let name = name.unwrap_or_default();
    let secret = format!("ql_{}", random_token());
    let now = crate::now();
    let mut tx = db.write().await?;
    let token: Token = on!(&mut tx, |c| {
        sqlx::query_as(
            "insert into api_token (account_id, token_hash, name, created_at, expires_at) values ($1, $2, $3, $4, $5)
             returning id, name, created_at, expires_at, last_used_at, revoked_at",
        )
        .bind(actor.account_id)
        .bind(digest(&secret))
        .bind(&name)
        .bind(now)
        .bind(now + Duration::days(days))
        .fetch_one(c)
        .await?
    });
    audit::record(
        &mut tx,
        actor,
        AuditAction::TokenCreate,
        "api_token",
        token.id.0,
        &name,
    )
    .await?;
    tx.commit().await?;
    Ok((token, secret))
}

/// The actor's own tokens, newest first (revoked and expired ones too, for the record).
pub async fn tokens(db: &Db, actor: &Actor) -> Result<Vec<Token>> {
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(
            "select id, name, created_at, expires_at, last_used_at, revoked_at from api_token
             where account_id = $1 order by id desc limit 200",
        )
        .bind(actor.account_id)
        .fetch_all(c)
        .await?
    }))
}

/// Revokes one of the actor's own tokens; another's answers `NotFound`.
pub async fn revoke(db: &Db, actor: &Actor, id: TokenId) -> Result<()> {
    let mut tx = db.write().await?;
    let name: Option<String> = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "update api_token set revoked_at = $1 where id = $2 and account_id = $3 and revoked_at is null
             returning name",
        )
        .bind(crate::now())
        .bind(id)
        .bind(actor.account_id)
        .fetch_optional(c)
        .await?
    });
    let Some(name) = name else {
        return Err(Error::NotFound);
    };
    audit::record(
        &mut tx,
        actor,
        AuditAction::TokenRevoke,
        "api_token",
        id.0,
        &name,
    )
    .await?;
    tx.commit().await
}

/// The active account behind an API token that has not been revoked.
///
/// A read: the day of last use is recorded by a separate write at most once a
/// minute per token, so a script's burst of requests does not queue behind itself.
pub async fn token_account(db: &Db, token: &str) -> Result<Option<Account>> {
    let now = crate::now();
    let hash = digest(token);
    let mut tx = db.read().await?;
    let Some(found) = account::by_token(&mut tx, &hash, now).await? else {
        return Ok(None);
    };
    drop(tx);
    let (account, last_used) = (Some(found.account), found.last_used_at);
    if last_used.is_none_or(|t| now - t >= Duration::minutes(1)) {
        let mut tx = db.write().await?;
        on!(&mut tx, |c| {
            sqlx::query(
                "update api_token set last_used_at = $1
                 where token_hash = $2 and (last_used_at is null or last_used_at < $3)",
            )
            .bind(now)
            .bind(&hash)
            .bind(now - Duration::minutes(1))
            .execute(c)
            .await?;
        });
        tx.commit().await?;
    }
    Ok(account)
}

/// Revokes the token a request carries (signing out of the API).
pub async fn revoke_token(db: &Db, token: &str) -> Result<bool> {
    let mut tx = db.write().await?;
    let revoked: Option<(TokenId, AccountId, String)> = on!(&mut tx, |c| {
        sqlx::query_as(
            "update api_token set revoked_at = $1 where token_hash = $2 and revoked_at is null
             returning id, account_id, name",
        )
        .bind(crate::now())
        .bind(digest(token))
        .fetch_optional(c)
        .await?
    });
    let Some((id, account_id, name)) = revoked else {
        return Ok(false);
    };
    if let Some(owner) = account::get_in(&mut tx, account_id).await? {
        audit::record(
            &mut tx,
            &owner.actor(),
            AuditAction::TokenRevoke,
            "api_token",
            id.0,
            &name,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_after_the_free_failures_and_is_capped() {
        assert_eq!(backoff_secs(4, FREE_FAILURES), 0);
        assert_eq!(backoff_secs(5, FREE_FAILURES), 30);
        assert_eq!(backoff_secs(6, FREE_FAILURES), 60);
        assert_eq!(backoff_secs(50, FREE_FAILURES), 900);
        assert_eq!(backoff_secs(20, FREE_FAILURES_PER_ADDRESS), 0);
    }

    #[test]
    fn tokens_are_random_and_stored_as_digests() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(digest(&a).len(), 64);
        assert_ne!(digest(&a), a);
    }
}
