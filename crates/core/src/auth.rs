//! Signing in: password checks with back-off, browser sessions and API tokens.
//! Only SHA-256 digests of session and API tokens are stored, so a copy of the
//! database does not let anyone sign in.

use std::sync::LazyLock;

use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::account::{self, Account, AccountId};
use crate::db::Db;
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
/// few, then doubling from 30 s up to the window.
pub fn backoff_secs(failures: i64) -> i64 {
    if failures <= FREE_FAILURES {
        return 0;
    }
    let steps = u32::try_from((failures - FREE_FAILURES - 1).min(5)).unwrap_or(5);
    (30_i64 << steps).min(FAILURE_WINDOW_MINUTES * 60)
}

/// Checks a login and password. The answer never says which of the two was wrong,
/// and repeated failures for a login make it wait longer and longer.
pub async fn verify_login(db: &Db, login: &str, password: &str) -> Result<Account> {
    let login = login.trim().to_ascii_lowercase();
    let now = crate::now();
    let mut tx = db.begin().await?;
    let since = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let (failures, last): (i64, Option<chrono::DateTime<chrono::Utc>>) = on!(&mut tx, |c| {
        sqlx::query_as("select count(*), max(failed_at) from login_failure where login = $1 and failed_at > $2")
            .bind(&login)
            .bind(since)
            .fetch_one(c)
            .await?
    });
    if let Some(last) = last {
        let wait = backoff_secs(failures) - (now - last).num_seconds();
        if wait > 0 {
            return Err(Error::TooManyAttempts {
                retry_after_secs: u64::try_from(wait).unwrap_or(1),
            });
        }
    }
    let found: Option<(AccountId, String, bool)> = on!(&mut tx, |c| {
        sqlx::query_as("select id, password_hash, active from account where login = $1")
            .bind(&login)
            .fetch_optional(c)
            .await?
    });
    // Hash even for unknown logins so timing does not reveal which logins exist.
    let hash = found
        .as_ref()
        .map_or(DUMMY_HASH.as_str(), |(_, h, _)| h.as_str());
    let password_ok = account::verify_password(password, hash);
    match found {
        Some((id, _, true)) if password_ok => {
            on!(&mut tx, |c| {
                sqlx::query("delete from login_failure where login = $1")
                    .bind(&login)
                    .execute(c)
                    .await?;
            });
            tx.commit().await?;
            account::get(db, id).await?.ok_or(Error::Unauthorized)
        }
        _ => {
            on!(&mut tx, |c| {
                sqlx::query("insert into login_failure (login, failed_at) values ($1, $2)")
                    .bind(&login)
                    .bind(now)
                    .execute(c)
                    .await?;
            });
            tx.commit().await?;
            tracing::warn!(login = %login, "failed sign-in");
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
    let mut tx = db.begin().await?;
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
    let mut tx = db.begin().await?;
    let id: Option<AccountId> = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "select s.account_id from session s join account a on a.id = s.account_id
             where s.token_hash = $1 and s.expires_at > $2 and a.active",
        )
        .bind(digest(token))
        .bind(crate::now())
        .fetch_optional(c)
        .await?
    });
    match id {
        Some(id) => account::get_in(&mut tx, id).await,
        None => Ok(None),
    }
}

pub async fn end_session(db: &Db, token: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    on!(&mut tx, |c| {
        sqlx::query("delete from session where token_hash = $1")
            .bind(digest(token))
            .execute(c)
            .await?;
    });
    tx.commit().await
}

/// Ends every session of an account except `keep` (after a password change).
pub async fn end_other_sessions(db: &Db, account: AccountId, keep: Option<&str>) -> Result<()> {
    let mut tx = db.begin().await?;
    on!(&mut tx, |c| {
        sqlx::query("delete from session where account_id = $1 and token_hash <> $2")
            .bind(account)
            .bind(keep.map(digest).unwrap_or_default())
            .execute(c)
            .await?;
    });
    tx.commit().await
}

/// Creates an API token for scripts; the secret is returned once and never stored.
pub async fn create_token(db: &Db, account: AccountId, name: &str) -> Result<String> {
    let token = format!("ql_{}", random_token());
    let mut tx = db.begin().await?;
    on!(&mut tx, |c| {
        sqlx::query("insert into api_token (account_id, token_hash, name, created_at) values ($1, $2, $3, $4)")
            .bind(account)
            .bind(digest(&token))
            .bind(name)
            .bind(crate::now())
            .execute(c)
            .await?;
    });
    tx.commit().await?;
    Ok(token)
}

/// The active account behind an API token that has not been revoked.
pub async fn token_account(db: &Db, token: &str) -> Result<Option<Account>> {
    let now = crate::now();
    let mut tx = db.begin().await?;
    let id: Option<AccountId> = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "select t.account_id from api_token t join account a on a.id = t.account_id
             where t.token_hash = $1 and t.revoked_at is null and a.active",
        )
        .bind(digest(token))
        .fetch_optional(&mut *c)
        .await?
    });
    let Some(id) = id else {
        return Ok(None);
    };
    // Record use at most once a minute, so reads do not turn into a write each.
    on!(&mut tx, |c| {
        sqlx::query(
            "update api_token set last_used_at = $1
             where token_hash = $2 and (last_used_at is null or last_used_at < $3)",
        )
        .bind(now)
        .bind(digest(token))
        .bind(now - Duration::minutes(1))
        .execute(c)
        .await?;
    });
    let account = account::get_in(&mut tx, id).await?;
    tx.commit().await?;
    Ok(account)
}

pub async fn revoke_token(db: &Db, token: &str) -> Result<bool> {
    let mut tx = db.begin().await?;
    let n = on!(&mut tx, |c| {
        sqlx::query(
            "update api_token set revoked_at = $1 where token_hash = $2 and revoked_at is null",
        )
        .bind(crate::now())
        .bind(digest(token))
        .execute(c)
        .await?
        .rows_affected()
    });
    tx.commit().await?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_after_the_free_failures_and_is_capped() {
        assert_eq!(backoff_secs(4), 0);
        assert_eq!(backoff_secs(5), 30);
        assert_eq!(backoff_secs(6), 60);
        assert_eq!(backoff_secs(50), 900);
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
