//! What readers see of tasks: a task with its ledger and what they may do, the list
//! with its filters, an organization's inbox and the colour counts.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::*;

#[derive(Clone, Debug, Deserialize, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = TaskEvent)]
pub struct Event {
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: Option<String>,
    pub account_name: String,
    pub org_name: String,
    pub created_at: DateTime<Utc>,
}

/// What the actor may do with a task, for showing only the buttons that work.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Allowed {
    pub edit: bool,
    pub assign: bool,
    pub accept: bool,
    pub report: bool,
    pub report_done: bool,
    pub verify: bool,
    pub cancel: bool,
    pub comment: bool,
    /// Return the task (退办): the lead, while it works on it.
    pub hand_back: bool,
    /// Ask for a later deadline: the lead, while it works on it.
    pub extend: bool,
}

/// The joint-meeting resolution a task implements.
#[derive(Clone, Debug, Deserialize, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Source {
    pub meeting_id: crate::meeting::MeetingId,
    pub meeting_title: String,
    pub number: i64,
    pub text: String,
}

/// A task with its ledger, history, sub-tasks and what the actor may do.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TaskDetail {
    pub task: Task,
    /// The resolutions this task implements.
    pub sources: Vec<Source>,
    pub assessment: Assessment,
    pub reports: Vec<Report>,
    pub events: Vec<Event>,
    pub children: Vec<Task>,
    /// Requests for a later deadline, newest first.
    pub extensions: Vec<Extension>,
    pub allowed: Allowed,
}

pub async fn detail(db: &Db, actor: &Actor, id: TaskId) -> Result<TaskDetail> {
    // One snapshot for the task and everything shown with it.
    let mut tx = db.read().await?;
    let task = get_in(&mut tx, actor, id).await?;
    let (reports, events, sources) = reports_events_sources(&mut tx, id).await?;
    // Sub-tasks by the same rule as every list: one led elsewhere may be hidden. Most
    // tasks have none, which the task's own row already says.
    let children = if task.child_count == 0 {
        Vec::new()
    } else {
        let mut q = Sql::new(&format!("{SELECT} where t.parent_id = "));
        q.bind(id.0)
            .and(&READ.sql(actor))
            .push(" order by t.deadline, t.id");
        let found = q.all(&mut tx).await?;
        with_supporters(&mut tx, found).await?
    };
    let open = task.status.is_open();
    let working = matches!(
        task.status,
        TaskStatus::Assigned | TaskStatus::Accepted | TaskStatus::InProgress
    );
    let assigner = |action| actor.may(Resource::Task, action, Some(&task.assigner_org_path));
    let lead = actor.may(Resource::Task, Action::Report, Some(&task.lead_org_path));
    let allowed = Allowed {
        edit: open && assigner(Action::Update),
        assign: task.status == TaskStatus::Draft && assigner(Action::Assign),
        accept: task.status == TaskStatus::Assigned && lead,
        report: matches!(task.status, TaskStatus::Accepted | TaskStatus::InProgress)
            && lead
            && task.child_count == 0,
        report_done: matches!(task.status, TaskStatus::Accepted | TaskStatus::InProgress)
            && lead
            && task.progress >= 100,
        verify: task.status == TaskStatus::ReportedDone && assigner(Action::Assign),
        cancel: open && assigner(Action::Assign),
        comment: actor.may_any(Resource::Task, Action::Comment, task.involved_paths()),
        hand_back: working && lead,
        extend: working && lead,
    };
    let extensions = super::extension::extensions_in(&mut tx, id).await?;
    Ok(TaskDetail {
        extensions,
        assessment: task.assessment(),
        task,
        sources,
        reports,
        events,
        children,
        allowed,
    })
}

