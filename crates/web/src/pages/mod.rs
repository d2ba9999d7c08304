//! HTML pages: askama templates (auto-escaped), htmx for partial updates.
//! A handler that htmx calls answers the partial; otherwise the full page.

mod account;
mod agreements;
mod articles;
mod audit;
mod auth;
mod camps;
mod dashboard;
mod donations;
mod events;
mod exchanges;
mod home;
mod jobs;
mod mechanisms;
mod meetings;
mod notifications;
mod orders;
mod orgs;
mod outcomes;
mod pairings;
mod people;
mod plans;
mod projects;
mod regions;
mod search;
mod talents;
pub(crate) mod tasks;
mod users;

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use qiaolian_core::access::{Action, Resource};
use qiaolian_core::account::{Account, Locale};
use qiaolian_core::{Error, FieldErrors};

use crate::AppState;
use crate::ctx::{Ctx, RequestInfo, Via};
use crate::error::{PageError, error_page};
use crate::i18n;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/dashboard", get(dashboard::show))
        .route("/ledger", get(tasks::ledger))
        .route("/dashboard/map.geo.json", get(dashboard::geo))
        .route("/resolutions", get(meetings::resolutions))
        .route("/login", get(auth::form).post(auth::submit))
        .route("/logout", post(auth::logout))
        .route("/locale", post(auth::set_locale))
        .route("/orgs", get(orgs::list).post(orgs::create))
        .route("/orgs/new", get(orgs::new))
        .route("/orgs/tree", get(orgs::tree))
        .route("/orgs/tree/children", get(orgs::tree_children))
        .route("/orgs/{id}", get(orgs::show).post(orgs::update))
        .route("/orgs/{id}/edit", get(orgs::edit))
        .route("/orgs/{id}/archive", post(orgs::archive))
        .route("/orgs/{id}/restore", post(orgs::restore))
        .route("/regions/picker", get(regions::picker))
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route("/account/language", post(account::set_language))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}/edit", get(users::edit).post(users::update))
        .route("/audit", get(audit::list))
        .route("/orders", get(orders::list).post(orders::create))
        .route("/orders/new", get(orders::new))
        .route("/orders/{id}", get(orders::show))
        .route("/orders/{id}/answer", post(orders::answer))
        .route("/orders/{id}/decision", post(orders::decide))
        .route("/resolutions/{id}", get(orders::resolution))
        .route("/jobs", get(jobs::list))
        .route("/jobs/{id}/retry", post(jobs::retry))
        .route("/notifications", get(notifications::list))
        .route("/notifications/read", post(notifications::read_all))
        .route("/notifications/{id}/open", post(notifications::open))
        .route(
            "/agreements",
            get(agreements::list).post(agreements::create),
        )
        .route("/agreements/new", get(agreements::new))
        .route(
            "/agreements/{id}",
            get(agreements::show).post(agreements::update),
        )
        .route("/agreements/{id}/edit", get(agreements::edit))
        .route(
            "/agreements/{id}/files",
            post(agreements::attach).layer(upload_limit()),
        )
        .route("/files/{id}", get(agreements::file))
        .route("/plans", post(plans::create))
        .route("/plans/new", get(plans::new))
        .route("/plans/{id}", get(plans::show))
        .route(
            "/plans/{id}/revise",
            get(plans::revise_form).post(plans::revise),
        )
        .route("/tasks", get(tasks::list).post(tasks::create))
        .route("/tasks/new", get(tasks::new))
        .route("/tasks/{id}", get(tasks::show).post(tasks::update))
        .route("/tasks/{id}/edit", get(tasks::edit))
        .route("/tasks/{id}/steps", post(tasks::step))
        .route(
            "/tasks/{id}/reports",
            post(tasks::report).layer(upload_limit()),
        )
        .route("/tasks/{id}/comments", post(tasks::comment))
        .route("/tasks/{id}/extensions", post(tasks::request_extension))
        .route(
            "/tasks/{id}/extensions/decision",
            post(tasks::decide_extension),
        )
        .route("/tasks/{id}/urgings", post(tasks::urge))
        .route(
            "/tasks/{id}/urgings/{urging}/reply",
            post(tasks::reply_urging),
        )
        .route("/inbox", get(tasks::inbox))
        .route(
            "/pairings",
            get(pairings::pairings).post(pairings::create_pairing),
        )
        .route("/pairings/{id}", get(pairings::pairing_show))
        .route("/mechanisms", get(mechanisms::mechanisms))
        .route("/mechanisms/{id}", get(mechanisms::mechanism_show))
        .route("/mechanisms/{id}/convenors", post(mechanisms::rotate))
        .route(
            "/meetings",
            get(meetings::meetings).post(meetings::create_meeting),
        )
        .route("/meetings/new", get(meetings::new_meeting))
        .route("/meetings/{id}", get(meetings::meeting_show))
        .route("/meetings/{id}/resolutions", post(meetings::add_resolution))
        .route(
            "/exchanges",
            get(exchanges::exchanges).post(exchanges::create_exchange),
        )
        .route("/exchanges/new", get(exchanges::new_exchange))
        .route("/events", get(events::list).post(events::create))
        .route("/events/new", get(events::new))
        .route("/events/calendar", get(events::calendar))
        .route("/events/{id}", get(events::show).post(events::update))
        .route("/events/{id}/edit", get(events::edit))
        .route("/events/{id}/sessions", post(events::add_session))
        .route("/events/{id}/participants", post(events::register))
        .route("/events/{id}/talents", post(events::add_talent))
        .route("/events/{id}/articles", post(events::add_article))
        .route(
            "/events/{id}/files",
            post(events::attach).layer(upload_limit()),
        )
        .route("/search", get(search::results))
        .route("/people", get(people::list).post(people::create))
        .route("/people/new", get(people::new))
        .route(
            "/people/import",
            get(people::import::form)
                .post(people::import::upload)
                .layer(DefaultBodyLimit::max(crate::IMPORT_BODY_LIMIT)),
        )
        .route(
            "/people/import/confirm",
            post(people::import::confirm)
                .layer(DefaultBodyLimit::max(crate::IMPORT_CONFIRM_BODY_LIMIT)),
        )
        .route("/people/import/template.csv", get(people::import::template))
        .route("/people/coverage", get(people::coverage))
        .route("/people/{id}", get(people::show).post(people::update))
        .route("/people/{id}/edit", get(people::edit))
        .route("/people/{id}/reveal", post(people::reveal))
        .route("/people/{id}/export", post(people::export))
        .route("/people/{id}/erase", post(people::erase))
        .route(
            "/people/{id}/merge",
            get(people::merge_form).post(people::merge),
        )
        .route(
            "/people/{id}/merges/{merge_id}/undo",
            post(people::undo_merge),
        )
        .route("/outcomes", get(outcomes::index))
        .route("/talents", get(talents::talents))
        .route("/articles", get(articles::articles))
        .route("/camps/multi", get(camps::multi_camp))
        .route("/events/{id}/projects", post(events::add_project))
        .route("/projects", get(projects::list))
        .route("/projects/{id}", get(projects::show))
        .route("/projects/{id}/steps", post(projects::step))
        .route("/donations", get(donations::list).post(donations::create))
        .route("/donations/new", get(donations::new))
        .route("/donations/{id}", get(donations::show))
        .route("/donations/{id}/steps", post(donations::step))
        .route("/donations/{id}/allocations", post(donations::allocate))
        .route("/donations/{id}/receipt", get(donations::receipt))
}

