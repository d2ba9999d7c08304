//! Per-request context: who is signed in, in which language, and the CSRF token.
//!
//! One middleware resolves these once per request and guards every state-changing
//! request against cross-site forgery; handlers read them through the `Ctx` and
//! `User` extractors.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use qiaolian_core::access::Actor;
use qiaolian_core::account::{Account, Locale};
use qiaolian_core::{Error, auth};

use crate::AppState;
use crate::error::{ApiError, ErrorPage, api_error, error_page};
use crate::i18n::{self, LOCALE};

pub const SESSION_COOKIE: &str = "qiaolian_session";
pub const CSRF_COOKIE: &str = "qiaolian_csrf";
pub const LANG_COOKIE: &str = "qiaolian_lang";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Largest form body read for the CSRF check; bigger forms use the header.
const FORM_LIMIT: usize = 1024 * 1024;

/// How the request proved who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
    Anonymous,
}

/// What the context middleware found, stored in the request's extensions.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    pub account: Option<Account>,
    pub via: Via,
    pub locale: Locale,
    pub csrf: String,
    pub https: bool,
    /// The client's address, for sign-in throttling and the audit trail.
    pub address: String,
    /// The most rows an export writes here, for the export button's hint.
    pub export_rows: usize,
    /// The signed-in person's unread messages, for the header's badge: read for pages
    /// only, not for API calls or static files.
    pub unread: Option<i64>,
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: always HttpOnly and SameSite=Lax, Secure over https.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>, https: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if https {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or(HeaderValue::from_static(""))
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Resolves the request's context, checks CSRF, and renders error pages.
/// The client's address: the peer, or — when the peer is a proxy on this host — the
/// last address that proxy put in `X-Forwarded-For` (earlier entries are the client's
/// own claims and cannot be trusted).
fn client_address(parts: &Parts) -> String {
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim)
        .and_then(|a| a.parse::<std::net::IpAddr>().ok());
    match (peer, forwarded) {
        (Some(p), Some(f)) if p.is_loopback() => f.to_string(),
        (Some(p), _) => p.to_string(),
        (None, _) => String::new(),
    }
}

pub async fn context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let address = client_address(&parts);
    let headers = &parts.headers;
    let https = state.config.https
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https");

    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let (account, via) = match (bearer, cookie(headers, SESSION_COOKIE)) {
        (Some(token), _) => (auth::token_account(&state.db, token).await, Via::Token),
        (None, Some(session)) => (
            auth::session_account(&state.db, session).await,
            Via::Session,
        ),
        (None, None) => (Ok(None), Via::Anonymous),
    };
    // A database that cannot say who is signed in answers the request with its error
    // (503 while it is unreachable), rendered below like any other.
    let (account, failure) = match account {
        Ok(a) => (a, None),
        Err(e) => (None, Some(e)),
    };
    let via = if account.is_some() {
        via
    } else {
        Via::Anonymous
    };
    let locale = account
        .as_ref()
        .map(|a| a.locale)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(|l| Locale::parse(l).ok()))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(i18n::from_accept_language)
        })
        .unwrap_or(Locale::ZhCn);
    let existing_csrf = cookie(headers, CSRF_COOKIE)
        .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned);
    let csrf = existing_csrf.clone().unwrap_or_else(auth::random_token);
    let api = is_api(parts.uri.path());
    // A workbook an export button asked for: a refusal comes back as a page, with the
    // way back to the list the button was on.
    let export = (api && crate::export::from_browser(&parts.method, &parts.uri, headers))
        .then(|| referring_path(headers));
    let page_view =
        !api && parts.method == Method::GET && !parts.uri.path().starts_with("/static/");
    let unread = match &account {
        Some(a) if page_view && via == Via::Session => {
            // A badge that cannot be read is left off rather than failing the page.
            qiaolian_core::notification::unread(&state.db, &a.actor())
                .await
                .ok()
        }
        _ => None,
    };
    let info = RequestInfo {
        account,
        via,
        locale,
        csrf: csrf.clone(),
        https,
        address,
        export_rows: state.config.export_limit(),
        unread,
    };
    parts.extensions.insert(info.clone());

    LOCALE
        .scope(locale, async move {
            let unsafe_method =
                !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
            // Cookies ride along on cross-site requests; bearer tokens do not, and an
            // API call without a session cookie carries no ambient authority to abuse.
            let needs_csrf = unsafe_method && (!api || via == Via::Session);
            let path = parts.uri.path().to_owned();
            let checked = if let Some(e) = failure {
                Err(if api {
                    ApiError(e).into_response()
                } else {
                    crate::error::PageError(e).into_response()
                })
            } else if needs_csrf {
                check_csrf(parts, body, existing_csrf.as_deref()).await
            } else {
                Ok(Request::from_parts(parts, body))
            };
            let mut resp = match checked {
                Ok(req) => next.run(req).await,
                Err(refused) => refused,
            };
            if let Some(ErrorPage(status, key)) = resp.extensions().get::<ErrorPage>().copied()
                && !api
            {
                resp = crate::pages::render_error(&info, &path, status, key);
            }
            if let Some(back) = &export
                && (resp.status().is_client_error() || resp.status().is_server_error())
            {
                resp = crate::export::refused_page(&info, &path, &resp, back.as_deref());
            }
            if existing_csrf.is_none() && !api {
                resp.headers_mut().append(
                    header::SET_COOKIE,
                    set_cookie(CSRF_COOKIE, &csrf, None, https),
                );
            }
            resp
        })
        .await
}

