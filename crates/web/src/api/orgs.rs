//! Organizations.

use axum::extract::{Path, State};
use axum::response::Response;
use qiaolian_core::Error;
use qiaolian_core::org::{self, Org, OrgFilter, OrgId, OrgInput};
use qiaolian_core::outcome::Visits;
use qiaolian_core::page::{Page, PageRequest};

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::export::{self, Export, ExportQuery, Workbook, XLSX};

/// List organizations, filtered and paged.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", params(OrgFilter, PageRequest, ExportQuery), security(("bearer" = [])),
    responses((status = 200, content((Page<Org> = "application/json"), (Workbook = XLSX))), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    user: User,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<OrgFilter>,
    ApiQuery(page): ApiQuery<PageRequest>,
    x: Export,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    export::list(&state, x, page, |p| {
        org::list(&state.db, &actor, &filter, p)
    })
    .await
}

/// One organization.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Org), (status = 404, body = ErrorBody)))]
pub async fn get(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Org>, ApiError> {
    Ok(ApiJson(
        org::get(&state.db, &user.actor(), OrgId(id)).await?,
    ))
}

/// An organization's latest exchanges and events (an association's visits), newest
/// first, each as far as the caller may read it.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/visits", tag = "orgs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Visits), (status = 404, body = ErrorBody)))]
pub async fn visits(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Visits>, ApiError> {
    Ok(ApiJson(
        qiaolian_core::outcome::visits(&state.db, &user.actor(), OrgId(id)).await?,
    ))
}

/// Create an organization.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = OrgInput, security(("bearer" = [])),
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    user: User,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<OrgInput>,
) -> Result<ApiJson<Org>, ApiError> {
    Ok(ApiJson(
        org::create(&state.db, &user.actor(), &input).await?,
    ))
}

const FIELDS: &[&str] = &[
    "name",
    "short_name",
    "kind",
    "level",
    "side",
    "region_code",
    "country_code",
    "parent_id",
    "address",
    "phone",
    "notes",
    "city",
    "founded_on",
    "members_count",
    "version",
];

/// Edit an organization: send the fields to change and the `version` you read;
/// fields left out keep their values, `null` clears an optional one.
#[utoipa::path(patch, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path)), request_body = OrgInput,
    security(("bearer" = [])),
    responses((status = 200, body = Org), (status = 409, description = "Changed since read", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    ApiJson(changes): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<ApiJson<Org>, ApiError> {
    let actor = user.actor();
    let current = org::get(&state.db, &actor, OrgId(id)).await?;
    let mut merged = match serde_json::to_value(OrgInput::from(&current)) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => return Err(Error::Other("organization input did not serialize".into()).into()),
    };
    // Name the field whose value has the wrong JSON type, not just "bad body".
    for field in FIELDS {
        if let Some(v) = changes.get(*field) {
            let alone =
                serde_json::Value::Object([((*field).to_owned(), v.clone())].into_iter().collect());
            if serde_json::from_value::<OrgInput>(alone).is_err() {
                return Err(Error::field(field, "wrong_type").into());
            }
        }
    }
    merged.remove("version");
    merged.extend(changes);
    let input: OrgInput = serde_json::from_value(serde_json::Value::Object(merged))
        .map_err(|e| Error::Other(format!("merged organization input: {e}")))?;
    Ok(ApiJson(
        org::update(
            &state.db,
            &actor,
            OrgId(id),
            &input,
            &mut qiaolian_core::kinds::OrgFollows::default(),
        )
        .await?,
    ))
}

/// Archive an organization (it is never deleted).
#[utoipa::path(post, path = "/api/v1/orgs/{id}/archive", tag = "orgs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn archive(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Org>, ApiError> {
    Ok(ApiJson(
        org::archive(&state.db, &user.actor(), OrgId(id)).await?,
    ))
}

/// Restore an archived organization.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/restore", tag = "orgs", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Org), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn restore(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<ApiJson<Org>, ApiError> {
    Ok(ApiJson(
        org::restore(&state.db, &user.actor(), OrgId(id)).await?,
    ))
}