/// Uploads may be larger than other bodies: a few files up to the file limit.
fn upload_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(qiaolian_core::file::MAX_FILE * 3)
}

/// Renders a template as the response, or the error page if rendering fails.
/// A typed number from a form field; blank or not a number is none, which core then
/// names as a missing or unknown value.
fn num(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// A form's repeated columns (`party_org_id`, `party_role`, …) as rows, by position; a
/// short column reads as blank. The columns are emptied, so a form keeps only its rows.
fn rows<const N: usize>(columns: [&mut Vec<String>; N]) -> Vec<[String; N]> {
    let n = columns.iter().map(|c| c.len()).max().unwrap_or(0);
    let mut cells = columns.map(|c| std::mem::take(c).into_iter());
    (0..n)
        .map(|_| std::array::from_fn(|i| cells[i].next().unwrap_or_default()))
        .collect()
}

/// Drops the blank entries of a repeated field (the empty pickers a form offers).
fn filled(values: &mut Vec<String>) {
    values.retain(|v| !v.trim().is_empty());
}

pub fn render(t: &impl Template) -> Response {
    render_with(StatusCode::OK, t)
}

pub fn render_with(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            error_page(StatusCode::INTERNAL_SERVER_ERROR, "error.500")
        }
    }
}

pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

pub type PageResult = Result<Response, PageError>;

