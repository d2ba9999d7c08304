//! The JSON API under `/api/v1`, described by OpenAPI at `/api/v1/openapi.json`.

mod agreements;
mod articles;
mod audit;
mod camps;
mod donations;
mod events;
mod exchanges;
mod files;
mod me;
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
mod reference;
mod search;
mod session;
mod stats;
mod talents;
mod tasks;
mod users;

pub use files::{file_response, read_multipart, unless_refused};
pub(crate) use people::uploaded_rows;

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use crate::error::api_error;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/session",
            post(session::create).delete(session::delete),
        )
        .route("/api/v1/me", get(me::get))
        .route("/api/v1/me/tokens", get(me::tokens).post(me::create_token))
        .route(
            "/api/v1/me/tokens/{id}",
            axum::routing::delete(me::revoke_token),
        )
        .route("/api/v1/orgs", get(orgs::list).post(orgs::create))
        .route("/api/v1/orgs/{id}", get(orgs::get).patch(orgs::update))
        .route("/api/v1/orgs/{id}/archive", post(orgs::archive))
        .route("/api/v1/orgs/{id}/restore", post(orgs::restore))
        .route("/api/v1/orgs/{id}/visits", get(orgs::visits))
        .route("/api/v1/sides", get(reference::sides))
        .route("/api/v1/regions", get(reference::regions))
        .route("/api/v1/countries", get(reference::countries))
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/{id}", axum::routing::patch(users::update))
        .route(
            "/api/v1/agreements",
            get(agreements::list_agreements).post(agreements::create_agreement),
        )
        .route(
            "/api/v1/agreements/{id}",
            get(agreements::get_agreement).put(agreements::update_agreement),
        )
        .route(
            "/api/v1/agreements/{id}/files",
            post(agreements::attach_to_agreement),
        )
        .route(
            "/api/v1/agreements/{id}/plans",
            get(agreements::agreement_plans),
        )
        .route("/api/v1/files/{id}", get(files::download))
        .route("/api/v1/plans", post(plans::create_plan))
        .route("/api/v1/plans/{id}", get(plans::get_plan))
        .route("/api/v1/plans/{id}/history", get(plans::plan_history))
        .route("/api/v1/plans/{id}/revisions", post(plans::revise_plan))
        .route(
            "/api/v1/tasks",
            get(tasks::list_tasks).post(tasks::create_task),
        )
        .route(
            "/api/v1/tasks/{id}",
            get(tasks::get_task).put(tasks::update_task),
        )
        .route("/api/v1/tasks/{id}/steps", post(tasks::task_step))
        .route("/api/v1/tasks/{id}/reports", post(tasks::task_report))
        .route("/api/v1/tasks/{id}/comments", post(tasks::task_comment))
        .route("/api/v1/inbox", get(tasks::inbox))
        .route(
            "/api/v1/pairings",
            get(pairings::list_pairings).post(pairings::create_pairing),
        )
        .route("/api/v1/pairings/{id}", get(pairings::get_pairing))
        .route("/api/v1/mechanisms", get(mechanisms::list_mechanisms))
        .route("/api/v1/mechanisms/{id}", get(mechanisms::get_mechanism))
        .route(
            "/api/v1/mechanisms/{id}/members",
            put(mechanisms::set_members),
        )
        .route(
            "/api/v1/mechanisms/{id}/convenors",
            post(mechanisms::rotate_convenor),
        )
        .route(
            "/api/v1/meetings",
            get(meetings::list_meetings).post(meetings::create_meeting),
        )
        .route("/api/v1/meetings/{id}", get(meetings::get_meeting))
        .route(
            "/api/v1/meetings/{id}/resolutions",
            post(meetings::add_resolution),
        )
        .route(
            "/api/v1/exchanges",
            get(exchanges::list_exchanges).post(exchanges::create_exchange),
        )
        .route("/api/v1/exchanges/stats", get(exchanges::exchange_stats))
        .route("/api/v1/events", get(events::list).post(events::create))
        .route(
            "/api/v1/events/{id}",
            get(events::get).put(events::update_event),
        )
        .route(
            "/api/v1/events/{id}/sessions",
            get(camps::sessions).post(camps::add_session),
        )
        .route(
            "/api/v1/events/{id}/participants",
            get(camps::participants).post(camps::register),
        )
        .route("/api/v1/camps/multi", get(camps::multi_camp))
        .route(
            "/api/v1/talents",
            get(talents::list_talents).post(talents::create_talent),
        )
        .route(
            "/api/v1/articles",
            get(articles::list_articles).post(articles::create_article),
        )
        .route("/api/v1/outcomes", get(outcomes::rollup))
        .route("/api/v1/outcomes/countries", get(outcomes::countries))
        .route("/api/v1/stats", get(stats::get))
        .route("/api/v1/ledger", get(tasks::ledger))
        .route("/api/v1/dashboard", get(stats::dashboard))
        .route("/api/v1/resolutions", get(meetings::list_resolutions))
        .route("/api/v1/events/{id}/endorsements", post(events::endorse))
        .route(
            "/api/v1/projects",
            get(projects::list).post(projects::create),
        )
        .route("/api/v1/projects/pipeline", get(projects::pipeline))
        .route("/api/v1/projects/landing", get(projects::landing))
        .route("/api/v1/projects/{id}", get(projects::get))
        .route("/api/v1/projects/{id}/steps", post(projects::step))
        .route(
            "/api/v1/donations",
            get(donations::list).post(donations::create),
        )
        .route("/api/v1/donations/{id}", get(donations::get))
        .route("/api/v1/donations/{id}/steps", post(donations::step))
        .route(
            "/api/v1/donations/{id}/allocations",
            post(donations::allocate),
        )
        .route("/api/v1/donations/totals", get(donations::totals))
        .route("/api/v1/donation-campaigns", get(donations::campaigns))
        .route("/api/v1/people", get(people::list).post(people::create))
        .route("/api/v1/people/duplicates", post(people::duplicates))
        .route(
            "/api/v1/people/import",
            post(people::import).layer(DefaultBodyLimit::max(crate::IMPORT_BODY_LIMIT)),
        )
        .route("/api/v1/people/coverage", get(people::coverage))
        .route("/api/v1/people/countries", get(people::countries))
        .route("/api/v1/people/{id}", get(people::get).put(people::update))
        .route("/api/v1/people/{id}/reveal", post(people::reveal))
        .route("/api/v1/people/{id}/export", post(people::export))
        .route("/api/v1/people/{id}/erase", post(people::erase))
        .route("/api/v1/people/{id}/audit", get(people::audit_trail))
        .route("/api/v1/search", get(search::get).post(search::post))
        .route("/api/v1/people/{id}/timeline", get(people::timeline))
        .route("/api/v1/people/{id}/merge", post(people::merge))
        .route("/api/v1/people/{id}/merges", get(people::merges))
        .route(
            "/api/v1/people/{id}/merges/{merge_id}/undo",
            post(people::undo_merge),
        )
        .route("/api/v1/orders", get(orders::list).post(orders::open))
        .route("/api/v1/orders/{id}", get(orders::get))
        .route("/api/v1/orders/{id}/answer", post(orders::answer))
        .route("/api/v1/orders/{id}/accept", post(orders::accept))
        .route("/api/v1/orders/{id}/return", post(orders::send_back))
        .route("/api/v1/urgings", get(orders::urgings).post(orders::urge))
        .route("/api/v1/urgings/{id}/reply", post(orders::reply))
        .route(
            "/api/v1/tasks/{id}/extensions",
            get(tasks::extensions).post(tasks::request_extension),
        )
        .route(
            "/api/v1/tasks/{id}/extensions/decision",
            post(tasks::decide_extension),
        )
        .route("/api/v1/notifications", get(notifications::list))
        .route("/api/v1/notifications/unread", get(notifications::unread))
        .route("/api/v1/notifications/read", post(notifications::mark_read))
        .route("/api/v1/audit", get(audit::list))
        .route("/api/v1/audit/chain", get(audit::chain))
        .route("/api/v1/openapi.json", get(openapi))
        .merge(
            SwaggerUi::new("/api/docs")
                .config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")),
        )
}

