//! The job table: queued once by key, leased to one server at a time, taken over when
//! a server's lease runs out, finished only by the latest lease, retried with
//! back-off, and shown in `/metrics`; the deadline reminders it runs.

use std::collections::BTreeSet;
use std::time::Duration;

use qiaolian_core::Db;
use qiaolian_core::job::{self, Leased};
use qiaolian_core::sql::Sql;
use serde_json::json;

use crate::harness::{TestApp, both};

/// The kinds these tests queue.
const KINDS: &[&str] = &["remind", "digest", "deliver"];

both!(
    a_deadline_is_reminded_once_to_each_working_account_of_its_lead,
    two_servers_with_workers_each_finish_every_job_exactly_once,
    a_job_whose_server_stopped_is_taken_over_when_its_lease_ends,
    a_failed_job_waits_and_is_given_up_after_its_attempts,
    queued_jobs_show_in_the_metrics,
);

async fn queue(db: &Db, kind: &str, keys: impl IntoIterator<Item = String>) -> usize {
    let mut tx = db.write().await.expect("write");
    let mut queued = 0;
    for key in keys {
        let payload = json!({"key": key});
        if job::enqueue(&mut tx, kind, &key, &payload, qiaolian_core::now())
            .await
            .expect("enqueue")
        {
            queued += 1;
        }
    }
    tx.commit().await.expect("commit");
    queued
}

/// Finishes a leased job in a transaction of its own; whether this lease finished it.
async fn finish(db: &Db, j: &Leased) -> bool {
    let mut tx = db.write().await.expect("write");
    let done = job::finish(&mut tx, j).await.expect("finish");
    if done {
        tx.commit().await.expect("commit");
    }
    done
}

async fn state_of(db: &Db, key: &str) -> (String, i64, Option<String>) {
    let mut tx = db.read().await.expect("read");
    let mut q = Sql::new("select state, attempts, leased_by from job where key = ");
    q.bind(key).all(&mut tx).await.expect("job").remove(0)
}

async fn two_servers_with_workers_each_finish_every_job_exactly_once(app: TestApp) {
    let keys: Vec<String> = (0..300)
        .map(|i| format!("remind:task:{i}:2026-12-07"))
        .collect();
    assert_eq!(queue(&app.db, "remind", keys.clone()).await, 300);
    // Queued again, from another server: nothing new.
    let other = Db::connect(&app.url).await.expect("connect");
    assert_eq!(queue(&other, "remind", keys.clone()).await, 0);

    // Four workers on each of two servers, each leasing five at a time until none is left.
    let mut workers = Vec::new();
    for (server, db) in [("a", app.db.clone()), ("b", other.clone())] {
        for w in 0..4 {
            let db = db.clone();
            let name = format!("{server}{w}");
            workers.push(tokio::spawn(async move {
                let mut finished = Vec::new();
                loop {
                    let leased = job::lease(&db, &name, &["remind"], 5, Duration::from_secs(60))
                        .await
                        .expect("lease");
                    if leased.is_empty() {
                        return finished;
                    }
                    for j in &leased {
                        assert_eq!(j.leased_by, name);
                        assert_eq!(j.attempts, 1, "no job leased twice: {j:?}");
                        if finish(&db, j).await {
                            finished.push(j.key.clone());
                        }
                    }
                }
            }));
        }
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    let distinct: BTreeSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 300, "every job finished once");
    assert_eq!(distinct.len(), 300);
    let mut tx = app.db.read().await.expect("read");
    let left: i64 = Sql::new("select count(*) from job where state <> 'done'")
        .scalar(&mut tx)
        .await
        .expect("count");
    assert_eq!(left, 0);
}

async fn a_job_whose_server_stopped_is_taken_over_when_its_lease_ends(app: TestApp) {
    queue(&app.db, "digest", ["digest:2026-12-07".to_owned()]).await;
    let lease = Duration::from_secs(2);
    let first = job::lease(&app.db, "a", KINDS, 10, lease)
        .await
        .expect("lease");
    assert_eq!(first.len(), 1);
    // Server a stops here. Until its lease ends, no one else takes the job.
    assert!(
        job::lease(&app.db, "b", KINDS, 10, lease)
            .await
            .expect("lease")
            .is_empty()
    );
    tokio::time::sleep(lease + Duration::from_millis(300)).await;
    let second = job::lease(&app.db, "b", KINDS, 10, lease)
        .await
        .expect("lease");
    assert_eq!(second.len(), 1, "taken over");
    assert_eq!((second[0].leased_by.as_str(), second[0].attempts), ("b", 2));
    // Server a wakes up late: its work is not kept, b's is.
    assert!(!finish(&app.db, &first[0]).await, "a lost its lease");
    assert!(finish(&app.db, &second[0]).await);
    assert_eq!(
        state_of(&app.db, "digest:2026-12-07").await,
        ("done".to_owned(), 2, Some("b".to_owned()))
    );
    // A finished job is never leased again, nor queued again under its key.
    assert!(
        job::lease(&app.db, "a", KINDS, 10, lease)
            .await
            .expect("lease")
            .is_empty()
    );
    assert_eq!(
        queue(&app.db, "digest", ["digest:2026-12-07".to_owned()]).await,
        0
    );
}

