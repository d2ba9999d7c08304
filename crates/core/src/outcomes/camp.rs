//! Study programmes and youth camps: their sessions (期/班) and named participants.
//! While an event has named participants its participants by country are counted from
//! them; a person registered in two youth camps of one year is flagged (一人多营).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::event::{self, EventId, EventKind};
use crate::person::{self, NamesPerson, PersonId};
use crate::sql::Sql;
use crate::{on, reference, text};

id_type!(SessionId);
id_type!(ParticipantId);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Session {
    pub id: SessionId,
    pub title: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub place: Option<String>,
    /// Named participants registered for this session.
    pub participants: i64,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SessionInput {
    pub title: String,
    /// `YYYY-MM-DD`, within the event's dates.
    pub starts_on: String,
    /// `YYYY-MM-DD`; the start day if left out.
    pub ends_on: String,
    pub place: Option<String>,
}

/// Another youth camp of the same year in which the same person is registered.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OtherCamp {
    #[serde(skip)]
    pub participant_id: ParticipantId,
    pub event_id: EventId,
    pub title: String,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Participant {
    pub id: ParticipantId,
    pub name: String,
    pub country_code: String,
    pub country_name_zh: String,
    pub country_name_en: String,
    pub born_on: Option<NaiveDate>,
    pub session_id: Option<SessionId>,
    pub session_title: Option<String>,
    /// The person of the directory this register line is, when matched.
    pub person_id: Option<PersonId>,
    /// The record names a person this reader may not open: their id and name are left
    /// out (`person_id` is null, the name empty).
    #[sqlx(skip)]
    pub withheld: bool,
    pub created_at: DateTime<Utc>,
    /// 一人多营: other youth camps of the same year with this person registered.
    #[sqlx(skip)]
    pub other_camps: Vec<OtherCamp>,
}

impl crate::person::NamesPerson for Participant {
    fn person(&self) -> Option<PersonId> {
        self.person_id
    }

    fn withhold(&mut self) {
        self.person_id = None;
        self.name = String::new();
        self.born_on = None;
        self.withheld = true;
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ParticipantInput {
    pub name: String,
    /// ISO 3166-1 alpha-2 of where they come from.
    pub country_code: String,
    /// `YYYY-MM-DD`; tells apart two people of the same name.
    pub born_on: Option<String>,
    pub session_id: Option<SessionId>,
    /// The person of the directory; fills a blank name and country.
    pub person_id: Option<PersonId>,
}

async fn may_update(tx: &mut Tx, actor: &Actor, id: EventId) -> Result<()> {
    let paths = event::org_paths(tx, id).await?;
    if paths.is_empty() {
        return Err(Error::NotFound);
    }
    access::authorize_any(
        actor,
        Resource::Event,
        Action::Update,
        paths.iter().map(String::as_str),
    )
}

/// Adds a session to an event; it must fall within the event's dates.
pub async fn add_session(
    db: &Db,
    actor: &Actor,
    id: EventId,
    input: &SessionInput,
) -> Result<Session> {
    let mut tx = db.write().await?;
    may_update(&mut tx, actor, id).await?;
    let e = event::get_in(&mut tx, actor, id).await?;
    let mut check = Check::default();
    let title = check.take("title", text::required(&input.title, 200));
    let place = check
        .take(
            "place",
            text::optional(input.place.as_deref().unwrap_or_default(), 200),
        )
        .flatten();
    let starts = check.required("starts_on", text::date(&input.starts_on));
    let ends = match check.take("ends_on", text::date(&input.ends_on)) {
        Some(None) => starts,
        d => d.flatten(),
    };
    if let (Some(s), Some(t)) = (starts, ends) {
        if t < s {
            check.add("ends_on", "ends_before_start");
        } else if s < e.starts_on || t > e.ends_on {
            check.add("starts_on", "outside_event");
        }
    }
    check.finish()?;
    let (Some(title), Some(starts), Some(ends)) = (title, starts, ends) else {
        return Err(Error::Other(
            "session parsed without errors yet incomplete".into(),
        ));
    };
    let sid: SessionId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into event_session (event_id, title, starts_on, ends_on, place, created_at) values ($1, $2, $3, $4, $5, $6) returning id",
        )
        .bind(id)
        .bind(&title)
        .bind(starts)
        .bind(ends)
        .bind(&place)
        .bind(crate::now())
        .fetch_one(c)
        .await?
    });
    let session = sessions_in(&mut tx, id)
        .await?
        .into_iter()
        .find(|s| s.id == sid)
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(session)
}

pub async fn sessions(db: &Db, id: EventId) -> Result<Vec<Session>> {
    sessions_in(&mut db.read().await?, id).await
}