/// The path of the page on this site a request came from (its `Referer`), if any.
fn referring_path(headers: &axum::http::HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let rest = referer.split_once("://")?.1.strip_prefix(host)?;
    (rest.starts_with('/') && !rest.starts_with("//")).then(|| rest.to_owned())
}

async fn check_csrf(parts: Parts, body: Body, expected: Option<&str>) -> Result<Request, Response> {
    let refuse = |api: bool| {
        if api {
            api_error(StatusCode::FORBIDDEN, "csrf", "api.csrf")
        } else {
            error_page(StatusCode::FORBIDDEN, "error.csrf")
        }
    };
    let api = is_api(parts.uri.path());
    let Some(expected) = expected else {
        return Err(refuse(api));
    };
    let header_token = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if let Some(token) = header_token {
        return if constant_time_eq(token, expected) {
            Ok(Request::from_parts(parts, body))
        } else {
            Err(refuse(api))
        };
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        // File forms carry the token in their action URL: reading a multipart body
        // here would mean buffering every upload twice.
        let token = parts.uri.query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v.into_owned())
        });
        return match token {
            Some(t) if constant_time_eq(&t, expected) => Ok(Request::from_parts(parts, body)),
            _ => Err(refuse(api)),
        };
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refuse(api));
    }
    let bytes: Bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
        Ok(b) => b,
        Err(_) => return Err(error_page(StatusCode::PAYLOAD_TOO_LARGE, "error.413")),
    };
    let token = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    match token {
        Some(t) if constant_time_eq(&t, expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(refuse(api)),
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The context every page template gets.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub info: RequestInfo,
    /// Path and query of this request, to come back to after signing in.
    pub here: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<RequestInfo>()
            .cloned()
            .unwrap_or(RequestInfo {
                account: None,
                via: Via::Anonymous,
                locale: Locale::ZhCn,
                csrf: String::new(),
                https: false,
                address: String::new(),
                export_rows: qiaolian_office::export::MAX_ROWS,
                unread: None,
            });
        let here = parts
            .uri
            .path_and_query()
            .map_or("/".to_owned(), |p| p.as_str().to_owned());
        Ok(Ctx { info, here })
    }
}

/// The signed-in user; anonymous requests get 401 (API) or the sign-in page.
#[derive(Clone, Debug)]
pub struct User(pub Account);

impl User {
    pub fn actor(&self) -> Actor {
        self.0.actor()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for User {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts
            .extensions
            .get::<RequestInfo>()
            .and_then(|i| i.account.clone())
        {
            Some(a) => Ok(User(a)),
            None if is_api(parts.uri.path()) => Err(ApiError(Error::Unauthorized).into_response()),
            None => {
                let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
                Err(Redirect::to(&format!("/login?next={next}")).into_response())
            }
        }
    }
}
