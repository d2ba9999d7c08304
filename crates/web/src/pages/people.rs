//! Directory pages: find people, record one with the legal basis for holding their
//! data, and a person's page with contacts masked until revealed (audited).

use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use qiaolian_core::access::{Action, Resource};
use qiaolian_core::audit::{self, Entry};
use qiaolian_core::money::Fen;
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::person::{
    self, AffiliationInput, Category, ContactInput, ContactKind, Duplicate, LegalBasis,
    MERGE_FIELDS, MergeInput, MergeRecord, Person, PersonFilter, PersonId, PersonInput, Sharing,
};
use qiaolian_core::reference::{self, Country};
use qiaolian_core::timeline::{TimelineItem, TimelineKind};
use qiaolian_core::{Db, Error};

use super::{FormErrors, PageResult, form_errors, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "people/list.html")]
struct ListPage {
    ctx: Ctx,
    page: Page<Person>,
    filter: PersonFilter,
    pager_href: String,
    countries: Vec<Country>,
    refused: bool,
    /// Whether the reader may record people, and so import them.
    may_create: bool,
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<PersonFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let actor = user.actor();
    let (filter, result, refused) = match person::list(&state.db, &actor, &filter, page).await {
        Ok(p) => (filter, p, false),
        Err(Error::Invalid(_)) => (
            PersonFilter::default(),
            person::list(&state.db, &actor, &PersonFilter::default(), page).await?,
            true,
        ),
        Err(e) => return Err(e.into()),
    };
    let pager_href = format!(
        "/people?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    Ok(render(&ListPage {
        ctx,
        page: result,
        filter,
        pager_href,
        countries: reference::countries(&state.db).await?,
        refused,
        may_create: actor.may(Resource::Person, Action::Create, Some(&actor.org_path)),
    }))
}

#[derive(Template)]
#[template(path = "people/show.html")]
struct ShowPage {
    ctx: Ctx,
    p: Person,
    allowed: qiaolian_core::person::Allowed,
    trail: Vec<Entry>,
    timeline: Vec<TimelineItem>,
    merges: Vec<MergeRecord>,
    duplicates: Vec<Duplicate>,
    /// A message key: the record opened was merged here, or a merge was undone.
    notice: Option<&'static str>,
    /// Why an undo was refused.
    refused: Option<String>,
}

impl ShowPage {
    /// Where a record of the history is shown.
    fn href(&self, i: &TimelineItem) -> String {
        match i.kind {
            TimelineKind::Event => format!("/events/{}", i.id),
            TimelineKind::Exchange => format!("/exchanges?org={}", i.org_id),
            TimelineKind::Donation => format!("/donations/{}", i.id),
            TimelineKind::Project => format!("/projects/{}", i.id),
            TimelineKind::Talent => format!("/talents?org={}", i.org_id),
        }
    }

    fn detail(&self, i: &TimelineItem) -> String {
        let d = i.detail.clone().unwrap_or_default();
        match i.kind {
            TimelineKind::Exchange => self.ctx.label("exchange_kind.", d).to_owned(),
            TimelineKind::Project => self.ctx.label("project_status.", d).to_owned(),
            TimelineKind::Donation => d
                .parse::<i64>()
                .map(|f| self.ctx.money(&Fen(f)))
                .unwrap_or_default(),
            TimelineKind::Talent => self.ctx.label("talent_level.", d).to_owned(),
            TimelineKind::Event => d,
        }
    }
}

async fn show_page(ctx: Ctx, db: &Db, user: &User, p: Person) -> PageResult {
    show_page_with(ctx, db, user, p, None, None).await
}

