//! The `qiaolian` command: migrate, user add, token create.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::harness::{TestApp, both};

both!(the_command_adds_users_and_creates_tokens);

fn qiaolian(app: &TestApp, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_qiaolian"))
        .args(args)
        .env("QIAOLIAN_DATABASE_URL", &app.url)
        .env("QIAOLIAN_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run qiaolian");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

async fn the_command_adds_users_and_creates_tokens(app: TestApp) {
    app.load_demo().await;
    let out = qiaolian(&app, &["migrate"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let org = app.org_id("绵阳市侨联").await.to_string();
    let out = qiaolian(
        &app,
        &[
            "user",
            "add",
            "--login",
            "my-clerk",
            "--org",
            &org,
            "--role",
            "coordinator",
        ],
        "clerk-password-1\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("my-clerk"));
    app.api_as("my-clerk", "clerk-password-1").await;

    let out = qiaolian(
        &app,
        &[
            "user", "add", "--login", "x", "--org", &org, "--role", "chief",
        ],
        "short\n",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("login: bad_login")
            && err.contains("role: unknown_value")
            && err.contains("password: password_too_short"),
        "{err}"
    );

    let out = qiaolian(&app, &["token", "create", "--login", "my-clerk"], "");
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(token.starts_with("ql_"));
    let resp = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let me: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(me["org_name"], "绵阳市侨联");

    let out = qiaolian(&app, &["token", "create", "--login", "ghost"], "");
    assert!(!out.status.success());
}
