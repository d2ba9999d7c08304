//! The person form: new and edit, affiliations and contacts as rows, the likely
//! duplicates shown before saving.

use super::*;
use crate::pages::rows;
use serde::Deserialize;

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
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PersonForm {
    name: String,
    foreign_name: String,
    gender: String,
    residence_country: String,
    nationality: String,
    origin_region: String,
    categories: Vec<String>,
    tags: String,
    /// (kind, value) rows, from `contact_kind` and `contact_value`.
    #[serde(skip)]
    contacts: Vec<(String, String)>,
    /// Affiliation rows as typed, from the `aff_…` columns.
    #[serde(skip)]
    affiliations: Vec<AffiliationRow>,
    owner_org_id: String,
    #[serde(skip)]
    owner_org_name: String,
    sharing: String,
    legal_basis: String,
    basis_on: String,
    basis_scope: String,
    basis_source: String,
    notes: String,
    /// The checkbox posts `true` when ticked.
    confirm_new: bool,
    /// Set when editing: the person and the version read.
    #[serde(skip)]
    id: Option<i64>,
    version: String,
    contact_kind: Vec<String>,
    contact_value: Vec<String>,
    aff_org_id: Vec<String>,
    aff_org: Vec<String>,
    aff_position: Vec<String>,
    aff_from: Vec<String>,
    aff_to: Vec<String>,
}

impl PersonForm {
    /// The posted columns as rows; rows without a contact value or an organization are
    /// dropped.
    fn rows(mut self) -> PersonForm {
        self.contacts = rows([&mut self.contact_kind, &mut self.contact_value])
            .into_iter()
            .filter(|[_, v]| !v.trim().is_empty())
            .map(|[k, v]| (k, v))
            .collect();
        self.affiliations = rows([
            &mut self.aff_org_id,
            &mut self.aff_org,
            &mut self.aff_position,
            &mut self.aff_from,
            &mut self.aff_to,
        ])
        .into_iter()
        .filter(|[_, org, ..]| !org.trim().is_empty())
        .map(|[org_id, org, position, from, to]| AffiliationRow {
            org_id,
            org,
            position,
            from,
            to,
        })
        .collect();
        self
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
            ..PersonForm::default()
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
pub(super) struct FormPage {
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

pub(super) async fn form_page(
    ctx: Ctx,
    db: &Db,
    form: PersonForm,
    errors: FormErrors,
) -> PageResult {
    form_page_with(ctx, db, form, errors, false).await
}

pub(super) async fn form_page_with(
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
    Form(form): Form<PersonForm>,
) -> PageResult {
    let mut form = form.rows();
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

pub(crate) async fn owner_name(db: &Db, user: &User, id: &str) -> String {
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
    Form(form): Form<PersonForm>,
) -> PageResult {
    let mut form = form.rows();
    match person::create(&state.db, &user.actor(), &form.input()).await {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}", p.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            form.owner_org_name = owner_name(&state.db, &user, &form.owner_org_id).await;
            form_page(ctx, &state.db, form, errors).await
        }
    }
}