/// A task's reports (with their evidence), history and sources in one statement: each
/// list a JSON array built by the database, since every statement is a round trip to
/// the connection's thread and these three were most of a task page's.
async fn reports_events_sources(
    tx: &mut Tx,
    id: TaskId,
) -> Result<(Vec<Report>, Vec<Event>, Vec<Source>)> {
    let sql = match tx.engine() {
        crate::db::Engine::Sqlite => LEDGER_SQLITE,
        crate::db::Engine::Postgres => LEDGER_POSTGRES,
    };
    let (reports, events, sources): (String, String, String) =
        on!(tx, |c| sqlx::query_as(sql).bind(id).fetch_one(c).await?);
    let parse =
        |what: &str, text: &str| Error::Other(format!("task {} {what} read as JSON: {text}", id.0));
    Ok((
        serde_json::from_str(&reports).map_err(|e| parse("reports", &e.to_string()))?,
        serde_json::from_str(&events).map_err(|e| parse("events", &e.to_string()))?,
        serde_json::from_str(&sources).map_err(|e| parse("sources", &e.to_string()))?,
    ))
}

/// [`reports_events_sources`] on SQLite: `json()` keeps the evidence an array inside each report (a
/// subquery's value loses its JSON subtype), and the aggregates order their rows.
const LEDGER_SQLITE: &str = "select
    (select json_group_array(json_object('id', r.id, 'reported_on', r.reported_on, 'percent', r.percent,
        'done', r.done, 'next_step', r.next_step, 'problems', r.problems, 'backwards_reason', r.backwards_reason,
        'author_name', a.display_name, 'created_at', r.created_at,
        'evidence', json((select json_group_array(json_object('id', f.id, 'sha256', f.sha256,
            'file_name', f.file_name, 'mime', f.mime, 'size', b.size, 'created_at', f.created_at) order by f.id)
            from attachment f join file b on b.sha256 = f.sha256
            where f.owner_kind = 'progress' and f.owner_id = r.id))) order by r.reported_on desc, r.id desc)
     from progress_report r join account a on a.id = r.author_id where r.task_id = $1),
    (select json_group_array(json_object('kind', e.kind, 'from_status', e.from_status, 'to_status', e.to_status,
        'note', e.note, 'account_name', a.display_name, 'org_name', o.name, 'created_at', e.created_at)
        order by e.id desc)
     from task_event e join account a on a.id = e.account_id join org o on o.id = e.org_id where e.task_id = $1),
    (select json_group_array(json_object('meeting_id', m.id, 'meeting_title', m.title, 'number', r.number,
        'text', r.text) order by m.held_on, r.number)
     from resolution_task rt join resolution r on r.id = rt.resolution_id join meeting m on m.id = r.meeting_id
     where rt.task_id = $1)";

/// [`reports_events_sources`] on PostgreSQL; `json_agg` of no rows is null, hence the `coalesce`.
const LEDGER_POSTGRES: &str = "select
    (select coalesce(json_agg(json_build_object('id', r.id, 'reported_on', r.reported_on, 'percent', r.percent,
        'done', r.done, 'next_step', r.next_step, 'problems', r.problems, 'backwards_reason', r.backwards_reason,
        'author_name', a.display_name, 'created_at', r.created_at,
        'evidence', (select coalesce(json_agg(json_build_object('id', f.id, 'sha256', f.sha256,
            'file_name', f.file_name, 'mime', f.mime, 'size', b.size, 'created_at', f.created_at) order by f.id),
            '[]'::json)
            from attachment f join file b on b.sha256 = f.sha256
            where f.owner_kind = 'progress' and f.owner_id = r.id)) order by r.reported_on desc, r.id desc),
        '[]'::json)::text
     from progress_report r join account a on a.id = r.author_id where r.task_id = $1),
    (select coalesce(json_agg(json_build_object('kind', e.kind, 'from_status', e.from_status,
        'to_status', e.to_status, 'note', e.note, 'account_name', a.display_name, 'org_name', o.name,
        'created_at', e.created_at) order by e.id desc), '[]'::json)::text
     from task_event e join account a on a.id = e.account_id join org o on o.id = e.org_id where e.task_id = $1),
    (select coalesce(json_agg(json_build_object('meeting_id', m.id, 'meeting_title', m.title,
        'number', r.number, 'text', r.text) order by m.held_on, r.number), '[]'::json)::text
     from resolution_task rt join resolution r on r.id = rt.resolution_id join meeting m on m.id = r.meeting_id
     where rt.task_id = $1)";

