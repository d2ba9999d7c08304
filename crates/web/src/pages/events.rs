//! Event pages: the list, the event page with its outcomes (participants by country,
//! endorsements, signed projects with totals), and recording an event. A project is
//! moved along on its own page (`projects.rs`).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::article::{self, ArticleFigures, ArticleFilter, ArticleInput, OutletCount};
use qiaolian_core::camp::{self, Participant, ParticipantInput, Session, SessionId, SessionInput};
use qiaolian_core::event::{
    self, CountryInput, Event, EventFilter, EventId, EventInput, EventKind, EventOrgInput,
};
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::person::PersonId;
use qiaolian_core::project::{self, Project, ProjectInput, Totals};
use qiaolian_core::reference::{self, Country};
use qiaolian_core::talent::{self, Talent, TalentFilter, TalentInput};
use qiaolian_core::{Db, Error};
use serde::de::IgnoredAny;

use super::{FormErrors, PageResult, filled, form_errors, render, render_with, rows};
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
    series: Vec<(i64, String)>,
    sides: Vec<qiaolian_core::side::Side>,
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<EventFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let (filter, result) = match event::list(&state.db, &user.actor(), &filter, page).await {
        Ok(p) => (filter, p),
        Err(Error::Invalid(_)) => (
            EventFilter::default(),
            event::list(&state.db, &user.actor(), &EventFilter::default(), page).await?,
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
        series: event::all_series(&state.db).await?,
        sides: qiaolian_core::side::list(&state.db).await?,
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
    more: More,
}

/// The rest of an event's outcomes: sessions and register, talents, coverage, and
/// which of the forms below them was sent with errors.
struct More {
    may_update: bool,
    sessions: Vec<Session>,
    /// Register lines the reader may see by name.
    participants: Vec<Participant>,
    /// The other lines, counted by country: (Chinese name, English name, how many).
    withheld: Vec<(String, String, usize)>,
    has_sessions: bool,
    /// Camps and tours sign no projects; their page leaves the project form out.
    shows_projects: bool,
    talents: Page<Talent>,
    coverage: ArticleFigures,
    outlets: Vec<OutletCount>,
    media: Vec<qiaolian_core::org::Org>,
    countries: Vec<Country>,
    /// The form that was refused, to show it open: `session`, `participant`, `talent`, `article`.
    open: &'static str,
    sent: SubForm,
    /// Linked agreement, mechanism and pairing: (address, label key, name), only those
    /// the reader may see.
    links: Vec<(String, &'static str, String)>,
}

impl More {
    fn withheld_count(&self) -> usize {
        self.withheld.iter().map(|(_, _, n)| n).sum()
    }
}

async fn show_page(
    ctx: Ctx,
    db: &Db,
    id: EventId,
    errors: FormErrors,
    project_form: ProjectForm,
) -> PageResult {
    refused(ctx, db, id, errors, project_form, "", SubForm::default()).await
}

async fn refused(
    ctx: Ctx,
    db: &Db,
    id: EventId,
    errors: FormErrors,
    project_form: ProjectForm,
    open: &'static str,
    sent: SubForm,
) -> PageResult {
    let actor = ctx
        .user()
        .map(qiaolian_core::account::Account::actor)
        .ok_or(qiaolian_core::Error::Unauthorized)?;
    let e = event::get(db, &actor, id).await?;
    let projects = project::of_event(db, &actor, id).await?;
    let totals = project::totals(&projects);
    let by_event = |event| TalentFilter {
        event: Some(event),
        ..TalentFilter::default()
    };
    let per_page = PageRequest::new(1, 100);
    let media_filter = qiaolian_core::org::OrgFilter {
        kind: Some("media_outlet".into()),
        ..Default::default()
    };
    let media = qiaolian_core::org::list(db, &actor, &media_filter, PageRequest::new(1, 500))
        .await?
        .items;
    let mut links = Vec::new();
    if let Some(id) = e.agreement_id
        && let Ok(x) = qiaolian_core::agreement::get(db, &actor, id).await
    {
        links.push((format!("/agreements/{id}"), "event.link_agreement", x.title));
    }
    if let Some(id) = e.mechanism_id
        && let Ok(x) = qiaolian_core::org::get(db, &actor, id).await
    {
        links.push((format!("/mechanisms/{id}"), "event.link_mechanism", x.name));
    }
    if let Some(id) = e.pairing_id
        && let Ok(x) = qiaolian_core::pairing::get(db, &actor, id).await
    {
        let name = format!("{} — {}", x.org_a_name, x.org_b_name);
        links.push((format!("/pairings/{id}"), "event.link_pairing", name));
    }
    let register = camp::participants(db, &actor, id).await?;
    let more = More {
        links,
        may_update: e.allowed(&actor).update,
        sessions: camp::sessions(db, id).await?,
        participants: register.iter().filter(|p| !p.withheld).cloned().collect(),
        withheld: withheld_by_country(&register),
        has_sessions: camp::has_sessions(e.kind),
        shows_projects: !camp::has_sessions(e.kind)
            && e.kind != qiaolian_core::event::EventKind::MediaTour,
        talents: talent::list(db, &actor, &by_event(id.0), per_page).await?,
        coverage: article::filtered_figures(
            db,
            &actor,
            &ArticleFilter {
                event: Some(id.0),
                ..ArticleFilter::default()
            },
        )
        .await?,
        outlets: article::by_outlet(db, id).await?,
        media,
        countries: reference::countries(db).await?,
        open,
        sent,
    };
    Ok(render_with(
        errors.status(false),
        &ShowPage {
            ctx,
            e,
            projects,
            totals,
            errors,
            project_form,
            more,
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
    person_id: String,
    #[serde(skip)]
    person_name: String,
}

pub async fn add_project(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(mut f): Form<ProjectForm>,
) -> PageResult {
    f.person_name = super::people::picked_name(&state.db, &user, &f.person_id).await;
    let e = event::get(&state.db, &user.actor(), EventId(id)).await?;
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
        person_id: f.person_id.trim().parse().ok().map(PersonId),
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
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
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
    #[serde(skip)]
    host_org_name: String,
    #[serde(rename = "cohost_org_ids")]
    cohosts: Vec<String>,
    #[serde(rename = "supporter_org_ids")]
    supporters: Vec<String>,
    /// Ids and names of co-hosts and supporters, to show them picked again.
    #[serde(skip)]
    cohost_names: Vec<(String, String)>,
    #[serde(skip)]
    supporter_names: Vec<(String, String)>,
    /// (country code, participants) rows, from the two columns below.
    #[serde(skip)]
    countries: Vec<(String, String)>,
    country_code: Vec<String>,
    participants: Vec<String>,
    agreement_id: String,
    mechanism_id: String,
    pairing_id: String,
    /// Set when editing: the event and the version read.
    #[serde(skip)]
    id: Option<i64>,
    version: String,
    /// Participants by country come from the register and are not typed.
    #[serde(skip)]
    counted: bool,
}

impl EventForm {
    /// The posted columns as rows; blank rows are dropped.
    fn rows(mut self) -> EventForm {
        filled(&mut self.cohosts);
        filled(&mut self.supporters);
        self.countries = rows([&mut self.country_code, &mut self.participants])
            .into_iter()
            .filter(|[c, n]| !c.trim().is_empty() || !n.trim().is_empty())
            .map(|[c, n]| (c, n))
            .collect();
        self
    }

    fn input(&self) -> EventInput {
        let some = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
        let mut orgs = vec![EventOrgInput {
            org_id: self.host_org_id.trim().parse().ok().map(OrgId),
            role: "host".into(),
        }];
        orgs.extend(self.cohosts.iter().map(|s| EventOrgInput {
            org_id: s.trim().parse().ok().map(OrgId),
            role: "co_host".into(),
        }));
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
            version: self.version.trim().parse().ok(),
            agreement_id: self
                .agreement_id
                .trim()
                .parse()
                .ok()
                .map(qiaolian_core::agreement::AgreementId),
            mechanism_id: self.mechanism_id.trim().parse().ok().map(OrgId),
            pairing_id: self
                .pairing_id
                .trim()
                .parse()
                .ok()
                .map(qiaolian_core::pairing::PairingId),
        }
    }

    /// The form showing an event as stored, for editing.
    fn of(e: &Event, counted: bool) -> EventForm {
        use qiaolian_core::event::EventRole;
        let host = e.orgs.iter().find(|o| o.role == EventRole::Host);
        let with = |role| -> Vec<(String, String)> {
            e.orgs
                .iter()
                .filter(|o| o.role == role && host.is_none_or(|h| h.org_id != o.org_id))
                .map(|o| (o.org_id.to_string(), o.name.clone()))
                .collect()
        };
        let (cohost_names, supporter_names) = (with(EventRole::CoHost), with(EventRole::Supporter));
        EventForm {
            kind: e.kind.to_string(),
            series: e.series_name.clone().unwrap_or_default(),
            title: e.title.clone(),
            starts_on: e.starts_on.to_string(),
            ends_on: e.ends_on.to_string(),
            region_code: e.region_code.clone().unwrap_or_default(),
            place: e.place.clone().unwrap_or_default(),
            status: e.status.to_string(),
            summary: e.summary.clone().unwrap_or_default(),
            host_org_id: host.map(|h| h.org_id.to_string()).unwrap_or_default(),
            host_org_name: host.map(|h| h.name.clone()).unwrap_or_default(),
            cohosts: cohost_names.iter().map(|o| o.0.clone()).collect(),
            supporters: supporter_names.iter().map(|o| o.0.clone()).collect(),
            cohost_names,
            supporter_names,
            countries: e
                .countries
                .iter()
                .map(|c| (c.country_code.clone(), c.participants.to_string()))
                .collect(),
            agreement_id: e.agreement_id.map(|a| a.to_string()).unwrap_or_default(),
            mechanism_id: e.mechanism_id.map(|a| a.to_string()).unwrap_or_default(),
            pairing_id: e.pairing_id.map(|a| a.to_string()).unwrap_or_default(),
            id: Some(e.id.0),
            version: e.version.to_string(),
            counted,
            ..EventForm::default()
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
    /// What the event may be linked to: (id, name) of the records the user can see.
    agreements: Vec<(i64, String)>,
    mechanisms: Vec<(i64, String)>,
    pairings: Vec<(i64, String)>,
}

impl FormPage {
    fn kinds(&self) -> &'static [EventKind] {
        EventKind::ALL
    }
}

async fn form_page(ctx: Ctx, db: &Db, form: EventForm, errors: FormErrors) -> PageResult {
    let countries = reference::countries(db).await?;
    let spare = 8usize.saturating_sub(form.countries.len()).max(3);
    let all = PageRequest::new(1, 500);
    let (mut agreements, mut mechanisms, mut pairings) = (Vec::new(), Vec::new(), Vec::new());
    if let Some(actor) = ctx.user().map(qiaolian_core::account::Account::actor) {
        let filter = qiaolian_core::agreement::AgreementFilter::default();
        agreements = qiaolian_core::agreement::list(db, &actor, &filter, all)
            .await?
            .items
            .into_iter()
            .map(|a| (a.id.0, a.title))
            .collect();
        mechanisms = qiaolian_core::mechanism::list(db, &actor)
            .await?
            .into_iter()
            .map(|m| (m.org.id.0, m.org.name))
            .collect();
        let filter = qiaolian_core::pairing::PairingFilter::default();
        pairings = qiaolian_core::pairing::list(db, &actor, &filter, all)
            .await?
            .items
            .into_iter()
            .map(|p| (p.id.0, format!("{} — {}", p.org_a_name, p.org_b_name)))
            .collect();
    }
    Ok(render_with(
        errors.status(false),
        &FormPage {
            ctx,
            form,
            errors,
            countries,
            spare,
            agreements,
            mechanisms,
            pairings,
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
    Form(form): Form<EventForm>,
) -> PageResult {
    let mut form = form.rows();
    match event::create(&state.db, &user.actor(), &form.input()).await {
        Ok(e) => Ok(Redirect::to(&format!("/events/{}", e.id)).into_response()),
        Err(err) => {
            let errors = form_errors(ctx.info.locale, err)?;
            names(&state.db, &user, &mut form).await;
            form_page(ctx, &state.db, form, errors).await
        }
    }
}

/// Looks up the names of the organizations picked, to show a refused form as sent.
async fn names(db: &Db, user: &User, form: &mut EventForm) {
    let name = async |id: &str| match id.trim().parse::<i64>() {
        Ok(id) => qiaolian_core::org::get(db, &user.actor(), OrgId(id))
            .await
            .map(|o| o.name)
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    form.host_org_name = name(&form.host_org_id).await;
    form.cohost_names.clear();
    for id in &form.cohosts {
        form.cohost_names.push((id.clone(), name(id).await));
    }
    form.supporter_names.clear();
    for id in &form.supporters {
        form.supporter_names.push((id.clone(), name(id).await));
    }
}

pub async fn edit(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let e = event::get(&state.db, &user.actor(), EventId(id)).await?;
    if !e.allowed(&user.actor()).update {
        return Err(Error::Forbidden.into());
    }
    let mut tx = state.db.read().await?;
    let counted = camp::has_register(&mut tx, e.id).await?;
    drop(tx);
    form_page(
        ctx,
        &state.db,
        EventForm::of(&e, counted),
        FormErrors::new(),
    )
    .await
}

pub async fn update(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<EventForm>,
) -> PageResult {
    let mut form = form.rows();
    form.id = Some(id);
    let mut tx = state.db.read().await?;
    form.counted = camp::has_register(&mut tx, EventId(id)).await?;
    drop(tx);
    match event::update(&state.db, &user.actor(), EventId(id), &form.input()).await {
        Ok(e) => Ok(Redirect::to(&format!("/events/{}", e.id)).into_response()),
        Err(err) => {
            let errors = form_errors(ctx.info.locale, err)?;
            names(&state.db, &user, &mut form).await;
            form_page(ctx, &state.db, form, errors).await
        }
    }
}

/// Every field of the small forms on the event page; each form sends its own.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SubForm {
    title: String,
    starts_on: String,
    ends_on: String,
    place: String,
    name: String,
    country_code: String,
    born_on: String,
    session_id: String,
    field: String,
    level: String,
    received_on: String,
    outlet_id: String,
    url: String,
    published_on: String,
    language: String,
    person_id: String,
    #[serde(skip)]
    person_name: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Saves one of the event page's small forms, or shows the page with it open and its errors.
async fn sub_form<T>(
    ctx: Ctx,
    db: &Db,
    id: EventId,
    open: &'static str,
    f: SubForm,
    saved: Result<T, Error>,
) -> PageResult {
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/events/{}#{open}s", id.0)).into_response()),
        Err(err) => {
            let errors = form_errors(ctx.info.locale, err)?;
            refused(ctx, db, id, errors, ProjectForm::default(), open, f).await
        }
    }
}

pub async fn add_session(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<SubForm>,
) -> PageResult {
    let input = SessionInput {
        title: f.title.clone(),
        starts_on: f.starts_on.clone(),
        ends_on: f.ends_on.clone(),
        place: some(&f.place),
    };
    let saved = camp::add_session(&state.db, &user.actor(), EventId(id), &input).await;
    sub_form(ctx, &state.db, EventId(id), "session", f, saved).await
}

pub async fn register(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(mut f): Form<SubForm>,
) -> PageResult {
    f.person_name = super::people::picked_name(&state.db, &user, &f.person_id).await;
    let input = ParticipantInput {
        name: f.name.clone(),
        country_code: f.country_code.clone(),
        born_on: some(&f.born_on),
        session_id: f.session_id.trim().parse().ok().map(SessionId),
        person_id: f.person_id.trim().parse().ok().map(PersonId),
    };
    let saved = camp::register(&state.db, &user.actor(), EventId(id), &input).await;
    sub_form(ctx, &state.db, EventId(id), "participant", f, saved).await
}

pub async fn add_talent(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(mut f): Form<SubForm>,
) -> PageResult {
    f.person_name = super::people::picked_name(&state.db, &user, &f.person_id).await;
    let e = event::get(&state.db, &user.actor(), EventId(id)).await?;
    let host = e.orgs.first().map(|o| o.org_id);
    let input = TalentInput {
        name: f.name.clone(),
        field: f.field.clone(),
        level: f.level.clone(),
        country_code: f.country_code.clone(),
        event_id: Some(e.id),
        org_id: host,
        region_code: e.region_code.clone(),
        received_on: f.received_on.clone(),
        person_id: f.person_id.trim().parse().ok().map(PersonId),
    };
    let saved = talent::create(&state.db, &user.actor(), &input).await;
    sub_form(ctx, &state.db, e.id, "talent", f, saved).await
}

pub async fn add_article(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<SubForm>,
) -> PageResult {
    let input = ArticleInput {
        title: f.title.clone(),
        outlet_id: f.outlet_id.trim().parse().ok().map(OrgId),
        url: some(&f.url),
        published_on: f.published_on.clone(),
        language: f.language.clone(),
        event_id: Some(EventId(id)),
    };
    let saved = article::create(&state.db, &user.actor(), &input).await;
    sub_form(ctx, &state.db, EventId(id), "article", f, saved).await
}

pub async fn attach(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: axum::extract::Multipart,
) -> PageResult {
    let id = EventId(id);
    let saved = async {
        event::may_attach(&state.db, &user.actor(), id).await?;
        let (files, IgnoredAny) = crate::api::read_multipart(form).await?;
        if files.is_empty() {
            return Err(Error::field("file", "required"));
        }
        for f in &files {
            event::attach(&state.db, &user.actor(), id, f).await?;
        }
        Ok(())
    }
    .await;
    sub_form(ctx, &state.db, id, "file", SubForm::default(), saved).await
}

/// A day of the month with the events on it; `None` for the days around the month.
type Day = Option<(u32, Vec<Event>)>;

#[derive(Template)]
#[template(path = "events/calendar.html")]
struct CalendarPage {
    ctx: Ctx,
    month: chrono::NaiveDate,
    prev: String,
    next: String,
    /// Weeks from Monday; each day with the events on it, `None` outside the month.
    weeks: Vec<Vec<Day>>,
    events: Vec<Event>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MonthQuery {
    /// `YYYY-MM`
    month: String,
}

pub async fn calendar(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Query(q): Query<MonthQuery>,
) -> PageResult {
    use chrono::{Datelike, Months, NaiveDate};
    let today = qiaolian_core::settings::today();
    let month = NaiveDate::parse_from_str(&format!("{}-01", q.month.trim()), "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    let next_month = month.checked_add_months(Months::new(1)).unwrap_or(month);
    let last = next_month.pred_opt().unwrap_or(month);
    let events = event::between(&state.db, &user.actor(), month, last).await?;
    let lead = month.weekday().num_days_from_monday();
    let mut days: Vec<Day> = (0..lead).map(|_| None).collect();
    for d in month.iter_days().take_while(|d| *d <= last) {
        let on: Vec<Event> = events
            .iter()
            .filter(|e| e.starts_on <= d && e.ends_on >= d)
            .cloned()
            .collect();
        days.push(Some((d.day(), on)));
    }
    while !days.len().is_multiple_of(7) {
        days.push(None);
    }
    let weeks = days.chunks(7).map(<[_]>::to_vec).collect();
    let fmt = |d: NaiveDate| d.format("%Y-%m").to_string();
    Ok(render(&CalendarPage {
        ctx,
        month,
        prev: fmt(month.checked_sub_months(Months::new(1)).unwrap_or(month)),
        next: fmt(next_month),
        weeks,
        events,
    }))
}

/// Register lines without a name, counted by country in the register's order.
fn withheld_by_country(register: &[Participant]) -> Vec<(String, String, usize)> {
    let mut out: Vec<(String, String, usize)> = Vec::new();
    for p in register.iter().filter(|p| p.withheld) {
        match out.iter_mut().find(|(zh, _, _)| *zh == p.country_name_zh) {
            Some(row) => row.2 += 1,
            None => out.push((p.country_name_zh.clone(), p.country_name_en.clone(), 1)),
        }
    }
    out
}
