//! Urging (催办): a recorded message on an open item from those who oversee it, to the
//! organization that must act, with a reply expected by a day. Lighter than an order:
//! no number, no escalation; the reply closes it. Who may urge is who may order
//! ([`order::supervised`]); who reads it is who reads orders.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::order::{self, RecordKind};
use crate::org::OrgId;
use crate::sql::Sql;
use crate::{notification, settings, text};

/// Who may read an urging: its two organizations and those above them, as for orders.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Order,
    orgs: &[OrgOf::Column("u.from_org_id"), OrgOf::Column("u.to_org_id")],
    also: None,
    reached: None,
};

/// The longest wait for a reply, from today.
const MAX_REPLY_DAYS: i64 = 90;

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Urging {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub record_kind: RecordKind,
    pub record_id: i64,
    pub from_org_name: String,
    pub to_org_id: OrgId,
    pub to_org_name: String,
    #[serde(skip)]
    pub to_org_path: String,
    pub message: String,
    pub reply_by: NaiveDate,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
}

impl Urging {
    /// Whether the reader's organization should reply now.
    pub fn may_reply(&self, actor: &Actor) -> bool {
        self.reply.is_none() && actor.may(Resource::Order, Action::Report, Some(&self.to_org_path))
    }

    pub fn overdue(&self) -> bool {
        self.reply.is_none() && self.reply_by < settings::today()
    }
}

/// An urging as submitted.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct UrgingInput {
    /// `task` or `resolution`.
    pub record_kind: String,
    pub record_id: Option<i64>,
    /// The task's lead if left out.
    pub to_org_id: Option<OrgId>,
    pub message: String,
    /// `YYYY-MM-DD`
    pub reply_by: String,
}

const SELECT: &str =
    "select u.id, u.record_kind, u.record_id, fo.name as from_org_name, u.to_org_id,
    tg.name as to_org_name, tg.path as to_org_path, u.message, u.reply_by, u.reply, u.replied_at,
    a.display_name as created_by_name, u.created_at
    from urging u join org fo on fo.id = u.from_org_id join org tg on tg.id = u.to_org_id
    join account a on a.id = u.created_by where ";

async fn get_in(tx: &mut Tx, actor: &Actor, id: i64) -> Result<Urging> {
    let mut q = Sql::new(SELECT);
    q.push("u.id = ").bind(id).and(&READ.sql(actor));
    q.optional(tx).await?.ok_or(Error::NotFound)
}

/// Urges the organization responsible for an open item; it is told at once.
pub async fn urge(db: &Db, actor: &Actor, input: &UrgingInput) -> Result<Urging> {
    if !order::supervises(actor) {
        return Err(Error::Forbidden);
    }
    let mut tx = db.write().await?;
    let mut check = Check::default();
    let kind = check.take("record_kind", RecordKind::parse(&input.record_kind));
    let message = check.take("message", text::required(&input.message, text::LONG));
    let today = settings::today();
    let reply_by = check.required("reply_by", text::date(&input.reply_by));
    if reply_by.is_some_and(|d| d < today) {
        check.add("reply_by", "date_in_past");
    } else if reply_by.is_some_and(|d| (d - today).num_days() > MAX_REPLY_DAYS) {
        check.add("reply_by", "reply_too_late");
    }
    let found = order::supervised(
        &mut tx,
        actor,
        kind,
        input.record_id,
        input.to_org_id,
        &mut check,
    )
    .await?;
    check.finish()?;
    let (Some(kind), Some(id), Some(message), Some(reply_by), Some((_, to))) =
        (kind, input.record_id, message, reply_by, found)
    else {
        return Err(Error::Other(
            "urging parsed without errors yet incomplete".into(),
        ));
    };
    let mut q = Sql::new(
        "insert into urging (record_kind, record_id, from_org_id, to_org_id, message, reply_by, created_by,
            created_at) values (",
    );
    q.bind(kind.as_str())
        .push(", ")
        .bind(id)
        .push(", ")
        .bind(actor.org_id.0)
        .push(", ")
        .bind(to.0)
        .push(", ")
        .bind(message.as_str())
        .push(", ")
        .bind(reply_by)
        .push(", ")
        .bind(actor.account_id.0)
        .push(", ")
        .bind(crate::now())
        .push(") returning id");
    let urging: i64 = q.scalar(&mut tx).await?;
    let u = get_in(&mut tx, actor, urging).await?;
    if kind == RecordKind::Task {
        let note = format!("→ {}：{message}", u.to_org_name);
        crate::task::record_event(&mut tx, actor, crate::task::TaskId(id), "urged", &note).await?;
    }
    let params = serde_json::json!({
        "org": u.from_org_name, "due": reply_by,
        "reason": message.chars().take(200).collect::<String>(),
    });
    notification::to_org(
        &mut tx,
        to,
        "urged",
        kind.as_str(),
        id,
        &params,
        &format!("urged:urging:{urging}"),
    )
    .await?;
    tx.commit().await?;
    Ok(u)
}

/// The urged organization replies; the urging side is told.
pub async fn reply(db: &Db, actor: &Actor, id: i64, reply: &str) -> Result<Urging> {
    let mut tx = db.write().await?;
    crate::db::lock(&mut tx, "urging", id).await?;
    let u = get_in(&mut tx, actor, id).await?;
    access::authorize(actor, Resource::Order, Action::Report, Some(&u.to_org_path))?;
    if u.reply.is_some() {
        return Err(Error::field("reply", "already_replied"));
    }
    let reply =
        text::required(reply, text::LONG).map_err(|e| Error::Invalid([("reply", e)].into()))?;
    let mut q = Sql::new("update urging set reply = ");
    q.bind(reply.as_str())
        .push(", replied_at = ")
        .bind(crate::now())
        .push(", replied_by = ")
        .bind(actor.account_id.0)
        .push(" where id = ")
        .bind(id);
    q.execute(&mut tx).await?;
    if u.record_kind == RecordKind::Task {
        let task = crate::task::TaskId(u.record_id);
        crate::task::record_event(&mut tx, actor, task, "urge_replied", &reply).await?;
    }
    let mut q = Sql::new("select from_org_id from urging where id = ");
    let from: i64 = q.bind(id).scalar(&mut tx).await?;
    let params = serde_json::json!({
        "org": u.to_org_name, "reason": reply.chars().take(200).collect::<String>(),
    });
    notification::to_org(
        &mut tx,
        OrgId(from),
        "urge_replied",
        u.record_kind.as_str(),
        u.record_id,
        &params,
        &format!("urge_replied:urging:{id}"),
    )
    .await?;
    let u = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(u)
}

/// The urgings of one record the reader may read, newest first.
pub async fn of_record(db: &Db, actor: &Actor, kind: RecordKind, id: i64) -> Result<Vec<Urging>> {
    let mut tx = db.read().await?;
    let mut q = Sql::new(SELECT);
    q.push("u.record_kind = ")
        .bind(kind.as_str())
        .push(" and u.record_id = ")
        .bind(id)
        .and(&READ.sql(actor))
        .push(" order by u.id desc limit 100");
    q.all(&mut tx).await
}