/// Filters of the task list; all optional.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct TaskFilter {
    // A form's empty choice (`lead=`) means no filter, not a bad number.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub plan: Option<i64>,
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub agreement: Option<i64>,
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub area: Option<i64>,
    /// Lead organization and everything below it.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub lead: Option<i64>,
    /// e.g. `in_progress`
    pub status: Option<String>,
    /// `red`, `yellow`, `blue`, `green` or `grey`
    pub colour: Option<String>,
    /// Deadline on or after, `YYYY-MM-DD`.
    pub deadline_from: Option<String>,
    /// Deadline on or before, `YYYY-MM-DD`.
    pub deadline_to: Option<String>,
    /// Text in the title.
    pub q: Option<String>,
    /// Only top-level tasks (not sub-tasks).
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<bool>)]
    pub top: Option<bool>,
    /// Only tasks led by an organization of this side (code), e.g. `cq`.
    pub side: Option<String>,
    /// Only tasks whose plan's cadence asks for a report that is missing (`true`).
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<bool>)]
    pub missing: Option<bool>,
}

pub(super) fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A list of tasks starts from one organization's `task_reach` rows: the reader's own
/// (or, with a lead filter, the lead's), so the reach and the order of the ledger are
/// one walk of the primary key instead of a scan and a sort of every task.
pub(super) const LIST_FROM: &str =
    "from task_reach r join task t on t.id = r.task_id join plan p on p.id = t.plan_id
    join org lo on lo.id = t.lead_org_id join org ao on ao.id = t.assigner_org_id
    left join agreement_area ar on ar.id = t.area_id";

/// The list's order: open tasks first, then by deadline, as `task_reach` is keyed.
const LIST_ORDER: &str = "r.done, r.deadline, r.task_id";

/// A filter checked and turned into SQL over [`LIST_FROM`], with what decides whether
/// its totals can be read from `task_tally`.
pub(super) struct Selection {
    pub condition: Sql,
    /// The organization whose rows the list walks, and whether only those it leads.
    org: i64,
    lead: bool,
    status: Option<TaskStatus>,
    colour: Option<Colour>,
    /// Only tasks that owe a report: the tallies' `missing` counts them.
    missing: bool,
    /// Only tasks whose lead is on this side, when the walked rows are not the side's.
    side: Option<i64>,
    /// False when another filter (or the reader's rule beside a lead filter) narrows
    /// the rows: totals are then counted.
    pub(super) tallied: bool,
    /// Whether the condition reads only the walked rows `r`: a count then reads no task.
    pub(super) slim: bool,
}

impl Selection {
    /// What a count of the selection reads: the walked rows alone when the condition
    /// needs nothing else (a district's 88,000 rows counted by side: 390 → 60 ms at
    /// national scale), else the list's joins.
    pub(super) fn count_from(&self) -> &'static str {
        if self.slim {
            "from task_reach r"
        } else {
            LIST_FROM
        }
    }

    /// `select {groups}` and the count of the tally rows this selection covers (their
    /// tasks, or those that owe a report), `colour` to narrow them to its colour.
    fn tally(&self, groups: &str, colour: bool) -> Sql {
        let counted = if self.missing { "missing" } else { "n" };
        let mut q = Sql::new(&format!(
            "select {groups}cast(coalesce(sum({counted}), 0) as bigint) from task_tally where org_id = "
        ));
        q.bind(self.org);
        if self.lead {
            q.push(" and lead = 1");
        }
        if let Some(s) = self.status {
            q.push(" and status = ").bind(s.as_str());
        }
        if let Some(s) = self.side {
            q.push(" and side = ").bind(s);
        }
        if let (true, Some(c)) = (colour, self.colour) {
            q.push(" and colour = ").bind(c.as_str());
        }
        q
    }
}

