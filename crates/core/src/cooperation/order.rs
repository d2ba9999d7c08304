//! Supervision orders (督办单). An organization that oversees the one responsible for a
//! record — or the task's assigner, or the joint meeting's host for a resolution —
//! orders it followed up: a source (上级督办, 联席会议, 领导批示), a reason, a level
//! proposed from the record's colour, and a day for the answer. The responsible
//! organization answers (what was done, new progress, files); the issuer accepts the
//! answer and closes the order, or returns it with a reason and a new day. An order still
//! unanswered `escalate_after_days` after its day goes up to the responsible
//! organization's parent, by a job. Numbered per issuer and year: 渝侨督〔2025〕3号.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::file::{self, Attachment, Upload};
use crate::org::{OrgId, OrgRef};
use crate::page::{Page, PageRequest};
use crate::sql::Sql;
use crate::supervision::Colour;
use crate::task::{self, ReportInput, TaskId, TaskStatus};
use crate::{notification, settings, text};

id_type!(OrderId);

text_enum!(
    /// Who asks for the follow-up: the organization above (上级督办), a joint meeting
    /// (联席会议督办), or a leader's written instruction (领导批示督办).
    OrderSource { Superior = "superior", Meeting = "meeting", Instruction = "instruction" }
);

text_enum!(
    /// Blue: the deadline is near; yellow: behind the expected progress; red: overdue.
    Level { Blue = "blue", Yellow = "yellow", Red = "red" }
);

text_enum!(
    /// Open: awaiting an answer (or returned for another); answered: awaiting the
    /// issuer; closed: the answer was accepted.
    OrderState { Open = "open", Answered = "answered", Closed = "closed" }
);

text_enum!(
    /// The kinds of record an order may follow up.
    RecordKind { Task = "task", Resolution = "resolution" }
);

impl Level {
    /// The level a record's colour proposes.
    pub fn proposed(colour: Colour) -> Level {
        match colour {
            Colour::Red => Level::Red,
            Colour::Yellow => Level::Yellow,
            _ => Level::Blue,
        }
    }
}

/// Days after the answer's day before an unanswered order goes up, unless the issuer
/// sets another number.
pub const ESCALATE_AFTER_DAYS: i64 = 3;
const MAX_ESCALATE_DAYS: i64 = 90;
/// The latest day for an answer, counted from today.
const MAX_ANSWER_DAYS: i64 = 366;
/// The job kind that takes an unanswered order up a level.
pub const ESCALATE: &str = "escalate";

/// Who may read an order: its issuer, the responsible organization, the one it went up
/// to, and those above them. Written over `o`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Order,
    orgs: &[
        OrgOf::Column("o.issuer_org_id"),
        OrgOf::Column("o.responsible_org_id"),
        OrgOf::Column("o.escalated_org_id"),
    ],
    also: None,
    reached: None,
};

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Order {
    pub id: OrderId,
    /// 渝侨督〔2025〕3号
    pub number: String,
    pub issuer_org_id: OrgId,
    pub issuer_org_name: String,
    #[serde(skip)]
    pub issuer_org_path: String,
    #[sqlx(try_from = "String")]
    pub record_kind: RecordKind,
    pub record_id: i64,
    /// The record's title (a resolution's opening words), when the reader may read it.
    pub record_title: Option<String>,
    #[sqlx(try_from = "String")]
    pub source: OrderSource,
    /// The meeting or the instruction, in words.
    pub source_note: Option<String>,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub level: Level,
    pub responsible_org_id: OrgId,
    pub responsible_org_name: String,
    #[serde(skip)]
    pub responsible_org_path: String,
    pub answer_due: NaiveDate,
    #[sqlx(try_from = "String")]
    pub state: OrderState,
    pub escalate_after_days: i64,
    /// The organization the order went up to, unanswered.
    pub escalated_org_id: Option<OrgId>,
    pub escalated_org_name: Option<String>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
    /// What happened to it, oldest first (one order only, not in lists).
    #[sqlx(skip)]
    pub events: Vec<OrderEvent>,
}

/// One step of an order: `open`, `answer`, `accept`, `return`, `escalate`.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OrderEvent {
    pub id: i64,
    pub kind: String,
    pub note: Option<String>,
    /// The progress an answer reported, when it did.
    pub progress: Option<i64>,
    /// Empty for an escalation, which the servers do.
    pub author_name: Option<String>,
    pub org_name: Option<String>,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub files: Vec<Attachment>,
}

/// What the reader may do with an order now.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = OrderAllowed)]
pub struct Allowed {
    /// Answer it: the responsible organization, while it is open.
    pub answer: bool,
    /// Accept or return the answer: the issuer's side, once answered.
    pub decide: bool,
}