#[derive(OpenApi)]
#[openapi(
    info(title = "qiaolian API", description = "JSON API of qiaolian. Sign in with `POST /api/v1/session`, then send `Authorization: Bearer <token>`. Lists answer `{items, total, page, per_page}`; errors answer `{error: {code, message, fields}}`."),
    paths(
        session::create, session::delete, me::get, me::tokens, me::create_token, me::revoke_token,
        orgs::list, orgs::get, orgs::create, orgs::update, orgs::archive, orgs::restore, orgs::visits,
        reference::sides, reference::regions, reference::countries,
        users::list, users::create, users::update,
        agreements::list_agreements, agreements::create_agreement, agreements::get_agreement,
        agreements::update_agreement, agreements::attach_to_agreement, files::download,
        agreements::agreement_plans, plans::create_plan, plans::get_plan, plans::plan_history,
        plans::revise_plan, tasks::list_tasks, tasks::create_task, tasks::get_task,
        tasks::update_task, tasks::task_step, tasks::task_report, tasks::task_comment,
        tasks::inbox,
        pairings::list_pairings, pairings::create_pairing, pairings::get_pairing, mechanisms::list_mechanisms,
        mechanisms::get_mechanism, mechanisms::set_members, mechanisms::rotate_convenor, meetings::list_meetings,
        meetings::create_meeting, meetings::get_meeting, meetings::add_resolution, exchanges::list_exchanges,
        exchanges::create_exchange, exchanges::exchange_stats,
        events::list, events::create, events::get, events::endorse,
        projects::list, projects::pipeline, projects::landing, projects::create, projects::get, projects::step,
        events::update_event, camps::sessions, camps::add_session, camps::participants, camps::register,
        camps::multi_camp, talents::list_talents, talents::create_talent, articles::list_articles,
        articles::create_article, outcomes::rollup, outcomes::countries, stats::get, stats::dashboard, tasks::ledger,
        meetings::list_resolutions, donations::totals, people::countries,
        people::list, people::create, people::get, people::update, people::reveal, people::export, people::erase,
        people::audit_trail, people::duplicates, people::import, people::coverage, people::timeline, people::merge,
        people::merges, people::undo_merge,
        donations::list, donations::create, donations::get, donations::step, donations::allocate,
        donations::campaigns,
        search::get, search::post,
        audit::list, audit::chain,
        notifications::list, notifications::unread, notifications::mark_read,
        orders::list, orders::open, orders::get, orders::answer, orders::accept, orders::send_back,
        orders::urgings, orders::urge, orders::reply, tasks::extensions, tasks::request_extension,
        tasks::decide_extension,
    ),
    modifiers(&BearerAuth, &Conventions),
)]
struct ApiDoc;

