//! Task pages: the ledger list with colour filters, the task page (why its colour,
//! the progress ledger, the report form, the lifecycle buttons, comments), the
//! task form with the four fixes, and the organization's inbox.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::agreement::{self, Area, AreaId};
use qiaolian_core::org::{self, OrgId};
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::plan::{self, Plan, PlanId};
use qiaolian_core::supervision::Colour;
use qiaolian_core::task::{
    self, ExtensionState, Inbox, ReportInput, Step, Task, TaskDetail, TaskFilter, TaskId, TaskInput,
};
use qiaolian_core::{Db, Error};
use serde::Deserialize;

use super::{FormErrors, PageResult, filled, form_errors, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "tasks/list.html")]
struct ListPage {
    ctx: Ctx,
    page: Page<Task>,
    filter: TaskFilter,
    counts: Vec<(Colour, i64)>,
    pager_href: String,
    /// The lead filter's organization, shown in its picker.
    lead_name: String,
}

impl ListPage {
    fn colour_href(&self, colour: &Colour) -> String {
        let f = TaskFilter {
            colour: Some(colour.as_str().to_owned()),
            ..self.filter.clone()
        };
        format!(
            "/tasks?{}",
            serde_urlencoded::to_string(&f).unwrap_or_default()
        )
    }

    fn is_colour(&self, colour: &Colour) -> bool {
        self.filter.colour.as_deref() == Some(colour.as_str())
    }
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<TaskFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let actor = user.actor();
    let (filter, result) = match task::list(&state.db, &actor, &filter, page).await {
        Ok(p) => (filter, p),
        Err(Error::Invalid(_)) => (
            TaskFilter::default(),
            task::list(&state.db, &actor, &TaskFilter::default(), page).await?,
        ),
        Err(e) => return Err(e.into()),
    };
    let all_colours = TaskFilter {
        colour: None,
        ..filter.clone()
    };
    let counts = task::colour_counts(&state.db, &actor, &all_colours).await?;
    let pager_href = format!(
        "/tasks?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    let lead_name = lead_name(&state.db, &actor, filter.lead).await;
    Ok(render(&ListPage {
        ctx,
        page: result,
        filter,
        counts,
        pager_href,
        lead_name,
    }))
}

/// The name of a lead filter's organization, as the reader may read it.
async fn lead_name(db: &Db, actor: &qiaolian_core::access::Actor, lead: Option<i64>) -> String {
    match lead {
        Some(id) => org::get(db, actor, OrgId(id))
            .await
            .map(|o| o.name)
            .unwrap_or_default(),
        None => String::new(),
    }
}

#[derive(Template)]
#[template(path = "tasks/show.html")]
struct ShowPage {
    ctx: Ctx,
    d: TaskDetail,
    errors: FormErrors,
    report: ReportForm,
    /// The lifecycle buttons the actor may press: step and button style.
    buttons: Vec<(&'static str, &'static str)>,
    /// The supervision orders on the task, and whether the reader may issue one (or
    /// urge).
    orders: Vec<qiaolian_core::order::Order>,
    may_order: bool,
    urgings: Vec<qiaolian_core::urging::Urging>,
    actor: qiaolian_core::access::Actor,
    /// What was just saved, to say so (`extension`, `approve`, `refuse`, `urge`, `reply`).
    saved: &'static str,
}

impl ShowPage {
    fn pending_extension(&self) -> Option<&task::Extension> {
        self.d
            .extensions
            .iter()
            .find(|x| x.state == task::ExtensionState::Pending)
    }