impl Order {
    pub fn allowed(&self, actor: &Actor) -> Allowed {
        Allowed {
            answer: self.state == OrderState::Open
                && actor.may(
                    Resource::Order,
                    Action::Report,
                    Some(&self.responsible_org_path),
                ),
            decide: self.state == OrderState::Answered
                && actor.may(Resource::Order, Action::Assign, Some(&self.issuer_org_path)),
        }
    }

    /// Whether the answer's day has passed without an answer.
    pub fn overdue(&self) -> bool {
        self.state == OrderState::Open && self.answer_due < settings::today()
    }

    /// Where its record is shown.
    pub fn record_href(&self) -> String {
        match self.record_kind {
            RecordKind::Task => format!("/tasks/{}", self.record_id),
            RecordKind::Resolution => format!("/resolutions/{}", self.record_id),
        }
    }
}

/// An order as submitted.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OrderInput {
    /// `task` or `resolution`.
    pub record_kind: String,
    pub record_id: Option<i64>,
    /// `superior`, `meeting` or `instruction`.
    pub source: String,
    pub source_note: Option<String>,
    pub reason: String,
    /// `blue`, `yellow` or `red`; proposed from the record's colour if left out.
    pub level: Option<String>,
    /// The task's lead if left out; required for a resolution.
    pub responsible_org_id: Option<OrgId>,
    /// `YYYY-MM-DD`
    pub answer_due: String,
    /// 1–90; 3 if left out.
    pub escalate_after_days: Option<i64>,
}

/// The record an order follows up, as far as ordering it needs.
pub(crate) struct Target {
    title: String,
    colour: Colour,
    /// Whether it still has work to follow up.
    live: bool,
    /// Who may be made responsible, the default first.
    responsible: Vec<OrgRef>,
    /// Whether the reader may order it whatever the hierarchy: the task's assigner, the
    /// meeting's host.
    owner: bool,
}

impl Target {
    /// A task as ordering it needs: its lead first, then its supporters.
    fn of_task(actor: &Actor, t: &task::Task) -> Target {
        let lead = OrgRef {
            org_id: t.lead_org_id,
            name: t.lead_org_name.clone(),
            path: t.lead_org_path.clone(),
        };
        Target {
            title: t.title.clone(),
            colour: t.colour,
            live: matches!(
                t.status,
                TaskStatus::Assigned
                    | TaskStatus::Accepted
                    | TaskStatus::InProgress
                    | TaskStatus::ReportedDone
            ),
            responsible: std::iter::once(lead)
                .chain(t.supporters.iter().cloned())
                .collect(),
            owner: actor.may(Resource::Task, Action::Assign, Some(&t.assigner_org_path)),
        }
    }

    /// Whether the reader may make `org` responsible: from above it, or as the record's
    /// owner; never their own organization.
    fn may_order(&self, actor: &Actor, org: &OrgRef) -> bool {
        org.org_id != actor.org_id
            && (self.owner || actor.may(Resource::Order, Action::Create, Some(&org.path)))
    }

    /// Those the reader may make responsible, while the record has work to follow up.
    fn orderable<'a>(&'a self, actor: &'a Actor) -> impl Iterator<Item = &'a OrgRef> {
        self.responsible
            .iter()
            .filter(move |o| self.live && self.may_order(actor, o))
    }
}

/// Whether the reader's role opens orders (and urges) at all: asked before anything
/// submitted is read.
pub(crate) fn supervises(actor: &Actor) -> bool {
    access::reach(actor.role, Resource::Order, Action::Create) != access::Reach::NOTHING
}

/// Whether the reader may order a task they have read: for its page's 督办 button,
/// without reading it again.
pub fn may_order_task(actor: &Actor, t: &task::Task) -> bool {
    supervises(actor) && Target::of_task(actor, t).orderable(actor).next().is_some()
}

