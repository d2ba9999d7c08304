//! User accounts: one organization and one role each; passwords hashed with argon2id.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, Reach, ReadRule, Resource};
use crate::audit::{self, AuditAction};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, FieldError, Result};
use crate::org::{self, OrgId};
use crate::page::{Page, PageRequest};
use crate::sql::Sql;
use crate::{on, text};

id_type!(AccountId);

text_enum!(
    /// From most to least powerful; the order matters to [`Role::may_grant`].
    Role {
        Admin = "admin",
        OrgAdmin = "org_admin",
        Coordinator = "coordinator",
        Member = "member",
        Viewer = "viewer",
    }
);

impl Role {
    /// Nobody hands out more power than they hold; only admins make admins.
    pub fn may_grant(self, role: Role) -> bool {
        self == Role::Admin || (self as u8) <= (role as u8) && role != Role::Admin
    }
}

text_enum!(
    Locale { ZhCn = "zh-CN", En = "en" }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Account {
    pub id: AccountId,
    pub login: String,
    pub display_name: String,
    pub org_id: OrgId,
    pub org_name: String,
    #[serde(skip)]
    pub org_path: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    #[sqlx(try_from = "String")]
    pub locale: Locale,
    /// Kind of the side of the user's organization; national users see every side.
    #[sqlx(try_from = "String")]
    pub side_kind: crate::side::SideKind,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl Account {
    pub fn actor(&self) -> Actor {
        Actor {
            account_id: self.id,
            login: self.login.clone(),
            role: self.role,
            org_id: self.org_id,
            org_path: self.org_path.clone(),
            national: self.side_kind == crate::side::SideKind::National,
        }
    }
}

macro_rules! account_columns {
    () => {
        "select a.id, a.login, a.display_name, a.org_id, o.name as org_name,
    o.path as org_path, a.role, a.locale, s.kind as side_kind, a.active, a.version, a.created_at"
    };
}
macro_rules! account_from {
    () => {
        " from account a join org o on o.id = a.org_id join side s on s.id = o.side_id"
    };
}
const SELECT: &str = concat!(account_columns!(), account_from!());
// The two lookups run before every signed-in request: whole statements, built once.
const BY_SESSION: &str = concat!(
    account_columns!(),
    account_from!(),
    " join session ss on ss.account_id = a.id
     where ss.token_hash = $1 and ss.expires_at > $2 and a.active"
);
const BY_TOKEN: &str = concat!(
    account_columns!(),
    ", tt.last_used_at",
    account_from!(),
    " join api_token tt on tt.account_id = a.id
     where tt.token_hash = $1 and tt.revoked_at is null and a.active
       and (tt.expires_at is null or tt.expires_at > $2)"
);

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 200;

/// A login: 3–40 of lowercase ASCII letters, digits, `.`, `_`, `-`; case-folded.
pub fn parse_login(s: &str) -> Result<String, FieldError> {
    let t = s.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Err(FieldError::new("required"));
    }
    let ok = (3..=40).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(t)
    } else {
        Err(FieldError::new("bad_login"))
    }
}

/// A new password: long enough to resist guessing, short enough to hash cheaply.
pub fn parse_password(s: &str) -> Result<String, FieldError> {
    let n = s.chars().count();
    if n == 0 {
        Err(FieldError::new("required"))
    } else if n < PASSWORD_MIN {
        Err(FieldError {
            code: "password_too_short",
            limit: Some(PASSWORD_MIN),
        })
    } else if n > PASSWORD_MAX {
        Err(FieldError::too_long(PASSWORD_MAX))
    } else {
        Ok(s.to_owned())
    }
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| Error::Other(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Other(format!("password hashing failed: {e}")))
}

/// Argon2 costs tens of milliseconds of CPU by design: run it on the blocking pool so
/// a burst of sign-ins does not stall every other request on the async workers.
pub async fn hash_password_off_thread(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Other(format!("password hashing: {e}")))?
}

