//! Work done once by whichever server takes it first (reminders, escalations, digests,
//! bulletins, robot deliveries): one `job` table with leases, shared by every
//! `qiaolian serve` on a database.
//!
//! A server leases due jobs in one write (`for update skip locked` on PostgreSQL, so
//! two servers never take the same job; SQLite's writes are one at a time anyway) by
//! moving each job's `run_at` to the end of the lease and naming itself. A server that
//! dies holding a job leaves it to be taken again when that time passes. Only the
//! latest lease — the server and the attempt it counted — can finish a job, and it
//! finishes it in the transaction that did the job's work: a server that lost its lease
//! (it stalled past the end) rolls its work back, so work kept in the database is done
//! exactly once. Our own table rather than a queue crate: those bring their own sqlx
//! and schema, and the jobs must commit in our transactions.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::sql::Sql;

/// Attempts before a job is marked failed: with the back-off below, about 20 hours, so
/// a robot's service down for a night is caught up in the morning.
pub const MAX_ATTEMPTS: i64 = 12;
/// The first wait after a failure, doubling per attempt up to [`RETRY_CAP`].
const RETRY_FIRST: Duration = Duration::from_secs(60);
const RETRY_CAP: Duration = Duration::from_secs(6 * 3600);
/// The longest key and payload a job may have: jobs are queued by the server's own
/// code, so a longer one is a bug to refuse, not data to store.
const MAX_KEY: usize = 200;
const MAX_PAYLOAD: usize = 64 * 1024;

/// A job leased to this server: what to do, and the lease that lets it finish.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Leased {
    pub id: i64,
    pub kind: String,
    pub key: String,
    pub payload: String,
    /// The attempt this lease counts (1 for the first); with the server, the lease.
    pub attempts: i64,
    pub leased_by: String,
}

/// Queues a job to run from `run_at` unless one with the same key exists, in whatever
/// state: returns whether this call queued it.
pub async fn enqueue(
    tx: &mut Tx,
    kind: &str,
    key: &str,
    payload: &serde_json::Value,
    run_at: DateTime<Utc>,
) -> Result<bool> {
    let payload = payload.to_string();
    if key.is_empty() || key.len() > MAX_KEY || payload.len() > MAX_PAYLOAD {
        return Err(Error::Other(format!(
            "job {kind}: key of {} bytes, payload of {} bytes",
            key.len(),
            payload.len()
        )));
    }
    let mut q = Sql::new(
        "insert into job (kind, key, payload, state, run_at, attempts, created_at) values (",
    );
    q.bind(kind)
        .push(", ")
        .bind(key)
        .push(", ")
        .bind(payload)
        .push(", 'queued', ")
        .bind(run_at)
        .push(", 0, ")
        .bind(crate::now())
        .push(") on conflict (key) do nothing");
    Ok(q.execute(tx).await? == 1)
}