/// What every operation shares, added once instead of on 96 handlers: an operationId
/// made from its method and path (unique by construction), and the error answers any
/// of them may give — unreadable input, a missing record, the database unavailable,
/// and for signed requests and bodies their own refusals — all in `ErrorBody`.
struct Conventions;

impl utoipa::Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |why: &str| {
            ResponseBuilder::new()
                .description(why)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        // Bodies that carry the version read (directly, or through a flattened part):
        // their operations may answer 409.
        let components = serde_json::to_value(&openapi.components).unwrap_or_default();
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("put", &mut item.put),
                ("patch", &mut item.patch),
                ("delete", &mut item.delete),
            ];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                op.operation_id = Some(operation_id(method, path));
                let signed = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let body = op.request_body.is_some();
                let versioned = op
                    .request_body
                    .as_ref()
                    .and_then(|b| b.content.values().next())
                    .and_then(|c| serde_json::to_value(&c.schema).ok())
                    .is_some_and(|schema| carries_version(&schema, &components, 0));
                let mut add = |code: &str, why: &str| {
                    op.responses
                        .responses
                        .entry(code.to_owned())
                        .or_insert_with(|| error(why).into());
                };
                add("400", "The path, query or body could not be read");
                add("422", "A field or filter was refused; see fields");
                add("404", "No such record, or not one the caller may see");
                add("414", "The address is too long");
                add("500", "The server failed; the cause is logged");
                add(
                    "503",
                    "The database is busy or unreachable; see Retry-After",
                );
                if signed {
                    add("401", "Not signed in, or the token expired or was revoked");
                    add("403", "Not allowed");
                }
                if body {
                    add("413", "The body is too large");
                    add("415", "The body's content type is not accepted");
                }
                if versioned {
                    add("409", "Changed since the version read; see current_version");
                }
            }
        }
    }
}

