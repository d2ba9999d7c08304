//! The job table: queued once by key, leased to one server at a time, taken over when
//! a server's lease runs out, finished only by the latest lease, retried with
//! back-off, and shown in `/metrics`.

use std::collections::BTreeSet;
use std::time::Duration;

use qiaolian_core::Db;
use qiaolian_core::job::{self, Leased};
use qiaolian_core::sql::Sql;
use serde_json::json;

use crate::harness::{TestApp, both};

both!(
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
                    let leased = job::lease(&db, &name, 5, Duration::from_secs(60))
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
    let first = job::lease(&app.db, "a", 10, lease).await.expect("lease");
    assert_eq!(first.len(), 1);
    // Server a stops here. Until its lease ends, no one else takes the job.
    assert!(
        job::lease(&app.db, "b", 10, lease)
            .await
            .expect("lease")
            .is_empty()
    );
    tokio::time::sleep(lease + Duration::from_millis(300)).await;
    let second = job::lease(&app.db, "b", 10, lease).await.expect("lease");
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
        job::lease(&app.db, "a", 10, lease)
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
    let j = job::lease(&app.db, "a", 1, lease)
        .await
        .expect("lease")
        .remove(0);
    job::fail(&app.db, &j, "errcode 310000: sign mismatch")
        .await
        .expect("fail");
    let (state, attempts, leased_by) = state_of(&app.db, &j.key).await;
    assert_eq!((state.as_str(), attempts, leased_by), ("queued", 1, None));
    assert!(
        job::lease(&app.db, "a", 1, lease)
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
    let last = job::lease(&app.db, "b", 1, lease)
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
        job::lease(&app.db, "b", 1, lease)
            .await
            .expect("lease")
            .is_empty()
    );
}

async fn queued_jobs_show_in_the_metrics(app: TestApp) {
    queue(&app.db, "remind", (0..3).map(|i| format!("remind:{i}"))).await;
    let leased = job::lease(&app.db, "a", 1, Duration::from_secs(60))
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