/// Leases up to `n` jobs of these kinds due now to `server` for `lease`, oldest due
/// first.
pub async fn lease(
    db: &Db,
    server: &str,
    kinds: &[&str],
    n: i64,
    lease: Duration,
) -> Result<Vec<Leased>> {
    let now = crate::now();
    let until = now + span(lease);
    let mut tx = db.write().await?;
    let mut q = Sql::new("update job set run_at = ");
    q.bind(until)
        .push(", leased_by = ")
        .bind(server)
        .push(
            ", attempts = attempts + 1
             where id in (select id from job where state = 'queued' and run_at <= ",
        )
        .bind(now)
        .push(" and kind in ")
        .bind_list(kinds.iter().copied())
        .push(" order by run_at, id limit ")
        .bind(n);
    if tx.engine() == crate::Engine::Postgres {
        q.push(" for update skip locked");
    }
    q.push(") returning id, kind, key, payload, attempts, leased_by");
    let mut leased: Vec<Leased> = q.all(&mut tx).await?;
    tx.commit().await?;
    leased.sort_by_key(|j| j.id);
    Ok(leased)
}

/// The kinds this server runs. A job of another kind (queued by a newer server during a
/// rolling upgrade) is left to a server that knows it.
pub const KINDS: &[&str] = &[crate::task::remind::KIND, crate::order::ESCALATE];
/// Jobs leased at once, and for how long: a batch must be done well within the lease.
const BATCH: i64 = 10;
const LEASE: Duration = Duration::from_secs(300);
/// How often an idle server looks for due jobs (a read; it leases only when one is due).
const POLL: Duration = Duration::from_secs(2);

/// Does one job's work; the kind's function finishes it in its own transaction.
async fn run(db: &Db, job: &Leased) -> Result<()> {
    match job.kind.as_str() {
        crate::task::remind::KIND => {
            let sent = crate::task::remind::send(db, job).await?;
            tracing::info!(job = job.id, key = %job.key, sent, "deadline reminders sent");
            Ok(())
        }
        crate::order::ESCALATE => {
            let up = crate::order::escalate(db, job).await?;
            tracing::info!(job = job.id, key = %job.key, up, "unanswered order looked at");
            Ok(())
        }
        other => Err(Error::Other(format!("no job of kind {other} runs here"))),
    }
}

/// Leases the due jobs of [`KINDS`] (after a read finds one, so an idle server does not
/// write) and runs them; a failure is recorded on its job. Returns the jobs run.
pub async fn run_due(db: &Db, server: &str) -> Result<usize> {
    let mut tx = db.read().await?;
    let mut q = Sql::new("select id from job where state = 'queued' and run_at <= ");
    q.bind(crate::now())
        .push(" and kind in ")
        .bind_list(KINDS.iter().copied())
        .push(" limit 1");
    let due: Option<(i64,)> = q.optional(&mut tx).await?;
    drop(tx);
    if due.is_none() {
        return Ok(0);
    }
    let jobs = lease(db, server, KINDS, BATCH, LEASE).await?;
    for job in &jobs {
        if let Err(e) = run(db, job).await {
            tracing::warn!(job = job.id, key = %job.key, attempt = job.attempts, error = %e, "job failed");
            fail(db, job, &e.to_string()).await?;
        }
    }
    Ok(jobs.len())
}

/// Runs jobs until the process ends, queuing each day's reminders once it begins;
/// spawn it once per server.
pub async fn work(db: Db) {
    let server = format!("{}-{}", std::process::id(), crate::now().timestamp_micros());
    let mut queued_for = None;
    loop {
        let today = crate::settings::today();
        if queued_for != Some(today) {
            match crate::task::remind::queue(&db, today).await {
                Ok(()) => queued_for = Some(today),
                Err(e) => tracing::warn!(error = %e, "cannot queue today's reminders"),
            }
        }
        match run_due(&db, &server).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "cannot run due jobs"),
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The lease as a condition: this job, still queued, last leased by this server for
/// this attempt.
fn held(job: &Leased) -> Sql {
    let mut q = Sql::new("id = ");
    q.bind(job.id)
        .push(" and state = 'queued' and leased_by = ")
        .bind(job.leased_by.as_str())
        .push(" and attempts = ")
        .bind(job.attempts);
    q
}

/// Marks a leased job done inside the transaction that did its work. `Ok(false)` when
/// the lease was lost (another server took the job over): the caller must then drop
/// the transaction, so the work is not kept twice.
pub async fn finish(tx: &mut Tx, job: &Leased) -> Result<bool> {
    let mut q = Sql::new("update job set state = 'done', last_error = null, finished_at = ");
    q.bind(crate::now()).push(" where ").append(&held(job));
    Ok(q.execute(tx).await? == 1)
}

/// A wait as a span of the calendar; the waits here are minutes to hours, and one too
/// long to add to a date (which would panic) is held to a day.
fn span(wait: Duration) -> chrono::Duration {
    chrono::Duration::from_std(wait)
        .ok()
        .filter(|d| *d <= chrono::Duration::days(1))
        .unwrap_or(chrono::Duration::days(1))
}

/// How long after failed attempt `attempts` a job is tried again.
pub fn retry_after(attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    RETRY_FIRST
        .saturating_mul(2_u32.saturating_pow(doublings))
        .min(RETRY_CAP)
}

/// Records a failed attempt of a job this server holds: tried again after
/// [`retry_after`], or marked failed after [`MAX_ATTEMPTS`]. Nothing happens when the
/// lease was lost (the job is another server's now).
pub async fn fail(db: &Db, job: &Leased, error: &str) -> Result<()> {
    let now = crate::now();
    let error: String = error.chars().take(2000).collect();
    let mut tx = db.write().await?;
    // The job is no server's until it is leased again.
    let mut q = Sql::new("update job set leased_by = null, last_error = ");
    q.bind(error);
    if job.attempts >= MAX_ATTEMPTS {
        q.push(", state = 'failed', finished_at = ").bind(now);
    } else {
        let again = now + span(retry_after(job.attempts));
        q.push(", run_at = ").bind(again);
    }
    q.push(" where ").append(&held(job));
    q.execute(&mut tx).await?;
    tx.commit().await
}

/// The jobs of one kind by state, for the admin page and `/metrics`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KindState {
    pub kind: String,
    /// Due and not held by a server (never leased, or its server's lease ran out).
    pub due: i64,
    /// Held by a server now.
    pub running: i64,
    /// Queued for later (a retry after a failure, a reminder for a later day).
    pub waiting: i64,
    pub failed: i64,
    /// How long the oldest due job has waited, in seconds: how far the servers are
    /// behind.
    pub lag_seconds: i64,
}

/// Every kind's jobs that are not done, by state: one grouped read of the queued and
/// failed ones (done jobs pile up; they are not counted on every scrape).
pub async fn states(db: &Db) -> Result<Vec<KindState>> {
    let now = crate::now();
    let mut tx = db.read().await?;
    // (state, run_at compared with now, leased_by) for due, running, waiting, failed.
    let counts = [
        ("queued", Some("<="), None),
        ("queued", Some(">"), Some("is not null")),
        ("queued", Some(">"), Some("is null")),
        ("failed", None, None),
    ];
    let mut q = Sql::new("select kind");
    for (state, when, leased) in counts {
        q.push(", cast(coalesce(sum(case when state = ").bind(state);
        if let Some(op) = when {
            q.push(&format!(" and run_at {op} ")).bind(now);
        }
        if let Some(l) = leased {
            q.push(&format!(" and leased_by {l}"));
        }
        q.push(" then 1 else 0 end), 0) as bigint)");
    }
    q.push(", min(case when state = 'queued' and run_at <= ")
        .bind(now)
        .push(
            " then run_at end) from job where state in ('queued', 'failed')
             group by kind order by kind",
        );
    type Row = (String, i64, i64, i64, i64, Option<DateTime<Utc>>);
    let rows: Vec<Row> = q.all(&mut tx).await?;
    Ok(rows
        .into_iter()
        .map(|(kind, due, running, waiting, failed, oldest)| KindState {
            kind,
            due,
            running,
            waiting,
            failed,
            lag_seconds: oldest.map_or(0, |t| (now - t).num_seconds().max(0)),
        })
        .collect())
}

text_enum!(
    /// A job's state: waiting or running, done, or given up after its attempts.
    JobState { Queued = "queued", Done = "done", Failed = "failed" }
);

/// One job as the admin page lists it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub key: String,
    #[sqlx(try_from = "String")]
    pub state: JobState,
    /// When it runs next (queued), the end of its lease (running), or when it was last
    /// run (done, failed).
    pub run_at: DateTime<Utc>,
    pub attempts: i64,
    pub leased_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The jobs in one state for administrators: queued by when they run, the others
/// latest first. Reads by the (state, run_at) index, so done jobs piling up cost
/// nothing until someone asks for them.
pub async fn list(
    db: &Db,
    actor: &crate::access::Actor,
    state: JobState,
    page: crate::page::PageRequest,
) -> Result<crate::page::Page<JobRow>> {
    crate::access::authorize(
        actor,
        crate::access::Resource::Job,
        crate::access::Action::Read,
        None,
    )?;
    let page = page.clamped();
    let mut tx = db.read().await?;
    let mut q = Sql::new("select count(*) from job where state = ");
    let total: i64 = q.bind(state.as_str()).scalar(&mut tx).await?;
    let mut q = Sql::new(
        "select id, kind, key, state, run_at, attempts, leased_by, last_error, created_at,
                finished_at from job where state = ",
    );
    q.bind(state.as_str()).push(if state == JobState::Queued {
        " order by run_at, id"
    } else {
        " order by run_at desc, id desc"
    });
    q.push(" limit ")
        .bind(i64::from(page.per_page))
        .push(" offset ")
        .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX));
    let items = q.all(&mut tx).await?;
    Ok(page.of(items, total))
}