/// The record named, if the reader may read it.
async fn target(tx: &mut Tx, actor: &Actor, kind: RecordKind, id: i64) -> Result<Option<Target>> {
    match kind {
        RecordKind::Task => match task::get_in(tx, actor, TaskId(id)).await {
            Ok(t) => Ok(Some(Target::of_task(actor, &t))),
            Err(Error::NotFound) => Ok(None),
            Err(e) => Err(e),
        },
        RecordKind::Resolution => {
            let mut q = Sql::new(
                "select r.text, m.host_org_id, h.name, h.path from resolution r join meeting m on m.id = r.meeting_id
                 join org h on h.id = m.host_org_id where r.id = ",
            );
            q.bind(id).and(&crate::meeting::READ.sql(actor));
            let Some((text_, host, host_name, host_path)) =
                q.optional::<(String, i64, String, String)>(tx).await?
            else {
                return Ok(None);
            };
            // Its tasks' leads first (they do the work), then the meeting's organizations.
            let mut q = Sql::new(
                "select distinct t.lead_org_id, lo.path, lo.name, t.status, t.colour from resolution_task rt
                 join task t on t.id = rt.task_id join org lo on lo.id = t.lead_org_id
                 where rt.resolution_id = ",
            );
            q.bind(id).push(" order by lo.path");
            let tasks: Vec<(i64, String, String, String, String)> = q.all(tx).await?;
            let mut q = Sql::new(
                "select o.id as org_id, o.name, o.path from meeting_participant p join org o on o.id = p.org_id
                 join resolution r on r.meeting_id = p.meeting_id where r.id = ",
            );
            q.bind(id).push(" order by o.path");
            let participants: Vec<OrgRef> = q.all(tx).await?;
            let mut responsible: Vec<OrgRef> = Vec::new();
            let leads = tasks.iter().map(|(o, path, name, ..)| OrgRef {
                org_id: OrgId(*o),
                name: name.clone(),
                path: path.clone(),
            });
            for org in leads.chain(participants) {
                if !responsible.iter().any(|o| o.org_id == org.org_id) {
                    responsible.push(org);
                }
            }
            let open: Vec<Colour> = tasks
                .iter()
                .filter(|(.., s, _)| TaskStatus::parse(s).is_ok_and(TaskStatus::is_open))
                .filter_map(|(.., c)| Colour::parse(c).ok())
                .collect();
            let colour = [Colour::Red, Colour::Yellow, Colour::Blue]
                .into_iter()
                .find(|c| open.contains(c))
                .unwrap_or(Colour::Green);
            Ok(Some(Target {
                title: text_.chars().take(60).collect(),
                colour,
                live: tasks.is_empty() || !open.is_empty(),
                owner: actor.may(Resource::Meeting, Action::Update, Some(&host_path)),
                responsible: if responsible.is_empty() {
                    vec![OrgRef {
                        org_id: OrgId(host),
                        name: host_name,
                        path: host_path,
                    }]
                } else {
                    responsible
                },
            }))
        }
    }
}

/// The head of an organization's order numbers: its own if set (渝侨督), else made from
/// its name — 万州区侨联 → 万州侨督, 四川省侨联 → 四川侨督.
pub fn prefix_of(name: &str, own: Option<&str>) -> String {
    if let Some(p) = own.map(str::trim).filter(|p| !p.is_empty()) {
        return p.to_owned();
    }
    match name.strip_suffix("侨联") {
        Some(place) => {
            let last = place
                .split(['省', '市', '区', '县'])
                .rfind(|s| !s.is_empty())
                .unwrap_or(place);
            format!("{last}侨督")
        }
        None => format!("{name}督"),
    }
}

/// The record an order or an urging names and the organization made responsible, if
/// the reader may supervise it there: those above the responsible organization, or the
/// record's owner (the task's assigner, the meeting's host), never an organization
/// itself. Otherwise the reasons are added to `check`.
pub(crate) async fn supervised(
    tx: &mut Tx,
    actor: &Actor,
    kind: Option<RecordKind>,
    record_id: Option<i64>,
    responsible: Option<OrgId>,
    check: &mut Check,
) -> Result<Option<(Target, OrgId)>> {
    let (Some(kind), Some(id)) = (kind, record_id) else {
        if record_id.is_none() {
            check.add("record_id", "required");
        }
        return Ok(None);
    };
    let Some(t) = target(tx, actor, kind, id).await? else {
        check.add("record_id", "unknown_record");
        return Ok(None);
    };
    if !t.live {
        check.add("record_id", "not_supervisable_status");
    }
    let chosen = match responsible {
        Some(org) => t.responsible.iter().find(|o| o.org_id == org),
        None if kind == RecordKind::Task => t.responsible.first(),
        None => None,
    };
    let org = match chosen {
        None if responsible.is_none() => {
            check.add("responsible_org_id", "required");
            return Ok(None);
        }
        None => {
            check.add("responsible_org_id", "not_involved");
            return Ok(None);
        }
        Some(org) if !t.may_order(actor, org) => {
            check.add("record_id", "not_supervisable");
            return Ok(None);
        }
        Some(org) => org.org_id,
    };
    Ok(Some((t, org)))
}

