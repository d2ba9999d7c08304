//! The HTTP server of qiaolian: JSON API under `/api/v1`, HTML pages, static files,
//! health and metrics. Handlers extract, authorize through core, call one core
//! function and respond; no business rule lives here.

pub mod api;
mod assets;
pub mod ctx;
pub mod error;
pub mod export;
pub mod i18n;
mod metrics;
pub mod pages;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use qiaolian_core::Db;
use tower_http::trace::TraceLayer;

/// Largest request body accepted, in bytes (uploads come later with their own limit).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Largest spreadsheet import request: the file's own limit, which the import then
/// explains, plus the form around it.
pub const IMPORT_BODY_LIMIT: usize = qiaolian_office::MAX_BYTES + 256 * 1024;

/// Largest confirm of an import: the rows of the largest file, as JSON.
pub const IMPORT_CONFIRM_BODY_LIMIT: usize = 3 * qiaolian_office::MAX_BYTES;

/// Settings of the web layer.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Served over https (behind a TLS proxy): cookies get `Secure`.
    pub https: bool,
    /// An approved base map (标准地图) of the member sides' regions, GeoJSON keyed by
    /// `code` like the schematic one it replaces on the dashboard.
    pub base_map: Option<Vec<u8>>,
    /// The review number (审图号) of that base map, shown under the map.
    pub map_review: Option<String>,
    /// The most rows an Excel export writes (at most, and by default,
    /// [`qiaolian_office::export::MAX_ROWS`]).
    pub export_rows: Option<usize>,
}

impl WebConfig {
    pub fn export_limit(&self) -> usize {
        let most = qiaolian_office::export::MAX_ROWS;
        self.export_rows.map_or(most, |n| n.clamp(1, most))
    }
}

/// Reads a base map for the dashboard and checks that it is GeoJSON whose features
/// carry a `code`, so a wrong file stops the start instead of showing an empty map.
pub fn read_base_map(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let geo: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{shown} is not JSON: {e}"))?;
    let coded = geo["features"].as_array().map_or(0, |f| {
        f.iter()
            .filter(|f| f["properties"]["code"].is_string())
            .count()
    });
    if coded == 0 {
        return Err(format!(
            "{shown} has no features with a `code` property (GB/T 2260)"
        ));
    }
    Ok(bytes)
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<WebConfig>,
    metrics: Arc<metrics::Metrics>,
}

impl AppState {
    pub fn new(db: Db, config: WebConfig) -> AppState {
        AppState {
            db,
            config: Arc::new(config),
            metrics: metrics::Metrics::new(),
        }
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .route("/static/{*path}", get(assets::serve))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::export))
        .fallback(pages::not_found)
        // Inside the context, so its messages are in the reader's language.
        .layer(middleware::from_fn(error::api_error_format))
        .layer(middleware::from_fn_with_state(state.clone(), ctx::context))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn(security_headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Only our own scripts run; styles may be inline (tom-select sets them); no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

async fn security_headers(
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    // Swagger UI ships its own inline bootstrap script.
    let docs = req.uri().path().starts_with("/api/docs");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if !docs {
        h.insert("content-security-policy", HeaderValue::from_static(CSP));
    }
    resp
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}

/// Serves until `shutdown` completes, then lets open requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
