//! Agreement pages: list, record, edit, and the agreement page with its areas,
//! plans and tasks (the tree a leader reads from top to bottom).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::access::{Action, Resource};
use qiaolian_core::agreement::{
    self, Agreement, AgreementFilter, AgreementId, AgreementInput, AgreementKind, AreaId,
    AreaInput, PartyInput, PartyRole,
};
use qiaolian_core::org::{self, Org, OrgId};
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::plan::{self, Plan};
use qiaolian_core::task::{self, Task, TaskFilter};
use qiaolian_core::{Db, Error};
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{FormErrors, PageResult, form_errors, render, render_with, rows};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "agreements/list.html")]
struct ListPage {
    ctx: Ctx,
    page: Page<Agreement>,
    filter: AgreementFilter,
    pager_href: String,
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<AgreementFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let actor = user.actor();
    let result = match agreement::list(&state.db, &actor, &filter, page).await {
        Ok(p) => p,
        Err(Error::Invalid(_)) => {
            agreement::list(&state.db, &actor, &AgreementFilter::default(), page).await?
        }
        Err(e) => return Err(e.into()),
    };
    let pager_href = format!(
        "/agreements?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    Ok(render(&ListPage {
        ctx,
        page: result,
        filter,
        pager_href,
    }))
}

/// One area of the agreement page: its plans' tasks.
pub struct AreaBlock {
    pub name: String,
    pub description: Option<String>,
    pub tasks: Vec<Task>,
}

#[derive(Template)]
#[template(path = "agreements/show.html")]
struct ShowPage {
    ctx: Ctx,
    a: Agreement,
    plans: Vec<Plan>,
    areas: Vec<AreaBlock>,
    unfiled: Vec<Task>,
    allowed: qiaolian_core::agreement::Allowed,
    error: Option<String>,
}

async fn show_page(
    ctx: Ctx,
    user: &User,
    db: &Db,
    id: AgreementId,
    error: Option<String>,
) -> PageResult {
    let actor = user.actor();
    let a = agreement::get(db, &actor, id).await?;
    let plans = plan::of_agreement(db, &actor, id).await?;
    let filter = TaskFilter {
        agreement: Some(id.0),
        top: Some(true),
        ..TaskFilter::default()
    };
    let tasks = task::list(db, &actor, &filter, PageRequest::new(1, 500))
        .await?
        .items;
    let mut areas: Vec<AreaBlock> = a
        .areas
        .iter()
        .map(|ar| AreaBlock {
            name: ar.name.clone(),
            description: ar.description.clone(),
            tasks: Vec::new(),
        })
        .collect();
    let mut unfiled = Vec::new();
    for t in tasks {
        match a.areas.iter().position(|ar| Some(ar.id) == t.area_id) {
            Some(i) => areas[i].tasks.push(t),
            None => unfiled.push(t),
        }
    }
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render_with(
        status,
        &ShowPage {
            allowed: a.allowed(&actor),
            ctx,
            a,
            plans,
            areas,
            unfiled,
            error,
        },
    ))
}

pub async fn show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    show_page(ctx, &user, &state.db, AgreementId(id), None).await
}

/// The agreement form as typed; parties and areas are repeated fields.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AgreementForm {
    kind: String,
    title: String,
    signed_on: String,
    valid_until: String,
    summary: String,
    status: String,
    version: String,
    /// (organization id, role, name) rows, from `party_org_id` and `party_role`.
    #[serde(skip)]
    parties: Vec<(String, String, String)>,
    /// (id, name, description) rows.
    #[serde(skip)]
    areas: Vec<(String, String, String)>,
    party_org_id: Vec<String>,
    party_role: Vec<String>,
    area_id: Vec<String>,
    area_name: Vec<String>,
    area_description: Vec<String>,
}

impl AgreementForm {
    /// The posted columns as rows; blank rows are dropped.
    fn rows(mut self) -> AgreementForm {
        self.parties = rows([&mut self.party_org_id, &mut self.party_role])
            .into_iter()
            .filter(|[o, _]| !o.trim().is_empty())
            .map(|[o, r]| (o, r, String::new()))
            .collect();
        self.areas = rows([
            &mut self.area_id,
            &mut self.area_name,
            &mut self.area_description,
        ])
        .into_iter()
        .filter(|[_, n, d]| !n.trim().is_empty() || !d.trim().is_empty())
        .map(|[i, n, d]| (i, n, d))
        .collect();
        self
    }

    fn from_agreement(a: &Agreement) -> AgreementForm {
        AgreementForm {
            kind: a.kind.as_str().into(),
            title: a.title.clone(),
            signed_on: a.signed_on.map(|d| d.to_string()).unwrap_or_default(),
            valid_until: a.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            summary: a.summary.clone().unwrap_or_default(),
            status: match a.status {
                agreement::AgreementStatus::Expired => "in_force".into(),
                s => s.as_str().into(),
            },
            version: a.version.to_string(),
            parties: a
                .parties
                .iter()
                .map(|p| {
                    (
                        p.org_id.to_string(),
                        p.role.as_str().into(),
                        p.org_name.clone(),
                    )
                })
                .collect(),
            areas: a
                .areas
                .iter()
                .map(|ar| {
                    (
                        ar.id.to_string(),
                        ar.name.clone(),
                        ar.description.clone().unwrap_or_default(),
                    )
                })
                .collect(),
            ..AgreementForm::default()
        }
    }

