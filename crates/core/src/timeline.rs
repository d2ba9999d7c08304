//! A person's history: the records linked to them (events attended, exchanges,
//! donations, projects, talents), each as its own kind of record may be read.

use chrono::NaiveDate;
use serde::Serialize;

use crate::access::Actor;
use crate::db::Db;
use crate::error::Result;
use crate::person::{PersonId, load};
use crate::sql::Sql;

text_enum!(
    TimelineKind {
        Event = "event",
        Exchange = "exchange",
        Donation = "donation",
        Project = "project",
        Talent = "talent",
    }
);

/// One dated record in a person's history.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct TimelineItem {
    #[sqlx(try_from = "String")]
    pub kind: TimelineKind,
    /// The record's id (for an event attended, the event's).
    pub id: i64,
    pub happened_on: NaiveDate,
    /// The event's or project's title, the exchange's summary, the donation's campaign
    /// (or purpose, or receipt number), the talent's field.
    pub title: String,
    /// What else tells the record apart: the exchange's kind, the donation's amount in
    /// fen, the project's status, the talent's level.
    pub detail: Option<String>,
    /// The organization that ran, received or followed the record up.
    pub org_id: i64,
    pub org_name: String,
}

/// The records linked to a person the actor may see, each filtered by its own read
/// rule (donations within the reader's reach of recipients; events, exchanges,
/// projects and talents open to every signed-in user), newest first.
pub async fn timeline(db: &Db, actor: &Actor, id: PersonId) -> Result<Vec<TimelineItem>> {
    let mut tx = db.read().await?;
    load(&mut tx, actor, id).await?;
    // Each branch carries its kind's read rule, so the timeline shows what the kind's
    // own list would.
    let mut q = Sql::new(
        "select 'event' as kind, e.id, e.starts_on as happened_on, e.title, null as detail, o.id as org_id,
            o.name as org_name
         from event_participant x join event e on e.id = x.event_id
         join org o on o.id = (select h.org_id from event_org h where h.event_id = e.id
            order by case when h.role = 'host' then 0 else 1 end, h.org_id limit 1)
         where x.person_id = ",
    );
    q.bind(id.0).and(&crate::event::READ.sql(actor)).push(
        " union all
         select 'exchange', e.id, e.happened_on, e.summary, e.kind, o.id, o.name
         from exchange_person x join exchange e on e.id = x.exchange_id join org o on o.id = e.from_org_id
         where x.person_id = ",
    );
    q.bind(id.0).and(&crate::exchange::READ.sql(actor)).push(
        " union all
         select 'donation', d.id, d.given_on, coalesce(g.name, d.purpose, d.receipt_no), cast(d.amount_fen as text), o.id, o.name
         from donation d join org o on o.id = d.recipient_org_id left join donation_campaign g on g.id = d.campaign_id
         where d.person_id = ",
    );
    q.bind(id.0).and(&crate::donation::READ.sql(actor)).push(
        " union all
         select 'project', p.id, p.signed_on, p.title, p.status, o.id, o.name
         from project p join org o on o.id = p.owner_org_id
         where p.person_id = ",
    );
    q.bind(id.0).and(&crate::project::READ.sql(actor)).push(
        " union all
         select 'talent', t.id, t.received_on, t.field, t.level, o.id, o.name
         from talent t join org o on o.id = t.org_id
         where t.person_id = ",
    );
    q.bind(id.0)
        .and(&crate::talent::READ.sql(actor))
        .push(" order by 3 desc, 1, 2 desc");
    q.all(&mut tx).await
}