pub async fn verify_password_off_thread(password: &str, hash: String) -> Result<bool> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| Error::Other(format!("password check: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new account as submitted.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewAccount {
    pub login: String,
    pub display_name: String,
    pub org_id: Option<OrgId>,
    /// One of `admin`, `org_admin`, `coordinator`, `member`, `viewer`.
    pub role: String,
    pub password: String,
}

/// Creates an account; `actor` is `None` for the system itself (first start, CLI).
pub async fn create(db: &Db, actor: Option<&Actor>, input: &NewAccount) -> Result<Account> {
    // Hashed before the write begins, so argon2's cost is not paid holding the lock.
    let hash = match parse_password(&input.password) {
        Ok(p) => Some(hash_password_off_thread(&p).await?),
        Err(_) => None,
    };
    let mut tx = db.write().await?;
    let mut check = Check::default();
    let login = check.take("login", parse_login(&input.login));
    let display_name = check.take("display_name", text::required(&input.display_name, 50));
    let role = check.take("role", Role::parse(&input.role));
    let password = check.take("password", parse_password(&input.password));
    let org_path = match input.org_id {
        None => check.take("org_id", Err(FieldError::new("required"))),
        Some(id) => check.take(
            "org_id",
            org::path_of(&mut tx, id)
                .await?
                .ok_or(FieldError::new("unknown_org")),
        ),
    };
    if let (Some(actor), Some(role)) = (actor, role)
        && !actor.role.may_grant(role)
    {
        check.add("role", "role_too_high");
    }
    check.finish()?;
    let (
        Some(login),
        Some(display_name),
        Some(role),
        Some(_),
        Some(hash),
        Some(org_path),
        Some(org_id),
    ) = (
        login,
        display_name,
        role,
        password,
        hash,
        org_path,
        input.org_id,
    )
    else {
        return Err(Error::Other(
            "account fields parsed without errors yet missing".into(),
        ));
    };
    if let Some(actor) = actor {
        access::authorize(actor, Resource::Account, Action::Create, Some(&org_path))?;
    }
    let now = crate::now();
    let id: AccountId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into account (login, display_name, org_id, role, password_hash, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $6) returning id",
        )
        .bind(&login)
        .bind(&display_name)
        .bind(org_id)
        .bind(role.as_str())
        .bind(&hash)
        .bind(now)
        .fetch_one(c)
        .await
        .map_err(|e| match Error::from(e) {
            e if e.unique_violation().as_deref() == Some("account_login_key") => {
                Error::field("login", "login_taken")
            }
            e => e,
        })?
    });
    let account = get_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
    let by = actor.cloned().unwrap_or_else(|| account.actor());
    let detail = format!("{} ({role}) in {}", account.login, account.org_name);
    audit::record(&mut tx, &by, AuditAction::Create, "account", id.0, &detail).await?;
    tx.commit().await?;
    tracing::info!(account = %id, login = %account.login, role = %role, "account created");
    Ok(account)
}

pub(crate) async fn get_in(tx: &mut Tx, id: AccountId) -> Result<Option<Account>> {
    Ok(on!(tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} where a.id = $1")))
            .bind(id)
            .fetch_optional(c)
            .await?
    }))
}

