//! Signing in through the API, tokens, and the answers to wrong passwords.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{ADMIN_PASSWORD, TestApp, both};

both!(
    a_token_signs_in_and_is_revoked,
    a_wrong_password_gives_no_hint_and_repeats_are_slowed_down,
);

async fn a_token_signs_in_and_is_revoked(app: TestApp) {
    let api = app.admin_api().await;
    let (status, me) = api.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["login"], "admin");
    assert_eq!(me["role"], "admin");
    assert!(me.get("org_path").is_none() && me.get("password_hash").is_none());

    let resp = api
        .raw(reqwest::Method::DELETE, "/api/v1/session")
        .await
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (status, _) = api.get("/api/v1/me").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a revoked token no longer works"
    );

    let (status, _) = app.anonymous_api().get("/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn a_wrong_password_gives_no_hint_and_repeats_are_slowed_down(app: TestApp) {
    let anon = app.anonymous_api();
    let (s1, unknown) = anon
        .post(
            "/api/v1/session",
            json!({"login": "nobody", "password": "whatever-pw"}),
        )
        .await;
    let (s2, wrong) = anon
        .post(
            "/api/v1/session",
            json!({"login": "admin", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        unknown, wrong,
        "an unknown login and a wrong password answer alike"
    );

    for _ in 0..4 {
        anon.post(
            "/api/v1/session",
            json!({"login": "admin", "password": "wrong-password"}),
        )
        .await;
    }
    let resp = anon
        .raw(reqwest::Method::POST, "/api/v1/session")
        .await
        .json(&json!({"login": "ADMIN", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("send");
    assert_eq!(
        resp.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits after repeated failures"
    );
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!(retry > 0 && retry <= 900);
    let (_, body) = crate::harness::json_of(resp).await;
    assert_eq!(body["error"]["code"], "too_many_attempts");

    // Other logins are not affected.
    app.user("other", "平台管理", "viewer").await;
    let (status, _) = anon
        .post(
            "/api/v1/session",
            json!({"login": "other", "password": crate::harness::password_of("other")}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}
