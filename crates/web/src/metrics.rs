//! Prometheus metrics: requests by route and status, latency, database pool, jobs.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    kind: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    method: String,
    route: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RouteLabels, Counter>,
    latency: Family<LatencyLabels, Histogram>,
    pool_size: Gauge,
    pool_idle: Gauge,
    jobs: Family<JobLabels, Gauge>,
    job_lag: Family<KindLabels, Gauge>,
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("qiaolian");
        let requests = Family::<RouteLabels, Counter>::default();
        let latency = Family::<LatencyLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
        });
        let pool_size = Gauge::default();
        let pool_idle = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        registry.register(
            "db_pool_connections",
            "Open database connections",
            pool_size.clone(),
        );
        registry.register(
            "db_pool_idle_connections",
            "Idle database connections",
            pool_idle.clone(),
        );
        let jobs = Family::<JobLabels, Gauge>::default();
        let job_lag = Family::<KindLabels, Gauge>::default();
        registry.register(
            "jobs",
            "Jobs not done, by kind and state (due, running, waiting, failed)",
            jobs.clone(),
        );
        registry.register(
            "job_lag_seconds",
            "How long the oldest due job of a kind has waited",
            job_lag.clone(),
        );
        Arc::new(Metrics {
            registry,
            requests,
            latency,
            pool_size,
            pool_idle,
            jobs,
            job_lag,
        })
    }
}

/// Records every request under its route pattern (not its raw path, which would
/// make one series per organization id).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let resp = next.run(req).await;
    let m = &state.metrics;
    m.requests
        .get_or_create(&RouteLabels {
            method: method.clone(),
            route: route.clone(),
            status: resp.status().as_u16(),
        })
        .inc();
    m.latency
        .get_or_create(&LatencyLabels { method, route })
        .observe(start.elapsed().as_secs_f64());
    resp
}

pub async fn export(State(state): State<AppState>) -> Response {
    let stats = state.db.pool_stats();
    state.metrics.pool_size.set(i64::from(stats.size));
    state.metrics.pool_idle.set(i64::from(stats.idle));
    // A kind that has no job left reads zero rather than its last value.
    state.metrics.jobs.clear();
    state.metrics.job_lag.clear();
    match qiaolian_core::job::states(&state.db).await {
        Ok(kinds) => {
            for k in kinds {
                for (name, n) in [
                    ("due", k.due),
                    ("running", k.running),
                    ("waiting", k.waiting),
                    ("failed", k.failed),
                ] {
                    let labels = JobLabels {
                        kind: k.kind.clone(),
                        state: name.to_owned(),
                    };
                    state.metrics.jobs.get_or_create(&labels).set(n);
                }
                let labels = KindLabels { kind: k.kind };
                state
                    .metrics
                    .job_lag
                    .get_or_create(&labels)
                    .set(k.lag_seconds);
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot read the job states for /metrics"),
    }
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &state.metrics.registry).is_err() {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