/// The read rule and every filter of `TaskFilter`, checked.
pub(super) async fn select(tx: &mut Tx, actor: &Actor, filter: &TaskFilter) -> Result<Selection> {
    let mut check = Check::default();
    let status = blank(&filter.status).and_then(|s| check.take("status", TaskStatus::parse(s)));
    let colour = blank(&filter.colour).and_then(|s| check.take("colour", Colour::parse(s)));
    let from = check
        .take(
            "deadline_from",
            text::date(blank(&filter.deadline_from).unwrap_or("")),
        )
        .flatten();
    let to = check
        .take(
            "deadline_to",
            text::date(blank(&filter.deadline_to).unwrap_or("")),
        )
        .flatten();
    let lead = match filter.lead {
        Some(id) => {
            let path = crate::org::path_of(tx, OrgId(id)).await?;
            if path.is_none() {
                check.add("lead", "unknown_org");
            }
            path.map(|p| (id, p))
        }
        None => None,
    };
    let side = match blank(&filter.side) {
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
    let key = READ.reader_key(actor);
    // The reader's rule is implied by the rows walked when they are the reader's own, or
    // a lead's the reader is at or above.
    // A side alone, for a reader who sees every task, walks the side's own rows.
    let by_side = match (&lead, key, side) {
        (None, Some(reach::EVERYONE), Some(v)) => Some(reach::side_key(v)),
        _ => None,
    };
    let (org, implied) = match (by_side, &lead, key) {
        (Some(k), _, _) => (k, true),
        (None, Some((id, _)), Some(reach::EVERYONE)) => (*id, true),
        (None, Some((id, path)), Some(k)) => (
            *id,
            k == actor.org_id.0 && path.starts_with(&actor.org_path),
        ),
        (None, Some((id, _)), None) => (*id, false),
        (None, None, Some(k)) => (k, true),
        (None, None, None) => (reach::EVERYONE, false),
    };
    let mut w = Sql::new("r.org_id = ");
    w.bind(org);
    if lead.is_some() {
        w.push(" and r.lead = 1");
    }
    if !implied {
        w.and(&READ.sql(actor));
    }
    let mut tallied = implied;
    let mut slim = implied;
    if let Some(v) = filter.plan {
        w.push(" and t.plan_id = ").bind(v);
        (tallied, slim) = (false, false);
    }
    if let Some(v) = filter.agreement {
        w.push(" and p.agreement_id = ").bind(v);
        (tallied, slim) = (false, false);
    }
    if let Some(v) = filter.area {
        w.push(" and t.area_id = ").bind(v);
        (tallied, slim) = (false, false);
    }
    if let Some(v) = status {
        w.push(" and r.status = ").bind(v.as_str());
    }
    if let Some(v) = colour {
        w.push(" and r.colour = ").bind(v.as_str());
    }
    let missing = filter.missing == Some(true);
    if missing {
        w.push(" and r.missing = 1");
    }
    if let Some(v) = from {
        w.push(" and r.deadline >= ").bind(v);
        tallied = false;
    }
    if let Some(v) = to {
        w.push(" and r.deadline <= ").bind(v);
        tallied = false;
    }
    if let Some(q) = blank(&filter.q) {
        w.push(" and t.title like ")
            .bind(format!(
                "%{}%",
                crate::org::escape_like(&q.chars().take(100).collect::<String>())
            ))
            .push(" escape '\\'");
        (tallied, slim) = (false, false);
    }
    if filter.top == Some(true) {
        w.push(" and t.parent_id is null");
        (tallied, slim) = (false, false);
    }
    // Every row names its lead's side, and the tallies count by it.
    let side = side.filter(|_| by_side.is_none());
    if let Some(v) = side {
        w.push(" and r.side = ").bind(v);
    }
    Ok(Selection {
        condition: w,
        org,
        lead: lead.is_some(),
        status,
        colour,
        missing,
        side,
        tallied,
        slim,
    })
}

/// The tasks the actor may see: open ones first, most urgent on top.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &TaskFilter,
    page: PageRequest,
) -> Result<Page<Task>> {
    let mut tx = db.read().await?;
    let page = page.clamped();
    let sel = select(&mut tx, actor, filter).await?;
    tx.generic_plans(true).await?;
    let total: i64 = if sel.tallied {
        sel.tally("", true).scalar::<i64>(&mut tx).await?
    } else {
        let mut q = Sql::new(&format!("select count(*) {} where ", sel.count_from()));
        q.append(&sel.condition).scalar(&mut tx).await?
    };
    let mut q = Sql::new(&format!("select {COLUMNS} {LIST_FROM} where "));
    q.append(&sel.condition)
        .push(&format!(" order by {LIST_ORDER} limit "))
        .bind(i64::from(page.per_page))
        .push(" offset ")
        .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX));
    let found: Vec<Task> = q.all(&mut tx).await?;
    tx.generic_plans(false).await?;
    let items = with_supporters(&mut tx, found).await?;
    Ok(page.of(items, total))
}