async fn show_page_with(
    ctx: Ctx,
    db: &Db,
    user: &User,
    p: Person,
    notice: Option<&'static str>,
    refused: Option<String>,
) -> PageResult {
    let actor = user.actor();
    let allowed = p.allowed(&actor);
    let trail = if allowed.reveal {
        audit::of(db, "person", p.id.0).await?
    } else {
        Vec::new()
    };
    let duplicates = if allowed.edit {
        person::duplicates_of_person(db, &actor, p.id).await?
    } else {
        Vec::new()
    };
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render_with(
        status,
        &ShowPage {
            allowed,
            timeline: qiaolian_core::timeline::timeline(db, &actor, p.id).await?,
            merges: person::merges(db, &actor, p.id).await?,
            duplicates,
            ctx,
            p,
            trail,
            notice,
            refused,
        },
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    merged: Option<String>,
    undone: Option<String>,
}

pub async fn show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    q: Result<Query<ShowQuery>, QueryRejection>,
) -> PageResult {
    let p = person::get(&state.db, &user.actor(), PersonId(id)).await?;
    if let Some(survivor) = p.merged_into {
        return Ok(Redirect::to(&format!("/people/{survivor}?merged={id}")).into_response());
    }
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let notice = if q.merged.is_some() {
        Some("person.merged_notice")
    } else if q.undone.is_some() {
        Some("person.undone_notice")
    } else {
        None
    };
    show_page_with(ctx, &state.db, &user, p, notice, None).await
}

/// Shows the page with contacts in the clear; a POST, because it is written down.
pub async fn reveal(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let p = person::reveal(&state.db, &user.actor(), PersonId(id)).await?;
    show_page(ctx, &state.db, &user, p).await
}

/// The whole record as a JSON download, for the person's own data request.
pub async fn export(user: User, State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let p = person::export(&state.db, &user.actor(), PersonId(id)).await?;
    let body = serde_json::to_vec_pretty(&p).map_err(|e| Error::Other(e.to_string()))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"person-{id}.json\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EraseForm {
    confirm: String,
}

/// Erases the person once the user ticked that the request was checked.
pub async fn erase(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<EraseForm>,
) -> PageResult {
    if f.confirm != "yes" {
        return Ok(error_page(StatusCode::UNPROCESSABLE_ENTITY, "error.400"));
    }
    person::erase(&state.db, &user.actor(), PersonId(id)).await?;
    Ok(Redirect::to(&format!("/people/{id}")).into_response())
}

