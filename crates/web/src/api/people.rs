//! The directory of people: contact details masked unless revealed (audited), full
//! export for a person's own data request, erasure on request.

use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use qiaolian_core::Error;
use qiaolian_core::audit::{self, Entry};
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::person::{
    self, Coverage, Duplicate, ImportBasis, ImportReport, ImportRow, MergeInput, MergeRecord,
    PeopleCountry, Person, PersonFilter, PersonId, PersonInput, Pick,
};
use serde::Deserialize;

use super::{ApiJson, ApiQuery, read_multipart, unless_refused};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PersonFilter, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((Page<Person> = "application/json"), (Workbook = XLSX))), (status = 422, body = ErrorBody)))]
pub async fn list(
    user: User,
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<PersonFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| person::list(&state.db, &actor, &f, p)).await
}

/// Where the people the filters find live (China left out), most first: the whole list
/// in one page, its `total` the number of countries and regions.
#[utoipa::path(get, path = "/api/v1/people/countries", tag = "people", params(PersonFilter), security(("bearer" = [])),
    responses((status = 200, body = Page<PeopleCountry>), (status = 422, body = ErrorBody)))]
pub async fn countries(
    user: User,
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<PersonFilter>,
) -> Result<ApiJson<Page<PeopleCountry>>, ApiError> {
    Ok(ApiJson(Page::whole(
        person::countries(&state.db, &user.actor(), &f).await?,
    )))
}

/// Record a person with the legal basis for holding their data.
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = PersonInput, security(("bearer" = [])),
    responses((status = 200, body = Person), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<PersonInput>,
) -> Result<ApiJson<Person>, ApiError> {
    Ok(ApiJson(
        person::create(&state.db, &user.actor(), &input).await?,
    ))
}

/// A person, contact details masked.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Person), (status = 404, body = ErrorBody)))]
pub async fn get(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Person>, ApiError> {
    Ok(ApiJson(
        person::get(&state.db, &user.actor(), PersonId(id)).await?,
    ))
}

/// Edit a person; send the `version` read.
#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = PersonInput,
    security(("bearer" = [])), responses((status = 200, body = Person), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<PersonInput>,
) -> Result<ApiJson<Person>, ApiError> {
    Ok(ApiJson(
        person::update(&state.db, &user.actor(), PersonId(id), &input).await?,
    ))
}

/// The person with contact details in the clear; written to the audit trail.
#[utoipa::path(post, path = "/api/v1/people/{id}/reveal", tag = "people", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reveal(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Person>, ApiError> {
    Ok(ApiJson(
        person::reveal(&state.db, &user.actor(), PersonId(id)).await?,
    ))
}

/// Everything held about the person, for their own data request; audited.
#[utoipa::path(post, path = "/api/v1/people/{id}/export", tag = "people", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Person>, ApiError> {
    Ok(ApiJson(
        person::export(&state.db, &user.actor(), PersonId(id)).await?,
    ))
}

/// Erase the person on request: anonymized, links kept; audited.
#[utoipa::path(post, path = "/api/v1/people/{id}/erase", tag = "people", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn erase(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Person>, ApiError> {
    Ok(ApiJson(
        person::erase(&state.db, &user.actor(), PersonId(id)).await?,
    ))
}

/// Who unmasked, exported or changed the person, and when.
#[utoipa::path(get, path = "/api/v1/people/{id}/audit", tag = "people", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<Entry>), (status = 404, body = ErrorBody)))]
pub async fn audit_trail(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<Entry>>, ApiError> {
    let p = person::get(&state.db, &user.actor(), PersonId(id)).await?;
    Ok(ApiJson(audit::of(&state.db, "person", p.id.0).await?))
}

/// People already in the directory who may be the one described (same phone or e-mail,
/// same name by sound in the same country, a foreign name spelling the pinyin).
#[utoipa::path(post, path = "/api/v1/people/duplicates", tag = "people", request_body = PersonInput, security(("bearer" = [])),
    responses((status = 200, body = Vec<Duplicate>), (status = 422, body = ErrorBody)))]
pub async fn duplicates(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<PersonInput>,
) -> Result<ApiJson<Vec<Duplicate>>, ApiError> {
    Ok(ApiJson(
        person::duplicates(&state.db, &user.actor(), &input).await?,
    ))
}

/// Countries and regions where the federations have at least one person the caller may
/// see or an association, and the share of all of them.
#[utoipa::path(get, path = "/api/v1/people/coverage", tag = "people", security(("bearer" = [])),
    responses((status = 200, body = Coverage)))]
pub async fn coverage(
    user: User,
    State(state): State<AppState>,
) -> Result<ApiJson<Coverage>, ApiError> {
    Ok(ApiJson(person::coverage(&state.db, &user.actor()).await?))
}