/// Whether a body schema has a `version` property, following `$ref`s and `allOf`.
fn carries_version(schema: &serde_json::Value, components: &serde_json::Value, depth: u8) -> bool {
    if depth > 4 {
        return false;
    }
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or_default();
        return carries_version(&components["schemas"][name], components, depth + 1);
    }
    schema["properties"].get("version").is_some()
        || ["allOf", "oneOf", "anyOf"].iter().any(|k| {
            schema[*k].as_array().is_some_and(|parts| {
                parts
                    .iter()
                    .any(|p| carries_version(p, components, depth + 1))
            })
        })
}

/// `GET /api/v1/tasks/{id}/steps` → `get_tasks_id_steps`.
fn operation_id(method: &str, path: &str) -> String {
    let rest = path.trim_start_matches("/api/v1/").replace(['{', '}'], "");
    format!("{method}_{}", rest.replace(['/', '-', '.'], "_"))
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi() -> impl IntoResponse {
    axum::Json(openapi_document())
}

/// `Json` whose rejections answer in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    api_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "api.too_large")
                }
                StatusCode::UNSUPPORTED_MEDIA_TYPE => api_error(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "bad_json",
                    "api.bad_json",
                ),
                _ => api_error(StatusCode::BAD_REQUEST, "bad_json", "api.bad_json"),
            }),
        }
    }
}

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `Query` whose rejections answer in the API's error shape.
pub struct ApiQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(_) => Err(api_error(
                StatusCode::BAD_REQUEST,
                "bad_query",
                "api.bad_query",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// utoipa keys schemas by name and keeps the last one registered, so two types
    /// named alike (a map's `Area` and an agreement's) silently describe each other's
    /// answers; each gets its own name with `#[schema(as = …)]`.
    #[test]
    fn every_schema_has_a_name_of_its_own() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for krate in ["core", "web"] {
            sources(&crates.join(krate).join("src"), &mut files);
        }
        let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let mut schema: Option<Option<String>> = None;
            // A derive written over several lines, read until it closes.
            let mut derive: Option<String> = None;
            for line in text.lines().map(str::trim) {
                if let Some(d) = derive.as_mut() {
                    d.push_str(line);
                    if line.ends_with(")]") {
                        if d.contains("ToSchema") {
                            schema = Some(None);
                        }
                        derive = None;
                    }
                } else if line.starts_with("#[derive(") && !line.ends_with(")]") {
                    derive = Some(line.to_owned());
                } else if line.starts_with("#[derive(") && line.contains("ToSchema") {
                    schema = Some(None);
                } else if let Some(alias) = line
                    .strip_prefix("#[schema(as = ")
                    .and_then(|r| r.split(')').next())
                {
                    if let Some(s) = schema.as_mut() {
                        *s = Some(alias.to_owned());
                    }
                } else if let Some(rest) = line
                    .strip_prefix("pub struct ")
                    .or_else(|| line.strip_prefix("pub enum "))
                {
                    if let Some(alias) = schema.take() {
                        let name = rest
                            .split(|c: char| !c.is_alphanumeric() && c != '_')
                            .next()
                            .unwrap_or_default();
                        names
                            .entry(alias.unwrap_or_else(|| name.to_owned()))
                            .or_default()
                            .push(file.display().to_string());
                    }
                } else if !(line.starts_with("#[") || line.starts_with("//") || line.is_empty()) {
                    schema = None;
                }
            }
        }
        let twice: Vec<_> = names.iter().filter(|(_, files)| files.len() > 1).collect();
        assert!(twice.is_empty(), "schemas named alike: {twice:?}");
        assert!(
            names.len() > 50,
            "the scan finds the API's types: {}",
            names.len()
        );
    }
}