/// Opens an order in the reader's organization's name and tells the responsible
/// organization.
pub async fn open(db: &Db, actor: &Actor, input: &OrderInput) -> Result<Order> {
    // Permission before parsing: only those who may open some order read on.
    if !supervises(actor) {
        return Err(Error::Forbidden);
    }
    let mut tx = db.write().await?;
    let mut check = Check::default();
    let today = settings::today();
    let kind = check.take("record_kind", RecordKind::parse(&input.record_kind));
    let source = check.take("source", OrderSource::parse(&input.source));
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let source_note = check
        .take("source_note", text::optional(&opt(&input.source_note), 500))
        .flatten();
    if source.is_some_and(|s| s != OrderSource::Superior) && source_note.is_none() {
        // A meeting or an instruction is named: which one.
        check.add("source_note", "required");
    }
    let reason = check.take("reason", text::required(&input.reason, text::LONG));
    let level = match input
        .level
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        Some(l) => check.take("level", Level::parse(l)).map(Some),
        None => Some(None),
    };
    let due = check.required("answer_due", text::date(&input.answer_due));
    if due.is_some_and(|d| d < today) {
        check.add("answer_due", "date_in_past");
    } else if due.is_some_and(|d| (d - today).num_days() > MAX_ANSWER_DAYS) {
        check.add("answer_due", "date_too_late");
    }
    let escalate = input.escalate_after_days.unwrap_or(ESCALATE_AFTER_DAYS);
    if !(1..=MAX_ESCALATE_DAYS).contains(&escalate) {
        check.add("escalate_after_days", "escalate_days_range");
    }
    let found = supervised(
        &mut tx,
        actor,
        kind,
        input.record_id,
        input.responsible_org_id,
        &mut check,
    )
    .await?;
    let (target, responsible) = match found {
        Some((t, r)) => (Some(t), Some(r)),
        None => (None, None),
    };
    check.finish()?;
    let (
        Some(kind),
        Some(source),
        Some(reason),
        Some(level),
        Some(due),
        Some(target),
        Some(resp),
        Some(id),
    ) = (
        kind,
        source,
        reason,
        level,
        due,
        target,
        responsible,
        input.record_id,
    )
    else {
        return Err(Error::Other(
            "order parsed without errors yet incomplete".into(),
        ));
    };
    let level = level.unwrap_or_else(|| Level::proposed(target.colour));
    // One number at a time per issuer: its row is the lock.
    crate::db::lock(&mut tx, "org", actor.org_id.0).await?;
    let mut q = Sql::new("select name, order_prefix from org where id = ");
    let (issuer_name, prefix): (String, Option<String>) = q
        .bind(actor.org_id.0)
        .all(&mut tx)
        .await?
        .pop()
        .ok_or(Error::NotFound)?;
    let year = i64::from(today.year());
    let mut q =
        Sql::new("select coalesce(max(seq), 0) + 1 from supervision_order where issuer_org_id = ");
    let seq: i64 = q
        .bind(actor.org_id.0)
        .push(" and year = ")
        .bind(year)
        .scalar(&mut tx)
        .await?;
    let number = format!(
        "{}〔{year}〕{seq}号",
        prefix_of(&issuer_name, prefix.as_deref())
    );
    let now = crate::now();
    let mut q = Sql::new(
        "insert into supervision_order (issuer_org_id, year, seq, number, record_kind, record_id, source,
            source_note, reason, level, responsible_org_id, answer_due, state, escalate_after_days,
            created_by, created_at, updated_at) values (",
    );
    q.bind(actor.org_id.0)
        .push(", ")
        .bind(year)
        .push(", ")
        .bind(seq)
        .push(", ")
        .bind(number.as_str())
        .push(", ")
        .bind(kind.as_str())
        .push(", ")
        .bind(id)
        .push(", ")
        .bind(source.as_str())
        .push(", ")
        .bind(source_note.clone())
        .push(", ")
        .bind(reason.as_str())
        .push(", ")
        .bind(level.as_str())
        .push(", ")
        .bind(resp.0)
        .push(", ")
        .bind(due)
        .push(", 'open', ")
        .bind(escalate)
        .push(", ")
        .bind(actor.account_id.0)
        .push(", ")
        .bind(now)
        .push(", ")
        .bind(now)
        .push(") returning id");
    let order = OrderId(q.scalar(&mut tx).await?);
    let facts = Facts {
        id: order,
        number: &number,
        level,
        due,
        task: (kind == RecordKind::Task).then_some(TaskId(id)),
    };
    let opened = Event {
        kind: "open",
        note: Some(&reason),
        progress: None,
    };
    let tell = Tell {
        to: resp,
        kind: "order_opened",
        by: &issuer_name,
        reason: None,
    };
    step(&mut tx, &facts, Some(actor), opened, Some(&number), tell).await?;
    queue_escalation(&mut tx, order, due, escalate).await?;
    let o = get_in(&mut tx, actor, order).await?;
    tx.commit().await?;
    Ok(o)
}

/// The day after which an unanswered order goes up: `escalate` days after its day, at
/// the start of the next day in the deployment's time zone.
async fn queue_escalation(
    tx: &mut Tx,
    order: OrderId,
    due: NaiveDate,
    escalate: i64,
) -> Result<()> {
    let day = due + chrono::Duration::days(escalate + 1);
    let payload = serde_json::json!({ "order": order.0, "due": due });
    crate::job::enqueue(
        tx,
        ESCALATE,
        &format!("{ESCALATE}:order:{}:{due}", order.0),
        &payload,
        settings::start_of(day),
    )
    .await?;
    Ok(())
}

/// What the messages of an order's steps say of it, as the step leaves it; `task` when
/// it follows up a task, whose history records the step too.
struct Facts<'a> {
    id: OrderId,
    number: &'a str,
    level: Level,
    due: NaiveDate,
    task: Option<TaskId>,
}

