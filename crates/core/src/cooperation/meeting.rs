//! Joint meetings (联席会议): numbered, hosted, with participants, agenda, minutes and
//! numbered resolutions (议定事项). A resolution becomes one or more tasks, linked
//! both ways, and its status follows theirs.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::org::OrgId;
use crate::sql::{self, Sql};
use crate::supervision::Colour;
use crate::task::{OrgRef, TaskId, TaskStatus};
use crate::{on, text};

id_type!(MeetingId);
id_type!(ResolutionId);

text_enum!(
    /// Open: no task yet; in progress: some task open; done: every task ended.
    ResolutionStatus { Open = "open", InProgress = "in_progress", Done = "done" }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ResolutionTask {
    pub resolution_id: ResolutionId,
    pub id: TaskId,
    pub title: String,
    #[sqlx(try_from = "String")]
    pub status: TaskStatus,
    #[sqlx(try_from = "String")]
    pub colour: Colour,
    pub progress: i64,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Resolution {
    pub id: ResolutionId,
    pub meeting_id: MeetingId,
    pub number: i64,
    pub text: String,
    #[sqlx(skip)]
    pub tasks: Vec<ResolutionTask>,
    #[sqlx(skip)]
    pub status: Option<ResolutionStatus>,
}

impl Resolution {
    fn settle(&mut self) {
        self.status = Some(if self.tasks.is_empty() {
            ResolutionStatus::Open
        } else if self.tasks.iter().all(|t| !t.status.is_open()) {
            ResolutionStatus::Done
        } else {
            ResolutionStatus::InProgress
        });
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Meeting {
    pub id: MeetingId,
    pub seq: i64,
    pub title: String,
    pub held_on: NaiveDate,
    pub place: Option<String>,
    pub host_org_id: OrgId,
    pub host_org_name: String,
    #[serde(skip)]
    pub host_org_path: String,
    pub mechanism_id: Option<OrgId>,
    pub mechanism_name: Option<String>,
    pub agenda: Option<String>,
    pub minutes: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub participants: Vec<OrgRef>,
    #[sqlx(skip)]
    pub resolutions: Vec<Resolution>,
}

/// What the actor may do with a joint meeting.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = MeetingAllowed)]
pub struct Allowed {
    /// Add resolutions: whoever may update the host's meetings.
    pub resolve: bool,
}

impl Meeting {
    pub fn allowed(&self, actor: &Actor) -> Allowed {
        Allowed {
            resolve: actor.may(Resource::Meeting, Action::Update, Some(&self.host_org_path)),
        }
    }

    /// How many resolutions are done, of how many.
    pub fn closed_resolutions(&self) -> (usize, usize) {
        let done = self
            .resolutions
            .iter()
            .filter(|r| r.status == Some(ResolutionStatus::Done))
            .count();
        (done, self.resolutions.len())
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MeetingInput {
    /// 第N次; the next number if left out.
    pub seq: Option<i64>,
    pub title: String,
    /// `YYYY-MM-DD`
    pub held_on: String,
    pub place: Option<String>,
    pub host_org_id: Option<OrgId>,
    /// The mechanism this meeting belongs to, if any.
    pub mechanism_id: Option<OrgId>,
    pub participant_org_ids: Vec<OrgId>,
    pub agenda: Option<String>,
    pub minutes: Option<String>,
    /// Resolutions, numbered 1, 2, 3… in this order.
    pub resolutions: Vec<String>,
}

/// Who may read a meeting: judged against the host of a joint meeting (`POLICY`),
/// written over `m`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Meeting,
    orgs: &[OrgOf::Column("m.host_org_id")],
    also: None,
    reached: None,
};

pub async fn create(db: &Db, actor: &Actor, input: &MeetingInput) -> Result<Meeting> {
    let mut tx = db.write().await?;
    let mut check = Check::default();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let title = check.take("title", text::required(&input.title, 200));
    let held_on = check.required("held_on", text::date(&input.held_on));
    let place = check
        .take("place", text::optional(&opt(&input.place), 200))
        .flatten();
    let agenda = check
        .take("agenda", text::optional(&opt(&input.agenda), text::LONG))
        .flatten();
    let minutes = check
        .take("minutes", text::optional(&opt(&input.minutes), text::LONG))
        .flatten();
    let host_path = match input.host_org_id {
        None => check.take("host_org_id", Err(crate::FieldError::new("required"))),
        Some(id) => check.take(
            "host_org_id",
            crate::org::path_of(&mut tx, id)
                .await?
                .ok_or(crate::FieldError::new("unknown_org")),
        ),
    };
    for p in &input.participant_org_ids {
        if crate::org::path_of(&mut tx, *p).await?.is_none() {
            check.add("participant_org_ids", "unknown_org");
        }
    }
    if let Some(m) = input.mechanism_id
        && crate::org::path_of(&mut tx, m).await?.is_none()
    {
        check.add("mechanism_id", "unknown_org");
    }
    if input.seq.is_some_and(|s| s < 1) {
        check.add("seq", "bad_count");
    }
    let mut resolutions = Vec::new();
    for r in &input.resolutions {
        if let Some(r) = check
            .take("resolutions", text::optional(r, text::LONG))
            .flatten()
        {
            resolutions.push(r);
        }
    }
    check.finish()?;
    let (Some(title), Some(held_on), Some(host), Some(host_path)) =
        (title, held_on, input.host_org_id, host_path)
    else {
        return Err(Error::Other(
            "meeting parsed without errors yet incomplete".into(),
        ));
    };
    access::authorize(actor, Resource::Meeting, Action::Create, Some(&host_path))?;
    let seq = match input.seq {
        Some(s) => s,
        None => on!(&mut tx, |c| {
            sqlx::query_scalar("select coalesce(max(seq), 0) + 1 from meeting where coalesce(mechanism_id, 0) = coalesce($1, 0)")
                .bind(input.mechanism_id)
                .fetch_one(c)
                .await?
        }),
    };
    let now = crate::now();
    let id: MeetingId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into meeting (seq, title, held_on, place, host_org_id, mechanism_id, agenda, minutes, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) returning id",
        )
        .bind(seq)
        .bind(&title)
        .bind(held_on)
        .bind(&place)
        .bind(host)
        .bind(input.mechanism_id)
        .bind(&agenda)
        .bind(&minutes)
        .bind(now)
        .fetch_one(c)
        .await
        .map_err(|e| match Error::from(e) {
            e if e.unique_violation().as_deref() == Some("meeting_mechanism_seq_key") => Error::field("seq", "seq_taken"),
            e => e,
        })?
    });
    let mut participants = input.participant_org_ids.clone();
    participants.push(host);
    participants.sort();
    participants.dedup();
    for p in participants {
        on!(&mut tx, |c| {
            sqlx::query("insert into meeting_participant (meeting_id, org_id) values ($1, $2)")
                .bind(id)
                .bind(p)
                .execute(c)
                .await?;
        });
    }
    for text in &resolutions {
        insert_resolution(&mut tx, id, text).await?;
    }
    crate::search::refresh(&mut tx, crate::search::Kind::Meeting, id.0).await?;
    tx.commit().await?;
    get(db, actor, id).await
}

async fn insert_resolution(tx: &mut Tx, meeting: MeetingId, text: &str) -> Result<ResolutionId> {
    let number: i64 = on!(&mut *tx, |c| {
        sqlx::query_scalar(
            "select coalesce(max(number), 0) + 1 from resolution where meeting_id = $1",
        )
        .bind(meeting)
        .fetch_one(c)
        .await?
    });
    Ok(on!(tx, |c| {
        sqlx::query_scalar("insert into resolution (meeting_id, number, text, created_at) values ($1, $2, $3, $4) returning id")
            .bind(meeting)
            .bind(number)
            .bind(text)
            .bind(crate::now())
            .fetch_one(c)
            .await?
    }))
}

/// Adds the next numbered resolution to a meeting.
pub async fn add_resolution(
    db: &Db,
    actor: &Actor,
    meeting: MeetingId,
    text_: &str,
) -> Result<Meeting> {
    let mut tx = db.write().await?;
    let m = get_in(&mut tx, actor, meeting).await?;
    access::authorize(
        actor,
        Resource::Meeting,
        Action::Update,
        Some(&m.host_org_path),
    )?;
    let text_ =
        text::required(text_, text::LONG).map_err(|e| Error::Invalid([("text", e)].into()))?;
    insert_resolution(&mut tx, meeting, &text_).await?;
    let m = get_in(&mut tx, actor, meeting).await?;
    tx.commit().await?;
    Ok(m)
}

/// Where a resolution is shown: its meeting and number, if the reader may read it.
pub async fn place_of(db: &Db, actor: &Actor, id: ResolutionId) -> Result<(MeetingId, i64)> {
    let mut q = Sql::new(
        "select m.id, r.number from resolution r join meeting m on m.id = r.meeting_id where r.id = ",
    );
    q.bind(id.0).and(&READ.sql(actor));
    q.optional(&mut db.read().await?)
        .await?
        .ok_or(Error::NotFound)
}

const SELECT: &str = "select m.id, m.seq, m.title, m.held_on, m.place, m.host_org_id, h.name as host_org_name,
    h.path as host_org_path, m.mechanism_id, k.name as mechanism_name, m.agenda, m.minutes, m.version, m.created_at
    from meeting m join org h on h.id = m.host_org_id left join org k on k.id = m.mechanism_id";

/// Fills in the participants and resolutions of a page of meetings, one query each.
/// A resolution lists the tasks it became that the reader may read, by the task rule.
async fn fill(tx: &mut Tx, actor: &Actor, meetings: &mut [Meeting]) -> Result<()> {
    let ids: Vec<i64> = meetings.iter().map(|m| m.id.0).collect();
    let mut participants = sql::by_owner(
        tx,
        "select p.meeting_id as owner, o.id as org_id, o.name, o.path from meeting_participant p
         join org o on o.id = p.org_id where p.meeting_id in ",
        &ids,
        &Sql::new(" order by o.path"),
    )
    .await?;
    let mut resolutions = sql::by_owner::<Resolution>(
        tx,
        "select meeting_id as owner, id, meeting_id, number, text from resolution where meeting_id in ",
        &ids,
        &Sql::new(" order by number"),
    )
    .await?;
    let mut readable = Sql::new(" and ");
    readable
        .append(&crate::task::READ.sql(actor))
        .push(" order by t.id");
    let mut tasks = sql::by_owner::<ResolutionTask>(
        tx,
        "select r.meeting_id as owner, rt.resolution_id, t.id, t.title, t.status, t.colour, t.progress
         from resolution_task rt join task t on t.id = rt.task_id join resolution r on r.id = rt.resolution_id
         where r.meeting_id in ",
        &ids,
        &readable,
    )
    .await?;
    for m in meetings {
        m.participants = participants.remove(&m.id.0).unwrap_or_default();
        m.resolutions = resolutions.remove(&m.id.0).unwrap_or_default();
        let tasks = tasks.remove(&m.id.0).unwrap_or_default();
        for r in &mut m.resolutions {
            r.tasks = tasks
                .iter()
                .filter(|t| t.resolution_id == r.id)
                .cloned()
                .collect();
            r.settle();
        }
    }
    Ok(())
}

/// One meeting, if the actor may read it: the list's rule filtered by id.
pub async fn get(db: &Db, actor: &Actor, id: MeetingId) -> Result<Meeting> {
    get_in(&mut db.read().await?, actor, id).await
}

pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: MeetingId) -> Result<Meeting> {
    let mut q = Sql::new(&format!("{SELECT} where m.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    let mut m: Meeting = q.optional(tx).await?.ok_or(Error::NotFound)?;
    fill(tx, actor, std::slice::from_mut(&mut m)).await?;
    Ok(m)
}

/// Meetings, newest first; only those of one mechanism when given.
pub async fn list(db: &Db, actor: &Actor, mechanism: Option<OrgId>) -> Result<Vec<Meeting>> {
    let mut tx = db.read().await?;
    let mut q = READ.sql(actor);
    if let Some(m) = mechanism {
        q.push(" and m.mechanism_id = ").bind(m.0);
    }
    let mut items: Vec<Meeting> = Sql::new(&format!("{SELECT} where "))
        .append(&q)
        .push(" order by m.held_on desc, m.id desc limit 500")
        .all(&mut tx)
        .await?;
    fill(&mut tx, actor, &mut items).await?;
    Ok(items)
}

/// The resolution a task came from, for the task page.
pub async fn resolution_of_task(
    db: &Db,
    actor: &Actor,
    task: TaskId,
) -> Result<Option<(Resolution, Meeting)>> {
    let mut tx = db.read().await?;
    let found: Option<(ResolutionId, MeetingId)> = on!(&mut tx, |c| {
        sqlx::query_as(
            "select r.id, r.meeting_id from resolution_task rt join resolution r on r.id = rt.resolution_id
             where rt.task_id = $1 order by r.id limit 1",
        )
        .bind(task)
        .fetch_optional(c)
        .await?
    });
    let Some((rid, mid)) = found else {
        return Ok(None);
    };
    let m = get_in(&mut tx, actor, mid).await?;
    let r = m
        .resolutions
        .iter()
        .find(|r| r.id == rid)
        .cloned()
        .ok_or(Error::NotFound)?;
    Ok(Some((r, m)))
}

/// Links a new task to the resolution it implements (inside the task's transaction;
/// the task's parsing has already checked that the resolution exists).
pub(crate) async fn link_task(tx: &mut Tx, resolution: ResolutionId, task: TaskId) -> Result<()> {
    on!(tx, |c| {
        sqlx::query("insert into resolution_task (resolution_id, task_id) values ($1, $2)")
            .bind(resolution)
            .bind(task)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Filters of the resolution list; all optional.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ResolutionFilter {
    /// `open` (no task yet), `in_progress` (a task open) or `done` (every task ended),
    /// judged by the tasks the reader may read, as the meeting's page shows them.
    pub status: Option<String>,
    /// Meetings hosted by this organization or one below it.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub org: Option<i64>,
    /// Meetings hosted by an organization of this side (code).
    pub side: Option<String>,
    /// Meetings of this mechanism.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub mechanism: Option<i64>,
    /// Meetings held on or after, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Meetings held on or before, `YYYY-MM-DD`.
    pub to: Option<String>,
}

/// A resolution as the list shows it: with its meeting and its tasks counted.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ResolutionRow {
    pub id: ResolutionId,
    pub meeting_id: MeetingId,
    pub meeting_title: String,
    pub held_on: NaiveDate,
    pub host_org_id: OrgId,
    pub host_org_name: String,
    pub number: i64,
    pub text: String,
    #[sqlx(try_from = "String")]
    pub status: ResolutionStatus,
    /// Tasks it became that the reader may read, and how many of them are open.
    pub tasks: i64,
    pub open_tasks: i64,
}

const RESOLUTION_FROM: &str =
    "from resolution r join meeting m on m.id = r.meeting_id join org h on h.id = m.host_org_id";

/// `select count(*)` of the tasks a resolution `r` became that the reader may read,
/// only the open ones if asked: the resolution's kept counts for a reader who sees
/// every task, the reader's `resolution_reach` row for a reader with rows in
/// `task_reach`, otherwise a count of the tasks through the task rule.
fn resolution_tasks(actor: &Actor, open: bool) -> Sql {
    if sees_every_task(actor) {
        return Sql::new(if open {
            "r.open_task_count"
        } else {
            "r.task_count"
        });
    }
    if let Some(key) = crate::task::READ.reader_key(actor) {
        let mut q = Sql::new(&format!(
            "coalesce((select rr.{} from resolution_reach rr where rr.resolution_id = r.id and rr.org_id = ",
            if open { "open" } else { "n" }
        ));
        q.bind(key).push("), 0)");
        return q;
    }
    let mut q = Sql::new(
        "(select count(*) from resolution_task rt join task t on t.id = rt.task_id
         where rt.resolution_id = r.id and ",
    );
    q.append(&crate::task::READ.sql(actor));
    if open {
        q.push(" and t.status not in ('closed', 'cancelled')");
    }
    q.push(")");
    q
}

/// Whether the reader may read every task: a resolution's kept counts are then theirs.
fn sees_every_task(actor: &Actor) -> bool {
    crate::task::READ.sql(actor) == Sql::truth(true)
}

/// Whether resolution `r` became a task the reader may read (an open one, if asked), as
/// a condition over `r`: its kept counts for a reader who sees every task; the reader's
/// `resolution_reach` row (one per resolution and organization its tasks reach, kept by
/// `task::reach::sync`) for a reader with rows in `task_reach`; otherwise the tasks
/// through the task rule.
fn has_tasks(actor: &Actor, open: bool) -> Sql {
    if sees_every_task(actor) {
        return Sql::new(if open {
            "(r.open_task_count > 0)"
        } else {
            "(r.task_count > 0)"
        });
    }
    match crate::task::READ.reader_key(actor) {
        Some(key) => reached(key, if open { " and rr.open > 0" } else { "" }),
        None => {
            let mut q = Sql::new(
                "(r.id in (select rt.resolution_id from resolution_task rt where \
                 exists (select 1 from task t where t.id = rt.task_id and ",
            );
            q.append(&crate::task::READ.sql(actor));
            if open {
                q.push(" and t.status not in ('closed', 'cancelled')");
            }
            q.push(")))");
            q
        }
    }
}

/// Whether the reader keyed `key` has a `resolution_reach` row `rr` of resolution `r`
/// that passes `also` (an `and …` over `rr`, or nothing).
fn reached(key: i64, also: &str) -> Sql {
    let mut q = Sql::new(
        "exists (select 1 from resolution_reach rr where rr.resolution_id = r.id and rr.org_id = ",
    );
    q.bind(key).push(also).push(")");
    q
}

/// Whether resolution `r` became tasks the reader may read and every one of them ended,
/// as a condition over `r`, read as [`has_tasks`] reads it: a reader's row in
/// `resolution_reach` with none open (a probe of each of the 9,000 tasks resolutions
/// became took 95–230 ms on PostgreSQL at national scale).
fn all_done(actor: &Actor) -> Sql {
    if sees_every_task(actor) {
        return Sql::new("(r.task_count > 0 and r.open_task_count = 0)");
    }
    match crate::task::READ.reader_key(actor) {
        Some(key) => reached(key, " and rr.open = 0"),
        None => {
            let mut q = Sql::new(
                "(r.id in (select rt.resolution_id from resolution_task rt join task t on t.id = rt.task_id where ",
            );
            q.append(&crate::task::READ.sql(actor)).push(
                " group by rt.resolution_id having
                max(case when t.status in ('closed', 'cancelled') then 0 else 1 end) = 0))",
            );
            q
        }
    }
}

/// The read rule and every filter of `ResolutionFilter`, checked, as one condition
/// over [`RESOLUTION_FROM`].
async fn resolution_condition(
    tx: &mut Tx,
    actor: &Actor,
    filter: &ResolutionFilter,
) -> Result<Sql> {
    let mut check = Check::default();
    let status = filter
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| check.take("status", ResolutionStatus::parse(s)));
    let (from, to) = text::period(
        &mut check,
        None,
        filter.from.as_deref(),
        filter.to.as_deref(),
    );
    let org_like = crate::org::subtree_like(tx, &mut check, filter.org).await?;
    let side = match filter
        .side
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(code) => match crate::side::by_code(tx, code).await? {
            Some(s) => Some(s.id.0),
            None => {
                check.add("side", "unknown_side");
                None
            }
        },
        None => None,
    };
    check.finish()?;
    let mut w = READ.sql(actor);
    if let Some(v) = org_like {
        w.push(" and h.path like ").bind(v);
    }
    if let Some(v) = side {
        w.push(" and h.side_id = ").bind(v);
    }
    if let Some(v) = filter.mechanism {
        w.push(" and m.mechanism_id = ").bind(v);
    }
    if let Some(v) = from {
        w.push(" and m.held_on >= ").bind(v);
    }
    if let Some(v) = to {
        w.push(" and m.held_on <= ").bind(v);
    }
    match status {
        Some(ResolutionStatus::Open) => {
            w.push(" and not ").append(&has_tasks(actor, false));
        }
        Some(ResolutionStatus::InProgress) => {
            w.push(" and ").append(&has_tasks(actor, true));
        }
        Some(ResolutionStatus::Done) => {
            w.push(" and ").append(&all_done(actor));
        }
        None => {}
    }
    Ok(w)
}

/// How many resolutions the list shows for this filter, all pages.
pub async fn count_resolutions(db: &Db, actor: &Actor, filter: &ResolutionFilter) -> Result<i64> {
    let mut tx = db.read().await?;
    let mut q = Sql::new(&format!("select count(*) {RESOLUTION_FROM} where "));
    q.append(&resolution_condition(&mut tx, actor, filter).await?);
    q.scalar(&mut tx).await
}

/// Resolutions of the meetings the reader may read, newest meeting first.
pub async fn resolutions(
    db: &Db,
    actor: &Actor,
    filter: &ResolutionFilter,
    page: crate::page::PageRequest,
) -> Result<crate::page::Page<ResolutionRow>> {
    let page = page.clamped();
    let mut tx = db.read().await?;
    let w = resolution_condition(&mut tx, actor, filter).await?;
    let mut count = Sql::new(&format!("select count(*) {RESOLUTION_FROM} where "));
    let total: i64 = count.append(&w).scalar(&mut tx).await?;
    // The task counts carry the task rule's arguments, so the statement is built whole.
    let mut q = Sql::new(
        "select r.id, r.meeting_id, m.title as meeting_title, m.held_on, m.host_org_id,
            h.name as host_org_name, r.number, r.text, 'open' as status, ",
    );
    q.append(&resolution_tasks(actor, false))
        .push(" as tasks, ")
        .append(&resolution_tasks(actor, true))
        .push(&format!(" as open_tasks {RESOLUTION_FROM} where "))
        .append(&w)
        .push(" order by m.held_on desc, m.id desc, r.number limit ")
        .bind(i64::from(page.per_page))
        .push(" offset ")
        .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX));
    let mut found = page.of(q.all::<ResolutionRow>(&mut tx).await?, total);
    for r in &mut found.items {
        r.status = if r.tasks == 0 {
            ResolutionStatus::Open
        } else if r.open_tasks == 0 {
            ResolutionStatus::Done
        } else {
            ResolutionStatus::InProgress
        };
    }
    Ok(found)
}