/// The records linked to the person (events attended, exchanges, donations, projects,
/// talents), each as the caller may read it, newest first.
#[utoipa::path(get, path = "/api/v1/people/{id}/timeline", tag = "people", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<qiaolian_core::timeline::TimelineItem>), (status = 404, body = ErrorBody)))]
pub async fn timeline(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<qiaolian_core::timeline::TimelineItem>>, ApiError> {
    Ok(ApiJson(
        qiaolian_core::timeline::timeline(&state.db, &user.actor(), PersonId(id)).await?,
    ))
}

/// Merge another record of the same person into this one; send both versions read.
#[utoipa::path(post, path = "/api/v1/people/{id}/merge", tag = "people", params(("id" = i64, Path)), request_body = MergeInput,
    security(("bearer" = [])), responses((status = 200, body = Person), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn merge(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<MergeInput>,
) -> Result<ApiJson<Person>, ApiError> {
    Ok(ApiJson(
        person::merge(&state.db, &user.actor(), PersonId(id), &input).await?,
    ))
}

/// The merges into this person, newest first.
#[utoipa::path(get, path = "/api/v1/people/{id}/merges", tag = "people", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<MergeRecord>), (status = 404, body = ErrorBody)))]
pub async fn merges(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Vec<MergeRecord>>, ApiError> {
    Ok(ApiJson(
        person::merges(&state.db, &user.actor(), PersonId(id)).await?,
    ))
}

/// Undo a merge: both people as they were, the moved records back.
#[utoipa::path(post, path = "/api/v1/people/{id}/merges/{merge_id}/undo", tag = "people",
    params(("id" = i64, Path), ("merge_id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Person), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn undo_merge(
    user: User,
    State(state): State<AppState>,
    Path((id, merge_id)): Path<(i64, i64)>,
) -> Result<ApiJson<Person>, ApiError> {
    Ok(ApiJson(
        person::undo_merge(&state.db, &user.actor(), PersonId(id), merge_id).await?,
    ))
}

/// The multipart form of an import, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "describes the multipart body; read field by field"
)]
pub struct ImportUpload {
    /// An .xlsx (first sheet) or a .csv in UTF-8 or GBK, at most 2 MB and 2,000 rows,
    /// headers as in `/people/import/template.csv`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[serde(flatten)]
    basis: ImportBasis,
    /// Only check the rows and return the preview.
    dry_run: Option<bool>,
    /// Also record rows that likely duplicate someone on file or an earlier row.
    confirm_duplicates: Option<bool>,
}

/// How long reading one uploaded spreadsheet may take.
const READ_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(15);

/// The rows of an uploaded spreadsheet, or the field error saying why it cannot be read.
pub(crate) async fn uploaded_rows(
    mut files: Vec<qiaolian_core::file::Upload>,
) -> Result<(Vec<ImportRow>, Vec<String>), Error> {
    if files.is_empty() {
        return Err(Error::field("file", "required"));
    }
    let upload = files.swap_remove(0);
    // Reading a workbook is CPU work, done on the blocking pool and given up after a
    // while, so no file can hold an async worker or the whole server.
    let read = tokio::task::spawn_blocking(move || qiaolian_office::read(&upload.content));
    let sheet = match tokio::time::timeout(READ_TIME_LIMIT, read).await {
        Ok(Ok(r)) => r.map_err(|e| Error::field("file", e.code()))?,
        Ok(Err(_)) | Err(_) => return Err(Error::field("file", "not_a_spreadsheet")),
    };
    let rows: Vec<(usize, Vec<String>)> =
        sheet.rows.into_iter().map(|r| (r.line, r.cells)).collect();
    let (rows, ignored) = person::import_rows(&sheet.header, &rows)?;
    if rows.is_empty() {
        return Err(Error::field("file", "empty"));
    }
    Ok((rows, ignored))
}

/// The choices made once for a whole file, from form fields.
/// The text fields of an import upload, as typed: a bad id or flag reads as missing, and
/// the checks of the rows then say what is wrong.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ImportFields {
    owner_org_id: String,
    sharing: String,
    legal_basis: String,
    basis_on: String,
    basis_scope: String,
    basis_source: String,
    dry_run: String,
    confirm_duplicates: String,
}

impl ImportFields {
    fn basis(self) -> ImportBasis {
        ImportBasis {
            owner_org_id: self.owner_org_id.trim().parse().ok().map(OrgId),
            sharing: self.sharing,
            legal_basis: self.legal_basis,
            basis_on: self.basis_on,
            basis_scope: self.basis_scope,
            basis_source: self.basis_source,
        }
    }
}

/// Import people from a spreadsheet (multipart). Every row is checked as when recording
/// one person; rows likely duplicating someone on file or an earlier row are flagged.
/// With `dry_run=true` nothing is stored; otherwise the rows without errors are recorded
/// in one go, duplicates only with `confirm_duplicates=true`.
#[utoipa::path(post, path = "/api/v1/people/import", tag = "people",
    request_body(content = ImportUpload, content_type = "multipart/form-data"), security(("bearer" = [])),
    responses((status = 200, body = ImportReport), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    user: User,
    State(state): State<AppState>,
    form: Multipart,
) -> Result<ApiJson<ImportReport>, ApiError> {
    let actor = user.actor();
    let form = unless_refused(form, person::may_import(&actor)).await?;
    let (files, fields): (_, ImportFields) = read_multipart(form).await?;
    let (rows, _) = uploaded_rows(files).await?;
    let (dry_run, confirm_duplicates) = (
        fields.dry_run == "true",
        fields.confirm_duplicates == "true",
    );
    let basis = fields.basis();
    if dry_run {
        let rows = person::check_import(&state.db, &actor, &basis, &rows).await?;
        return Ok(ApiJson(ImportReport {
            rows,
            imported: Vec::new(),
        }));
    }
    let pick = Pick::Clean { confirm_duplicates };
    Ok(ApiJson(
        person::import(&state.db, &actor, &basis, &rows, &pick).await?,
    ))
}