/// The active account of an unexpired session, in one statement.
pub(crate) async fn by_session(
    tx: &mut Tx,
    token_hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<Account>> {
    by_hash(tx, BY_SESSION, token_hash, now).await
}

/// An account found by API token, with when the token was last used.
#[derive(sqlx::FromRow)]
pub(crate) struct TokenAccount {
    #[sqlx(flatten)]
    pub account: Account,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The active account of a live API token, in one statement.
pub(crate) async fn by_token(
    tx: &mut Tx,
    token_hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<TokenAccount>> {
    by_hash(tx, BY_TOKEN, token_hash, now).await
}

async fn by_hash<T>(
    tx: &mut Tx,
    sql: &'static str,
    token_hash: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<T>>
where
    T: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    Ok(on!(tx, |c| {
        sqlx::query_as(sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(c)
            .await?
    }))
}

pub async fn get(db: &Db, id: AccountId) -> Result<Option<Account>> {
    let mut tx = db.read().await?;
    get_in(&mut tx, id).await
}

/// Who may read an account: administrators of its organization (`POLICY`).
pub const READ: ReadRule = ReadRule {
    resource: Resource::Account,
    orgs: &[OrgOf::Column("a.org_id")],
    also: None,
    reached: None,
};

/// An account the actor administers (others answer `NotFound`).
pub async fn get_managed(db: &Db, actor: &Actor, id: AccountId) -> Result<Account> {
    let mut q = Sql::new(&format!("{SELECT} where a.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    q.optional(&mut db.read().await?)
        .await?
        .ok_or(Error::NotFound)
}

pub async fn by_login(db: &Db, login: &str) -> Result<Option<Account>> {
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} where a.login = $1")))
            .bind(login.trim().to_ascii_lowercase())
            .fetch_optional(c)
            .await?
    }))
}

pub async fn count(db: &Db) -> Result<i64> {
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_scalar("select count(*) from account")
            .fetch_one(c)
            .await?
    }))
}

/// Accounts the actor may see: all for admins, their subtree for organization admins.
pub async fn list(db: &Db, actor: &Actor, page: PageRequest) -> Result<Page<Account>> {
    if access::reach(actor.role, Resource::Account, Action::Read) == Reach::NOTHING {
        return Err(Error::Forbidden);
    }
    READ.sql(actor)
        .page(
            &mut db.read().await?,
            SELECT,
            "from account a",
            "o.path, a.login",
            page,
        )
        .await
}

/// Changes the actor's own password after checking the current one; ends every other
/// session and revokes every API token, since a changed password usually means a
/// leaked one. `keep` is the session the change was made from.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    current: &str,
    new: &str,
    confirm: &str,
    keep: Option<&str>,
) -> Result<()> {
    let mut tx = db.read().await?;
    let (hash, version): (String, i64) = on!(&mut tx, |c| {
        sqlx::query_as("select password_hash, version from account where id = $1")
            .bind(actor.account_id)
            .fetch_one(c)
            .await?
    });
    drop(tx);
    let mut check = Check::default();
    if !verify_password_off_thread(current, hash).await? {
        check.add("current_password", "wrong_password");
    }
    let new = check.take("new_password", parse_password(new));
    if new.as_deref().is_some_and(|n| n != confirm) {
        check.add("confirm_password", "passwords_differ");
    }
    check.finish()?;
    let new_hash = hash_password_off_thread(&new.unwrap_or_default()).await?;
    let mut tx = db.write().await?;
    crate::db::claim(&mut tx, "account", actor.account_id.0, version).await?;
    on!(&mut tx, |c| {
        sqlx::query("update account set password_hash = $1 where id = $2")
            .bind(&new_hash)
            .bind(actor.account_id)
            .execute(c)
            .await?;
    });
    crate::auth::sign_out_everywhere(&mut tx, actor.account_id, keep).await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::Update,
        "account",
        actor.account_id.0,
        "password",
    )
    .await?;
    tx.commit().await?;
    tracing::info!(account = %actor.account_id, "password changed");
    Ok(())
}

/// Sets a password without knowing the old one: for the CLI and first start. Every
/// session and token of the account ends.
pub async fn set_password(db: &Db, id: AccountId, password: &str) -> Result<()> {
    let password =
        parse_password(password).map_err(|e| Error::Invalid([("password", e)].into()))?;
    let hash = hash_password_off_thread(&password).await?;
    let mut tx = db.write().await?;
    on!(&mut tx, |c| {
        sqlx::query("update account set password_hash = $1, updated_at = $2, version = version + 1 where id = $3")
            .bind(&hash)
            .bind(crate::now())
            .bind(id)
            .execute(c)
            .await?;
    });
    crate::auth::sign_out_everywhere(&mut tx, id, None).await?;
    tx.commit().await
}

/// An administrator's change to an account, made on the version read.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AccountPatch {
    /// One of `admin`, `org_admin`, `coordinator`, `member`, `viewer`.
    pub role: Option<String>,
    /// `false` disables the account: its sessions and tokens end at once.
    pub active: Option<bool>,
    pub display_name: Option<String>,
    pub version: Option<i64>,
}

