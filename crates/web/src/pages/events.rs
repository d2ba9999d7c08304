//! Event pages: the list, the event page with its outcomes (participants by country,
//! endorsements, signed projects with totals), and recording an event. A project is
//! moved along on its own page (`projects.rs`).

use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use qiaolian_core::event::{
    self, CountryInput, Event, EventFilter, EventId, EventInput, EventKind, EventOrgInput,
};
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::project::{self, Project, ProjectInput, Totals};
use qiaolian_core::reference::{self, Country};
use qiaolian_core::{Db, Error};

use super::{FormErrors, PageResult, form_errors, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "events/list.html")]
struct ListPage {
    ctx: Ctx,
    page: Page<Event>,
    filter: EventFilter,
    pager_href: String,
}

pub async fn list(
    ctx: Ctx,
    _: User,
    State(state): State<AppState>,
    filter: Result<Query<EventFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let (filter, result) = match event::list(&state.db, &filter, page).await {
        Ok(p) => (filter, p),
        Err(Error::Invalid(_)) => (
            EventFilter::default(),
            event::list(&state.db, &EventFilter::default(), page).await?,
        ),
        Err(e) => return Err(e.into()),
    };
    let pager_href = format!(
        "/events?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    Ok(render(&ListPage {
        ctx,
        page: result,
        filter,
        pager_href,
    }))
}

#[derive(Template)]
#[template(path = "events/show.html")]
struct ShowPage {
    ctx: Ctx,
    e: Event,
    projects: Vec<Project>,
    totals: Totals,
    errors: FormErrors,
    project_form: ProjectForm,
}

async fn show_page(
    ctx: Ctx,
    db: &Db,
    id: EventId,
    errors: FormErrors,
    project_form: ProjectForm,
) -> PageResult {
    let e = event::get(db, id).await?;
    let projects = project::of_event(db, id).await?;
    let totals = project::totals(&projects);
    Ok(render_with(
        errors.status(false),
        &ShowPage {
            ctx,
            e,
            projects,
            totals,
            errors,
            project_form,
        },
    ))
}

pub async fn show(
    ctx: Ctx,
    _: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let form = ProjectForm::default();
    show_page(ctx, &state.db, EventId(id), FormErrors::new(), form).await
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProjectForm {
    title: String,
    sector: String,
    amount: String,
    investor_name: String,
    investor_country: String,
    region_code: String,
    signed_on: String,
}

pub async fn add_project(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<ProjectForm>,
) -> PageResult {
    let e = event::get(&state.db, EventId(id)).await?;
    let owner = e.orgs.first().map(|o| o.org_id);
    let some = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
    let input = ProjectInput {
        title: f.title.clone(),
        sector: some(&f.sector),
        amount: f.amount.clone(),
        investor_name: f.investor_name.clone(),
        investor_country: some(&f.investor_country),
        region_code: f.region_code.clone(),
        event_id: Some(e.id),
        signed_on: if f.signed_on.trim().is_empty() {
            e.starts_on.to_string()
        } else {
            f.signed_on.clone()
        },
        owner_org_id: owner,
        ..ProjectInput::default()
    };
    match project::create(&state.db, &user.actor(), &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/events/{id}#projects")).into_response()),
        Err(err) => {
            let errors = form_errors(ctx.info.locale, err)?;
            show_page(ctx, &state.db, e.id, errors, f).await
        }
    }
}

/// The event form as typed; organizations and countries are repeated fields.
#[derive(Clone, Debug, Default)]
pub struct EventForm {
    kind: String,
    series: String,
    title: String,
    starts_on: String,
    ends_on: String,
    region_code: String,
    place: String,
    status: String,
    summary: String,
    host_org_id: String,
    host_org_name: String,
    supporters: Vec<String>,
    countries: Vec<(String, String)>,
}

impl EventForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> EventForm {
        let mut f = EventForm::default();
        let (mut codes, mut counts) = (Vec::new(), Vec::new());
        for (k, v) in pairs {
            match k.as_str() {
                "kind" => f.kind = v,
                "series" => f.series = v,
                "title" => f.title = v,
                "starts_on" => f.starts_on = v,
                "ends_on" => f.ends_on = v,
                "region_code" => f.region_code = v,
                "place" => f.place = v,
                "status" => f.status = v,
                "summary" => f.summary = v,
                "host_org_id" => f.host_org_id = v,
                "supporter_org_ids" if !v.trim().is_empty() => f.supporters.push(v),
                "country_code" => codes.push(v),
                "participants" => counts.push(v),
                _ => {}
            }
        }
        f.countries = codes
            .into_iter()
            .zip(counts)
            .filter(|(c, n)| !c.trim().is_empty() || !n.trim().is_empty())
            .collect();
        f
    }

    fn input(&self) -> EventInput {
        let some = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
        let mut orgs = vec![EventOrgInput {
            org_id: self.host_org_id.trim().parse().ok().map(OrgId),
            role: "host".into(),
        }];
        orgs.extend(self.supporters.iter().map(|s| EventOrgInput {
            org_id: s.trim().parse().ok().map(OrgId),
            role: "supporter".into(),
        }));
        EventInput {
            kind: self.kind.clone(),
            series: some(&self.series),
            title: self.title.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            region_code: some(&self.region_code),
            country_code: None,
            place: some(&self.place),
            status: self.status.clone(),
            summary: some(&self.summary),
            orgs,
            countries: self
                .countries
                .iter()
                .map(|(c, n)| CountryInput {
                    country_code: c.clone(),
                    participants: Some(n.trim().parse().unwrap_or(-1)),
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "events/form.html")]
struct FormPage {
    ctx: Ctx,
    form: EventForm,
    errors: FormErrors,
    countries: Vec<Country>,
    spare: usize,
}

impl FormPage {
    fn kinds(&self) -> &'static [EventKind] {
        EventKind::ALL
    }
}

async fn form_page(ctx: Ctx, db: &Db, form: EventForm, errors: FormErrors) -> PageResult {
    let countries = reference::countries(db).await?;
    let spare = 8usize.saturating_sub(form.countries.len()).max(3);
    Ok(render_with(
        errors.status(false),
        &FormPage {
            ctx,
            form,
            errors,
            countries,
            spare,
        },
    ))
}

pub async fn new(ctx: Ctx, user: User, State(state): State<AppState>) -> PageResult {
    let form = EventForm {
        kind: "economic".into(),
        status: "held".into(),
        starts_on: qiaolian_core::settings::today().to_string(),
        host_org_id: user.0.org_id.to_string(),
        host_org_name: user.0.org_name.clone(),
        ..EventForm::default()
    };
    form_page(ctx, &state.db, form, FormErrors::new()).await
}

pub async fn create(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut form = EventForm::from_pairs(pairs);
    match event::create(&state.db, &user.actor(), &form.input()).await {
        Ok(e) => Ok(Redirect::to(&format!("/events/{}", e.id)).into_response()),
        Err(err) => {
            let errors = form_errors(ctx.info.locale, err)?;
            form.host_org_name = match form.host_org_id.trim().parse::<i64>() {
                Ok(id) => qiaolian_core::org::get(&state.db, &user.actor(), OrgId(id))
                    .await
                    .map(|o| o.name)
                    .unwrap_or_default(),
                Err(_) => String::new(),
            };
            form_page(ctx, &state.db, form, errors).await
        }
    }
}