async fn a_failed_job_waits_and_is_given_up_after_its_attempts(app: TestApp) {
    queue(&app.db, "deliver", ["deliver:robot:1:msg:1".to_owned()]).await;
    let lease = Duration::from_secs(60);
    let j = job::lease(&app.db, "a", KINDS, 1, lease)
        .await
        .expect("lease")
        .remove(0);
    job::fail(&app.db, &j, "errcode 310000: sign mismatch")
        .await
        .expect("fail");
    let (state, attempts, leased_by) = state_of(&app.db, &j.key).await;
    assert_eq!((state.as_str(), attempts, leased_by), ("queued", 1, None));
    assert!(
        job::lease(&app.db, "a", KINDS, 1, lease)
            .await
            .expect("lease")
            .is_empty(),
        "not before its back-off"
    );
    let states = job::states(&app.db).await.expect("states");
    assert_eq!(states.len(), 1);
    assert_eq!((states[0].due, states[0].waiting), (0, 1), "{states:?}");

    // Its last attempt: due again now, after nine failures.
    let mut tx = app.db.write().await.expect("write");
    let mut q = Sql::new("update job set run_at = ");
    q.bind(qiaolian_core::now())
        .push(", attempts = ")
        .bind(job::MAX_ATTEMPTS - 1)
        .push(" where key = ")
        .bind(j.key.as_str());
    q.execute(&mut tx).await.expect("age");
    tx.commit().await.expect("commit");
    let last = job::lease(&app.db, "b", KINDS, 1, lease)
        .await
        .expect("lease")
        .remove(0);
    assert_eq!(last.attempts, job::MAX_ATTEMPTS);
    // The stale lease of the first attempt changes nothing.
    job::fail(&app.db, &j, "late").await.expect("fail");
    job::fail(&app.db, &last, "errcode 310000: sign mismatch")
        .await
        .expect("fail");
    let (state, ..) = state_of(&app.db, &j.key).await;
    assert_eq!(state, "failed");
    let mut tx = app.db.read().await.expect("read");
    let mut q = Sql::new("select last_error from job where key = ");
    let error: String = q.bind(j.key.as_str()).scalar(&mut tx).await.expect("error");
    assert_eq!(error, "errcode 310000: sign mismatch");
    assert!(
        job::lease(&app.db, "b", KINDS, 1, lease)
            .await
            .expect("lease")
            .is_empty()
    );

    // The administrator sees it among the failed jobs, with its error, and queues it
    // again; a coordinator may not see the page.
    let admin = app.sign_in("admin", crate::harness::ADMIN_PASSWORD).await;
    let users = crate::harness::page(&admin, &app.url("/users")).await;
    assert_eq!(
        crate::harness::select_text(&users, "#jobs-link"),
        vec!["后台任务"]
    );
    let doc = crate::harness::page(&admin, &app.url("/jobs?state=failed")).await;
    let row = crate::harness::select_text(&doc, "#jobs tbody tr").join(" ");
    assert!(
        row.contains(&j.key) && row.contains("errcode 310000"),
        "{row}"
    );
    let kinds = crate::harness::select_text(&doc, "#job-kinds tbody tr").join(" ");
    assert!(kinds.contains("deliver"), "{kinds}");
    let csrf = crate::harness::csrf_of(&admin, &app.url("/jobs?state=failed")).await;
    let retry = format!("/jobs/{}/retry", j.id);
    let forged = admin
        .post(app.url(&retry))
        .form(&[("_csrf", "x")])
        .send()
        .await
        .expect("send");
    assert_eq!(forged.status(), reqwest::StatusCode::FORBIDDEN);
    let sent = admin
        .post(app.url(&retry))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .expect("send");
    assert_eq!(sent.status(), reqwest::StatusCode::SEE_OTHER);
    assert_eq!(
        state_of(&app.db, &j.key).await,
        ("queued".to_owned(), 0, None)
    );
    let again = admin
        .post(app.url(&retry))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .expect("send");
    assert_eq!(
        again.status(),
        reqwest::StatusCode::NOT_FOUND,
        "only a failed job is queued again"
    );
    let doc = crate::harness::page(&admin, &app.url("/jobs")).await;
    assert!(
        crate::harness::select_text(&doc, "#jobs tbody tr")
            .join(" ")
            .contains(&j.key)
    );
    let mut tx = app.db.read().await.expect("read");
    let org: String = Sql::new("select name from org order by id limit 1")
        .scalar(&mut tx)
        .await
        .expect("org");
    drop(tx);
    app.user("org-admin", &org, "org_admin").await;
    let org_admin = app
        .sign_in("org-admin", &crate::harness::password_of("org-admin"))
        .await;
    let refused = org_admin.get(app.url("/jobs")).send().await.expect("send");
    assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);
    let token = crate::harness::csrf_of(&org_admin, &app.url("/account")).await;
    let refused = org_admin
        .post(app.url(&retry))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);
    let users = crate::harness::page(&org_admin, &app.url("/users")).await;
    assert!(crate::harness::select_text(&users, "#jobs-link").is_empty());
}

