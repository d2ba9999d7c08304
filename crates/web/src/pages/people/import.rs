//! Importing people from a spreadsheet: upload with the owner, sharing and legal basis
//! chosen once, a preview flagging errors and likely duplicates with a tick per row,
//! and the ticked rows recorded together. The preview carries the rows as a hidden
//! field, checked again on confirm; it posts as multipart, which carries Chinese text
//! as it is rather than nine bytes a character.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use qiaolian_core::org::OrgId;
use qiaolian_core::person::{
    self, Duplicate, ImportBasis, ImportRow, Imported, LegalBasis, Pick, RowCheck, Sharing,
};
use qiaolian_core::{Db, Error};

use super::{FormErrors, PageResult, form_errors, render_with};
use crate::AppState;
use crate::api::{read_multipart, unless_refused, uploaded_rows};
use crate::ctx::{Ctx, User};
use crate::i18n;

/// The choices made once for a file, as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BasisForm {
    owner_org_id: String,
    #[serde(skip)]
    owner_org_name: String,
    sharing: String,
    legal_basis: String,
    basis_on: String,
    basis_scope: String,
    basis_source: String,
    /// On confirming: the checked rows as JSON, and the lines ticked.
    rows: String,
    pick: Vec<String>,
}

impl BasisForm {
    fn basis(&self) -> ImportBasis {
        ImportBasis {
            owner_org_id: self.owner_org_id.trim().parse().ok().map(OrgId),
            sharing: self.sharing.clone(),
            legal_basis: self.legal_basis.clone(),
            basis_on: self.basis_on.clone(),
            basis_scope: self.basis_scope.clone(),
            basis_source: self.basis_source.clone(),
        }
    }
}

/// A row of the preview, in the reader's words.
pub struct PreviewRow {
    line: usize,
    name: String,
    country: String,
    errors: Vec<String>,
    duplicates: Vec<Duplicate>,
    same_as: Vec<usize>,
    picked: bool,
}

impl PreviewRow {
    fn ok(&self) -> bool {
        self.errors.is_empty() && self.duplicates.is_empty() && self.same_as.is_empty()
    }
}

#[derive(Template)]
#[template(path = "people/import.html")]
struct ImportPage {
    ctx: Ctx,
    form: BasisForm,
    errors: FormErrors,
    /// After an upload: the rows as read (JSON, for the hidden field) and as checked.
    rows_json: String,
    preview: Vec<PreviewRow>,
    ignored: Vec<String>,
    /// Why the confirm was refused, when it was.
    refused: Option<String>,
}

impl ImportPage {
    fn sharings(&self) -> &'static [Sharing] {
        Sharing::ALL
    }
    fn bases(&self) -> &'static [LegalBasis] {
        LegalBasis::ALL
    }
    fn count_ok(&self) -> usize {
        self.preview.iter().filter(|r| r.ok()).count()
    }
    fn count_invalid(&self) -> usize {
        self.preview.iter().filter(|r| !r.errors.is_empty()).count()
    }
    fn count_duplicate(&self) -> usize {
        self.preview.len() - self.count_ok() - self.count_invalid()
    }
}

/// The label of a person's field, as the form names it.
fn field_label(field: &str) -> &'static str {
    match field {
        "name" => "person.name",
        "foreign_name" => "person.foreign_name",
        "gender" => "person.gender",
        "residence_country" => "person.residence_country",
        "nationality" => "person.nationality",
        "origin_region" => "person.origin_region_code",
        "categories" => "person.category",
        "tags" => "person.tags",
        "contacts" => "person.contacts",
        "affiliations" => "person.affiliations",
        "notes" => "person.notes",
        _ => "import.row",
    }
}

fn preview_rows(ctx: &Ctx, checks: Vec<RowCheck>, picked: Option<&[usize]>) -> Vec<PreviewRow> {
    checks
        .into_iter()
        .map(|c| {
            let errors: Vec<String> = c
                .errors
                .iter()
                .map(|(field, e)| {
                    format!(
                        "{}：{}",
                        ctx.t(field_label(field)),
                        i18n::field_message(ctx.info.locale, e)
                    )
                })
                .collect();
            let ok = c.is_ok();
            PreviewRow {
                picked: c.errors.is_empty() && picked.map_or(ok, |p| p.contains(&c.line)),
                line: c.line,
                name: c.name,
                country: c.residence_country,
                errors,
                duplicates: c.duplicates,
                same_as: c.same_as_lines,
            }
        })
        .collect()
}

