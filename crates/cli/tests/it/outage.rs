//! A database that goes away: while PostgreSQL is down every request answers 503 in
//! the error format within a few seconds, `/readyz` says so, and when it is back the
//! same server answers again. Run on a private cluster this test creates and removes,
//! never on the shared one.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use qiaolian_core::Db;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{ADMIN_PASSWORD, Server};

/// A PostgreSQL cluster of its own in a temporary folder, owned by the postgres user.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    fn create() -> Cluster {
        let version = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's binaries")
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
            .max()
            .expect("a PostgreSQL version");
        let bin = PathBuf::from(format!("/usr/lib/postgresql/{version}/bin"));
        let dir = std::env::temp_dir().join(format!("qiaolian_cluster_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("cluster folder");
        chown_postgres(&dir);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let data = dir.join("data");
        as_postgres(
            &bin.join("initdb"),
            &[
                "-D",
                path(&data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        let cluster = Cluster { bin, dir, port };
        cluster.start();
        cluster
    }

    fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            path(&self.dir)
        );
        as_postgres(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                path(&self.dir.join("data")),
                "-l",
                path(&self.dir.join("log")),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
    }

    fn stop(&self) {
        as_postgres(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                path(&self.dir.join("data")),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args([
                "-D",
                path(&self.dir.join("data")),
                "-m",
                "immediate",
                "stop",
            ])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn chown_postgres(dir: &std::path::Path) {
    let ok = Command::new("chown")
        .args(["postgres:postgres", path(dir)])
        .status()
        .expect("chown")
        .success();
    assert!(ok, "cannot give {} to postgres", dir.display());
}

fn as_postgres(program: &std::path::Path, args: &[&str]) {
    let out = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(program)
        .args(args)
        .output()
        .expect("runuser");
    assert!(
        out.status.success(),
        "{} failed: {}{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Eight reads at once; their statuses, bodies and the slowest answer's time.
async fn burst(
    client: &reqwest::Client,
    url: &str,
    token: &str,
) -> (Vec<(StatusCode, Value, bool)>, Duration) {
    let started = Instant::now();
    let answers = join_all((0..8).map(|_| async {
        let resp = client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("send");
        let status = resp.status();
        let retry = resp.headers().contains_key("retry-after");
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        (status, body, retry)
    }))
    .await;
    (answers, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgresql_is_down_requests_answer_503_and_recover_when_it_is_back() {
    let cluster = Cluster::create();
    let admin = Db::connect(&cluster.url("postgres"))
        .await
        .expect("connect");
    if let Db::Postgres(pool, _) = &admin {
        sqlx::query("create database qiaolian")
            .execute(pool)
            .await
            .expect("create database");
    }
    admin.close().await;
    let (db, server) = Server::start(&cluster.url("qiaolian")).await;
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let signed: Value = client
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"login": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let token = signed["token"].as_str().expect("token").to_owned();
    let orgs = format!("{base}/api/v1/orgs");
    let (answers, _) = burst(&client, &orgs, &token).await;
    assert!(answers.iter().all(|(s, _, _)| *s == StatusCode::OK));

    cluster.stop();
    for _ in 0..3 {
        let (answers, took) = burst(&client, &orgs, &token).await;
        assert!(took < Duration::from_secs(5), "answered in {took:?}");
        for (status, body, retry) in &answers {
            assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
            assert_eq!(body["error"]["code"], "unavailable", "{body}");
            assert!(retry, "a Retry-After says when to try again");
        }
    }
    let started = Instant::now();
    let ready = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("send");
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // A page says so in the user's language, not with an empty answer.
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("send");
    assert!(page.status().is_success() || page.status() == StatusCode::SERVICE_UNAVAILABLE);

    cluster.start();
    let mut back = false;
    for _ in 0..40 {
        let (answers, _) = burst(&client, &orgs, &token).await;
        if answers.iter().all(|(s, _, _)| *s == StatusCode::OK) {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(back, "the server answers again once PostgreSQL is back");
    let ready = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("send");
    assert_eq!(ready.status(), StatusCode::OK);

    server.stop().await;
    db.close().await;
}