    fn in_days(&self, n: i64) -> String {
        (qiaolian_core::settings::today() + chrono::Duration::days(n)).to_string()
    }
}

async fn show_page(
    ctx: Ctx,
    user: &User,
    db: &Db,
    id: TaskId,
    errors: FormErrors,
    report: ReportForm,
) -> PageResult {
    show_saved(ctx, user, db, id, errors, report, "").await
}

async fn show_saved(
    ctx: Ctx,
    user: &User,
    db: &Db,
    id: TaskId,
    errors: FormErrors,
    report: ReportForm,
    saved: &'static str,
) -> PageResult {
    let d = task::detail(db, &user.actor(), id).await?;
    let a = d.allowed;
    let buttons = [
        (a.assign, "assign", "btn-primary"),
        (a.accept, "accept", "btn-primary"),
        (a.report_done, "report_done", "btn-primary"),
        (a.verify, "close", "btn-success"),
    ]
    .into_iter()
    .filter(|b| b.0)
    .map(|b| (b.1, b.2))
    .collect();
    let status = errors.status(false);
    let actor = user.actor();
    let on_task = qiaolian_core::order::OrderFilter {
        record_kind: Some("task".into()),
        record_id: Some(id.0),
        ..Default::default()
    };
    let orders = qiaolian_core::order::list(db, &actor, &on_task, PageRequest::new(1, 50))
        .await?
        .items;
    let may_order = qiaolian_core::order::may_order_task(&actor, &d.task);
    let urgings =
        qiaolian_core::urging::of_record(db, &actor, qiaolian_core::order::RecordKind::Task, id.0)
            .await?;
    Ok(render_with(
        status,
        &ShowPage {
            ctx,
            d,
            errors,
            report,
            buttons,
            orders,
            may_order,
            urgings,
            actor,
            saved,
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

pub async fn show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    q: Result<Query<SavedQuery>, QueryRejection>,
) -> PageResult {
    let saved = q.map(|Query(q)| q.saved).unwrap_or_default();
    let saved = ["extension", "approve", "refuse", "urge", "reply"]
        .into_iter()
        .find(|s| *s == saved)
        .unwrap_or("");
    show_saved(
        ctx,
        &user,
        &state.db,
        TaskId(id),
        FormErrors::new(),
        ReportForm::default(),
        saved,
    )
    .await
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    reported_on: String,
    percent: String,
    done: String,
    next_step: String,
    problems: String,
    backwards_reason: String,
}

impl ReportForm {
    fn input(&self) -> Result<ReportInput, Error> {
        let some = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
        let percent = super::number("percent", &self.percent, "percent_range")?;
        Ok(ReportInput {
            reported_on: self.reported_on.clone(),
            percent,
            done: self.done.clone(),
            next_step: some(&self.next_step),
            problems: some(&self.problems),
            backwards_reason: some(&self.backwards_reason),
        })
    }
}

/// A progress report from the form, with evidence files (multipart).
pub async fn report(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: Multipart,
) -> PageResult {
    let id = TaskId(id);
    task::may_report(&state.db, &user.actor(), id).await?;
    let (files, report): (_, ReportForm) = match crate::api::read_multipart(form).await {
        Ok(v) => v,
        Err(e) => {
            return show_page(
                ctx.clone(),
                &user,
                &state.db,
                id,
                form_errors(ctx.info.locale, e)?,
                ReportForm::default(),
            )
            .await;
        }
    };
    let result = match report.input() {
        Ok(input) => task::report(&state.db, &user.actor(), id, &input, &files).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}#ledger")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            show_page(ctx, &user, &state.db, id, errors, report).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StepForm {
    step: String,
    reason: String,
    version: String,
}

pub async fn step(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> PageResult {
    let id = TaskId(id);
    let result = match Step::parse(&f.step) {
        Ok(step) => {
            task::step(
                &state.db,
                &user.actor(),
                id,
                step,
                Some(&f.reason),
                f.version.trim().parse().ok(),
            )
            .await
        }
        Err(e) => Err(Error::Invalid([("status", e)].into())),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(Error::Conflict { .. }) => {
            let errors = form_errors(ctx.info.locale, Error::field("status", "changed_meanwhile"))?;
            show_page(ctx, &user, &state.db, id, errors, ReportForm::default()).await
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            show_page(ctx, &user, &state.db, id, errors, ReportForm::default()).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CommentForm {
    body: String,
}

pub async fn comment(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> PageResult {
    let id = TaskId(id);
    match task::comment(&state.db, &user.actor(), id, &f.body).await {
        Ok(()) => Ok(Redirect::to(&format!("/tasks/{id}#history")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            show_page(ctx, &user, &state.db, id, errors, ReportForm::default()).await
        }
    }
}

/// The task form as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TaskForm {
    plan_id: String,
    area_id: String,
    parent_id: String,
    title: String,
    goal: String,
    standard: String,
    requirement: String,
    start_on: String,
    deadline: String,
    lead_org_id: String,
    #[serde(skip)]
    lead_org_name: String,
    /// (id, name) of the supporting organizations, from `supporting_org_ids`.
    #[serde(skip)]
    supporting: Vec<(String, String)>,
    supporting_org_ids: Vec<String>,
    responsible: String,
    weight: String,
    version: String,
    resolution_id: String,
}

impl TaskForm {
    /// The posted supporters as rows, their names looked up later.
    fn rows(mut self) -> TaskForm {
        filled(&mut self.supporting_org_ids);
        self.supporting = std::mem::take(&mut self.supporting_org_ids)
            .into_iter()
            .map(|id| (id, String::new()))
            .collect();
        self
    }

    fn from_task(t: &Task) -> TaskForm {
        TaskForm {
            plan_id: t.plan_id.to_string(),
            area_id: t.area_id.map(|a| a.to_string()).unwrap_or_default(),
            parent_id: t.parent_id.map(|a| a.to_string()).unwrap_or_default(),
            title: t.title.clone(),
            goal: t.goal.clone(),
            standard: t.standard.clone(),
            requirement: t.requirement.clone(),
            start_on: t.start_on.to_string(),
            deadline: t.deadline.to_string(),
            lead_org_id: t.lead_org_id.to_string(),
            lead_org_name: t.lead_org_name.clone(),
            supporting: t
                .supporters
                .iter()
                .map(|s| (s.org_id.to_string(), s.name.clone()))
                .collect(),
            responsible: t.responsible.clone().unwrap_or_default(),
            weight: t.weight.to_string(),
            version: t.version.to_string(),
            resolution_id: String::new(),
            ..TaskForm::default()
        }
    }

    fn input(&self) -> TaskInput {
        let num = |s: &str| s.trim().parse::<i64>().ok();
        TaskInput {
            plan_id: num(&self.plan_id).map(PlanId),
            area_id: num(&self.area_id).map(AreaId),
            parent_id: num(&self.parent_id).map(TaskId),
            title: self.title.clone(),
            goal: self.goal.clone(),
            standard: self.standard.clone(),
            requirement: self.requirement.clone(),
            start_on: self.start_on.clone(),
            deadline: self.deadline.clone(),
            lead_org_id: num(&self.lead_org_id).map(OrgId),
            supporting_org_ids: self
                .supporting
                .iter()
                .filter_map(|(id, _)| num(id))
                .map(OrgId)
                .collect(),
            responsible: Some(self.responsible.clone()).filter(|s| !s.trim().is_empty()),
            weight: num(&self.weight),
            version: num(&self.version),
            resolution_id: num(&self.resolution_id).map(qiaolian_core::meeting::ResolutionId),
        }
    }
}

#[derive(Template)]
#[template(path = "tasks/form.html")]
struct FormPage {
    ctx: Ctx,
    existing: Option<Task>,
    plan: Plan,
    areas: Vec<Area>,
    parents: Vec<Task>,
    form: TaskForm,
    errors: FormErrors,
    conflict: bool,
}

impl FormPage {
    fn action(&self) -> String {
        self.existing
            .as_ref()
            .map_or("/tasks".to_owned(), |t| format!("/tasks/{}", t.id))
    }
}

async fn form_page(
    ctx: Ctx,
    user: &User,
    db: &Db,
    existing: Option<Task>,
    mut form: TaskForm,
    errors: FormErrors,
    conflict: bool,
) -> PageResult {
    let actor = user.actor();
    let plan_id = form
        .plan_id
        .trim()
        .parse::<i64>()
        .map_err(|_| Error::NotFound)?;
    let plan = plan::get(db, &actor, PlanId(plan_id)).await?;
    let areas = match plan.agreement_id {
        Some(a) => agreement::get(db, &actor, a).await?.areas,
        None => Vec::new(),
    };
    let filter = task::TaskFilter {
        plan: Some(plan.id.0),
        ..task::TaskFilter::default()
    };
    // Neither the task itself nor any of its sub-tasks can become its parent.
    let below = match &existing {
        Some(e) => task::descendants(db, e.id).await?,
        None => Vec::new(),
    };
    let parents = task::list(db, &actor, &filter, PageRequest::new(1, 500))
        .await?
        .items
        .into_iter()
        .filter(|t| {
            existing.as_ref().is_none_or(|e| e.id != t.id)
                && !below.contains(&t.id)
                && t.status.is_open()
        })
        .collect();
    let name_of = async |id: &str| match id.trim().parse::<i64>() {
        Ok(id) => org::get(db, &actor, OrgId(id))
            .await
            .map(|o| o.name)
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    if form.lead_org_name.is_empty() {
        form.lead_org_name = name_of(&form.lead_org_id).await;
    }
    for s in &mut form.supporting {
        if s.1.is_empty() {
            s.1 = name_of(&s.0).await;
        }
    }
    let status = errors.status(conflict);
    Ok(render_with(
        status,
        &FormPage {
            ctx,
            existing,
            plan,
            areas,
            parents,
            form,
            errors,
            conflict,
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    plan: Option<i64>,
    parent: Option<i64>,
    area: Option<i64>,
    /// The joint-meeting resolution the new task implements.
    resolution: Option<i64>,
}

pub async fn new(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Query(q): Query<NewQuery>,
) -> PageResult {
    let Some(plan_id) = q.plan else {
        return Ok(error_page(StatusCode::NOT_FOUND, "error.404"));
    };
    let plan = plan::get(&state.db, &user.actor(), PlanId(plan_id)).await?;
    qiaolian_core::access::authorize(
        &user.actor(),
        qiaolian_core::access::Resource::Task,
        qiaolian_core::access::Action::Create,
        Some(&plan.owner_org_path),
    )?;
    let form = TaskForm {
        plan_id: plan.id.to_string(),
        parent_id: q.parent.map(|p| p.to_string()).unwrap_or_default(),
        area_id: q.area.map(|a| a.to_string()).unwrap_or_default(),
        resolution_id: q.resolution.map(|r| r.to_string()).unwrap_or_default(),
        start_on: qiaolian_core::settings::today().to_string(),
        deadline: plan.period_end.to_string(),
        weight: "1".into(),
        ..TaskForm::default()
    };
    form_page(ctx, &user, &state.db, None, form, FormErrors::new(), false).await
}

pub async fn create(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(form): Form<TaskForm>,
) -> PageResult {
    let form = form.rows();
    match task::create(&state.db, &user.actor(), &form.input()).await {
        Ok(t) => Ok(Redirect::to(&format!("/tasks/{}", t.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            form_page(ctx, &user, &state.db, None, form, errors, false).await
        }
    }
}

pub async fn edit(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let d = task::detail(&state.db, &user.actor(), TaskId(id)).await?;
    if !d.allowed.edit {
        return Err(Error::Forbidden.into());
    }
    let form = TaskForm::from_task(&d.task);
    form_page(
        ctx,
        &user,
        &state.db,
        Some(d.task),
        form,
        FormErrors::new(),
        false,
    )
    .await
}

pub async fn update(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<TaskForm>,
) -> PageResult {
    let id = TaskId(id);
    let actor = user.actor();
    let mut form = form.rows();
    let current = task::get(&state.db, &actor, id).await?;
    form.plan_id = current.plan_id.to_string();
    match task::update(&state.db, &actor, id, &form.input()).await {
        Ok(t) => Ok(Redirect::to(&format!("/tasks/{}", t.id)).into_response()),
        Err(Error::Conflict { current_version }) => {
            form.version = current_version.to_string();
            form_page(
                ctx,
                &user,
                &state.db,
                Some(current),
                form,
                FormErrors::new(),
                true,
            )
            .await
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            form_page(ctx, &user, &state.db, Some(current), form, errors, false).await
        }
    }
}

#[derive(Template)]
#[template(path = "tasks/inbox.html")]
struct InboxPage {
    ctx: Ctx,
    sections: Vec<(&'static str, Vec<Task>)>,
}

pub async fn inbox(ctx: Ctx, user: User, State(state): State<AppState>) -> PageResult {
    let i: Inbox = task::inbox(&state.db, &user.actor()).await?;
    let sections = vec![
        ("inbox.to_accept", i.to_accept),
        ("inbox.to_report", i.to_report),
        ("inbox.overdue", i.overdue),
        ("inbox.to_verify", i.to_verify),
        ("inbox.to_assign", i.to_assign),
    ];
    Ok(render(&InboxPage { ctx, sections }))
}

/// A task's colour as a badge class (app.css: shades that keep text readable).
pub fn colour_class(c: Colour) -> &'static str {
    match c {
        Colour::Red => "colour-red",
        Colour::Yellow => "colour-yellow",
        Colour::Blue => "colour-blue",
        Colour::Green => "colour-green",
        Colour::Grey => "colour-grey",
    }
}

/// A line of the printed ledger: a group's heading, or a task with its number.
pub enum LedgerLine {
    Agreement(String),
    Plan(String),
    Area(String),
    Task(usize, Box<task::LedgerRow>),
}

#[derive(Template)]
#[template(path = "tasks/ledger.html")]
struct LedgerPage {
    ctx: Ctx,
    lines: Vec<LedgerLine>,
    total: i64,
    page: Page<()>,
    filter: TaskFilter,
    /// Tasks of every page by colour.
    counts: Vec<(Colour, i64)>,
    sides: Vec<qiaolian_core::side::Side>,
    lead_name: String,
    pager_href: String,
    /// Why the query was refused, in the reader's language (the page then shows today's
    /// whole ledger).
    refused: Vec<String>,
    today: chrono::NaiveDate,
    as_of: Option<chrono::NaiveDate>,
    since: Option<chrono::NaiveDate>,
    changes: Vec<task::Change>,
    changes_total: i64,
    /// `as_of` and `since` as a query, kept by the colour links.
    days_q: String,
}

impl LedgerPage {
    fn colour_href(&self, colour: &Colour) -> String {
        let f = TaskFilter {
            colour: Some(colour.as_str().to_owned()),
            ..self.filter.clone()
        };
        format!(
            "/ledger?{}&{}",
            serde_urlencoded::to_string(&f).unwrap_or_default(),
            self.days_q
        )
    }

    fn is_colour(&self, colour: &Colour) -> bool {
        self.filter.colour.as_deref() == Some(colour.as_str())
    }

    /// The day the ledger stands on.
    fn day(&self) -> chrono::NaiveDate {
        self.as_of.unwrap_or(self.today)
    }
}

/// The agreement, plan and area the last row stood under, and its number: a heading
/// goes before the first task of each new one, on a page and across the chunks of an
/// export alike.
#[derive(Default)]
pub struct LedgerGroups {
    agreement: Option<Option<qiaolian_core::agreement::AgreementId>>,
    plan: Option<PlanId>,
    area: Option<Option<AreaId>>,
    numbered: usize,
}

impl LedgerGroups {
    /// Groups whose first task gets the number after `numbered`.
    pub fn after(numbered: usize) -> LedgerGroups {
        LedgerGroups {
            numbered,
            ..LedgerGroups::default()
        }
    }

    /// The rows, numbered, with the headings that go before them.
    pub fn lines(
        &mut self,
        rows: Vec<task::LedgerRow>,
        locale: crate::i18n::Locale,
    ) -> Vec<LedgerLine> {
        let mut lines = Vec::with_capacity(rows.len() + 3);
        for row in rows {
            let t = &row.task;
            if self.agreement != Some(t.agreement_id) {
                self.agreement = Some(t.agreement_id);
                self.plan = None;
                lines.push(LedgerLine::Agreement(
                    row.agreement_title.clone().unwrap_or_else(|| {
                        crate::i18n::t(locale, "ledger.no_agreement").to_owned()
                    }),
                ));
            }
            if self.plan != Some(t.plan_id) {
                self.plan = Some(t.plan_id);
                self.area = None;
                lines.push(LedgerLine::Plan(t.plan_title.clone()));
            }
            if self.area != Some(t.area_id) {
                self.area = Some(t.area_id);
                if let Some(name) = &t.area_name {
                    lines.push(LedgerLine::Area(name.clone()));
                }
            }
            self.numbered += 1;
            lines.push(LedgerLine::Task(self.numbered, Box::new(row)));
        }
        lines
    }
}

/// The progress ledger (打表推进): the task list's filters, grouped for review and
/// printing.
pub async fn ledger(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<TaskFilter>, QueryRejection>,
    days: Result<Query<task::LedgerDays>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(days)), Ok(Query(page))) = (filter, days, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let actor = user.actor();
    let locale = ctx.info.locale;
    let (filter, days, l, refused) =
        match task::ledger(&state.db, &actor, &filter, &days, page).await {
            Ok(l) => (filter, days, l, Vec::new()),
            Err(Error::Invalid(fields)) => {
                let refused = fields
                    .values()
                    .map(|e| crate::i18n::field_message(locale, e))
                    .collect();
                let l = task::ledger(
                    &state.db,
                    &actor,
                    &TaskFilter::default(),
                    &task::LedgerDays::default(),
                    page,
                )
                .await?;
                (
                    TaskFilter::default(),
                    task::LedgerDays::default(),
                    l,
                    refused,
                )
            }
            Err(e) => return Err(e.into()),
        };
    let lead_name = lead_name(&state.db, &actor, filter.lead).await;
    let days_q = serde_urlencoded::to_string(&days).unwrap_or_default();
    let pager_href = format!(
        "/ledger?{}&{days_q}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    let first = (l.page.saturating_sub(1) as usize) * l.per_page as usize;
    let lines = LedgerGroups::after(first).lines(l.items, ctx.info.locale);
    Ok(render(&LedgerPage {
        as_of: l.as_of,
        since: l.since,
        changes: l.changes,
        changes_total: l.changes_total,
        days_q,
        lines,
        total: l.total,
        page: Page {
            items: Vec::new(),
            total: l.total,
            page: l.page,
            per_page: l.per_page,
        },
        filter,
        counts: l.colours.iter().map(|c| (c.colour, c.tasks)).collect(),
        sides: qiaolian_core::side::list(&state.db).await?,
        lead_name,
        pager_href,
        refused,
        today: qiaolian_core::settings::today(),
        ctx,
    }))
}

/// After a form of the task page: the page again at `anchor`, saying what was `saved`,
/// or with the form's errors.
async fn after<T>(
    ctx: Ctx,
    user: &User,
    db: &Db,
    id: TaskId,
    result: Result<T, Error>,
    saved: &str,
    anchor: &str,
) -> PageResult {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}?saved={saved}#{anchor}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            show_page(ctx, user, db, id, errors, ReportForm::default()).await
        }
    }
}

/// A request for a later deadline, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExtensionForm {
    reason: String,
    new_deadline: String,
}

pub async fn request_extension(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<ExtensionForm>,
) -> PageResult {
    let id = TaskId(id);
    let input = task::ExtensionInput {
        reason: f.reason,
        new_deadline: f.new_deadline,
    };
    let result = task::request_extension(&state.db, &user.actor(), id, &input).await;
    after(ctx, &user, &state.db, id, result, "extension", "extension").await
}

/// The assigning side's decision on a request, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ExtensionDecisionForm {
    /// `approve` or `refuse`.
    decision: String,
    note: String,
}

pub async fn decide_extension(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<ExtensionDecisionForm>,
) -> PageResult {
    let id = TaskId(id);
    let decision = task::ExtensionDecision {
        approve: f.decision == "approve",
        note: Some(f.note),
    };
    let result = task::decide_extension(&state.db, &user.actor(), id, &decision).await;
    // Any value but the approving button's is a refusal, which needs its note.
    let saved = if decision.approve {
        "approve"
    } else {
        "refuse"
    };
    after(ctx, &user, &state.db, id, result, saved, "extension").await
}

/// An urging on a task, as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UrgeForm {
    to_org_id: String,
    message: String,
    reply_by: String,
}

pub async fn urge(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<UrgeForm>,
) -> PageResult {
    let id = TaskId(id);
    let input = qiaolian_core::urging::UrgingInput {
        record_kind: "task".into(),
        record_id: Some(id.0),
        to_org_id: f.to_org_id.trim().parse().ok().map(OrgId),
        message: f.message,
        reply_by: f.reply_by,
    };
    let result = qiaolian_core::urging::urge(&state.db, &user.actor(), &input).await;
    after(ctx, &user, &state.db, id, result, "urge", "urgings").await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReplyForm {
    reply: String,
}

pub async fn reply_urging(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path((id, urging)): Path<(i64, i64)>,
    Form(f): Form<ReplyForm>,
) -> PageResult {
    let id = TaskId(id);
    let result = qiaolian_core::urging::reply(&state.db, &user.actor(), urging, &f.reply).await;
    after(ctx, &user, &state.db, id, result, "reply", "urgings").await
}
