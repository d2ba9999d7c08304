//! Tasks: the four fixes (goal, standard, deadline, requirement), a lead and
//! supporting organizations, sub-tasks rolled up by weight, a lifecycle from draft to
//! closed, the append-only progress ledger and the supervision colour.
//!
//! Who does what: the assigning organization (the plan's owner) drafts, assigns,
//! verifies and closes or refuses, and cancels; only the lead organization itself
//! accepts and reports; every involved organization may comment.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::agreement::{AgreementId, AreaId};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::file::{self, Attachment, Upload};
use crate::org::OrgId;
use crate::page::{Page, PageRequest};
use crate::plan::{self, PlanId, PlanStatus};
use crate::sql::{self, Sql};
use crate::supervision::{self, Assessment, Colour};
use crate::{on, settings, text};

id_type!(TaskId);
id_type!(ReportId);

text_enum!(
    TaskStatus {
        Draft = "draft",
        Assigned = "assigned",
        Accepted = "accepted",
        InProgress = "in_progress",
        ReportedDone = "reported_done",
        Closed = "closed",
        Cancelled = "cancelled",
    }
);

impl TaskStatus {
    pub fn is_open(self) -> bool {
        !matches!(self, TaskStatus::Closed | TaskStatus::Cancelled)
    }

    /// Whether a task in this status reports on its plan's cadence: one in work, not a
    /// parent, whose progress its sub-tasks make.
    pub fn reports(self, has_children: bool) -> bool {
        matches!(self, TaskStatus::Accepted | TaskStatus::InProgress) && !has_children
    }
}

text_enum!(
    /// A step of the lifecycle. `refuse` sends a task reported done back to work;
    /// `hand_back` is the lead returning a task it cannot carry (退办), a draft again for
    /// the assigning side to give to another.
    Step {
        Assign = "assign",
        Accept = "accept",
        ReportDone = "report_done",
        Close = "close",
        Refuse = "refuse",
        Cancel = "cancel",
        HandBack = "hand_back",
    }
);

impl Step {
    /// Where the step may start, where it leads, and which side takes it.
    fn rule(self) -> (&'static [TaskStatus], TaskStatus, Action) {
        use TaskStatus::*;
        match self {
            Step::Assign => (&[Draft], Assigned, Action::Assign),
            Step::Accept => (&[Assigned], Accepted, Action::Report),
            Step::ReportDone => (&[Accepted, InProgress], ReportedDone, Action::Report),
            Step::Close => (&[ReportedDone], Closed, Action::Assign),
            Step::Refuse => (&[ReportedDone], InProgress, Action::Assign),
            Step::Cancel => (
                &[Draft, Assigned, Accepted, InProgress, ReportedDone],
                Cancelled,
                Action::Assign,
            ),
            Step::HandBack => (&[Assigned, Accepted, InProgress], Draft, Action::Report),
        }
    }

    fn needs_reason(self) -> bool {
        matches!(self, Step::Refuse | Step::Cancel | Step::HandBack)
    }
}

pub use crate::org::OrgRef;

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Task {
    pub id: TaskId,
    pub plan_id: PlanId,
    pub plan_title: String,
    pub agreement_id: Option<AgreementId>,
    pub area_id: Option<AreaId>,
    pub area_name: Option<String>,
    pub parent_id: Option<TaskId>,
    pub title: String,
    /// 定目标
    pub goal: String,
    /// 定标准
    pub standard: String,
    /// 定要求
    pub requirement: String,
    pub start_on: NaiveDate,
    /// 定时限
    pub deadline: NaiveDate,
    /// The deadline first set, once an extension moved it.
    pub first_deadline: Option<NaiveDate>,
    pub lead_org_id: OrgId,
    pub lead_org_name: String,
    #[serde(skip)]
    pub lead_org_path: String,
    pub assigner_org_id: OrgId,
    pub assigner_org_name: String,
    #[serde(skip)]
    pub assigner_org_path: String,
    pub responsible: Option<String>,
    pub weight: i64,
    #[sqlx(try_from = "String")]
    pub status: TaskStatus,
    pub progress: i64,
    pub last_report_on: Option<NaiveDate>,
    #[sqlx(try_from = "String")]
    pub colour: Colour,
    pub carried_from_id: Option<TaskId>,
    pub child_count: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub supporters: Vec<OrgRef>,
}

impl Task {
    /// Why the task has its colour, as of today.
    pub fn assessment(&self) -> Assessment {
        supervision::assess(
            settings::today(),
            self.start_on,
            self.deadline,
            self.progress,
            self.status.is_open(),
            settings::get().thresholds,
        )
    }

