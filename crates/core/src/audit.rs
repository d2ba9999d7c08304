//! The audit trail: who unmasked, exported or changed what, and when. Entries are
//! append-only and chained — each hash covers the previous one — so an altered or
//! removed entry breaks the chain from that point on, which `verify` reports.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::access::Actor;
use crate::account::AccountId;
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::on;

text_enum!(
    AuditAction {
        ViewContacts = "view_contacts",
        Export = "export",
        Create = "create",
        Update = "update",
        Erase = "erase",
        Merge = "merge",
        UndoMerge = "undo_merge",
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
    let mut tx = db.begin().await?;
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

/// Walks the chain from the first entry; the id of the first entry that does not
/// follow from the one before it, if any.
pub async fn verify(db: &Db) -> Result<Option<i64>> {
    let mut tx = db.begin().await?;
    let entries: Vec<Entry> = on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} order by x.id")))
            .fetch_all(c)
            .await?
    });
    let head: String = on!(&mut tx, |c| {
        sqlx::query_scalar("select hash from audit_head where id = 1")
            .fetch_one(c)
            .await?
    });
    let mut prev = String::new();
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
    // A removed last entry leaves the head pointing past the end.
    if head != prev {
        return Ok(Some(entries.last().map_or(0, |e| e.id + 1)));
    }
    Ok(None)
}