/// An organization's inbox: what waits for it.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    /// Assigned to us, not yet accepted.
    pub to_accept: Vec<Task>,
    /// Ours to report on: the plan's cadence says a report is missing.
    pub to_report: Vec<Task>,
    /// Overdue tasks we lead or assigned.
    pub overdue: Vec<Task>,
    /// Reported done to us, waiting for verification.
    pub to_verify: Vec<Task>,
    /// Drafts we have not assigned yet.
    pub to_assign: Vec<Task>,
}

/// What waits for an organization, each an indexed condition on `t` with `$1` its id:
/// to accept, to report on (the cadence then decides), overdue (led or assigned; two
/// ranges, as an `or` of the two columns would read every red task), to verify, to
/// assign.
const WAITING: [&str; 5] = [
    "t.lead_org_id = $1 and t.status = 'assigned'",
    "t.lead_org_id = $1 and t.status in ('accepted', 'in_progress')
     and not exists (select 1 from task k where k.parent_id = t.id)",
    "t.id in (select id from task where lead_org_id = $1 and colour = 'red'
              union select id from task where assigner_org_id = $1 and colour = 'red')",
    "t.assigner_org_id = $1 and t.status = 'reported_done'",
    "t.assigner_org_id = $1 and t.status = 'draft'",
];

/// How many tasks the inbox lists at most under each heading.
const INBOX_LIMIT: i64 = 200;

/// The reporting cadence of plans, read in one query, and whether a task of theirs owes
/// a report on a day.
pub(super) struct Cadences(std::collections::HashMap<PlanId, (supervision::Cadence, u32)>);

impl Cadences {
    /// The plans whose tasks wait for `org` under heading 1 (to report on).
    async fn of(tx: &mut Tx, org: OrgId) -> Result<Cadences> {
        let rows: Vec<(PlanId, String, Option<i64>)> = on!(tx, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "select p.id, p.cadence, p.due_day from plan p
                 where p.id in (select t.plan_id from task t where {})",
                WAITING[1]
            )))
            .bind(org)
            .fetch_all(c)
            .await?
        });
        Ok(Cadences::from_rows(rows))
    }

    /// These plans.
    pub(super) async fn of_plans(
        tx: &mut Tx,
        plans: impl Iterator<Item = PlanId>,
    ) -> Result<Cadences> {
        let mut q = Sql::new("select id, cadence, due_day from plan where id in ");
        q.bind_list(plans.map(|p| p.0));
        Ok(Cadences::from_rows(q.all(tx).await?))
    }

    fn from_rows(rows: Vec<(PlanId, String, Option<i64>)>) -> Cadences {
        Cadences(
            rows.into_iter()
                .map(|(id, cadence, day)| {
                    let cadence =
                        supervision::Cadence::parse(&cadence).unwrap_or(supervision::Cadence::None);
                    let day = u32::try_from(day.unwrap_or(28)).unwrap_or(28);
                    (id, (cadence, day))
                })
                .collect(),
        )
    }

    fn missing(&self, plan: PlanId, start: NaiveDate, last: Option<NaiveDate>) -> bool {
        self.missing_on(settings::today(), plan, start, last)
    }

    pub(super) fn missing_on(
        &self,
        day: NaiveDate,
        plan: PlanId,
        start: NaiveDate,
        last: Option<NaiveDate>,
    ) -> bool {
        self.0.get(&plan).is_some_and(|(cadence, due)| {
            supervision::report_missing(day, *cadence, *due, start, last)
        })
    }
}