impl Order {
    fn facts(&self) -> Facts<'_> {
        Facts {
            id: self.id,
            number: &self.number,
            level: self.level,
            due: self.answer_due,
            task: (self.record_kind == RecordKind::Task).then_some(TaskId(self.record_id)),
        }
    }
}

/// A step as `order_event` keeps it.
struct Event<'a> {
    kind: &'static str,
    note: Option<&'a str>,
    progress: Option<i64>,
}

/// Who hears of a step: every active account of `to` but viewers, told `kind` by `by`.
struct Tell<'a> {
    to: OrgId,
    kind: &'static str,
    by: &'a str,
    reason: Option<&'a str>,
}

/// Records a step of an order — its event, the task's history entry (`history`, when
/// the order follows up a task and a person took the step) — and tells the other side,
/// one message per account keyed by the event, so a second answer after a return is
/// told again. Returns the event's id, for the files an answer brings.
async fn step(
    tx: &mut Tx,
    f: &Facts<'_>,
    actor: Option<&Actor>,
    e: Event<'_>,
    history: Option<&str>,
    tell: Tell<'_>,
) -> Result<i64> {
    let mut q = Sql::new(
        "insert into order_event (order_id, kind, note, progress, account_id, org_id, created_at) values (",
    );
    q.bind(f.id.0)
        .push(", ")
        .bind(e.kind)
        .push(", ")
        .bind(e.note.map(str::to_owned))
        .push(", ")
        .bind(e.progress)
        .push(", ")
        .bind(actor.map(|a| a.account_id.0))
        .push(", ")
        .bind(actor.map(|a| a.org_id.0))
        .push(", ")
        .bind(crate::now())
        .push(") returning id");
    let event: i64 = q.scalar(tx).await?;
    if let (Some(task), Some(actor), Some(note)) = (f.task, actor, history) {
        task::record_event(tx, actor, task, tell.kind, note).await?;
    }
    let mut params = serde_json::json!({
        "number": f.number, "level": f.level, "due": f.due, "org": tell.by,
    });
    if let Some(r) = tell.reason {
        params["reason"] = r.chars().take(200).collect::<String>().into();
    }
    let key = format!("{}:order:{}:{event}", tell.kind, f.id.0);
    notification::to_org(tx, tell.to, tell.kind, "order", f.id.0, &params, &key).await?;
    Ok(event)
}

/// An answer as submitted: what was done and, for a task, its progress now (which is
/// reported to the task's ledger as well).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AnswerInput {
    pub note: String,
    /// 0–100: the task's progress now, reported with the answer.
    pub progress: Option<i64>,
    /// The version of the order read.
    pub version: Option<i64>,
}

/// The order a step is taken on, locked for the rest of the write: one the reader may
/// read, on whose side the step is (`Report`: the responsible organization answers an
/// open order; `Assign`: the issuer's side decides an answered one), at the version
/// read when one is given.
async fn claim(
    tx: &mut Tx,
    actor: &Actor,
    id: OrderId,
    action: Action,
    version: Option<i64>,
) -> Result<Order> {
    crate::db::lock(tx, "supervision_order", id.0).await?;
    let o = get_in(tx, actor, id).await?;
    let (side, state, refused) = if action == Action::Report {
        let refused = Error::field("state", "order_not_open");
        (&o.responsible_org_path, OrderState::Open, refused)
    } else {
        let refused = Error::field("state", "order_not_answered");
        (&o.issuer_org_path, OrderState::Answered, refused)
    };
    access::authorize(actor, Resource::Order, action, Some(side))?;
    if o.state != state {
        return Err(refused);
    }
    if version.is_some_and(|v| v != o.version) {
        return Err(Error::Conflict {
            current_version: o.version,
        });
    }
    Ok(o)
}

/// Whether the reader answers for the order's responsible organization: asked before
/// an answer's files are read.
pub async fn may_answer(db: &Db, actor: &Actor, id: OrderId) -> Result<()> {
    let o = get_in(&mut db.read().await?, actor, id).await?;
    access::authorize(
        actor,
        Resource::Order,
        Action::Report,
        Some(&o.responsible_org_path),
    )
}