/// Field name → message, for re-showing a form with its problems.
#[derive(Debug, Default)]
pub struct FormErrors(BTreeMap<&'static str, String>);

impl FormErrors {
    pub fn new() -> FormErrors {
        FormErrors::default()
    }

    /// The message for a field, if it was refused.
    pub fn err(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// Tabler's class for a refused field.
    pub fn invalid(&self, field: &str) -> &'static str {
        if self.0.contains_key(field) {
            "is-invalid"
        } else {
            ""
        }
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The status of a form page: 409 after an edit conflict, 422 with errors, else 200.
    pub fn status(&self, conflict: bool) -> StatusCode {
        if conflict {
            StatusCode::CONFLICT
        } else if self.0.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

/// Turns a core refusal into messages for the form, or passes other errors on.
/// A whole number typed into a form field: none when left empty, `code` on `field` when
/// it is not a number.
pub fn number(field: &'static str, typed: &str, code: &'static str) -> Result<Option<i64>, Error> {
    match typed.trim() {
        "" => Ok(None),
        n => n.parse().map(Some).map_err(|_| Error::field(field, code)),
    }
}

pub fn form_errors(locale: Locale, e: Error) -> Result<FormErrors, PageError> {
    match e {
        Error::Invalid(fields) => Ok(messages(locale, &fields)),
        e => Err(PageError(e)),
    }
}

fn messages(locale: Locale, fields: &FieldErrors) -> FormErrors {
    FormErrors(
        fields
            .iter()
            .map(|(k, e)| (*k, i18n::field_message(locale, e)))
            .collect(),
    )
}

/// What templates call on the context.
impl Ctx {
    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.info.locale, key)
    }

    pub fn tn(&self, key: &str, n: impl std::fmt::Display) -> String {
        i18n::tn(self.info.locale, key, n)
    }

    /// `t` of a key built from a prefix and a value, e.g. `kind.` + `federation`.
    pub fn label(&self, prefix: &str, value: impl std::fmt::Display) -> &'static str {
        i18n::t(self.info.locale, &format!("{prefix}{value}"))
    }

    /// The export button's hint, naming this deployment's row limit.
    pub fn export_hint(&self) -> String {
        i18n::tn_count(
            self.info.locale,
            "export.button_hint",
            self.info.export_rows,
        )
    }

    /// The list API's address for this page's filters as an Excel workbook: the page's
    /// own query, without its paging, with `format=xlsx`.
    pub fn export_href(&self, api: &str) -> String {
        let query = self.here.split_once('?').map_or("", |(_, q)| q);
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            if !matches!(&*k, "page" | "per_page" | "format" | "view") && !v.is_empty() {
                out.append_pair(&k, &v);
            }
        }
        out.append_pair("format", "xlsx");
        format!("{api}?{}", out.finish())
    }

    pub fn lang(&self) -> &'static str {
        self.info.locale.as_str()
    }

    pub fn en(&self) -> bool {
        self.info.locale == Locale::En
    }

    pub fn csrf(&self) -> &str {
        &self.info.csrf
    }

    /// The reader's unread messages, for the header's badge.
    pub fn unread(&self) -> i64 {
        self.info.unread.unwrap_or(0)
    }

    pub fn user(&self) -> Option<&Account> {
        self.info.account.as_ref()
    }

    pub fn signed_in(&self) -> bool {
        self.info.account.is_some() && self.info.via == Via::Session
    }

    /// `active` for the navigation entry whose section this page is in.
    pub fn nav(&self, prefix: &str) -> &'static str {
        let path = self.here.split('?').next().unwrap_or("/");
        let hit = if prefix == "/" {
            path == "/"
        } else {
            path.starts_with(prefix)
        };
        if hit { "active" } else { "" }
    }

    pub fn may_manage_users(&self) -> bool {
        self.user().is_some_and(|a| {
            qiaolian_core::access::reach(a.role, Resource::Account, Action::Read)
                != qiaolian_core::access::Reach::NOTHING
        })
    }

    pub fn may_read_audit(&self) -> bool {
        self.user()
            .is_some_and(|a| a.actor().may(Resource::Audit, Action::Read, None))
    }

    pub fn level_class(&self, l: &qiaolian_core::order::Level) -> &'static str {
        orders::level_class(*l)
    }

    pub fn may_read_jobs(&self) -> bool {
        self.user()
            .is_some_and(|a| a.actor().may(Resource::Job, Action::Read, None))
    }

    /// Why a task has its colour, in a sentence.
    pub fn why(
        &self,
        colour: &qiaolian_core::supervision::Colour,
        a: &qiaolian_core::supervision::Assessment,
    ) -> String {
        let t = qiaolian_core::settings::get().thresholds;
        let progress = a.expected - a.behind;
        let vars = [
            ("d", a.days_left.abs().to_string()),
            ("p", progress.to_string()),
            ("e", a.expected.to_string()),
            ("b", a.behind.to_string()),
            ("m", t.behind_points.to_string()),
            ("n", t.near_days.to_string()),
        ];
        i18n::tv(self.info.locale, &format!("why.{colour}"), &vars)
    }

    /// An amount for reading, in 元, 万元 or 亿元.
    pub fn money(&self, f: &qiaolian_core::money::Fen) -> String {
        if self.en() {
            f.display_en()
        } else {
            f.display_zh()
        }
    }

    pub fn colour_class(&self, c: &qiaolian_core::supervision::Colour) -> &'static str {
        tasks::colour_class(*c)
    }

    /// An instant in the deployment's time zone, as clerks read the clock.
    pub fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        local(t).format("%Y-%m-%d %H:%M").to_string()
    }

    /// The day of an instant in the deployment's time zone.
    pub fn day(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        local(t).format("%Y-%m-%d").to_string()
    }

    pub fn asset_version(&self) -> &'static str {
        env!("CARGO_PKG_VERSION")
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    ctx: Ctx,
    status: u16,
    title: &'a str,
    text: &'a str,
    /// The page the refused request came from, to go back to.
    back: Option<&'a str>,
}

/// An instant shifted to the deployment's time zone.
pub(crate) fn local(t: &chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    *t + chrono::Duration::minutes(i64::from(qiaolian_core::settings::get().utc_offset_minutes))
}

/// The friendly error page, in the user's language and layout.
pub fn render_error(info: &RequestInfo, path: &str, status: StatusCode, key: &str) -> Response {
    let text = i18n::t(info.locale, &format!("{key}.text"));
    render_refusal(info, path, status, key, text, None)
}

/// An error page titled by `key` that says what was refused in `text`.
pub fn render_refusal(
    info: &RequestInfo,
    path: &str,
    status: StatusCode,
    key: &str,
    text: &str,
    back: Option<&str>,
) -> Response {
    let ctx = Ctx {
        info: info.clone(),
        here: path.to_owned(),
    };
    let t = ErrorTemplate {
        status: status.as_u16(),
        title: i18n::t(info.locale, &format!("{key}.title")),
        text,
        back,
        ctx,
    };
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::api_error(StatusCode::NOT_FOUND, "not_found", "api.not_found");
    }
    error_page(StatusCode::NOT_FOUND, "error.404")
}