async fn sessions_in(tx: &mut Tx, id: EventId) -> Result<Vec<Session>> {
    Ok(on!(tx, |c| {
        sqlx::query_as(
            "select s.id, s.title, s.starts_on, s.ends_on, s.place,
                (select count(*) from event_participant p where p.session_id = s.id) as participants
             from event_session s where s.event_id = $1 order by s.starts_on, s.id",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    }))
}

/// Registers a named participant; the event's participants by country follow.
pub async fn register(
    db: &Db,
    actor: &Actor,
    id: EventId,
    input: &ParticipantInput,
) -> Result<Participant> {
    let mut tx = db.write().await?;
    may_update(&mut tx, actor, id).await?;
    let mut check = Check::default();
    let linked = person::linkable(&mut tx, actor, &mut check, "person_id", input.person_id).await?;
    let name = check.take(
        "name",
        text::required(&person::or_linked(&input.name, linked.as_ref()), 100),
    );
    let country = check.required(
        "country_code",
        reference::known_country(
            &mut tx,
            &person::linked_country(&input.country_code, linked.as_ref()),
        )
        .await?,
    );
    let born = check
        .take(
            "born_on",
            text::date(input.born_on.as_deref().unwrap_or_default()),
        )
        .flatten();
    if born.is_some_and(|d| d > crate::settings::today()) {
        check.add("born_on", "date_in_future");
    }
    if let Some(s) = input.session_id {
        let of: Option<EventId> = on!(&mut tx, |c| {
            sqlx::query_scalar("select event_id from event_session where id = $1")
                .bind(s)
                .fetch_optional(c)
                .await?
        });
        if of != Some(id) {
            check.add("session_id", "unknown_session");
        }
    }
    if let (Some(n), Some(c)) = (&name, &country) {
        let same: i64 = on!(&mut tx, |conn| {
            sqlx::query_scalar(
                "select count(*) from event_participant where event_id = $1 and name_key = $2 and country_code = $3
                 and ($4 is null or born_on is null or born_on = $4)",
            )
            .bind(id)
            .bind(text::fold_name(n))
            .bind(c)
            .bind(born)
            .fetch_one(conn)
            .await?
        });
        if same > 0 {
            check.add("name", "already_registered");
        }
    }
    check.finish()?;
    let (Some(name), Some(country)) = (name, country) else {
        return Err(Error::Other(
            "participant parsed without errors yet incomplete".into(),
        ));
    };
    let pid: ParticipantId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into event_participant (event_id, session_id, name, name_key, country_code, born_on, created_by, created_at, person_id)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
        )
        .bind(id)
        .bind(input.session_id)
        .bind(&name)
        .bind(text::fold_name(&name))
        .bind(&country)
        .bind(born)
        .bind(actor.account_id)
        .bind(crate::now())
        .bind(linked.as_ref().map(|p| p.id))
        .fetch_one(c)
        .await?
    });
    recount(&mut tx, id).await?;
    tx.commit().await?;
    participants(db, actor, id)
        .await?
        .into_iter()
        .find(|p| p.id == pid)
        .ok_or(Error::NotFound)
}

/// Rebuilds an event's participants by country from its register, in the same
/// transaction as the change, so the two never disagree.
pub(crate) async fn recount(tx: &mut Tx, id: EventId) -> Result<()> {
    use crate::outcome::tally;
    let change = tally::Change::of(tx, tally::Records::events([id.0])).await?;
    on!(&mut *tx, |c| {
        sqlx::query("delete from event_country where event_id = $1")
            .bind(id)
            .execute(c)
            .await?;
    });
    on!(tx, |c| {
        sqlx::query(
            "insert into event_country (event_id, country_code, participants)
             select $1, country_code, count(*) from event_participant where event_id = $1 group by country_code",
        )
        .bind(id)
        .execute(c)
        .await?;
    });
    change.settle(tx).await
}

/// Whether an event's participants by country are counted from named participants.
pub async fn has_register(tx: &mut Tx, id: EventId) -> Result<bool> {
    let n: i64 = on!(tx, |c| {
        sqlx::query_scalar("select count(*) from event_participant where event_id = $1")
            .bind(id)
            .fetch_one(c)
            .await?
    });
    Ok(n > 0)
}

const CAMPS: &str = "('youth_camp_online', 'youth_camp_offline')";

/// An event's named participants, as far as the reader may see them; for youth camps
/// each carries the other camps of the same year where the same person (same folded
/// name and country, and birthday when both are known) is registered.
///
/// Registers hold minors' data. Birth dates and names typed into the register are for
/// those who may edit it (the event's hosts); anyone else sees a line only by its
/// country, unless it is a person of the directory they may open.
pub async fn participants(db: &Db, actor: &Actor, id: EventId) -> Result<Vec<Participant>> {
    let mut tx = db.read().await?;
    let event = crate::event::get_in(&mut tx, actor, id).await?;
    let editor = actor.may_any(Resource::Event, Action::Update, event.org_paths());
    let mut list: Vec<Participant> = on!(&mut tx, |c| {
        sqlx::query_as(
            "select p.id, p.name, p.country_code, k.name_zh as country_name_zh, k.name_en as country_name_en, p.born_on,
                p.session_id, s.title as session_title, p.person_id, p.created_at
             from event_participant p join country k on k.alpha2 = p.country_code
             left join event_session s on s.id = p.session_id
             where p.event_id = $1 order by p.id",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    });
    if editor {
        // Editors keep the names they typed; only the link to a person they may not
        // open goes.
        let open =
            person::openable_among(&mut tx, actor, list.iter().filter_map(|p| p.person_id)).await?;
        for p in &mut list {
            p.person_id = p.person_id.filter(|id| open.contains(id));
        }
    } else {
        for p in &mut list {
            p.born_on = None;
            if p.person_id.is_none() {
                p.withhold();
            }
        }
        person::withhold(&mut tx, actor, &mut list).await?;
    }
    let others: Vec<OtherCamp> = on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select p.id as participant_id, e2.id as event_id, e2.title
             from event_participant p join event e1 on e1.id = p.event_id
             join event_participant q on q.name_key = p.name_key and q.country_code = p.country_code and q.event_id <> p.event_id
                and (p.born_on is null or q.born_on is null or p.born_on = q.born_on)
             join event e2 on e2.id = q.event_id
             where p.event_id = $1 and e1.kind in {CAMPS} and e2.kind in {CAMPS} and e2.status <> 'cancelled'
                and substr(cast(e2.starts_on as text), 1, 4) = substr(cast(e1.starts_on as text), 1, 4)
             order by e2.starts_on, e2.id"
        )))
        .bind(id)
        .fetch_all(c)
        .await?
    });
    for p in &mut list {
        p.other_camps = others
            .iter()
            .filter(|o| o.participant_id == p.id)
            .cloned()
            .collect();
    }
    Ok(list)
}

