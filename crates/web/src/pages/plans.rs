//! Plan pages: create, the plan board (tasks by status) and list, revisions with what
//! changed.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::Db;
use qiaolian_core::access::{Action, Resource};
use qiaolian_core::agreement::{self, AgreementId};
use qiaolian_core::org::{self, OrgId};
use qiaolian_core::page::PageRequest;
use qiaolian_core::plan::{self, Plan, PlanId, PlanInput};
use qiaolian_core::supervision::Cadence;
use qiaolian_core::task::{self, Task, TaskFilter, TaskId, TaskStatus};
use serde::Deserialize;

use super::{FormErrors, PageResult, form_errors, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};

/// One revision with what it changed against the one before.
pub struct Revision {
    pub plan: Plan,
    pub changes: Vec<(&'static str, String, String)>,
}

#[derive(Template)]
#[template(path = "plans/show.html")]
struct ShowPage {
    ctx: Ctx,
    plan: Plan,
    columns: Vec<(TaskStatus, Vec<Task>)>,
    tasks: Vec<Task>,
    history: Vec<Revision>,
    allowed: plan::Allowed,
    board: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    view: String,
}

pub async fn show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> PageResult {
    let actor = user.actor();
    let plan = plan::get(&state.db, &actor, PlanId(id)).await?;
    let filter = TaskFilter {
        plan: Some(id),
        ..TaskFilter::default()
    };
    let tasks = task::list(&state.db, &actor, &filter, PageRequest::new(1, 500))
        .await?
        .items;
    let columns = TaskStatus::ALL
        .iter()
        .map(|s| {
            (
                *s,
                tasks.iter().filter(|t| t.status == *s).cloned().collect(),
            )
        })
        .collect();
    let chain = plan::history(&state.db, &actor, plan.id).await?;
    let mut history = Vec::new();
    for (i, p) in chain.iter().enumerate() {
        let changes = if i == 0 {
            Vec::new()
        } else {
            plan::changes(&chain[i - 1], p)
        };
        history.push(Revision {
            plan: p.clone(),
            changes,
        });
    }
    history.reverse();
    let allowed = plan.allowed(&actor);
    Ok(render(&ShowPage {
        ctx,
        plan,
        columns,
        tasks,
        history,
        allowed,
        board: q.view != "list",
    }))
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlanForm {
    agreement_id: String,
    meeting_id: String,
    title: String,
    owner_org_id: String,
    period_start: String,
    period_end: String,
    cadence: String,
    due_day: String,
    change_note: String,
    /// The version of the plan revised, as read when the form was opened.
    version: String,
    /// On revising: the tasks ticked to be closed with the revision.
    close: Vec<String>,
}

impl PlanForm {
    fn input(&self) -> PlanInput {
        let num = |s: &str| s.trim().parse::<i64>().ok();
        PlanInput {
            agreement_id: num(&self.agreement_id).map(AgreementId),
            meeting_id: num(&self.meeting_id).map(qiaolian_core::meeting::MeetingId),
            title: self.title.clone(),
            owner_org_id: num(&self.owner_org_id).map(OrgId),
            period_start: self.period_start.clone(),
            period_end: self.period_end.clone(),
            cadence: self.cadence.clone(),
            due_day: num(&self.due_day),
            change_note: Some(self.change_note.clone()).filter(|s| !s.trim().is_empty()),
            version: num(&self.version),
        }
    }
}

#[derive(Template)]
#[template(path = "plans/form.html")]
struct FormPage {
    ctx: Ctx,
    form: PlanForm,
    errors: FormErrors,
    agreement_title: Option<String>,
    owner_name: String,
    /// When revising: the plan revised and its open tasks (to carry or close).
    revising: Option<Plan>,
    open_tasks: Vec<Task>,
    closing: Vec<i64>,
}

impl FormPage {
    fn cadences(&self) -> &'static [Cadence] {
        Cadence::ALL
    }

    fn action(&self) -> String {
        self.revising
            .as_ref()
            .map_or("/plans".to_owned(), |p| format!("/plans/{}/revise", p.id))
    }
}

async fn form_page(
    ctx: Ctx,
    user: &User,
    db: &Db,
    form: PlanForm,
    errors: FormErrors,
    revising: Option<Plan>,
    closing: Vec<i64>,
) -> PageResult {
    let actor = user.actor();
    let agreement_title = match form.agreement_id.trim().parse::<i64>() {
        Ok(id) => agreement::get(db, &actor, AgreementId(id))
            .await
            .ok()
            .map(|a| a.title),
        Err(_) => None,
    };
    let owner_name = match form.owner_org_id.trim().parse::<i64>() {
        Ok(id) => org::get(db, &actor, OrgId(id))
            .await
            .map(|o| o.name)
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    let open_tasks = match &revising {
        Some(p) => {
            let f = TaskFilter {
                plan: Some(p.id.0),
                ..TaskFilter::default()
            };
            task::list(db, &actor, &f, PageRequest::new(1, 500))
                .await?
                .items
                .into_iter()
                .filter(|t| t.status.is_open())
                .collect()
        }
        None => Vec::new(),
    };
    let status = errors.status(false);
    Ok(render_with(
        status,
        &FormPage {
            ctx,
            form,
            errors,
            agreement_title,
            owner_name,
            revising,
            open_tasks,
            closing,
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    agreement: Option<i64>,
    meeting: Option<i64>,
}

pub async fn new(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let year = qiaolian_core::settings::today().format("%Y").to_string();
    let form = PlanForm {
        agreement_id: q.agreement.map(|a| a.to_string()).unwrap_or_default(),
        meeting_id: q.meeting.map(|m| m.to_string()).unwrap_or_default(),
        owner_org_id: user.0.org_id.to_string(),
        period_start: format!("{year}-01-01"),
        period_end: format!("{year}-12-31"),
        cadence: "monthly".into(),
        due_day: "28".into(),
        ..PlanForm::default()
    };
    form_page(
        ctx,
        &user,
        &state.db,
        form,
        FormErrors::new(),
        None,
        Vec::new(),
    )
    .await
}

pub async fn create(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(form): Form<PlanForm>,
) -> PageResult {
    match plan::create(&state.db, &user.actor(), &form.input()).await {
        Ok(p) => Ok(Redirect::to(&format!("/plans/{}", p.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            form_page(ctx, &user, &state.db, form, errors, None, Vec::new()).await
        }
    }
}

pub async fn revise_form(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let p = plan::get(&state.db, &user.actor(), PlanId(id)).await?;
    qiaolian_core::access::authorize(
        &user.actor(),
        Resource::Plan,
        Action::Update,
        Some(&p.owner_org_path),
    )?;
    let form = PlanForm {
        agreement_id: p.agreement_id.map(|a| a.to_string()).unwrap_or_default(),
        meeting_id: p.meeting_id.map(|m| m.to_string()).unwrap_or_default(),
        title: p.title.clone(),
        owner_org_id: p.owner_org_id.to_string(),
        period_start: p.period_start.to_string(),
        period_end: p.period_end.to_string(),
        cadence: p.cadence.as_str().into(),
        due_day: p.due_day.map(|d| d.to_string()).unwrap_or_default(),
        change_note: String::new(),
        version: p.version.to_string(),
        close: Vec::new(),
    };
    form_page(
        ctx,
        &user,
        &state.db,
        form,
        FormErrors::new(),
        Some(p),
        Vec::new(),
    )
    .await
}

pub async fn revise(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<PlanForm>,
) -> PageResult {
    let closing: Vec<i64> = form.close.iter().filter_map(|v| v.parse().ok()).collect();
    let close: Vec<TaskId> = closing.iter().copied().map(TaskId).collect();
    match plan::revise(&state.db, &user.actor(), PlanId(id), &form.input(), &close).await {
        Ok(p) => Ok(Redirect::to(&format!("/plans/{}", p.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            let p = plan::get(&state.db, &user.actor(), PlanId(id)).await?;
            form_page(ctx, &user, &state.db, form, errors, Some(p), closing).await
        }
    }
}
