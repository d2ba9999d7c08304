//! Work the server does by itself while it runs: bringing task colours and report flags
//! up to date with the calendar, rebuilding search documents whose format changed, and
//! running the jobs every server shares (`job::work`).
//! Each piece commits in short writes, so requests never wait long behind it, and a
//! piece that fails is retried with back-off instead of being left half done until the
//! next start.

use std::time::Duration;

use crate::db::Db;
use crate::{search, task};

/// How often colours are brought up to date: their `colour_until` days pass at midnight,
/// and a minute after is soon enough for every list and count.
const COLOURS_EVERY: Duration = Duration::from_secs(60);
/// Back-off after a failure, doubling up to the cap.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_CAP: Duration = Duration::from_secs(300);

/// Runs until the process ends; spawn it once per server.
pub async fn run(db: Db) {
    tokio::spawn(crate::job::work(db.clone()));
    let indexing = db.clone();
    tokio::spawn(async move { retried("search index rebuild", || search::sync(&indexing)).await });
    loop {
        retried("task colour refresh", || async {
            let n = task::refresh_stale(&db).await?;
            if n > 0 {
                tracing::info!(tasks = n, "task colours brought up to date");
            }
            Ok(())
        })
        .await;
        tokio::time::sleep(COLOURS_EVERY).await;
    }
}

/// Runs `work` until it succeeds, waiting longer after each failure.
async fn retried<F, Fut>(what: &str, mut work: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = crate::Result<()>>,
{
    let mut wait = RETRY_FIRST;
    loop {
        match work().await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, retry_in_secs = wait.as_secs(), "{what} failed; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RETRY_CAP);
            }
        }
    }
}