/// The name of the person picked on a form, to show the picker as it was sent when the
/// form comes back refused; blank if there is none the user may see.
pub async fn picked_name(db: &Db, user: &User, id: &str) -> String {
    match id.trim().parse::<i64>() {
        Ok(id) => person::get(db, &user.actor(), PersonId(id))
            .await
            .map(|p| p.name)
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// One affiliation on the form; `org_id` rides along hidden so an edit keeps the link
/// to an organization in the directory.
#[derive(Clone, Debug, Default)]
pub struct AffiliationRow {
    org_id: String,
    org: String,
    position: String,
    from: String,
    to: String,
}

/// The person form as typed; contacts, categories and affiliations are repeated fields.
#[derive(Clone, Debug, Default)]
pub struct PersonForm {
    name: String,
    foreign_name: String,
    gender: String,
    residence_country: String,
    nationality: String,
    origin_region: String,
    categories: Vec<String>,
    tags: String,
    /// (kind, value) rows.
    contacts: Vec<(String, String)>,
    /// Affiliation rows as typed.
    affiliations: Vec<AffiliationRow>,
    owner_org_id: String,
    owner_org_name: String,
    sharing: String,
    legal_basis: String,
    basis_on: String,
    basis_scope: String,
    basis_source: String,
    notes: String,
    confirm_new: bool,
    /// Set when editing: the person and the version read.
    id: Option<i64>,
    version: String,
}

impl PersonForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> PersonForm {
        let mut f = PersonForm::default();
        let (mut kinds, mut values) = (Vec::new(), Vec::new());
        let (mut orgs, mut positions, mut froms, mut tos, mut ids) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (k, v) in pairs {
            match k.as_str() {
                "name" => f.name = v,
                "foreign_name" => f.foreign_name = v,
                "gender" => f.gender = v,
                "residence_country" => f.residence_country = v,
                "nationality" => f.nationality = v,
                "origin_region" => f.origin_region = v,
                "categories" => f.categories.push(v),
                "tags" => f.tags = v,
                "contact_kind" => kinds.push(v),
                "contact_value" => values.push(v),
                "aff_org" => orgs.push(v),
                "aff_position" => positions.push(v),
                "aff_from" => froms.push(v),
                "aff_to" => tos.push(v),
                "aff_org_id" => ids.push(v),
                "owner_org_id" => f.owner_org_id = v,
                "sharing" => f.sharing = v,
                "legal_basis" => f.legal_basis = v,
                "basis_on" => f.basis_on = v,
                "basis_scope" => f.basis_scope = v,
                "basis_source" => f.basis_source = v,
                "notes" => f.notes = v,
                "confirm_new" => f.confirm_new = v == "true",
                "version" => f.version = v,
                _ => {}
            }
        }
        f.contacts = kinds
            .into_iter()
            .zip(values)
            .filter(|(_, v)| !v.trim().is_empty())
            .collect();
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        f.affiliations = (0..orgs.len())
            .map(|i| AffiliationRow {
                org_id: at(&ids, i),
                org: at(&orgs, i),
                position: at(&positions, i),
                from: at(&froms, i),
                to: at(&tos, i),
            })
            .filter(|a| !a.org.trim().is_empty())
            .collect();
        f
    }

    /// The form showing a person as stored, contacts in the clear, for editing.
    fn of(p: &Person) -> PersonForm {
        let date = |d: &Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        PersonForm {
            name: p.name.clone(),
            foreign_name: p.foreign_name.clone().unwrap_or_default(),
            gender: p.gender.to_string(),
            residence_country: p.residence_country.clone().unwrap_or_default(),
            nationality: p.nationality.clone().unwrap_or_default(),
            origin_region: p.origin_region.clone().unwrap_or_default(),
            categories: p.categories.iter().map(ToString::to_string).collect(),
            tags: p.tags.join("，"),
            contacts: p
                .contacts
                .iter()
                .map(|c| (c.kind.to_string(), c.value.clone()))
                .collect(),
            affiliations: p
                .affiliations
                .iter()
                .map(|a| AffiliationRow {
                    org_id: a.org_id.map(|o| o.to_string()).unwrap_or_default(),
                    org: a.org_name.clone(),
                    position: a.position.clone().unwrap_or_default(),
                    from: date(&a.from_on),
                    to: date(&a.to_on),
                })
                .collect(),
            owner_org_id: p.owner_org_id.to_string(),
            owner_org_name: p.owner_org_name.clone(),
            sharing: p.sharing.to_string(),
            legal_basis: p.legal_basis.to_string(),
            basis_on: p.basis_on.to_string(),
            basis_scope: p.basis_scope.clone(),
            basis_source: p.basis_source.clone(),
            notes: p.notes.clone().unwrap_or_default(),
            confirm_new: false,
            id: Some(p.id.0),
            version: p.version.to_string(),
        }
    }

    fn input(&self) -> PersonInput {
        let some = |s: &String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        PersonInput {
            name: self.name.clone(),
            foreign_name: some(&self.foreign_name),
            gender: self.gender.clone(),
            residence_country: some(&self.residence_country),
            nationality: some(&self.nationality),
            origin_region: some(&self.origin_region),
            categories: self.categories.clone(),
            tags: self
                .tags
                .split([',', '，', '、'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            contacts: self
                .contacts
                .iter()
                .map(|(kind, value)| ContactInput {
                    kind: kind.clone(),
                    value: value.clone(),
                })
                .collect(),
            affiliations: self
                .affiliations
                .iter()
                .map(|a| AffiliationInput {
                    org_id: a.org_id.trim().parse().ok().map(OrgId),
                    org_name: a.org.clone(),
                    position: some(&a.position),
                    from_on: some(&a.from),
                    to_on: some(&a.to),
                })
                .collect(),
            owner_org_id: self.owner_org_id.trim().parse().ok().map(OrgId),
            sharing: self.sharing.clone(),
            legal_basis: self.legal_basis.clone(),
            basis_on: self.basis_on.clone(),
            basis_scope: self.basis_scope.clone(),
            basis_source: self.basis_source.clone(),
            notes: some(&self.notes),
            version: self.version.trim().parse().ok(),
            confirm_new: self.confirm_new,
        }
    }

    /// Contact rows to show: those typed, then blank ones, at least one of each kind
    /// for a new person.
    fn contact_rows(&self) -> Vec<(String, String)> {
        let mut rows = self.contacts.clone();
        if rows.is_empty() {
            rows = ContactKind::ALL
                .iter()
                .map(|k| (k.to_string(), String::new()))
                .collect();
        } else {
            rows.push((ContactKind::Phone.to_string(), String::new()));
        }
        rows
    }

    fn affiliation_rows(&self) -> Vec<AffiliationRow> {
        let mut rows = self.affiliations.clone();
        rows.push(Default::default());
        rows
    }
}

#[derive(Template)]
#[template(path = "people/form.html")]
struct FormPage {
    ctx: Ctx,
    form: PersonForm,
    errors: FormErrors,
    countries: Vec<Country>,
    /// Likely duplicates, when the form was refused for them.
    duplicates: Vec<Duplicate>,
    /// Someone else saved the person since the form was opened.
    conflict: bool,
}

impl FormPage {
    fn categories(&self) -> &'static [Category] {
        Category::ALL
    }
    fn sharings(&self) -> &'static [Sharing] {
        Sharing::ALL
    }
    fn bases(&self) -> &'static [LegalBasis] {
        LegalBasis::ALL
    }
    fn checked(&self, c: &Category) -> bool {
        self.form.categories.iter().any(|x| x == c.as_str())
    }
}