/// The responsible organization answers an open order; with a progress, the task's
/// ledger gets the same report in the same write.
pub async fn answer(
    db: &Db,
    actor: &Actor,
    id: OrderId,
    input: &AnswerInput,
    files: &[Upload],
) -> Result<Order> {
    let mut tx = db.write().await?;
    let o = claim(&mut tx, actor, id, Action::Report, input.version).await?;
    let mut check = Check::default();
    let note = check.take("note", text::required(&input.note, text::LONG));
    if input.progress.is_some() && o.record_kind != RecordKind::Task {
        check.add("progress", "progress_for_tasks");
    }
    for u in files {
        if let Err(e) = u.check() {
            check.take::<()>("files", Err(e));
        }
    }
    check.finish()?;
    let Some(note) = note else {
        return Err(Error::Other(
            "answer parsed without errors yet incomplete".into(),
        ));
    };
    if let Some(percent) = input.progress {
        // The answer says why, should the progress go back.
        let report = ReportInput {
            percent: Some(percent),
            done: note.clone(),
            backwards_reason: Some(note.clone()),
            ..ReportInput::default()
        };
        // The answer's progress is the lead's report: what the ledger refuses (a
        // supporter answering, a task not yet accepted, a lower percent) is said of
        // the answer's progress field.
        let reported = task::report_in(&mut tx, actor, TaskId(o.record_id), &report, &[]).await;
        match reported {
            Ok(_) => {}
            Err(Error::Forbidden) => return Err(Error::field("progress", "progress_lead_only")),
            Err(Error::Invalid(fields)) => {
                // The ledger's own code (each has its message), under the answer's field.
                let why = fields.into_values().next();
                let why = why.unwrap_or(crate::FieldError::new("percent_range"));
                return Err(Error::Invalid([("progress", why)].into()));
            }
            Err(e) => return Err(e),
        }
    }
    let answered = Event {
        kind: "answer",
        note: Some(&note),
        progress: input.progress,
    };
    let tell = Tell {
        to: o.issuer_org_id,
        kind: "order_answered",
        by: &o.responsible_org_name,
        reason: None,
    };
    let ev = step(
        &mut tx,
        &o.facts(),
        Some(actor),
        answered,
        Some(&o.number),
        tell,
    )
    .await?;
    for u in files {
        file::attach(&mut tx, "order_event", ev, u, actor.account_id).await?;
    }
    set_state(&mut tx, id, OrderState::Answered, None).await?;
    let o = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(o)
}

/// A decision on an answer.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DecisionInput {
    /// Required when returning: why the answer is not enough.
    pub note: Option<String>,
    /// When returning: the new day for the answer, `YYYY-MM-DD`.
    pub answer_due: Option<String>,
    pub version: Option<i64>,
}

/// The issuer's side accepts an answer: the order is closed.
pub async fn accept(db: &Db, actor: &Actor, id: OrderId, input: &DecisionInput) -> Result<Order> {
    decide(db, actor, id, input, true).await
}

/// The issuer's side returns an answer with a reason and a new day: open again.
pub async fn send_back(
    db: &Db,
    actor: &Actor,
    id: OrderId,
    input: &DecisionInput,
) -> Result<Order> {
    decide(db, actor, id, input, false).await
}

async fn decide(
    db: &Db,
    actor: &Actor,
    id: OrderId,
    input: &DecisionInput,
    accept: bool,
) -> Result<Order> {
    let mut tx = db.write().await?;
    let o = claim(&mut tx, actor, id, Action::Assign, input.version).await?;
    let mut check = Check::default();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let note = if accept {
        check
            .take("note", text::optional(&opt(&input.note), text::LONG))
            .flatten()
    } else {
        check.take("note", text::required(&opt(&input.note), text::LONG))
    };
    let today = settings::today();
    let due = if accept {
        None
    } else {
        let d = check.required("answer_due", text::date(&opt(&input.answer_due)));
        if d.is_some_and(|d| d < today) {
            check.add("answer_due", "date_in_past");
        } else if d.is_some_and(|d| (d - today).num_days() > MAX_ANSWER_DAYS) {
            check.add("answer_due", "date_too_late");
        }
        d
    };
    check.finish()?;
    let issuer = o.issuer_org_name.as_str();
    if accept {
        let accepted = Event {
            kind: "accept",
            note: note.as_deref(),
            progress: None,
        };
        let tell = Tell {
            to: o.responsible_org_id,
            kind: "order_closed",
            by: issuer,
            reason: None,
        };
        step(
            &mut tx,
            &o.facts(),
            Some(actor),
            accepted,
            Some(&o.number),
            tell,
        )
        .await?;
        set_state(&mut tx, id, OrderState::Closed, None).await?;
    } else {
        let (Some(note), Some(due)) = (note, due) else {
            return Err(Error::Other(
                "return parsed without errors yet incomplete".into(),
            ));
        };
        let returned = Event {
            kind: "return",
            note: Some(&note),
            progress: None,
        };
        let tell = Tell {
            to: o.responsible_org_id,
            kind: "order_returned",
            by: issuer,
            reason: Some(&note),
        };
        // The message names the new day.
        let facts = Facts { due, ..o.facts() };
        let history = format!("{} · {note}", o.number);
        step(&mut tx, &facts, Some(actor), returned, Some(&history), tell).await?;
        set_state(&mut tx, id, OrderState::Open, Some(due)).await?;
        queue_escalation(&mut tx, id, due, o.escalate_after_days).await?;
    }
    let o = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(o)
}

