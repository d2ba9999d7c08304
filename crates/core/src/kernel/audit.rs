//! The audit trail: who unmasked, exported or changed what, and when. Entries are
//! append-only and chained — each hash covers the previous one — so an altered or
//! removed entry breaks the chain from that point on, which `verify` reports.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::access::{self, Action, Actor, Resource};
use crate::account::AccountId;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::on;
use crate::page::{Page, PageRequest};

text_enum!(
    AuditAction {
        ViewContacts = "view_contacts",
        Export = "export",
        Create = "create",
        Update = "update",
        Erase = "erase",
        Merge = "merge",
        UndoMerge = "undo_merge",
        SignIn = "sign_in",
        SignInFailed = "sign_in_failed",
        TokenCreate = "token_create",
        TokenRevoke = "token_revoke",
        Disable = "disable",
        Enable = "enable",
    }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub account_id: AccountId,
    pub account_name: String,
    #[sqlx(try_from = "String")]
    pub action: AuditAction,
    pub entity: String,
    pub entity_id: i64,
    pub detail: String,
    #[serde(skip)]
    pub prev_hash: String,
    #[serde(skip)]
    pub hash: String,
}

fn digest(
    prev: &str,
    at: DateTime<Utc>,
    account: AccountId,
    action: &str,
    entity: &str,
    id: i64,
    detail: &str,
) -> String {
    let line = format!(
        "{prev}\n{}\n{}\n{action}\n{entity}\n{id}\n{detail}",
        at.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
        account.0
    );
    format!("{:x}", Sha256::digest(line.as_bytes()))
}

/// Appends an entry in the caller's transaction, so it stands or falls with the change.
pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    action: AuditAction,
    entity: &str,
    entity_id: i64,
    detail: &str,
) -> Result<()> {
    // Taking the head row first serializes appends on both engines.
    let (prev,): (String,) = on!(&mut *tx, |c| {
        sqlx::query_as("update audit_head set seq = seq + 1 where id = 1 returning hash")
            .fetch_one(c)
            .await?
    });
    let at = crate::now();
    let hash = digest(
        &prev,
        at,
        actor.account_id,
        action.as_str(),
        entity,
        entity_id,
        detail,
    );
    on!(&mut *tx, |c| {
        sqlx::query(
            "insert into audit (at, account_id, action, entity, entity_id, detail, prev_hash, hash)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(at)
        .bind(actor.account_id)
        .bind(action.as_str())
        .bind(entity)
        .bind(entity_id)
        .bind(detail)
        .bind(&prev)
        .bind(&hash)
        .execute(c)
        .await?;
    });
    on!(tx, |c| {
        sqlx::query("update audit_head set hash = $1 where id = 1")
            .bind(&hash)
            .execute(c)
            .await?;
    });
    Ok(())
}

const SELECT: &str = "select x.id, x.at, x.account_id, a.display_name as account_name, x.action, x.entity, x.entity_id,
    x.detail, x.prev_hash, x.hash from audit x join account a on a.id = x.account_id";

/// The entries about one record, newest first.
pub async fn of(db: &Db, entity: &str, entity_id: i64) -> Result<Vec<Entry>> {
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} where x.entity = $1 and x.entity_id = $2 order by x.id desc"
        )))
        .bind(entity)
        .bind(entity_id)
        .fetch_all(c)
        .await?
    }))
}

/// Filters of the audit trail; all optional.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AuditFilter {
    /// The kind of record, e.g. `person`, `account`, `api_token`, `org`.
    pub entity: Option<String>,
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub entity_id: Option<i64>,
    /// e.g. `sign_in_failed`
    pub action: Option<String>,
}

