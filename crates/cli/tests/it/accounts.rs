//! Accounts done properly: tokens that expire and can be revoked, a password change or
//! a disabled account ending every token and session, throttling that cannot lock the
//! owner out from elsewhere, and a sign-in that only ever returns to this site.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{
    ADMIN_PASSWORD, Api, TestApp, both, csrf_of, field_code, page, password_of, select_text,
};

both!(
    a_clerk_names_lists_and_revokes_their_tokens,
    a_password_change_revokes_every_token,
    an_administrator_disabling_an_account_ends_its_tokens_and_sessions,
    failures_from_one_address_do_not_lock_the_owner_out_from_another,
    after_sign_in_only_a_path_of_this_site_is_followed,
    an_administrator_reads_the_audit_trail_and_checks_its_chain,
);

/// The actions of a page of audit entries.
fn actions(trail: &serde_json::Value) -> Vec<&str> {
    trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect()
}

async fn clerk(app: &TestApp) -> Api {
    app.load_demo().await;
    app.user("wz-clerk", "万州区侨联", "member").await;
    app.api_of("wz-clerk").await
}

async fn a_clerk_names_lists_and_revokes_their_tokens(app: TestApp) {
    let api = clerk(&app).await;
    let (status, made) = api
        .post(
            "/api/v1/me/tokens",
            json!({"name": "月报导出脚本", "days": 30}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let secret = made["secret"].as_str().expect("secret").to_owned();
    let expires = made["expires_at"].as_str().expect("expiry");
    let in_30 = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    assert!(expires.starts_with(&in_30), "{expires}");

    let script = reqwest::Client::new();
    let me = |t: &str| {
        script
            .get(app.url("/api/v1/me"))
            .bearer_auth(t.to_owned())
            .send()
    };
    assert_eq!(me(&secret).await.expect("send").status(), StatusCode::OK);

    let (_, list) = api.get("/api/v1/me/tokens").await;
    let mine = list
        .as_array()
        .expect("list")
        .iter()
        .find(|t| t["name"] == "月报导出脚本")
        .expect("listed");
    assert!(
        mine.get("secret").is_none(),
        "the secret is shown once only"
    );
    assert!(
        !mine["last_used_at"].is_null(),
        "its use is recorded: {mine}"
    );

    for (body, field, code) in [
        (json!({"name": "", "days": 30}), "name", "required"),
        (json!({"name": "x", "days": 0}), "days", "bad_token_days"),
        (json!({"name": "x", "days": 400}), "days", "bad_token_days"),
    ] {
        let (status, e) = api.post("/api/v1/me/tokens", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(field_code(&e, field), code);
    }

    // Another account cannot revoke it; its owner can, and it stops working.
    app.user("other", "万州区侨联", "member").await;
    let other = app.api_of("other").await;
    let path = format!("/api/v1/me/tokens/{}", made["id"]);
    let resp = other
        .raw(reqwest::Method::DELETE, &path)
        .await
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = api
        .raw(reqwest::Method::DELETE, &path)
        .await
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = me(&secret).await.expect("send");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthorized");

    // Both ends are in the audit trail.
    let admin = app.admin_api().await;
    let (_, trail) = admin.get("/api/v1/audit?entity=api_token").await;
    let actions = actions(&trail);
    assert!(
        actions.contains(&"token_create") && actions.contains(&"token_revoke"),
        "{trail}"
    );
}

async fn a_password_change_revokes_every_token(app: TestApp) {
    let api = clerk(&app).await;
    let (_, made) = api
        .post("/api/v1/me/tokens", json!({"name": "备份脚本"}))
        .await;
    let secret = made["secret"].as_str().expect("secret").to_owned();
    let browser = app.sign_in("wz-clerk", &password_of("wz-clerk")).await;
    let csrf = csrf_of(&browser, &app.url("/account")).await;
    let resp = browser
        .post(app.url("/account/password"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current_password", &password_of("wz-clerk")),
            ("new_password", "a-new-long-password"),
            ("confirm_password", "a-new-long-password"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    for token in [secret.as_str(), api.token()] {
        let resp = reqwest::Client::new()
            .get(app.url("/api/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        assert_eq!(
            resp.status(),
            StatusCode::UNAUTHORIZED,
            "tokens end with the old password"
        );
    }
    // The session the change was made from stays signed in.
    let resp = browser.get(app.url("/account")).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
}

async fn an_administrator_disabling_an_account_ends_its_tokens_and_sessions(app: TestApp) {
    let api = clerk(&app).await;
    let browser = app.sign_in("wz-clerk", &password_of("wz-clerk")).await;
    let admin = app.admin_api().await;
    let (_, me) = api.get("/api/v1/me").await;
    let path = format!("/api/v1/users/{}", me["id"]);

    let (status, e) = admin.patch(&path, json!({"active": false})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "version"), "required");
    let (status, e) = admin
        .patch(
            &path,
            json!({"role": "superuser", "version": me["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "role"), "unknown_value");

    let (status, off) = admin
        .patch(&path, json!({"active": false, "version": me["version"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(off["active"], false);
    let (status, _) = api.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let resp = browser.get(app.url("/account")).send().await.expect("send");
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "the session ended too"
    );
    let (status, _) = app
        .anonymous_api()
        .post(
            "/api/v1/session",
            json!({"login": "wz-clerk", "password": password_of("wz-clerk")}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A stale save answers 409; an administrator cannot disable themselves.
    let (status, _) = admin
        .patch(&path, json!({"active": true, "version": me["version"]}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, admin_me) = admin.get("/api/v1/me").await;
    let (status, e) = admin
        .patch(
            &format!("/api/v1/users/{}", admin_me["id"]),
            json!({"active": false, "version": admin_me["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "active"), "cannot_change_self");

    // A member may not manage accounts at all.
    app.user("wz-member", "万州区侨联", "member").await;
    let member = app.api_of("wz-member").await;
    let (status, _) = member
        .patch(&path, json!({"active": true, "version": off["version"]}))
        .await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status}"
    );

    let (_, trail) = admin
        .get(&format!(
            "/api/v1/audit?entity=account&entity_id={}",
            me["id"]
        ))
        .await;
    let actions = actions(&trail);
    assert!(
        actions.contains(&"disable") && actions.contains(&"sign_in"),
        "{trail}"
    );
}

async fn sign_in_from(app: &TestApp, address: &str, password: &str) -> StatusCode {
    reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", address)
        .json(&json!({"login": "wz-clerk", "password": password}))
        .send()
        .await
        .expect("send")
        .status()
}

async fn failures_from_one_address_do_not_lock_the_owner_out_from_another(app: TestApp) {
    clerk(&app).await;
    for _ in 0..5 {
        assert_eq!(
            sign_in_from(&app, "203.0.113.7", "guessing-wrong").await,
            StatusCode::UNAUTHORIZED
        );
    }
    let resp = reqwest::Client::new()
        .post(app.url("/api/v1/session"))
        .header("x-forwarded-for", "203.0.113.7")
        .json(&json!({"login": "wz-clerk", "password": "guessing-wrong"}))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many_attempts");
    // Even the right password waits at the guesser's address …
    assert_eq!(
        sign_in_from(&app, "203.0.113.7", &password_of("wz-clerk")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // … but the owner, elsewhere, signs in.
    assert_eq!(
        sign_in_from(&app, "198.51.100.20", &password_of("wz-clerk")).await,
        StatusCode::OK
    );
}

async fn after_sign_in_only_a_path_of_this_site_is_followed(app: TestApp) {
    clerk(&app).await;
    for (next, expected) in [
        ("/tasks?colour=red", "/tasks?colour=red"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
    ] {
        let client = app.browser();
        let csrf = csrf_of(&client, &app.url("/login")).await;
        let resp = client
            .post(app.url("/login"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("login", "wz-clerk"),
                ("password", &password_of("wz-clerk")),
                ("next", next),
            ])
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(
            resp.headers()["location"].to_str().expect("ascii"),
            expected,
            "{next:?}"
        );
    }
}

async fn an_administrator_reads_the_audit_trail_and_checks_its_chain(app: TestApp) {
    clerk(&app).await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let doc = page(&admin, &app.url("/audit?verify=1&action=sign_in")).await;
    assert_eq!(select_text(&doc, "#chain-state"), vec!["审计链完好"]);
    let rows = select_text(&doc, "tbody tr");
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r.contains("登录成功")),
        "{rows:?}"
    );
    // Nobody else reads the whole trail.
    let clerk = app.sign_in("wz-clerk", &password_of("wz-clerk")).await;
    let resp = clerk.get(app.url("/audit")).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let api = app.api_of("wz-clerk").await;
    let (status, body) = api.get("/api/v1/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}
