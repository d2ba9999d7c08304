//! Operations: health, readiness, metrics, OpenAPI.

use reqwest::StatusCode;

use crate::harness::{TestApp, both};

both!(
    health_readiness_metrics_and_api_docs_answer,
    api_errors_all_share_one_shape,
);

/// SQLite runs in WAL mode with foreign keys enforced.
#[tokio::test]
async fn sqlite_uses_wal_and_enforces_foreign_keys() {
    crate::harness::run(crate::harness::Backend::Sqlite, |app| async move {
        let qiaolian_core::Db::Sqlite(pool, ..) = &app.db else { unreachable!() };
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

/// The document says what is served: unique operation ids, enums as the API spells
/// them, and one schema per body.
#[test]
fn the_api_document_names_each_operation_once_and_spells_enums_as_served() {
    let doc = serde_json::to_value(qiaolian_web::api::openapi_document()).expect("json");
    let mut ids = std::collections::BTreeMap::<String, usize>::new();
    for item in doc["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("item").values() {
            if let Some(id) = op["operationId"].as_str() {
                *ids.entry(id.to_owned()).or_default() += 1;
            }
        }
    }
    let repeated: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "{repeated:?}");
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["OrgLevel"]["enum"][3], "county");
    assert_eq!(schemas["Role"]["enum"][1], "org_admin");
    for name in ["TaskStepInput", "ProjectStepInput", "DonationStepInput"] {
        assert!(schemas[name].is_object(), "{name} has its own schema");
    }
    // A body that carries the version read may be answered with 409, flattened or not.
    for (path, method) in [
        ("/api/v1/plans/{id}/revisions", "post"),
        ("/api/v1/tasks/{id}", "put"),
        ("/api/v1/orgs/{id}", "patch"),
        ("/api/v1/users/{id}", "patch"),
    ] {
        assert!(
            doc["paths"][path][method]["responses"]["409"].is_object(),
            "{method} {path} documents 409"
        );
    }
}

async fn api_errors_all_share_one_shape(app: TestApp) {
    let api = app.admin_api().await;
    let shaped = |status: StatusCode, body: &serde_json::Value, code: &str| {
        assert_eq!(body["error"]["code"], code, "{status}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    };
    // A path id that is not a number, an unknown route, a wrong method.
    let (status, body) = api.get("/api/v1/orgs/abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    shaped(status, &body, "bad_request");
    let (status, body) = api.get("/api/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    shaped(status, &body, "not_found");
    let resp = api
        .raw(reqwest::Method::DELETE, "/api/v1/orgs")
        .await
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(resp.headers().contains_key("allow"));
    let body: serde_json::Value = resp.json().await.expect("json");
    shaped(StatusCode::METHOD_NOT_ALLOWED, &body, "method_not_allowed");
    // A multipart upload that is not multipart, a query that is not a number.
    let resp = api
        .raw(reqwest::Method::POST, "/api/v1/people/import")
        .await
        .header("content-type", "text/plain")
        .body("姓名")
        .send()
        .await
        .expect("send");
    let status = resp.status();
    assert!(status.is_client_error(), "{status}");
    let body: serde_json::Value = resp.json().await.expect("json");
    assert!(body["error"]["code"].is_string(), "{body}");
    let (status, body) = api.get("/api/v1/tasks?page=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    shaped(status, &body, "bad_query");
    // An address longer than the API reads.
    let long = format!("/api/v1/orgs?q={}", "侨".repeat(4000));
    let (status, body) = api.get(&long).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    shaped(status, &body, "uri_too_long");
    // A body past the limit.
    let resp = api
        .raw(reqwest::Method::POST, "/api/v1/orgs")
        .await
        .header("content-type", "application/json")
        .body(vec![b' '; 3 * 1024 * 1024])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = resp.json().await.expect("json");
    shaped(StatusCode::PAYLOAD_TOO_LARGE, &body, "too_large");
}