async fn queued_jobs_show_in_the_metrics(app: TestApp) {
    queue(&app.db, "remind", (0..3).map(|i| format!("remind:{i}"))).await;
    let leased = job::lease(&app.db, "a", KINDS, 1, Duration::from_secs(60))
        .await
        .expect("lease");
    assert_eq!(leased.len(), 1);
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    for line in [
        "qiaolian_jobs{kind=\"remind\",state=\"due\"} 2",
        "qiaolian_jobs{kind=\"remind\",state=\"running\"} 1",
        "qiaolian_jobs{kind=\"remind\",state=\"failed\"} 0",
    ] {
        assert!(metrics.contains(line), "{line} in {metrics}");
    }
    assert!(metrics.contains("qiaolian_job_lag_seconds{kind=\"remind\"}"));
}

async fn a_deadline_is_reminded_once_to_each_working_account_of_its_lead(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    // The demo's busiest deadline among tasks in work, and one of those tasks' lead.
    let mut tx = app.db.read().await.expect("read");
    let working = "t.status in ('assigned', 'accepted', 'in_progress')";
    let (deadline, lead): (chrono::NaiveDate, String) = Sql::new(&format!(
        "select t.deadline, o.name from task t join org o on o.id = t.lead_org_id
         where {working} and t.deadline > '2020-01-01'
         group by t.deadline, o.name order by count(*) desc, t.deadline limit 1"
    ))
    .all(&mut tx)
    .await
    .expect("deadline")
    .remove(0);
    drop(tx);
    app.user("lead-coord", &lead, "coordinator").await;
    app.user("lead-coord2", &lead, "coordinator").await;
    app.user("lead-viewer", &lead, "viewer").await;
    let day = deadline - chrono::Duration::days(3);

    // Two servers queue the day and run what is due at once: one job, run once.
    let other = Db::connect(&app.url).await.expect("connect");
    qiaolian_core::task::remind::queue(&app.db, day)
        .await
        .expect("queue");
    qiaolian_core::task::remind::queue(&other, day)
        .await
        .expect("queue");
    // (The demo's own jobs, an order going up a level, may run beside it.)
    let (a, b) = tokio::join!(job::run_due(&app.db, "a"), job::run_due(&other, "b"));
    assert!(a.expect("run") + b.expect("run") >= 1);

    let mut tx = app.db.read().await.expect("read");
    let expected: i64 = Sql::new(&format!(
        "select count(*) from task t join account a on a.org_id = t.lead_org_id
         where {working} and a.active and a.role <> 'viewer' and t.deadline = "
    ))
    .bind(deadline)
    .scalar(&mut tx)
    .await
    .expect("expected");
    let sent: Vec<(String, i64, String)> = Sql::new(
        "select a.login, n.record_id, n.params from notification n join account a on a.id = n.account_id
         where n.kind = 'deadline' and n.record_kind = 'task' order by a.login, n.record_id",
    )
    .all(&mut tx)
    .await
    .expect("sent");
    assert!(expected > 0);
    assert_eq!(sent.len() as i64, expected, "{sent:?}");
    assert!(sent.iter().any(|(login, ..)| login == "lead-coord"));
    assert!(
        sent.iter().all(|(login, ..)| login != "lead-viewer"),
        "viewers are not reminded"
    );
    let params: serde_json::Value = serde_json::from_str(&sent[0].2).expect("json");
    assert_eq!(params, json!({"deadline": deadline.to_string(), "days": 3}));
    drop(tx);

    // The same day's reminders run again (a second job): nothing is sent twice.
    let mut tx = app.db.write().await.expect("write");
    job::enqueue(
        &mut tx,
        "remind",
        &format!("remind:{day}:again"),
        &json!({"day": day}),
        qiaolian_core::now(),
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    assert_eq!(job::run_due(&other, "b").await.expect("run"), 1);
    let mut tx = app.db.read().await.expect("read");
    let total: i64 = Sql::new("select count(*) from notification where kind = 'deadline'")
        .scalar(&mut tx)
        .await
        .expect("count");
    assert_eq!(total, expected);
    let states: Vec<(String, i64)> =
        Sql::new("select state, attempts from job where kind = 'remind' order by id")
            .all(&mut tx)
            .await
            .expect("jobs");
    assert_eq!(states, vec![("done".to_owned(), 1), ("done".to_owned(), 1)]);
    drop(tx);

    // The coordinator's inbox page: the badge, the reminders in Chinese, one opened.
    let mine = sent
        .iter()
        .filter(|(login, ..)| login == "lead-coord")
        .count();
    let c = app
        .sign_in("lead-coord", &crate::harness::password_of("lead-coord"))
        .await;
    let home = crate::harness::page(&c, &app.url("/")).await;
    assert_eq!(
        crate::harness::select_text(&home, "#unread-count"),
        vec![mine.to_string()]
    );
    let doc = crate::harness::page(&c, &app.url("/notifications?unread=1")).await;
    let texts = crate::harness::select_text(&doc, "#notifications button");
    assert_eq!(texts.len(), mine, "{texts:?}");
    // Its days are counted from the day it is read.
    let left = (deadline - qiaolian_core::settings::today()).num_days();
    let expected = match left {
        1.. => format!("将于 {deadline} 到期，还剩 {left} 天"),
        0 => format!("今天（{deadline}）到期"),
        _ => format!("的期限 {deadline} 已过 {} 天", -left),
    };
    assert!(
        texts.iter().all(|t| t.contains(&expected)),
        "{expected} in {texts:?}"
    );
    let form = scraper::Selector::parse("#notifications form").expect("selector");
    let action = doc
        .select(&form)
        .next()
        .and_then(|f| f.value().attr("action"))
        .expect("a message opens")
        .to_owned();
    let csrf = crate::harness::csrf_of(&c, &app.url("/notifications")).await;
    let opened = c
        .post(app.url(&action))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .expect("send");
    assert_eq!(opened.status(), reqwest::StatusCode::SEE_OTHER);
    let to = opened.headers()["location"].to_str().expect("location");
    assert!(to.starts_with("/tasks/"), "{to}");
    let forged = c
        .post(app.url(&action))
        .form(&[("_csrf", "x")])
        .send()
        .await
        .expect("send");
    assert_eq!(
        forged.status(),
        reqwest::StatusCode::FORBIDDEN,
        "the form needs its token"
    );
    let doc = crate::harness::page(&c, &app.url("/notifications?unread=1")).await;
    assert_eq!(
        crate::harness::select_text(&doc, "#notifications button").len(),
        mine - 1
    );

    // Another coordinator's inbox through the API: unread until marked.
    let api = app.api_of("lead-coord2").await;
    let mine = sent
        .iter()
        .filter(|(login, ..)| login == "lead-coord")
        .count() as i64;
    let (status, unread) = api.get("/api/v1/notifications/unread").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{unread}");
    assert_eq!(unread["unread"], mine);
    let (_, list) = api
        .get("/api/v1/notifications?unread=true&per_page=500")
        .await;
    assert_eq!(list["total"], mine);
    let first = &list["items"][0];
    assert_eq!(first["kind"], "deadline");
    assert_eq!(first["record_kind"], "task");
    assert!(
        first["record_title"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{first}"
    );
    assert!(first["read_at"].is_null());
    let id = first["id"].as_i64().expect("id");
    // Another person's messages are not theirs to mark; nor is an empty list a request.
    let (_, others) = app
        .admin_api()
        .await
        .post("/api/v1/notifications/read", json!({"ids": [id]}))
        .await;
    assert_eq!(others["marked"], 0);
    let (status, refused) = api
        .post("/api/v1/notifications/read", json!({"ids": []}))
        .await;
    assert_eq!(
        status,
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        "{refused}"
    );
    assert_eq!(
        refused["error"]["fields"]["ids"]["message"],
        "一次可标记 1 至 500 条消息"
    );
    let (_, marked) = api
        .post("/api/v1/notifications/read", json!({"ids": [id]}))
        .await;
    assert_eq!(marked["marked"], 1);
    let (_, unread) = api.get("/api/v1/notifications/unread").await;
    assert_eq!(unread["unread"], mine - 1);
    let (_, marked) = api.post("/api/v1/notifications/read", json!({})).await;
    assert_eq!(marked["marked"], mine - 1);
    let (_, unread) = api.get("/api/v1/notifications/unread").await;
    assert_eq!(unread["unread"], 0);
    let (_, list) = api.get("/api/v1/notifications").await;
    assert_eq!(list["total"], mine, "read messages stay in the inbox");
}

/// A `qiaolian serve` process on the test's database, its log kept in a file.
struct Serve {
    child: std::process::Child,
    log: std::path::PathBuf,
}

impl Serve {
    fn start(url: &str, name: &str) -> Serve {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let log = std::env::temp_dir().join(format!("qiaolian-{name}-{}.log", std::process::id()));
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_qiaolian"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("QIAOLIAN_DATABASE_URL", url)
            .env("QIAOLIAN_LOG", "info,sqlx=warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("run qiaolian");
        Serve { child, log }
    }

    /// Jobs run by this process are leased under a name that begins with its pid.
    fn prefix(&self) -> String {
        format!("{}-", self.child.id())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Waits up to a minute for `cond`, reading the database every 100 ms.
async fn until<F, Fut>(what: &str, servers: &[&Serve], mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..600 {
        if cond().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logs: Vec<String> = servers.iter().map(|s| s.log()).collect();
    panic!(
        "{what} did not happen within a minute; server logs:\n{}",
        logs.join("\n----\n")
    );
}

/// Who holds the queued `remind` jobs: (leased_by, count) of those leased.
async fn holders(db: &Db) -> Vec<(String, i64)> {
    let mut tx = db.read().await.expect("read");
    Sql::new(
        "select leased_by, count(*) from job
         where kind = 'remind' and state = 'queued' and leased_by is not null
         group by leased_by order by leased_by",
    )
    .all(&mut tx)
    .await
    .expect("holders")
}

/// Two real servers share the reminders of forty days on one PostgreSQL database; one
/// is killed while its jobs' messages are being written. Every reminder is sent exactly
/// once: none twice, none lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_serve_processes_send_every_reminder_once_though_one_is_killed_mid_job() {
    // The small generated data set: hundreds of working tasks with their own deadlines.
    let fill = crate::bench_data::generate;
    crate::harness::run_on(crate::harness::Backend::Postgres, fill, |app| async move {
        let working = "t.status in ('assigned', 'accepted', 'in_progress')";
        // A coordinator in each organization leading working tasks.
        let mut tx = app.db.read().await.expect("read");
        let leads: Vec<(i64,)> = Sql::new(&format!(
            "select distinct t.lead_org_id from task t where {working} order by 1 limit 100"
        ))
        .all(&mut tx)
        .await
        .expect("leads");
        drop(tx);
        for (i, (lead,)) in leads.iter().enumerate() {
            let login = format!("lead-{i}");
            qiaolian_core::account::create(
                &app.db,
                None,
                &qiaolian_core::account::NewAccount {
                    login: login.clone(),
                    display_name: login.clone(),
                    org_id: Some(qiaolian_core::org::OrgId(*lead)),
                    role: "coordinator".into(),
                    password: crate::harness::password_of(&login),
                },
            )
            .await
            .expect("account");
        }
        // The generated set's own jobs (a year of done reminders, escalations) are not
        // this test's.
        let mut tx = app.db.write().await.expect("write");
        Sql::new("delete from job")
            .execute(&mut tx)
            .await
            .expect("clear");
        tx.commit().await.expect("commit");
        // Forty days, each reminding of some of their tasks.
        let mut tx = app.db.read().await.expect("read");
        let deadlines: Vec<(chrono::NaiveDate,)> = Sql::new(&format!(
            "select distinct t.deadline from task t join account a on a.org_id = t.lead_org_id
             where {working} and a.login like 'lead-%' order by t.deadline limit 40"
        ))
        .all(&mut tx)
        .await
        .expect("deadlines");
        drop(tx);
        // More days than two batches: b leases again while a's wait out its lease.
        assert!(deadlines.len() >= 24, "{deadlines:?}");
        let mut tx = app.db.write().await.expect("write");
        for (deadline,) in &deadlines {
            let day = *deadline - chrono::Duration::days(3);
            job::enqueue(
                &mut tx,
                "remind",
                &format!("remind:{day}"),
                &json!({"day": day}),
                qiaolian_core::now(),
            )
            .await
            .expect("enqueue");
        }
        tx.commit().await.expect("commit");

        // Messages cannot be written while the test holds this lock: each server leases a
        // batch and waits inside its first job's transaction.
        let mut lock = app.db.write().await.expect("write");
        Sql::new("lock table notification in share mode")
            .execute(&mut lock)
            .await
            .expect("lock");
        let a = Serve::start(&app.url, "a");
        let b = Serve::start(&app.url, "b");
        let (pa, pb) = (a.prefix(), b.prefix());
        until("both servers leasing", &[&a, &b], || async {
            let h = holders(&app.db).await;
            h.iter().any(|(s, _)| s.starts_with(&pa)) && h.iter().any(|(s, _)| s.starts_with(&pb))
        })
        .await;
        let mut a = a;
        a.child.kill().expect("kill -9");
        a.child.wait().expect("wait");
        let held_by_a: i64 = holders(&app.db)
            .await
            .iter()
            .filter(|(s, _)| s.starts_with(&pa))
            .map(|(_, n)| n)
            .sum();
        assert!(held_by_a > 0);
        lock.commit().await.expect("unlock");

        // b finishes its own jobs and every other but a's, which wait out a's lease.
        until("b done with all but a's", &[&b], || async {
            let mut tx = app.db.read().await.expect("read");
            let left: i64 = Sql::new("select count(*) from job where state <> 'done'")
                .scalar(&mut tx)
                .await
                .expect("count");
            left == held_by_a
        })
        .await;
        // The lease runs out (five minutes, shortened here).
        let mut tx = app.db.write().await.expect("write");
        let mut q = Sql::new("update job set run_at = ");
        q.bind(qiaolian_core::now())
            .push(" where state = 'queued' and leased_by like ")
            .bind(format!("{pa}%"));
        assert_eq!(q.execute(&mut tx).await.expect("expire"), held_by_a as u64);
        tx.commit().await.expect("commit");
        until("every job done", &[&b], || async {
            let mut tx = app.db.read().await.expect("read");
            let left: i64 = Sql::new("select count(*) from job where state <> 'done'")
                .scalar(&mut tx)
                .await
                .expect("count");
            left == 0
        })
        .await;

        let mut tx = app.db.read().await.expect("read");
        // a's jobs were taken over: b finished them on their second attempt.
        let taken: Vec<(String, i64)> =
            Sql::new("select leased_by, attempts from job where kind = 'remind' and attempts > 1")
                .all(&mut tx)
                .await
                .expect("taken");
        assert_eq!(taken.len() as i64, held_by_a, "{taken:?}");
        assert!(
            taken.iter().all(|(s, n)| s.starts_with(&pb) && *n == 2),
            "{taken:?}"
        );
        // Every message expected of the days run (and of today, which each server
        // queues itself), and no other.
        let days: Vec<(String,)> = Sql::new("select payload from job where kind = 'remind'")
            .all(&mut tx)
            .await
            .expect("days");
        let deadlines: Vec<String> = days
            .iter()
            .map(|(p,)| {
                let day: chrono::NaiveDate = serde_json::from_str::<serde_json::Value>(p)
                    .expect("payload")["day"]
                    .as_str()
                    .expect("day")
                    .parse()
                    .expect("date");
                (day + chrono::Duration::days(3)).to_string()
            })
            .collect();
        let mut q = Sql::new(&format!(
            "select a.id, t.id from task t join account a on a.org_id = t.lead_org_id
             where {working} and a.active and a.role <> 'viewer' and cast(t.deadline as text) in "
        ));
        q.bind_list(deadlines.iter().map(String::as_str))
            .push(" order by 1, 2");
        let expected: Vec<(i64, i64)> = q.all(&mut tx).await.expect("expected");
        let sent: Vec<(i64, i64)> = Sql::new(
            "select account_id, record_id from notification where kind = 'deadline' order by 1, 2",
        )
        .all(&mut tx)
        .await
        .expect("sent");
        assert!(expected.len() >= 24, "{expected:?}");
        assert_eq!(sent, expected);
    })
    .await;
}