async fn set_state(
    tx: &mut Tx,
    id: OrderId,
    state: OrderState,
    due: Option<NaiveDate>,
) -> Result<()> {
    let now = crate::now();
    let mut q = Sql::new("update supervision_order set state = ");
    q.bind(state.as_str())
        .push(", version = version + 1, updated_at = ")
        .bind(now);
    if state == OrderState::Closed {
        q.push(", closed_at = ").bind(now);
    }
    if let Some(d) = due {
        q.push(", answer_due = ").bind(d);
    }
    q.push(" where id = ").bind(id.0);
    q.execute(tx).await?;
    Ok(())
}

/// Takes an order unanswered past its day up to the responsible organization's parent,
/// in the transaction that finishes the leased job: nothing when it was answered
/// meanwhile, its day moved (a return queues its own job), or it went up already.
/// Returns whether it went up.
pub async fn escalate(db: &Db, job: &crate::job::Leased) -> Result<bool> {
    #[derive(Deserialize)]
    struct Payload {
        order: i64,
        due: NaiveDate,
    }
    let p: Payload = serde_json::from_str(&job.payload)
        .map_err(|e| Error::Other(format!("escalate job {}: {e}", job.id)))?;
    let mut tx = db.write().await?;
    let mut q = Sql::new(
        "select so.parent_id, so.name, o.number, o.level, o.record_kind, o.record_id
         from supervision_order o join org so on so.id = o.responsible_org_id
         where o.state = 'open' and o.escalated_org_id is null and o.id = ",
    );
    q.bind(p.order).push(" and o.answer_due = ").bind(p.due);
    type Found = (Option<i64>, String, String, String, String, i64);
    let found: Option<Found> = q.optional(&mut tx).await?;
    let mut went_up = false;
    if let Some((Some(parent), name, number, level, kind, record)) = found {
        let mut q = Sql::new("update supervision_order set escalated_org_id = ");
        q.bind(parent)
            .push(", escalated_at = ")
            .bind(crate::now())
            .push(", version = version + 1 where id = ")
            .bind(p.order);
        q.execute(&mut tx).await?;
        let facts = Facts {
            id: OrderId(p.order),
            number: &number,
            level: Level::parse(&level).unwrap_or(Level::Red),
            due: p.due,
            task: (kind == "task").then_some(TaskId(record)),
        };
        let up = Event {
            kind: "escalate",
            note: None,
            progress: None,
        };
        let tell = Tell {
            to: OrgId(parent),
            kind: "order_escalated",
            by: &name,
            reason: None,
        };
        // The servers take this step: no person, so no entry in the task's history.
        step(&mut tx, &facts, None, up, None, tell).await?;
        went_up = true;
    }
    if !crate::job::finish(&mut tx, job).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(went_up)
}

/// The columns of [`Order`] for this reader (the record's title is theirs only where
/// they may read the record), over `o` and the joins below.
fn select(actor: &Actor) -> Sql {
    let mut q = Sql::new(
        "select o.id, o.number, o.issuer_org_id, io.name as issuer_org_name, io.path as issuer_org_path,
            o.record_kind, o.record_id, coalesce(
              (select t.title from task t where o.record_kind = 'task' and t.id = o.record_id and ",
    );
    q.append(&task::READ.sql(actor)).push(
        "), (select substr(r.text, 1, 60) from resolution r join meeting m on m.id = r.meeting_id
              where o.record_kind = 'resolution' and r.id = o.record_id and ",
    );
    q.append(&crate::meeting::READ.sql(actor)).push(
        ")) as record_title,
            o.source, o.source_note, o.reason, o.level, o.responsible_org_id,
            so.name as responsible_org_name, so.path as responsible_org_path, o.answer_due, o.state,
            o.escalate_after_days, o.escalated_org_id, eo.name as escalated_org_name, o.escalated_at,
            a.display_name as created_by_name, o.created_at, o.closed_at, o.version
         from supervision_order o join org io on io.id = o.issuer_org_id
         join org so on so.id = o.responsible_org_id left join org eo on eo.id = o.escalated_org_id
         join account a on a.id = o.created_by where ",
    );
    q
}

/// One order with its steps, if the reader may read it.
pub async fn get(db: &Db, actor: &Actor, id: OrderId) -> Result<Order> {
    let mut tx = db.read().await?;
    let mut o = get_in(&mut tx, actor, id).await?;
    let mut q = Sql::new(
        "select e.id, e.kind, e.note, e.progress, a.display_name as author_name, g.name as org_name, e.created_at
         from order_event e left join account a on a.id = e.account_id left join org g on g.id = e.org_id
         where e.order_id = ",
    );
    q.bind(id.0).push(" order by e.id");
    o.events = q.all(&mut tx).await?;
    let ids: Vec<i64> = o.events.iter().map(|e| e.id).collect();
    for (owner, f) in file::list(&mut tx, "order_event", &ids).await? {
        if let Some(e) = o.events.iter_mut().find(|e| e.id == owner) {
            e.files.push(f);
        }
    }
    Ok(o)
}

pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: OrderId) -> Result<Order> {
    let mut q = select(actor);
    q.push("o.id = ").bind(id.0).and(&READ.sql(actor));
    q.optional(tx).await?.ok_or(Error::NotFound)
}

/// Which orders a list shows.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct OrderFilter {
    /// `answer`: those the reader's organization must answer (or that went up to it);
    /// `issued`: those it issued; otherwise every order the reader may read.
    pub mine: Option<String>,
    /// `open`, `answered`, `closed`; `overdue`: open past its day.
    pub state: Option<String>,
    pub level: Option<String>,
    /// The orders of one record: `task` or `resolution`, with `record_id`.
    pub record_kind: Option<String>,
    pub record_id: Option<i64>,
}