/// Changes another account's role, name or whether it may sign in. Organization
/// admins manage accounts in their subtree; nobody grants more than they hold,
/// changes an account more powerful than themselves, or disables themselves.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: AccountId,
    patch: &AccountPatch,
) -> Result<Account> {
    let mut tx = db.write().await?;
    let Some(old) = get_in(&mut tx, id).await? else {
        return Err(Error::NotFound);
    };
    if !actor.may(Resource::Account, Action::Read, Some(&old.org_path)) {
        return Err(Error::NotFound);
    }
    access::authorize(
        actor,
        Resource::Account,
        Action::Update,
        Some(&old.org_path),
    )?;
    if !actor.role.may_grant(old.role) {
        return Err(Error::Forbidden);
    }
    let Some(version) = patch.version else {
        return Err(Error::field("version", "required"));
    };
    let mut check = Check::default();
    let role = match &patch.role {
        Some(r) => check.take("role", Role::parse(r)),
        None => Some(old.role),
    };
    if role.is_some_and(|r| !actor.role.may_grant(r)) {
        check.add("role", "role_too_high");
    }
    let display_name = match &patch.display_name {
        Some(n) => check.take("display_name", text::required(n, 50)),
        None => Some(old.display_name.clone()),
    };
    let active = patch.active.unwrap_or(old.active);
    if id == actor.account_id && (!active || role != Some(old.role)) {
        check.add("active", "cannot_change_self");
    }
    check.finish()?;
    let (Some(role), Some(display_name)) = (role, display_name) else {
        return Err(Error::Other(
            "account patch parsed without errors yet incomplete".into(),
        ));
    };
    crate::db::claim(&mut tx, "account", id.0, version).await?;
    on!(&mut tx, |c| {
        sqlx::query("update account set role = $1, active = $2, display_name = $3 where id = $4")
            .bind(role.as_str())
            .bind(active)
            .bind(&display_name)
            .bind(id)
            .execute(c)
            .await?;
    });
    let mut changed = Vec::new();
    if role != old.role {
        changed.push(format!("role: {} → {role}", old.role));
    }
    if display_name != old.display_name {
        changed.push("display_name".to_owned());
    }
    if !changed.is_empty() {
        audit::record(
            &mut tx,
            actor,
            AuditAction::Update,
            "account",
            id.0,
            &changed.join(", "),
        )
        .await?;
    }
    if active != old.active {
        let action = if active {
            AuditAction::Enable
        } else {
            AuditAction::Disable
        };
        audit::record(&mut tx, actor, action, "account", id.0, &old.login).await?;
    }
    if !active || role != old.role {
        // A disabled account, or one whose powers changed, signs in afresh.
        crate::auth::sign_out_everywhere(&mut tx, id, None).await?;
    }
    let account = get_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(account)
}

pub async fn set_locale(db: &Db, actor: &Actor, locale: Locale) -> Result<()> {
    let mut tx = db.write().await?;
    on!(&mut tx, |c| {
        sqlx::query("update account set locale = $1 where id = $2")
            .bind(locale.as_str())
            .bind(actor.account_id)
            .execute(c)
            .await?;
    });
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_at_most_their_own_power() {
        assert!(Role::Admin.may_grant(Role::Admin));
        assert!(Role::OrgAdmin.may_grant(Role::OrgAdmin));
        assert!(Role::OrgAdmin.may_grant(Role::Viewer));
        assert!(!Role::OrgAdmin.may_grant(Role::Admin));
        assert!(!Role::Coordinator.may_grant(Role::OrgAdmin));
    }

    #[test]
    fn logins_are_case_folded_and_plain() {
        assert_eq!(parse_login(" Admin ").as_deref(), Ok("admin"));
        assert_eq!(parse_login("张三"), Err(FieldError::new("bad_login")));
        assert_eq!(parse_login("ab"), Err(FieldError::new("bad_login")));
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
