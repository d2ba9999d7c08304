//! The ceiling of the benchmarks: what axum and sqlx alone do on this machine over
//! qiaolian's own tables (a database made by `qiaolian bench-data`), with the same pool
//! settings and no access rules, middleware, templates or audit. Every harness figure
//! is also shown as a ratio to the matching request here.
//!
//! `ceiling <database-url> <listen>`; requests: `GET /task/{id}`,
//! `GET /tasks?lead={org}` (50 tasks led in an organization's subtree by deadline,
//! through the same `task_reach` key as the ledger), `GET /counts` (tasks by colour,
//! a plain group-by: what counting costs without maintained figures), `GET /tally?org={org}`
//! (an organization's kept task tally by status and colour, the read every figures
//! request starts from), `POST /tasks/{id}/reports` (a progress report and the task's
//! progress, in one write), `GET /orders?org={org}` (the 50 supervision orders an
//! organization must answer, open first by their day, with their task's title).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

#[derive(Clone)]
enum Db {
    /// The pool and the queue of writers, as in qiaolian: one writer at a time, in order.
    Sqlite(SqlitePool, Arc<tokio::sync::Mutex<()>>),
    Postgres(PgPool),
}

/// Runs the same statement on either pool.
macro_rules! on {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            Db::Sqlite($pool, _) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

#[derive(Serialize, sqlx::FromRow)]
struct Task {
    id: i64,
    plan_id: i64,
    title: String,
    goal: String,
    standard: String,
    requirement: String,
    start_on: NaiveDate,
    deadline: NaiveDate,
    lead_org_id: i64,
    lead_org_name: String,
    status: String,
    progress: i64,
    colour: String,
}

const TASK: &str = "select t.id, t.plan_id, t.title, t.goal, t.standard, t.requirement, t.start_on,
    t.deadline, t.lead_org_id, o.name as lead_org_name, t.status, t.progress, t.colour
    from task t join org o on o.id = t.lead_org_id";

fn failed(e: sqlx::Error) -> Response {
    eprintln!("{e}");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

async fn task(State(db): State<Db>, Path(id): Path<i64>) -> Response {
    let sql = format!("{TASK} where t.id = $1");
    let row: Result<Option<Task>, _> = on!(&db, |p| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(p)
            .await
    });
    match row {
        Ok(Some(t)) => Json(t).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct Lead {
    lead: i64,
}

async fn tasks(State(db): State<Db>, Query(q): Query<Lead>) -> Response {
    // The same walk as qiaolian's ledger: the organization's `task_reach` rows of the
    // tasks led in its subtree, in their key order.
    let sql = "select t.id, t.plan_id, t.title, t.goal, t.standard, t.requirement, t.start_on,
        t.deadline, t.lead_org_id, o.name as lead_org_name, t.status, t.progress, t.colour
        from task_reach r join task t on t.id = r.task_id join org o on o.id = t.lead_org_id
        where r.org_id = $1 and r.lead = 1 order by r.done, r.deadline, r.task_id limit 50";
    let rows: Result<Vec<Task>, _> = on!(&db, |p| {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(q.lead)
            .fetch_all(p)
            .await
    });
    match rows {
        Ok(t) => Json(t).into_response(),
        Err(e) => failed(e),
    }
}

async fn counts(State(db): State<Db>) -> Response {
    let rows: Result<Vec<(String, i64)>, _> = on!(&db, |p| {
        sqlx::query_as("select colour, count(*) from task group by colour")
            .fetch_all(p)
            .await
    });
    match rows {
        Ok(r) => Json(r).into_response(),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct Org {
    org: i64,
}

async fn tally(State(db): State<Db>, Query(q): Query<Org>) -> Response {
    // The kept tally the figures and the battle map start from, read for one key: the
    // floor under every figures request, which adds outcomes, people and the rest.
    let sql = "select status, colour, sum(n), sum(missing) from task_tally
        where org_id = $1 group by status, colour";
    let rows: Result<Vec<(String, String, i64, i64)>, _> = on!(&db, |p| {
        sqlx::query_as(sql).bind(q.org).fetch_all(p).await
    });
    match rows {
        Ok(r) => Json(r).into_response(),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct Report {
    percent: i64,
    done: String,
}

async fn report(State(db): State<Db>, Path(id): Path<i64>, Json(r): Json<Report>) -> Response {
    let today = chrono::Utc::now().date_naive();
    let now = chrono::Utc::now();
    let insert =
        "insert into progress_report (task_id, reported_on, percent, done, author_id, created_at)
        values ($1, $2, $3, $4, 1, $5)";
    let update = "update task set progress = $1, last_report_on = $2 where id = $3";
    // The same two statements in either engine's transaction.
    macro_rules! record {
        ($begin:expr) => {
            async {
                let mut tx = $begin.await?;
                sqlx::query(insert)
                    .bind(id)
                    .bind(today)
                    .bind(r.percent)
                    .bind(&r.done)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(update)
                    .bind(r.percent)
                    .bind(today)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            }
            .await
        };
    }
    let result: Result<(), sqlx::Error> = match &db {
        Db::Sqlite(pool, turn) => {
            let _turn = turn.lock().await;
            record!(pool.begin_with("begin immediate"))
        }
        Db::Postgres(pool) => record!(pool.begin()),
    };
    match result {
        Ok(()) => StatusCode::CREATED.into_response(),
        Err(e) => failed(e),
    }
}

#[derive(Serialize, sqlx::FromRow)]
struct Order {
    id: i64,
    number: String,
    level: String,
    state: String,
    answer_due: NaiveDate,
    record_id: i64,
    title: Option<String>,
    issuer: String,
}

async fn orders(State(db): State<Db>, Query(q): Query<Org>) -> Response {
    // The read under qiaolian's orders to answer: the organization's orders by the
    // (responsible_org_id, state) index, with names, in the list's order.
    let sql = "select o.id, o.number, o.level, o.state, o.answer_due, o.record_id, t.title, i.name as issuer
        from supervision_order o join org i on i.id = o.issuer_org_id
        left join task t on o.record_kind = 'task' and t.id = o.record_id
        where o.responsible_org_id = $1
        order by case o.state when 'open' then 0 when 'answered' then 1 else 2 end, o.answer_due, o.id desc
        limit 50";
    let rows: Result<Vec<Order>, _> = on!(&db, |p| {
        sqlx::query_as(sql).bind(q.org).fetch_all(p).await
    });
    match rows {
        Ok(r) => Json(r).into_response(),
        Err(e) => failed(e),
    }
}

async fn connect(url: &str) -> Result<Db, sqlx::Error> {
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Db::Sqlite(pool, Arc::default()))
    } else {
        Ok(Db::Postgres(
            PgPoolOptions::new()
                .max_connections(16)
                .connect(url)
                .await?,
        ))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(listen)) = (args.next(), args.next()) else {
        return Err("usage: ceiling <database-url> <listen address>".into());
    };
    let db = connect(&url).await?;
    let app = Router::new()
        .route("/task/{id}", get(task))
        .route("/tasks", get(tasks))
        .route("/counts", get(counts))
        .route("/tally", get(tally))
        .route("/tasks/{id}/reports", post(report))
        .route("/orders", get(orders))
        .with_state(db);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("ceiling listening on {listen}");
    axum::serve(listener, app).await?;
    Ok(())
}