/// Queues a failed job again with its attempts counted afresh (after the robot's
/// address was mended, say). Only a failed job: one queued or done is left as it is.
pub async fn retry(db: &Db, actor: &crate::access::Actor, id: i64) -> Result<()> {
    crate::access::authorize(
        actor,
        crate::access::Resource::Job,
        crate::access::Action::Update,
        None,
    )?;
    let mut tx = db.write().await?;
    let mut q = Sql::new(
        "update job set state = 'queued', attempts = 0, leased_by = null, finished_at = null, run_at = ",
    );
    q.bind(crate::now())
        .push(" where state = 'failed' and id = ")
        .bind(id);
    if q.execute(&mut tx).await? == 0 {
        return Err(Error::NotFound);
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_job_waits_longer_each_time_up_to_the_cap() {
        assert_eq!(retry_after(1), Duration::from_secs(60));
        assert_eq!(retry_after(2), Duration::from_secs(120));
        assert_eq!(retry_after(5), Duration::from_secs(960));
        assert_eq!(retry_after(MAX_ATTEMPTS), RETRY_CAP);
        assert_eq!(retry_after(i64::MAX), RETRY_CAP);
        assert_eq!(retry_after(0), Duration::from_secs(60));
        let total: Duration = (1..MAX_ATTEMPTS).map(retry_after).sum();
        let hours = total.as_secs() / 3600;
        assert!((18..=24).contains(&hours), "{total:?}");
    }
}