    /// Whether the reader may take `action` on the task on the side it belongs to: the
    /// assigning organization's (`Assign`, `Update`) or the lead's (`Report`).
    pub(crate) fn authorize(&self, actor: &Actor, action: Action) -> Result<()> {
        let side = if action == Action::Report {
            &self.lead_org_path
        } else {
            &self.assigner_org_path
        };
        access::authorize(actor, Resource::Task, action, Some(side))
    }

    fn involved_paths(&self) -> impl Iterator<Item = &str> {
        [self.lead_org_path.as_str(), self.assigner_org_path.as_str()]
            .into_iter()
            .chain(self.supporters.iter().map(|s| s.path.as_str()))
    }
}

/// A task as submitted.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TaskInput {
    pub plan_id: Option<PlanId>,
    pub area_id: Option<AreaId>,
    /// A task of the same plan this one is a sub-task of.
    pub parent_id: Option<TaskId>,
    pub title: String,
    pub goal: String,
    pub standard: String,
    pub requirement: String,
    /// `YYYY-MM-DD`; today if left out.
    pub start_on: String,
    /// `YYYY-MM-DD`
    pub deadline: String,
    pub lead_org_id: Option<OrgId>,
    pub supporting_org_ids: Vec<OrgId>,
    pub responsible: Option<String>,
    /// 1–100, default 1: the share of this task in its parent's progress.
    pub weight: Option<i64>,
    /// The version read, when editing.
    pub version: Option<i64>,
    /// The joint-meeting resolution this task implements (creation only).
    pub resolution_id: Option<crate::meeting::ResolutionId>,
}

mod extension;
mod ledger;
mod progress;
pub mod reach;
pub mod remind;
mod view;
mod write;

pub use extension::*;
pub use ledger::*;
pub use progress::*;
pub use view::*;
pub use write::*;

/// The columns of [`Task`], over `t` and the joins of [`SELECT`].
macro_rules! columns {
    () => {
        "t.id, t.plan_id, p.title as plan_title, p.agreement_id, t.area_id, ar.name as area_name,
    t.parent_id, t.title, t.goal, t.standard, t.requirement, t.start_on, t.deadline, t.first_deadline,
    t.lead_org_id, lo.name as lead_org_name, lo.path as lead_org_path,
    t.assigner_org_id, ao.name as assigner_org_name, ao.path as assigner_org_path,
    t.responsible, t.weight, t.status, t.progress, t.last_report_on, t.colour, t.carried_from_id,
    (select count(*) from task k where k.parent_id = t.id) as child_count,
    t.version, t.created_at, t.updated_at"
    };
}
const COLUMNS: &str = columns!();

const SELECT: &str = concat!(
    "select ",
    columns!(),
    " from task t join plan p on p.id = t.plan_id join org lo on lo.id = t.lead_org_id
    join org ao on ao.id = t.assigner_org_id left join agreement_area ar on ar.id = t.area_id"
);

/// Who may read a task: the organizations it involves — its lead, its assigner, its
/// supporters, its plan's owner and its agreement's parties — those above them and the
/// national level. Written over `t`; readers of their own subtree are matched through
/// `task_reach` (see [`reach`]), which holds the same organizations.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Task,
    orgs: &[
        OrgOf::Column("t.lead_org_id"),
        OrgOf::Column("t.assigner_org_id"),
        OrgOf::Select("select vs.org_id from task_support vs where vs.task_id = t.id"),
        OrgOf::Select("select vp.owner_org_id from plan vp where vp.id = t.plan_id"),
        OrgOf::Select(
            "select va.org_id from plan vp join agreement_party va on va.agreement_id = vp.agreement_id
             where vp.id = t.plan_id",
        ),
    ],
    also: None,
    reached: Some("exists (select 1 from task_reach rr where rr.task_id = t.id and rr.org_id = "),
};

/// One task, if the actor may see it: the list's rule filtered by id.
pub async fn get(db: &Db, actor: &Actor, id: TaskId) -> Result<Task> {
    get_in(&mut db.read().await?, actor, id).await
}

pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: TaskId) -> Result<Task> {
    let mut q = Sql::new(&format!("{SELECT} where t.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    let found = q.all(tx).await?;
    with_supporters(tx, found)
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// Fills in the supporters of a page of tasks in one query.
async fn with_supporters(tx: &mut Tx, mut tasks: Vec<Task>) -> Result<Vec<Task>> {
    let ids: Vec<i64> = tasks.iter().map(|t| t.id.0).collect();
    let mut supporters = sql::by_owner(
        tx,
        "select s.task_id as owner, o.id as org_id, o.name, o.path from task_support s
         join org o on o.id = s.org_id where s.task_id in ",
        &ids,
        &Sql::new(" order by o.path"),
    )
    .await?;
    for t in &mut tasks {
        t.supporters = supporters.remove(&t.id.0).unwrap_or_default();
    }
    Ok(tasks)
}