    fn input(&self) -> AgreementInput {
        let some = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
        AgreementInput {
            kind: self.kind.clone(),
            title: self.title.clone(),
            signed_on: some(&self.signed_on),
            valid_until: some(&self.valid_until),
            summary: some(&self.summary),
            status: self.status.clone(),
            parties: self
                .parties
                .iter()
                .map(|(o, r, _)| PartyInput {
                    org_id: o.trim().parse().ok().map(OrgId),
                    role: r.clone(),
                })
                .collect(),
            areas: self
                .areas
                .iter()
                .map(|(i, n, d)| AreaInput {
                    id: i.trim().parse().ok().map(AreaId),
                    name: n.clone(),
                    description: some(d),
                })
                .collect(),
            version: self.version.trim().parse().ok(),
        }
    }
}

#[derive(Template)]
#[template(path = "agreements/form.html")]
struct FormPage {
    ctx: Ctx,
    existing: Option<Agreement>,
    form: AgreementForm,
    errors: FormErrors,
    conflict: bool,
    /// Empty area rows offered after the filled ones.
    spare_areas: usize,
}

impl FormPage {
    fn kinds(&self) -> &'static [AgreementKind] {
        AgreementKind::ALL
    }

    fn roles(&self) -> &'static [PartyRole] {
        PartyRole::ALL
    }

    fn action(&self) -> String {
        self.existing
            .as_ref()
            .map_or("/agreements".to_owned(), |a| {
                format!("/agreements/{}", a.id)
            })
    }
}

async fn with_party_names(db: &Db, user: &User, mut form: AgreementForm) -> AgreementForm {
    for p in &mut form.parties {
        if p.2.is_empty()
            && let Ok(id) = p.0.trim().parse::<i64>()
            && let Ok(o) = org::get(db, &user.actor(), OrgId(id)).await
        {
            p.2 = o.name;
        }
    }
    form
}

fn form_page(
    ctx: Ctx,
    existing: Option<Agreement>,
    form: AgreementForm,
    errors: FormErrors,
    conflict: bool,
) -> axum::response::Response {
    let status = errors.status(conflict);
    let spare_areas = 7usize.saturating_sub(form.areas.len()).max(2);
    render_with(
        status,
        &FormPage {
            ctx,
            existing,
            form,
            errors,
            conflict,
            spare_areas,
        },
    )
}

pub async fn new(ctx: Ctx, user: User, State(state): State<AppState>) -> PageResult {
    let me: Org = org::get(&state.db, &user.actor(), user.0.org_id).await?;
    let form = AgreementForm {
        kind: "framework".into(),
        status: "in_force".into(),
        parties: vec![(me.id.to_string(), "lead".into(), me.name)],
        ..AgreementForm::default()
    };
    Ok(form_page(ctx, None, form, FormErrors::new(), false))
}

pub async fn create(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(form): Form<AgreementForm>,
) -> PageResult {
    let form = form.rows();
    match agreement::create(&state.db, &user.actor(), &form.input()).await {
        Ok(a) => Ok(Redirect::to(&format!("/agreements/{}", a.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            let form = with_party_names(&state.db, &user, form).await;
            Ok(form_page(ctx, None, form, errors, false))
        }
    }
}

pub async fn edit(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = user.actor();
    let a = agreement::get(&state.db, &actor, AgreementId(id)).await?;
    qiaolian_core::access::authorize_any(
        &actor,
        Resource::Agreement,
        Action::Update,
        a.party_paths(),
    )?;
    let form = AgreementForm::from_agreement(&a);
    Ok(form_page(ctx, Some(a), form, FormErrors::new(), false))
}

pub async fn update(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(form): Form<AgreementForm>,
) -> PageResult {
    let id = AgreementId(id);
    let actor = user.actor();
    let mut form = form.rows();
    match agreement::update(&state.db, &actor, id, &form.input()).await {
        Ok(a) => Ok(Redirect::to(&format!("/agreements/{}", a.id)).into_response()),
        Err(Error::Conflict { current_version }) => {
            form.version = current_version.to_string();
            let a = agreement::get(&state.db, &actor, id).await?;
            let form = with_party_names(&state.db, &user, form).await;
            Ok(form_page(ctx, Some(a), form, FormErrors::new(), true))
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            let a = agreement::get(&state.db, &actor, id).await?;
            let form = with_party_names(&state.db, &user, form).await;
            Ok(form_page(ctx, Some(a), form, errors, false))
        }
    }
}

/// Uploads scans (multipart with the CSRF token in the header or a field).
pub async fn attach(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: Multipart,
) -> PageResult {
    let id = AgreementId(id);
    let result = async {
        agreement::may_attach(&state.db, &user.actor(), id).await?;
        let (files, IgnoredAny) = crate::api::read_multipart(form).await?;
        if files.is_empty() {
            return Err(Error::field("file", "required"));
        }
        for f in &files {
            agreement::attach(&state.db, &user.actor(), id, f).await?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/agreements/{id}")).into_response()),
        Err(Error::Invalid(fields)) => {
            let msg = fields
                .values()
                .next()
                .map(|e| crate::i18n::field_message(ctx.info.locale, e));
            show_page(ctx, &user, &state.db, id, msg).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Downloads a stored file after the same visibility check as the API.
pub async fn file(user: User, State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    Ok(crate::api::file_response(
        &state.db,
        &user.actor(),
        qiaolian_core::file::AttachmentId(id),
    )
    .await?)
}