/// The inbox of the actor's own organization.
pub async fn inbox(db: &Db, actor: &Actor) -> Result<Inbox> {
    let mut tx = db.read().await?;
    let org = actor.org_id;
    let mut lists = Vec::with_capacity(WAITING.len());
    for cond in WAITING {
        let sql = format!("{SELECT} where {cond} order by t.deadline, t.id limit {INBOX_LIMIT}");
        let found: Vec<Task> = on!(&mut tx, |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org)
                .fetch_all(c)
                .await?
        });
        lists.push(found);
    }
    let cadences = Cadences::of(&mut tx, org).await?;
    let [to_accept, reporting, overdue, to_verify, to_assign]: [Vec<Task>; 5] = lists
        .try_into()
        .map_err(|_| Error::Other("inbox has five lists".into()))?;
    let to_report = reporting
        .into_iter()
        .filter(|t| cadences.missing(t.plan_id, t.start_on, t.last_report_on))
        .collect();
    Ok(Inbox {
        to_accept,
        to_report,
        overdue,
        to_verify,
        to_assign,
    })
}

/// How many tasks wait for the actor's organization: to accept, to report on, overdue
/// and to verify — counted, not listed, for the home page.
pub async fn waiting(db: &Db, actor: &Actor) -> Result<[i64; 4]> {
    let mut tx = db.read().await?;
    let org = actor.org_id;
    let accept = count_waiting(&mut tx, org, 0).await?;
    let overdue = count_waiting(&mut tx, org, 2).await?;
    let verify = count_waiting(&mut tx, org, 3).await?;
    let rows: Vec<(PlanId, NaiveDate, Option<NaiveDate>)> = on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select t.plan_id, t.start_on, t.last_report_on from task t where {}",
            WAITING[1]
        )))
        .bind(org)
        .fetch_all(c)
        .await?
    });
    let cadences = Cadences::of(&mut tx, org).await?;
    let report = rows
        .iter()
        .filter(|(plan, start, last)| cadences.missing(*plan, *start, *last))
        .count() as i64;
    Ok([accept, report, overdue, verify])
}

async fn count_waiting(tx: &mut Tx, org: OrgId, heading: usize) -> Result<i64> {
    let sql = format!("select count(*) from task t where {}", WAITING[heading]);
    Ok(on!(tx, |c| {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(org)
            .fetch_one(c)
            .await?
    }))
}

/// How many tasks of each status and colour the list shows for this filter (its own
/// status and colour ignored), every pair present: read from `task_tally` as the list's
/// total is, else one grouped query.
pub async fn counts(
    db: &Db,
    actor: &Actor,
    filter: &TaskFilter,
) -> Result<Vec<(TaskStatus, Colour, i64)>> {
    let mut tx = db.read().await?;
    let all = TaskFilter {
        colour: None,
        status: None,
        ..filter.clone()
    };
    let sel = select(&mut tx, actor, &all).await?;
    tx.generic_plans(true).await?;
    let rows: Vec<(String, String, i64)> = if sel.tallied {
        let mut q = sel.tally("status, colour, ", false);
        q.push(" group by status, colour");
        q.all(&mut tx).await?
    } else {
        let mut q = Sql::new(&format!(
            "select r.status, r.colour, count(*) {} where ",
            sel.count_from()
        ));
        q.append(&sel.condition)
            .push(" group by r.status, r.colour");
        q.all(&mut tx).await?
    };
    tx.generic_plans(false).await?;
    let mut out = Vec::new();
    for status in TaskStatus::ALL {
        for colour in Colour::ALL {
            let n = rows
                .iter()
                .find(|(s, c, _)| s == status.as_str() && c == colour.as_str())
                .map_or(0, |(_, _, n)| *n);
            out.push((*status, *colour, n));
        }
    }
    Ok(out)
}