/// Orders the reader may read, those awaiting an answer first by their day, then the
/// latest.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &OrderFilter,
    page: PageRequest,
) -> Result<Page<Order>> {
    let page = page.clamped();
    let mut cond = READ.sql(actor);
    let mut check = Check::default();
    match filter.mine.as_deref().map(str::trim).unwrap_or("") {
        "" | "all" => {}
        "answer" => {
            cond.push(" and (o.responsible_org_id = ")
                .bind(actor.org_id.0)
                .push(" or o.escalated_org_id = ")
                .bind(actor.org_id.0)
                .push(")");
        }
        "issued" => {
            cond.push(" and o.issuer_org_id = ").bind(actor.org_id.0);
        }
        _ => check.add("mine", "unknown_value"),
    }
    match filter.state.as_deref().map(str::trim).unwrap_or("") {
        "" => {}
        "overdue" => {
            cond.push(" and o.state = 'open' and o.answer_due < ")
                .bind(settings::today());
        }
        s => {
            if let Some(s) = check.take("state", OrderState::parse(s)) {
                cond.push(" and o.state = ").bind(s.as_str());
            }
        }
    }
    if let Some(l) = filter
        .level
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        && let Some(l) = check.take("level", Level::parse(l))
    {
        cond.push(" and o.level = ").bind(l.as_str());
    }
    if let Some(k) = filter
        .record_kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        && let Some(k) = check.take("record_kind", RecordKind::parse(k))
    {
        cond.push(" and o.record_kind = ").bind(k.as_str());
        if let Some(id) = filter.record_id {
            cond.push(" and o.record_id = ").bind(id);
        }
    }
    check.finish()?;
    let mut tx = db.read().await?;
    let mut count = Sql::new("select count(*) from supervision_order o where ");
    let total: i64 = count.append(&cond).scalar(&mut tx).await?;
    let mut q = select(actor);
    q.append(&cond)
        .push(
            " order by case o.state when 'open' then 0 when 'answered' then 1 else 2 end,
              case when o.state = 'closed' then null else o.answer_due end, o.id desc limit ",
        )
        .bind(i64::from(page.per_page))
        .push(" offset ")
        .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX));
    let items = q.all(&mut tx).await?;
    Ok(page.of(items, total))
}

/// What the reader may order on a record, for its page's button and form: the level
/// proposed and the organizations that may be made responsible (the default first);
/// `None` when the reader may not order it.
pub async fn proposal(
    db: &Db,
    actor: &Actor,
    kind: RecordKind,
    id: i64,
) -> Result<Option<Proposal>> {
    if !supervises(actor) {
        return Ok(None);
    }
    let mut tx = db.read().await?;
    let Some(t) = target(&mut tx, actor, kind, id).await? else {
        return Ok(None);
    };
    let responsible: Vec<(OrgId, String)> = t
        .orderable(actor)
        .map(|o| (o.org_id, o.name.clone()))
        .collect();
    if responsible.is_empty() {
        return Ok(None);
    }
    Ok(Some(Proposal {
        level: Level::proposed(t.colour),
        title: t.title,
        responsible,
    }))
}

/// The form's defaults for a new order.
#[derive(Clone, Debug, Serialize)]
pub struct Proposal {
    pub title: String,
    pub level: Level,
    pub responsible: Vec<(OrgId, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organization_without_its_own_head_gets_one_from_its_name() {
        assert_eq!(prefix_of("重庆市侨联", Some("渝侨督")), "渝侨督");
        assert_eq!(prefix_of("重庆市侨联", Some("  ")), "重庆侨督");
        assert_eq!(prefix_of("万州区侨联", None), "万州侨督");
        assert_eq!(prefix_of("四川省侨联", None), "四川侨督");
        assert_eq!(prefix_of("成都市武侯区侨联", None), "武侯侨督");
        assert_eq!(prefix_of("重庆市侨商会", None), "重庆市侨商会督");
    }

    #[test]
    fn the_level_proposed_follows_the_colour() {
        assert_eq!(Level::proposed(Colour::Red), Level::Red);
        assert_eq!(Level::proposed(Colour::Yellow), Level::Yellow);
        assert_eq!(Level::proposed(Colour::Blue), Level::Blue);
        assert_eq!(Level::proposed(Colour::Green), Level::Blue);
    }
}