async fn form_page(ctx: Ctx, db: &Db, form: PersonForm, errors: FormErrors) -> PageResult {
    form_page_with(ctx, db, form, errors, false).await
}

async fn form_page_with(
    ctx: Ctx,
    db: &Db,
    form: PersonForm,
    errors: FormErrors,
    conflict: bool,
) -> PageResult {
    let duplicates = match (
        errors.has("duplicates"),
        ctx.user().map(qiaolian_core::account::Account::actor),
    ) {
        (true, Some(actor)) => person::duplicates(db, &actor, &form.input())
            .await
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    Ok(render_with(
        errors.status(conflict),
        &FormPage {
            conflict,
            ctx,
            form,
            errors,
            countries: reference::countries(db).await?,
            duplicates,
        },
    ))
}

pub async fn new(ctx: Ctx, user: User, State(state): State<AppState>) -> PageResult {
    let form = PersonForm {
        owner_org_id: user.0.org_id.to_string(),
        owner_org_name: user.0.org_name.clone(),
        sharing: "own_side".into(),
        legal_basis: "consent".into(),
        basis_on: qiaolian_core::settings::today().to_string(),
        gender: "unknown".into(),
        ..PersonForm::default()
    };
    form_page(ctx, &state.db, form, FormErrors::new()).await
}

/// The edit form shows contacts in the clear, so opening it is a reveal (audited).
pub async fn edit(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let actor = user.actor();
    let shown = person::get(&state.db, &actor, PersonId(id)).await?;
    if let Some(survivor) = shown.merged_into {
        return Ok(Redirect::to(&format!("/people/{survivor}?merged={id}")).into_response());
    }
    if !shown.allowed(&actor).edit {
        return Err(Error::Forbidden.into());
    }
    let p = person::reveal(&state.db, &actor, PersonId(id)).await?;
    form_page(ctx, &state.db, PersonForm::of(&p), FormErrors::new()).await
}

pub async fn update(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut form = PersonForm::from_pairs(pairs);
    form.id = Some(id);
    match person::update(&state.db, &user.actor(), PersonId(id), &form.input()).await {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}", p.id)).into_response()),
        Err(Error::Conflict { current_version }) => {
            // Keep what was typed; saving again overwrites the other edit knowingly.
            form.version = current_version.to_string();
            form.owner_org_name = owner_name(&state.db, &user, &form.owner_org_id).await;
            form_page_with(ctx, &state.db, form, FormErrors::new(), true).await
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            form.owner_org_name = owner_name(&state.db, &user, &form.owner_org_id).await;
            form_page(ctx, &state.db, form, errors).await
        }
    }
}