/// The trail for an administrator, newest first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<Entry>> {
    access::authorize(actor, Resource::Audit, Action::Read, None)?;
    let page = page.clamped();
    let action = match filter
        .action
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(a) => Some(
            AuditAction::parse(a)
                .map_err(|e| Error::Invalid([("action", e)].into()))?
                .as_str(),
        ),
        None => None,
    };
    let entity: Option<String> = filter
        .entity
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| e.chars().take(40).collect());
    // Only the filters given become conditions, so each query can use its index
    // (`audit_entity_idx`, `audit_action_idx`) instead of scanning the trail.
    let mut conditions = Vec::new();
    for (present, column) in [
        (entity.is_some(), "x.entity"),
        (filter.entity_id.is_some(), "x.entity_id"),
        (action.is_some(), "x.action"),
    ] {
        if present {
            conditions.push(format!("{column} = ${}", conditions.len() + 1));
        }
    }
    let where_ = if conditions.is_empty() {
        String::new()
    } else {
        format!("where {}", conditions.join(" and "))
    };
    let n = conditions.len();
    macro_rules! bind_filters {
        ($q:expr) => {{
            let mut q = $q;
            if let Some(e) = &entity {
                q = q.bind(e);
            }
            if let Some(id) = filter.entity_id {
                q = q.bind(id);
            }
            if let Some(a) = action {
                q = q.bind(a);
            }
            q
        }};
    }
    let mut tx = db.read().await?;
    let total: i64 = on!(&mut tx, |c| {
        bind_filters!(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "select count(*) from audit x {where_}"
        ))))
        .fetch_one(c)
        .await?
    });
    let items = on!(&mut tx, |c| {
        bind_filters!(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} {where_} order by x.id desc limit ${} offset ${}",
            n + 1,
            n + 2
        ))))
        .bind(i64::from(page.per_page))
        .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX))
        .fetch_all(c)
        .await?
    });
    Ok(page.of(items, total))
}

/// Whether the chain holds: how many entries it has and the first one that breaks it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ChainState {
    pub entries: i64,
    pub intact: bool,
    /// The id of the first entry that does not follow from the one before it.
    pub first_bad: Option<i64>,
}

/// The chain's state, for an administrator.
pub async fn chain(db: &Db, actor: &Actor) -> Result<ChainState> {
    access::authorize(actor, Resource::Audit, Action::Read, None)?;
    chain_state(db).await
}

/// The chain's state, for the command line.
pub async fn chain_state(db: &Db) -> Result<ChainState> {
    let first_bad = verify(db).await?;
    let mut tx = db.read().await?;
    let entries: i64 = on!(&mut tx, |c| {
        sqlx::query_scalar("select count(*) from audit")
            .fetch_one(c)
            .await?
    });
    Ok(ChainState {
        entries,
        intact: first_bad.is_none(),
        first_bad,
    })
}

/// Walks the chain from the first entry, a thousand entries at a time so memory stays
/// flat however long the trail; the id of the first entry that does not follow from
/// the one before it, if any.
pub async fn verify(db: &Db) -> Result<Option<i64>> {
    let mut tx = db.read().await?;
    let head: String = on!(&mut tx, |c| {
        sqlx::query_scalar("select hash from audit_head where id = 1")
            .fetch_one(c)
            .await?
    });
    let mut prev = String::new();
    let mut after = 0_i64;
    let mut last = None;
    loop {
        let entries: Vec<Entry> = on!(&mut tx, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{SELECT} where x.id > $1 order by x.id limit 1000"
            )))
            .bind(after)
            .fetch_all(c)
            .await?
        });
        let Some(end) = entries.last().map(|e| e.id) else {
            break;
        };
        for e in &entries {
            let expected = digest(
                &prev,
                e.at,
                e.account_id,
                e.action.as_str(),
                &e.entity,
                e.entity_id,
                &e.detail,
            );
            if e.prev_hash != prev || e.hash != expected {
                return Ok(Some(e.id));
            }
            prev = expected;
        }
        after = end;
        last = Some(end);
    }
    // A removed last entry leaves the head pointing past the end.
    if head != prev {
        return Ok(Some(last.map_or(0, |id| id + 1)));
    }
    Ok(None)
}