/// Counts of tasks by colour among those the actor may see (the filter's own colour is
/// ignored), for the battle map: read from `task_tally` when only the reader's reach, a
/// lead and a status narrow them, else one grouped query over the stored colours.
pub async fn colour_counts(
    db: &Db,
    actor: &Actor,
    filter: &TaskFilter,
) -> Result<Vec<(Colour, i64)>> {
    let mut tx = db.read().await?;
    colour_counts_in(&mut tx, actor, filter).await
}

/// [`colour_counts`] within a transaction already open.
pub(super) async fn colour_counts_in(
    tx: &mut Tx,
    actor: &Actor,
    filter: &TaskFilter,
) -> Result<Vec<(Colour, i64)>> {
    let all = TaskFilter {
        colour: None,
        ..filter.clone()
    };
    let sel = select(tx, actor, &all).await?;
    let rows: Vec<(String, i64)> = if sel.tallied {
        let mut q = sel.tally("colour, ", false);
        q.push(" group by colour");
        q.all(tx).await?
    } else {
        let mut q = Sql::new(&format!(
            "select r.colour, count(*) {} where ",
            sel.count_from()
        ));
        q.append(&sel.condition).push(" group by r.colour");
        q.all(tx).await?
    };
    Ok(Colour::ALL
        .iter()
        .map(|c| {
            (
                *c,
                rows.iter()
                    .find(|(k, _)| k == c.as_str())
                    .map_or(0, |(_, n)| *n),
            )
        })
        .collect())
}

/// The most organizations [`colours_by_lead`] counts at once: a dashboard's rows.
pub const MAX_LEADS: usize = 500;

/// An organization's tasks (led by it or below it): by colour in `Colour::ALL`'s
/// order, and how many of them owe a report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LeadMix {
    pub colours: [i64; 5],
    pub missing: i64,
}