/// One person registered in two or more youth camps of a year.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MultiCamp {
    /// Empty when `withheld`: the reader may edit none of these camps' registers.
    pub name: String,
    pub withheld: bool,
    pub country_code: String,
    pub country_name_zh: String,
    pub country_name_en: String,
    pub camps: Vec<OtherCamp>,
}

/// Everyone registered in more than one youth camp of `year` (一人多营); names only
/// where the reader may edit one of the camps' registers.
pub async fn multi_camp(db: &Db, actor: &Actor, year: i32) -> Result<Vec<MultiCamp>> {
    let mut tx = db.read().await?;
    let mut q = Sql::new(&format!(
        "select e.id from event e where e.kind in {CAMPS} and substr(cast(e.starts_on as text), 1, 4) = "
    ));
    q.bind(format!("{year:04}")).and(&access::condition(
        actor,
        access::reach(actor.role, Resource::Event, Action::Update),
        event::READ.orgs,
    ));
    let editable: Vec<i64> = q.column(&mut tx).await?;
    #[derive(sqlx::FromRow)]
    struct Row {
        participant_id: ParticipantId,
        name: String,
        name_key: String,
        country_code: String,
        country_name_zh: String,
        country_name_en: String,
        event_id: EventId,
        title: String,
    }
    let rows: Vec<Row> = on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select p.id as participant_id, p.name, p.name_key, p.country_code, k.name_zh as country_name_zh,
                k.name_en as country_name_en, e.id as event_id, e.title
             from event_participant p join event e on e.id = p.event_id join country k on k.alpha2 = p.country_code
             where e.kind in {CAMPS} and e.status <> 'cancelled' and substr(cast(e.starts_on as text), 1, 4) = $1
                and exists (select 1 from event_participant q join event f on f.id = q.event_id
                    where q.name_key = p.name_key and q.country_code = p.country_code and q.event_id <> p.event_id
                    and (p.born_on is null or q.born_on is null or p.born_on = q.born_on)
                    and f.kind in {CAMPS} and f.status <> 'cancelled' and substr(cast(f.starts_on as text), 1, 4) = $1)
             order by p.name_key, p.country_code, e.starts_on, e.id"
        )))
        .bind(format!("{year:04}"))
        .fetch_all(c)
        .await?
    });
    let mut out: Vec<MultiCamp> = Vec::new();
    let mut last: Option<(String, String)> = None;
    for r in rows {
        let key = (r.name_key.clone(), r.country_code.clone());
        let camp = OtherCamp {
            participant_id: r.participant_id,
            event_id: r.event_id,
            title: r.title,
        };
        match out.last_mut() {
            Some(m) if last.as_ref() == Some(&key) => m.camps.push(camp),
            _ => out.push(MultiCamp {
                name: r.name,
                withheld: false,
                country_code: r.country_code,
                country_name_zh: r.country_name_zh,
                country_name_en: r.country_name_en,
                camps: vec![camp],
            }),
        }
        last = Some(key);
    }
    for m in &mut out {
        if !m.camps.iter().any(|c| editable.contains(&c.event_id.0)) {
            m.name = String::new();
            m.withheld = true;
        }
    }
    Ok(out)
}

/// Whether an event kind runs sessions with a register: study programmes and camps.
pub fn has_sessions(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::StudyProgramme | EventKind::YouthCampOnline | EventKind::YouthCampOffline
    )
}
