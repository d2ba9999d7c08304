//! Errors as responses: `ApiError` answers JSON `{"error": {code, message, fields}}`,
//! `PageError` marks the response so the page layer renders a friendly page.
//! Internal causes are logged, never shown.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use qiaolian_core::Error;
use serde::Serialize;

use crate::i18n::{self, t};

/// Stable error codes of the API, with their HTTP status and catalog key.
fn describe(e: &Error) -> (StatusCode, &'static str, &'static str) {
    match e {
        Error::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", "api.unauthorized"),
        Error::Forbidden => (StatusCode::FORBIDDEN, "forbidden", "api.forbidden"),
        Error::NotFound => (StatusCode::NOT_FOUND, "not_found", "api.not_found"),
        Error::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", "api.invalid"),
        Error::Conflict { .. } => (StatusCode::CONFLICT, "conflict", "api.conflict"),
        Error::TooManyAttempts { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "api.too_many",
        ),
        Error::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "api.unavailable",
        ),
        Error::Config(_) | Error::Db(_) | Error::Migrate(_) | Error::Other(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "api.internal",
        ),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `invalid`, `forbidden`, `conflict`.
    pub code: String,
    /// Human-readable message in the user's language.
    pub message: String,
    /// Per-field problems: field name → `{code, message}`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, FieldMessage>,
    /// For `conflict`: the version now stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    pub code: String,
    pub message: String,
}

/// An error of the JSON API.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

pub fn log_internal(e: &Error) {
    if describe(e).0 == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %e, "request failed");
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log_internal(&self.0);
        let locale = i18n::current();
        let (status, code, key) = describe(&self.0);
        let fields = match &self.0 {
            Error::Invalid(f) => f
                .iter()
                .map(|(name, e)| {
                    let m = FieldMessage {
                        code: e.code.to_owned(),
                        message: i18n::field_message(locale, e),
                    };
                    ((*name).to_owned(), m)
                })
                .collect(),
            _ => BTreeMap::new(),
        };
        let current_version = match self.0 {
            Error::Conflict { current_version } => Some(current_version),
            _ => None,
        };
        let message = t(locale, key).to_owned();
        // What a person is told, kept beside the JSON for a layer that answers a browser
        // with a page instead (a refused export).
        let said = if fields.is_empty() {
            message.clone()
        } else {
            let each: Vec<&str> = fields.values().map(|m| m.message.as_str()).collect();
            each.join("；")
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
                fields,
                current_version,
            },
        };
        let mut resp = (status, Json(body)).into_response();
        resp.extensions_mut().insert(ErrorText(said));
        if let Some(secs) = retry_after(&self.0) {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// When a client may try again, for `Retry-After`.
fn retry_after(e: &Error) -> Option<u64> {
    match e {
        Error::TooManyAttempts { retry_after_secs } => Some(*retry_after_secs),
        Error::Unavailable => Some(UNAVAILABLE_RETRY_SECS),
        _ => None,
    }
}

/// A busy or unreachable database usually answers again within seconds.
pub const UNAVAILABLE_RETRY_SECS: u64 = 2;

/// A plain API error without a core cause (bad JSON, body too large, CSRF).
pub fn api_error(status: StatusCode, code: &str, key: &str) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message: t(i18n::current(), key).to_owned(),
            fields: BTreeMap::new(),
            current_version: None,
        },
    };
    let said = ErrorText(body.error.message.clone());
    let mut resp = (status, Json(body)).into_response();
    resp.extensions_mut().insert(said);
    resp
}

/// Longest path and query the API reads (a search of a few thousand characters fits;
/// `POST /api/v1/search` takes longer ones); longer ones answer 414 before routing.
const MAX_API_URI: usize = 32 * 1024;

/// Gives every error under `/api` the API's shape, whoever produced it: the router
/// (405 and its `Allow`), extractors rejecting a path, query, body or multipart form,
/// body limits (413), and anything else that answered plain text or nothing.
pub async fn api_error_format(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let length = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if length > MAX_API_URI {
        return api_error(StatusCode::URI_TOO_LONG, "uri_too_long", "api.uri_too_long");
    }
    let resp = next.run(req).await;
    let status = resp.status();
    let json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if json || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (code, key) = match status {
        StatusCode::BAD_REQUEST => ("bad_request", "api.bad_request"),
        StatusCode::UNAUTHORIZED => ("unauthorized", "api.unauthorized"),
        StatusCode::FORBIDDEN => ("forbidden", "api.forbidden"),
        StatusCode::NOT_FOUND => ("not_found", "api.not_found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "api.method_not_allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "api.too_large"),
        StatusCode::URI_TOO_LONG => ("uri_too_long", "api.uri_too_long"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported_media_type", "api.unsupported_media_type")
        }
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid", "api.invalid"),
        StatusCode::TOO_MANY_REQUESTS => ("too_many_attempts", "api.too_many"),
        StatusCode::SERVICE_UNAVAILABLE => ("unavailable", "api.unavailable"),
        s if s.is_client_error() => ("bad_request", "api.bad_request"),
        _ => ("internal", "api.internal"),
    };
    let mut shaped = api_error(status, code, key);
    for name in [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(v) = resp.headers().get(&name) {
            shaped.headers_mut().insert(name, v.clone());
        }
    }
    shaped
}

/// An API error's message in the reader's language (its fields' messages, if any).
#[derive(Clone, Debug)]
pub struct ErrorText(pub String);

/// Which error page to show; the page layer renders it with the request's context.
#[derive(Clone, Copy, Debug)]
pub struct ErrorPage(pub StatusCode, pub &'static str);

/// An error of an HTML page handler.
#[derive(Debug)]
pub struct PageError(pub Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        log_internal(&self.0);
        let (status, _, _) = describe(&self.0);
        let key = match status.as_u16() {
            401 | 403 => "error.403",
            404 => "error.404",
            409 => "error.409",
            503 => "error.503",
            _ => "error.500",
        };
        let mut resp = error_page(status, key);
        if let Some(secs) = retry_after(&self.0) {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

/// A response the page layer turns into a rendered error page.
pub fn error_page(status: StatusCode, key: &'static str) -> Response {
    let mut resp = status.into_response();
    resp.extensions_mut().insert(ErrorPage(status, key));
    resp
}
