//! Operations: health, readiness, metrics, OpenAPI.

use reqwest::StatusCode;

use crate::harness::{TestApp, both};

both!(health_readiness_metrics_and_api_docs_answer);

/// SQLite runs in WAL mode with foreign keys enforced.
#[tokio::test]
async fn sqlite_uses_wal_and_enforces_foreign_keys() {
    crate::harness::run(crate::harness::Backend::Sqlite, |app| async move {
        let qiaolian_core::Db::Sqlite(pool, _) = &app.db else { unreachable!() };
        let mode: String = sqlx::query_scalar("pragma journal_mode").fetch_one(pool).await.expect("pragma");
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("pragma foreign_keys").fetch_one(pool).await.expect("pragma");
        assert_eq!(fk, 1);
        let orphan = sqlx::query("insert into account (login, display_name, org_id, role, password_hash, created_at, updated_at) values ('x', 'x', 999, 'viewer', 'x', '', '')")
            .execute(pool)
            .await;
        assert!(orphan.is_err(), "an account of a missing organization is refused");
    })
    .await;
}

async fn health_readiness_metrics_and_api_docs_answer(app: TestApp) {
    let c = reqwest::Client::new();
    let get = |p: &str| c.get(app.url(p)).send();
    assert_eq!(
        get("/healthz").await.expect("send").status(),
        StatusCode::OK
    );
    assert_eq!(get("/readyz").await.expect("send").status(), StatusCode::OK);

    let api = app.admin_api().await;
    api.get("/api/v1/orgs").await;
    api.get("/api/v1/orgs/1").await;
    let metrics = get("/metrics")
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("qiaolian_http_requests_total{method=\"GET\",route=\"/api/v1/orgs/{id}\",status=\"200\"}"), "{metrics}");
    assert!(metrics.contains("qiaolian_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("qiaolian_db_pool_connections"));

    let (status, doc) = app.anonymous_api().get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/api/v1/orgs",
        "/api/v1/orgs/{id}",
        "/api/v1/session",
        "/api/v1/me",
        "/api/v1/regions",
        "/api/v1/countries",
        "/api/v1/users",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["schemas"].get("Org").is_some());
    let docs = get("/api/docs/").await.expect("send");
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.expect("text").contains("swagger"));
}