pub(super) async fn owner_name(db: &Db, user: &User, id: &str) -> String {
    match id.trim().parse::<i64>() {
        Ok(id) => qiaolian_core::org::get(db, &user.actor(), OrgId(id))
            .await
            .map(|o| o.name)
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

pub async fn create(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut form = PersonForm::from_pairs(pairs);
    match person::create(&state.db, &user.actor(), &form.input()).await {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}", p.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            form.owner_org_name = owner_name(&state.db, &user, &form.owner_org_id).await;
            form_page(ctx, &state.db, form, errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "people/coverage.html")]
struct CoveragePage {
    ctx: Ctx,
    coverage: person::Coverage,
    chart: String,
}

impl CoveragePage {
    fn share(&self) -> String {
        let p = self.coverage.permille();
        format!("{}.{}%", p / 10, p % 10)
    }
}

pub async fn coverage(ctx: Ctx, user: User, State(state): State<AppState>) -> PageResult {
    let coverage = person::coverage(&state.db, &user.actor()).await?;
    let english = ctx.en();
    let rows: Vec<serde_json::Value> = coverage
        .countries
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.numeric,
                "value": c.people + c.associations,
                "label": if english { &c.name_en } else { &c.name_zh },
                "href": format!("/people?country={}", c.alpha2),
            })
        })
        .collect();
    let max = coverage
        .countries
        .iter()
        .map(|c| c.people + c.associations)
        .max()
        .unwrap_or(1);
    let chart = serde_json::json!({
        "rows": rows,
        "max": max,
        "legend": [ctx.t("coverage.more"), ctx.t("coverage.fewer")],
    })
    .to_string();
    Ok(render(&CoveragePage {
        ctx,
        coverage,
        chart,
    }))
}

/// One field of the merge screen where the two records differ.
pub struct MergeRow {
    field: &'static str,
    own: String,
    other: String,
    take_other: bool,
}

#[derive(Template)]
#[template(path = "people/merge.html")]
struct MergePage {
    ctx: Ctx,
    own: Person,
    other: Person,
    rows: Vec<MergeRow>,
    /// The union the survivor will hold: contacts (masked), categories, tags, affiliations.
    contacts: Vec<(ContactKind, String)>,
    categories: Vec<Category>,
    tags: Vec<String>,
    affiliations: Vec<String>,
    errors: FormErrors,
    conflict: bool,
}

/// A field of a person as shown on the merge screen.
fn shown(ctx: &Ctx, p: &Person, field: &str) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
    match field {
        "name" => p.name.clone(),
        "foreign_name" => opt(&p.foreign_name),
        "gender" => ctx.label("gender.", p.gender).to_owned(),
        "residence_country" => p.residence_country_name(ctx.en()).unwrap_or("—").to_owned(),
        "nationality" => p.nationality_name(ctx.en()).unwrap_or("—").to_owned(),
        "origin_region" => opt(&p.origin_region_name),
        "owner_org_id" => p.owner_org_name.clone(),
        "sharing" => ctx.label("sharing.", p.sharing).to_owned(),
        "legal_basis" => format!(
            "{} · {} · {} · {}",
            ctx.label("legal_basis.", p.legal_basis),
            p.basis_on,
            p.basis_scope,
            p.basis_source
        ),
        "notes" => opt(&p.notes),
        _ => String::new(),
    }
}

impl MergePage {
    fn label(&self, field: &str) -> &'static str {
        self.ctx.t(match field {
            "owner_org_id" => "person.owner",
            "legal_basis" => "person.legal_basis",
            "name" => "person.name",
            "foreign_name" => "person.foreign_name",
            "gender" => "person.gender",
            "residence_country" => "person.residence_country",
            "nationality" => "person.nationality",
            "origin_region" => "person.origin_region",
            "sharing" => "person.sharing",
            _ => "person.notes",
        })
    }
}

