//! The `qiaolian` command: migrate, user add, token create.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

use crate::harness::{TestApp, both};

both!(
    the_command_adds_users_and_creates_tokens,
    a_new_side_needs_no_code_change,
    audit_verify_names_the_first_altered_entry,
);

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

async fn a_new_side_needs_no_code_change(app: TestApp) {
    let out = qiaolian(
        &app,
        &[
            "side",
            "add",
            "--code",
            "gz",
            "--name-zh",
            "贵州",
            "--name-en",
            "Guizhou",
            "--region",
            "520000",
        ],
        "",
    );
    assert!(!out.status.success(), "Guizhou's regions are not loaded");
    assert!(String::from_utf8_lossy(&out.stderr).contains("region_code: unknown_region"));
    let out = qiaolian(
        &app,
        &[
            "side",
            "add",
            "--code",
            "cq",
            "--kind",
            "overseas",
            "--name-zh",
            "重复",
            "--name-en",
            "Dup",
        ],
        "",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("code: code_taken"));

    let out = qiaolian(
        &app,
        &[
            "side",
            "add",
            "--code",
            "sea",
            "--kind",
            "overseas",
            "--name-zh",
            "东南亚",
            "--name-en",
            "Southeast Asia",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = String::from_utf8_lossy(&qiaolian(&app, &["side", "list"], "").stdout).to_string();
    assert!(
        listed.lines().last().is_some_and(|l| l.starts_with("sea")),
        "{listed}"
    );

    let api = app.admin_api().await;
    let (status, org) = api
        .post(
            "/api/v1/orgs",
            serde_json::json!({"name": "新加坡川渝商会", "kind": "overseas_association", "level": "overseas",
                               "side": "sea", "country_code": "SG"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{org}");
    let (_, list) = api.get("/api/v1/orgs?side=sea").await;
    assert_eq!(list["total"], 1);
}

both!(the_server_starts_serves_and_stops_cleanly_on_sigterm);

async fn the_server_starts_serves_and_stops_cleanly_on_sigterm(app: TestApp) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_qiaolian"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("QIAOLIAN_DATABASE_URL", &app.url)
        .env("QIAOLIAN_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run qiaolian");
    let url = format!("http://127.0.0.1:{port}/readyz");
    let mut ready = false;
    for _ in 0..100 {
        if reqwest::get(&url)
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the server did not become ready");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = tokio::task::spawn_blocking(move || {
        let status = child.wait();
        let mut log = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut log);
        }
        (status, log)
    })
    .await
    .expect("join");
    assert!(
        out.0.expect("status").success(),
        "exit after SIGTERM: {}",
        out.1
    );
    let last = out
        .1
        .lines()
        .rfind(|l| l.starts_with('{'))
        .unwrap_or_default()
        .to_owned();
    let entry: serde_json::Value = serde_json::from_str(&last).expect("structured log line");
    assert_eq!(entry["fields"]["message"], "stopped");
}

async fn audit_verify_names_the_first_altered_entry(app: TestApp) {
    app.load_demo().await;
    // Sign-ins and a token leave entries in the trail.
    let api = app.admin_api().await;
    api.post("/api/v1/me/tokens", serde_json::json!({"name": "导出"}))
        .await;
    let out = qiaolian(&app, &["audit", "verify"], "");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("intact"), "{said}");

    // Someone with database access rewrites what an entry says.
    let mut tx = app.db.write().await.expect("tx");
    let first: i64 = qiaolian_core::on!(&mut tx, |c| {
        sqlx::query_scalar("update audit set detail = 'from 10.0.0.1' where id = (select min(id) from audit) returning id")
            .fetch_one(c)
            .await
            .expect("tamper")
    });
    tx.commit().await.expect("commit");
    let out = qiaolian(&app, &["audit", "verify"], "");
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains(&format!("entry {first}")), "{said}");

    let (status, chain) = api.get("/api/v1/audit/chain").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(chain["intact"], false);
    assert_eq!(chain["first_bad"], first);
}