/// The upload form.
pub async fn form(ctx: Ctx, user: User) -> PageResult {
    let form = BasisForm {
        owner_org_id: user.0.org_id.to_string(),
        owner_org_name: user.0.org_name.clone(),
        sharing: "own_side".into(),
        legal_basis: "consent".into(),
        basis_on: qiaolian_core::settings::today().to_string(),
        ..BasisForm::default()
    };
    let p = ImportPage {
        ctx,
        form,
        errors: FormErrors::new(),
        rows_json: String::new(),
        preview: Vec::new(),
        ignored: Vec::new(),
        refused: None,
    };
    Ok(render_with(StatusCode::OK, &p))
}

/// A confirm refused: the rows ticked, and why.
struct Refusal {
    picked: Vec<usize>,
    why: String,
}

async fn checked_page(
    ctx: Ctx,
    db: &Db,
    user: &User,
    form: BasisForm,
    rows: &[ImportRow],
    ignored: Vec<String>,
    refusal: Option<Refusal>,
) -> PageResult {
    let checks = person::check_import(db, &user.actor(), &form.basis(), rows).await;
    let picked = refusal.as_ref().map(|r| r.picked.as_slice());
    let (status, preview, errors) = match checks {
        Ok(checks) => (
            if refusal.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            },
            preview_rows(&ctx, checks, picked),
            FormErrors::new(),
        ),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            (StatusCode::UNPROCESSABLE_ENTITY, Vec::new(), errors)
        }
    };
    let rows_json = if preview.is_empty() {
        String::new()
    } else {
        serde_json::to_string(rows).unwrap_or_default()
    };
    let p = ImportPage {
        ctx,
        form,
        errors,
        rows_json,
        preview,
        ignored,
        refused: refusal.map(|r| r.why),
    };
    Ok(render_with(status, &p))
}

/// Reads the uploaded file and shows the preview (multipart, CSRF token in the URL).
pub async fn upload(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    form: Multipart,
) -> PageResult {
    let form = unless_refused(form, qiaolian_core::person::may_import(&user.actor())).await?;
    let (files, mut form): (_, BasisForm) = match read_multipart(form).await {
        Ok(x) => x,
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            return refused_upload(ctx, BasisForm::default(), errors).await;
        }
    };
    form.owner_org_name = super::owner_name(&state.db, &user, &form.owner_org_id).await;
    match uploaded_rows(files).await {
        Ok((rows, ignored)) => {
            checked_page(ctx, &state.db, &user, form, &rows, ignored, None).await
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            refused_upload(ctx, form, errors).await
        }
    }
}

async fn refused_upload(ctx: Ctx, form: BasisForm, errors: FormErrors) -> PageResult {
    let p = ImportPage {
        ctx,
        form,
        errors,
        rows_json: String::new(),
        preview: Vec::new(),
        ignored: Vec::new(),
        refused: None,
    };
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &p))
}

#[derive(Template)]
#[template(path = "people/imported.html")]
struct DonePage {
    ctx: Ctx,
    imported: Vec<Imported>,
}

/// Records the ticked rows, checked again; all of them or, if one is refused, none.
pub async fn confirm(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    body: Multipart,
) -> PageResult {
    let body = unless_refused(body, qiaolian_core::person::may_import(&user.actor())).await?;
    let mut form: BasisForm = match read_multipart(body).await {
        Ok((_, form)) => form,
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            return refused_upload(ctx, BasisForm::default(), errors).await;
        }
    };
    form.owner_org_name = super::owner_name(&state.db, &user, &form.owner_org_id).await;
    let basis = form.basis();
    let rows: Vec<ImportRow> = serde_json::from_str(&form.rows).unwrap_or_default();
    if rows.is_empty() {
        let errors = form_errors(ctx.info.locale, Error::field("file", "required"))?;
        return refused_upload(ctx, form, errors).await;
    }
    let picked: Vec<usize> = form.pick.iter().filter_map(|v| v.parse().ok()).collect();
    let result = if picked.is_empty() {
        Err(Error::field("rows", "none_selected"))
    } else {
        person::import(
            &state.db,
            &user.actor(),
            &basis,
            &rows,
            &Pick::Lines(picked.clone()),
        )
        .await
    };
    match result {
        Ok(report) => Ok(render_with(
            StatusCode::OK,
            &DonePage {
                ctx,
                imported: report.imported,
            },
        )),
        Err(Error::Invalid(fields)) if fields.contains_key("rows") => {
            let why = fields
                .get("rows")
                .map(|e| i18n::field_message(ctx.info.locale, e))
                .unwrap_or_default();
            let refusal = Refusal { picked, why };
            checked_page(
                ctx,
                &state.db,
                &user,
                form,
                &rows,
                Vec::new(),
                Some(refusal),
            )
            .await
        }
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            refused_upload(ctx, form, errors).await
        }
    }
}

/// The template to fill in, as a CSV Excel opens in Chinese correctly.
pub async fn template(_user: User) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"people-template.csv\"; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.csv",
            ),
        ],
        person::import_template(),
    )
}