/// For each organization, its tasks (led by it or below it) by colour and those that owe
/// a report, as the list with `lead=` that organization (and `missing=true`) counts them
/// for this reader. Leads the reader is at or above, or all leads for a reader who sees
/// every task, are read from `task_tally`; leads no deeper than [`reach::TOP_DEPTH`]
/// from `task_top_tally`; the others are counted in one grouped walk of whichever is
/// smaller, the reader's own reach or those leads' rows.
pub async fn colours_by_lead(
    db: &Db,
    actor: &Actor,
    leads: &[OrgId],
) -> Result<std::collections::HashMap<OrgId, LeadMix>> {
    use std::collections::HashMap;
    if leads.len() > MAX_LEADS {
        return Err(Error::field("lead", "too_many"));
    }
    let mut out: HashMap<OrgId, LeadMix> =
        leads.iter().map(|id| (*id, LeadMix::default())).collect();
    if leads.is_empty() {
        return Ok(out);
    }
    let mut tx = db.read().await?;
    let mut q = Sql::new("select id, path from org where id in ");
    q.bind_list(leads.iter().map(|id| id.0));
    let paths: Vec<(OrgId, String)> = q.all(&mut tx).await?;
    let key = READ.reader_key(actor);
    let (tallied, counted): (Vec<_>, Vec<_>) = paths.into_iter().partition(|(_, path)| match key {
        Some(reach::EVERYONE) => true,
        Some(k) => k == actor.org_id.0 && path.starts_with(&actor.org_path),
        None => false,
    });
    let mut add = |id: OrgId, colour: &str, n: i64, missing: i64| {
        if let (Some(row), Some(i)) = (
            out.get_mut(&id),
            Colour::ALL.iter().position(|c| c.as_str() == colour),
        ) {
            row.colours[i] += n;
            row.missing += missing;
        }
    };
    type Counted = (OrgId, String, i64, i64);
    tx.generic_plans(true).await?;
    if !tallied.is_empty() {
        let mut q = Sql::new(
            "select org_id, colour, cast(sum(n) as bigint), cast(sum(missing) as bigint)
             from task_tally where lead = 1 and org_id in ",
        );
        q.bind_list(tallied.iter().map(|(id, _)| id.0))
            .push(" group by org_id, colour");
        for (id, colour, n, missing) in q.all::<Counted>(&mut tx).await? {
            add(id, &colour, n, missing);
        }
    }
    // A reader's tasks under leads no deeper than the tops of `task_top_tally` (the
    // map's regions and provinces) are its few rows there, each given to the leads on
    // its top's path: a lead path starts with such a lead's path iff its top's does.
    let (topped, counted): (Vec<_>, Vec<_>) = match key {
        Some(_) => counted
            .into_iter()
            .partition(|(_, path)| reach::path_ids(path).count() <= reach::TOP_DEPTH),
        None => (Vec::new(), counted),
    };
    if let (Some(k), false) = (key, topped.is_empty()) {
        let mut q = Sql::new(
            "select o.path, t.colour, t.n, t.missing
             from task_top_tally t join org o on o.id = t.top_id where t.org_id = ",
        );
        q.bind(k);
        let topped: HashMap<i64, OrgId> = topped.iter().map(|(id, _)| (id.0, *id)).collect();
        for (top_path, colour, n, missing) in q.all::<(String, String, i64, i64)>(&mut tx).await? {
            for id in reach::path_ids(&top_path).filter_map(|i| topped.get(&i)) {
                add(*id, &colour, n, missing);
            }
        }
    }
    if !counted.is_empty() {
        let sizes = |org: Option<i64>| {
            let mut q =
                Sql::new("select cast(coalesce(sum(n), 0) as bigint) from task_tally where ");
            match org {
                Some(k) => q.push("org_id = ").bind(k),
                None => q
                    .push("lead = 1 and org_id in ")
                    .bind_list(counted.iter().map(|(id, _)| id.0)),
            };
            q
        };
        let walk_reader = match key {
            Some(k) => {
                let reader: i64 = sizes(Some(k)).scalar(&mut tx).await?;
                let leads: i64 = sizes(None).scalar(&mut tx).await?;
                (reader < leads).then_some(k)
            }
            None => None,
        };
        if let Some(k) = walk_reader {
            // The reader's tasks by lead, then each lead given to the organizations at
            // or above it: the same tasks the list's `lead=` rows and rule admit.
            // The lead's path is read from the row's ledger key: one range of the
            // reader's rows, not a task and an organization read for each.
            let lead = reach::LEAD_PATH_OF_LEDGER;
            let mut q = Sql::new(&format!(
                "select {lead}, r.colour, count(*), cast(sum(r.missing) as bigint)
                 from task_reach r where r.org_id = "
            ));
            q.bind(k).push(&format!(" group by {lead}, r.colour"));
            for (lead_path, colour, n, missing) in
                q.all::<(String, String, i64, i64)>(&mut tx).await?
            {
                for (id, path) in &counted {
                    if lead_path.starts_with(path.as_str()) {
                        add(*id, &colour, n, missing);
                    }
                }
            }
        } else {
            let mut q = Sql::new(&format!(
                "select r.org_id, r.colour, count(*), cast(sum(r.missing) as bigint) {LIST_FROM}
                 where r.lead = 1 and r.org_id in "
            ));
            q.bind_list(counted.iter().map(|(id, _)| id.0))
                .and(&READ.sql(actor))
                .push(" group by r.org_id, r.colour");
            for (id, colour, n, missing) in q.all::<Counted>(&mut tx).await? {
                add(id, &colour, n, missing);
            }
        }
    }
    tx.generic_plans(false).await?;
    Ok(out)
}