async fn merge_page(
    ctx: Ctx,
    db: &Db,
    user: &User,
    (id, with): (i64, i64),
    taken: &[String],
    errors: FormErrors,
    conflict: bool,
) -> PageResult {
    // Someone erased, merged or hidden, or the same person: said on the person's page.
    let (own, other) = match person::compare(db, &user.actor(), PersonId(id), PersonId(with)).await
    {
        Ok(pair) => pair,
        Err(Error::Invalid(fields)) => return refused_on_page(ctx, db, user, id, &fields).await,
        Err(e) => return Err(e.into()),
    };
    let rows = MERGE_FIELDS
        .iter()
        .map(|f| MergeRow {
            field: f,
            own: shown(&ctx, &own, f),
            other: shown(&ctx, &other, f),
            take_other: taken.iter().any(|t| t == f),
        })
        .filter(|r| r.own != r.other)
        .collect();
    let mut contacts: Vec<(ContactKind, String)> = Vec::new();
    let mut categories = own.categories.clone();
    let mut tags = own.tags.clone();
    let mut affiliations: Vec<String> = Vec::new();
    for p in [&own, &other] {
        for c in &p.contacts {
            if !contacts.iter().any(|(k, v)| *k == c.kind && *v == c.value) {
                contacts.push((c.kind, c.value.clone()));
            }
        }
        for c in &p.categories {
            if !categories.contains(c) {
                categories.push(*c);
            }
        }
        for t in &p.tags {
            if !tags.contains(t) {
                tags.push(t.clone());
            }
        }
        for a in &p.affiliations {
            let line = match &a.position {
                Some(pos) => format!("{} · {pos}", a.org_name),
                None => a.org_name.clone(),
            };
            if !affiliations.contains(&line) {
                affiliations.push(line);
            }
        }
    }
    let status = errors.status(conflict);
    Ok(render_with(
        status,
        &MergePage {
            ctx,
            own,
            other,
            rows,
            contacts,
            categories,
            tags,
            affiliations,
            errors,
            conflict,
        },
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MergeQuery {
    with: String,
}

/// The merge screen: for each field where the two differ, whose value survives.
pub async fn merge_form(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    q: Result<Query<MergeQuery>, QueryRejection>,
) -> PageResult {
    let Some(with) = q
        .ok()
        .and_then(|Query(q)| q.with.trim().parse::<i64>().ok())
    else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    merge_page(
        ctx,
        &state.db,
        &user,
        (id, with),
        &[],
        FormErrors::new(),
        false,
    )
    .await
}

pub async fn merge(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut input = MergeInput::default();
    let mut taken = Vec::new();
    for (k, v) in pairs {
        let n = v.trim().parse::<i64>().ok();
        match k.as_str() {
            "with" => input.with = n.map(PersonId),
            "version" => input.version = n,
            "other_version" => input.other_version = n,
            _ => {
                if let Some(field) = k.strip_prefix("choose_") {
                    if v == "other" {
                        taken.push(field.to_owned());
                    }
                    input.choose.insert(field.to_owned(), v);
                }
            }
        }
    }
    let Some(with) = input.with else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    match person::merge(&state.db, &user.actor(), PersonId(id), &input).await {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}", p.id)).into_response()),
        Err(Error::Conflict { .. }) => {
            merge_page(
                ctx,
                &state.db,
                &user,
                (id, with.0),
                &taken,
                FormErrors::new(),
                true,
            )
            .await
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            merge_page(ctx, &state.db, &user, (id, with.0), &taken, errors, false).await
        }
    }
}

/// The person's page with why a merge or its undo was refused.
async fn refused_on_page(
    ctx: Ctx,
    db: &Db,
    user: &User,
    id: i64,
    fields: &qiaolian_core::FieldErrors,
) -> PageResult {
    let message = fields
        .values()
        .map(|e| crate::i18n::field_message(ctx.info.locale, e))
        .collect::<Vec<_>>()
        .join("；");
    let p = person::get(db, &user.actor(), PersonId(id)).await?;
    show_page_with(ctx, db, user, p, None, Some(message)).await
}

/// Undoes a merge from the survivor's page; a refusal is shown there.
pub async fn undo_merge(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path((id, merge_id)): Path<(i64, i64)>,
) -> PageResult {
    let actor = user.actor();
    match person::undo_merge(&state.db, &actor, PersonId(id), merge_id).await {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}?undone=1", p.id)).into_response()),
        Err(Error::Invalid(fields)) => refused_on_page(ctx, &state.db, &user, id, &fields).await,
        Err(e) => Err(e.into()),
    }
}
