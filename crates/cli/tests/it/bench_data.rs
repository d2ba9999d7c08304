//! `qiaolian bench-data`: the generated data set is one a server reads as if it had been
//! typed in — lists, counts, a reader's reach, search with nothing to rebuild — and
//! writes go on after it.

use std::process::Command;

use qiaolian_core::on;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{ADMIN_PASSWORD, Backend, TestApp, run_on};

mod a_small_set_is_read_as_if_typed_in {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run_on(
            Backend::Sqlite,
            generate,
            super::a_small_set_is_read_as_if_typed_in,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run_on(
            Backend::Postgres,
            generate,
            super::a_small_set_is_read_as_if_typed_in,
        )
        .await
    }
}

fn bench_data(url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qiaolian"))
        .args(["bench-data", "--scale", "small", "--quiet"])
        .env("QIAOLIAN_DATABASE_URL", url)
        .env("QIAOLIAN_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("QIAOLIAN_LOG", "warn")
        .output()
        .expect("run qiaolian")
}

/// Fills the new database; a failure shows in the test's output and in its checks.
pub(crate) fn generate(url: &str) {
    let out = bench_data(url);
    println!(
        "bench-data: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let mut tx = app.db.read().await.expect("read");
    on!(&mut tx, |c| {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(c)
            .await
            .expect("query")
    })
}

async fn a_small_set_is_read_as_if_typed_in(app: TestApp) {
    let admin = app.admin_api().await;
    for (path, table) in [
        ("/api/v1/tasks?per_page=1", "task"),
        ("/api/v1/people?per_page=1", "person"),
        ("/api/v1/exchanges?per_page=1", "exchange"),
        ("/api/v1/projects?per_page=1", "project"),
        ("/api/v1/donations?per_page=1", "donation"),
    ] {
        let (status, body) = admin.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let rows = scalar(&app, &format!("select count(*) from {table}")).await;
        assert!(rows > 100, "{table}: only {rows} generated");
        assert_eq!(body["total"], json!(rows), "{path}");
    }
    assert_eq!(scalar(&app, "select count(*) from task").await, 10_000);

    // A district coordinator sees its district's share, not everything.
    let login: String = {
        let mut tx = app.db.read().await.expect("read");
        on!(&mut tx, |c| {
            sqlx::query_scalar(
                "select a.login from account a join org o on o.id = a.org_id
                 where o.name = '万州区侨联'",
            )
            .fetch_one(c)
            .await
            .expect("万州区侨联 has a coordinator")
        })
    };
    let coordinator = app.api_as(&login, ADMIN_PASSWORD).await;
    let (_, mine) = coordinator.get("/api/v1/tasks?per_page=1").await;
    let mine = mine["total"].as_i64().expect("total");
    assert!(
        mine > 0 && mine < 10_000,
        "the coordinator sees {mine} of 10000 tasks"
    );

    // Search answers from the documents written with the data: none is rebuilt.
    let docs = scalar(&app, "select count(*) from search_doc").await;
    let records = scalar(
        &app,
        "select (select count(*) from org) + (select count(*) from person)
            + (select count(*) from agreement) + (select count(*) from task)
            + (select count(*) from meeting) + (select count(*) from event)
            + (select count(*) from project)",
    )
    .await;
    assert_eq!(docs, records, "one search document per record");
    let (status, found) = admin.get("/api/v1/search?q=%E4%BE%A8%E8%81%94").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        found["groups"]
            .as_array()
            .is_some_and(|g| g.iter().any(|g| g["kind"] == "task")),
        "侨联 finds tasks: {found}"
    );

    // The figures written with the data are those the records give, and marked built.
    let found = qiaolian_core::task::reach::check(&app.db)
        .await
        .expect("recount tasks");
    assert!(found.is_empty(), "task figures: {found:?}");
    let found = qiaolian_core::outcome::tally::check(&app.db)
        .await
        .expect("recount outcomes");
    assert!(found.is_empty(), "outcome figures: {found:?}");
    let found = qiaolian_core::person::tally::check(&app.db)
        .await
        .expect("recount people");
    assert!(found.is_empty(), "people figures: {found:?}");
    assert!(scalar(&app, "select count(*) from outcome_tally").await > 1_000);
    assert_eq!(
        scalar(
            &app,
            "select count(*) from meta where key in ('task_reach', 'outcome_tally', 'person_tally')"
        )
        .await,
        3
    );

    // New records take the next ids (PostgreSQL's identities were moved on).
    let last = scalar(&app, "select max(id) from org").await;
    let (status, body) = admin
        .post(
            "/api/v1/orgs",
            json!({"name": "生成数据后新建的泰国侨团", "kind": "overseas_association", "level": "overseas", "side": "overseas", "country_code": "TH"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], json!(last + 1));

    // It fills empty databases only.
    let again = bench_data(&app.url);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("empty database"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
