//! A person's messages about records (a deadline near; later orders, urgings,
//! mentions): their inbox, the unread count, marking them read. Each message names its
//! record and the facts it was sent with; the reader's language writes the text.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::page::{Page, PageRequest};
use crate::sql::Sql;

/// The most messages one request marks read by id.
pub const MAX_MARKED: usize = 500;

/// A message as its reader sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `deadline`: a task's deadline is near.
    pub kind: String,
    /// `task`.
    pub record_kind: String,
    pub record_id: i64,
    /// The record's title now, when the reader may still read it.
    pub record_title: Option<String>,
    /// The facts the message was sent with (`deadline`, `days` for a deadline).
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Which messages a list shows.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct NotificationFilter {
    /// Only those not read yet.
    pub unread: Option<bool>,
}

/// The reader's own messages, newest first; a record's title only where the reader may
/// still read the record (they may have moved since it was sent).
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &NotificationFilter,
    page: PageRequest,
) -> Result<Page<Notification>> {
    let page = page.clamped();
    let mut tx = db.read().await?;
    let mut mine = Sql::new("n.account_id = ");
    mine.bind(actor.account_id.0);
    if filter.unread == Some(true) {
        mine.push(" and n.read_at is null");
    }
    let mut count = Sql::new("select count(*) from notification n where ");
    let total: i64 = count.append(&mine).scalar(&mut tx).await?;
    // An order's message names the order's record, to a reader who may read the order.
    let mut q = Sql::new(
        "select n.id, n.kind, n.record_kind, n.record_id, coalesce(
            (select t.title from task t where n.record_kind = 'task' and t.id = n.record_id and ",
    );
    q.append(&crate::task::READ.sql(actor))
        .push(
            "), (select coalesce(
                   (select ot.title from task ot where o.record_kind = 'task' and ot.id = o.record_id),
                   (select substr(r.text, 1, 60) from resolution r
                     where o.record_kind = 'resolution' and r.id = o.record_id))
                 from supervision_order o where n.record_kind = 'order' and o.id = n.record_id and ",
        )
        .append(&crate::order::READ.sql(actor))
        .push(
            ")) as record_title, n.params, n.created_at, n.read_at
             from notification n where ",
        )
        .append(&mine)
        .push(" order by n.id desc limit ")
        .bind(i64::from(page.per_page))
        .push(" offset ")
        .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX));
    type Row = (
        i64,
        String,
        String,
        i64,
        Option<String>,
        String,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
    );
    let rows: Vec<Row> = q.all(&mut tx).await?;
    let items = rows
        .into_iter()
        .map(
            |(id, kind, record_kind, record_id, record_title, params, created_at, read_at)| {
                Notification {
                    id,
                    kind,
                    record_kind,
                    record_id,
                    record_title,
                    // Written by the server as JSON; a row that is not reads as no facts.
                    params: serde_json::from_str(&params).unwrap_or_default(),
                    created_at,
                    read_at,
                }
            },
        )
        .collect();
    Ok(page.of(items, total))
}

/// Sends a message to every active account of an organization but its viewers, once
/// per account and key (a step of an order sent again sends nothing). Returns the
/// messages sent.
pub(crate) async fn to_org(
    tx: &mut crate::db::Tx,
    org: crate::org::OrgId,
    kind: &str,
    record_kind: &str,
    record_id: i64,
    params: &serde_json::Value,
    key: &str,
) -> Result<u64> {
    let mut q = Sql::new(
        "insert into notification (account_id, kind, record_kind, record_id, params, key, created_at)
         select a.id, ",
    );
    q.bind(kind)
        .push(", ")
        .bind(record_kind)
        .push(", ")
        .bind(record_id)
        .push(", ")
        .bind(params.to_string())
        .push(", ")
        .bind(key)
        .push(", ")
        .bind(crate::now())
        .push(" from account a where a.org_id = ")
        .bind(org.0)
        .push(" and a.active and a.role <> 'viewer' on conflict (account_id, key) do nothing");
    q.execute(tx).await
}

/// How many of the reader's messages are unread: the header's badge.
pub async fn unread(db: &Db, actor: &Actor) -> Result<i64> {
    let mut tx = db.read().await?;
    let mut q = Sql::new("select count(*) from notification where account_id = ");
    q.bind(actor.account_id.0).push(" and read_at is null");
    q.scalar(&mut tx).await
}

/// Marks the reader's messages read: these ids (others' ids are ignored, as if they did
/// not exist), or all when `ids` is `None`. Returns how many turned read.
pub async fn mark_read(db: &Db, actor: &Actor, ids: Option<&[i64]>) -> Result<u64> {
    if ids.is_some_and(|ids| ids.is_empty() || ids.len() > MAX_MARKED) {
        return Err(Error::field("ids", "marked_count"));
    }
    let mut tx = db.write().await?;
    let mut q = Sql::new("update notification set read_at = ");
    q.bind(crate::now())
        .push(" where account_id = ")
        .bind(actor.account_id.0)
        .push(" and read_at is null");
    if let Some(ids) = ids {
        q.push(" and id in ").bind_list(ids.iter().copied());
    }
    let n = q.execute(&mut tx).await?;
    tx.commit().await?;
    Ok(n)
}

/// Marks one of the reader's messages read and names its record (kind, id), to open
/// it; `None` when the reader has no such message.
pub async fn open(db: &Db, actor: &Actor, id: i64) -> Result<Option<(String, i64)>> {
    let mut tx = db.write().await?;
    let mut q = Sql::new("select record_kind, record_id from notification where id = ");
    q.bind(id)
        .push(" and account_id = ")
        .bind(actor.account_id.0);
    let Some(record) = q.optional::<(String, i64)>(&mut tx).await? else {
        return Ok(None);
    };
    let mut q = Sql::new("update notification set read_at = ");
    q.bind(crate::now())
        .push(" where id = ")
        .bind(id)
        .push(" and read_at is null");
    q.execute(&mut tx).await?;
    tx.commit().await?;
    Ok(Some(record))
}
