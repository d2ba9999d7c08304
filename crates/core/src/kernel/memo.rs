//! Answers kept until the database changes: the figures and the battle map count tens
//! of thousands of rows for each reader, and leaders open them far more often than
//! anything they count is written.
//!
//! An answer is kept under the database's version as read *before* it was computed
//! ([`crate::db::Db::version`]: SQLite's `data_version` seen by a connection that never writes,
//! PostgreSQL's current snapshot). It is handed out only to a request that reads the
//! same version again — nothing was committed in between, by this server or any
//! other process — so it is never older than what the request could read itself.
//! Readers who ask at once for an answer not yet kept wait for the one computing it
//! instead of each counting the same rows.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::error::Result;

/// The most answers kept at once: beyond it every kept answer is dropped, so memory
/// stays bounded whatever readers and queries ask.
const MOST: usize = 256;

type Answer = Arc<dyn Any + Send + Sync>;

/// The answers of one version of the database, by key.
#[derive(Default)]
pub struct Memo {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    version: String,
    answers: HashMap<String, Arc<OnceCell<Answer>>>,
}

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

impl Memo {
    /// The answer kept under `key` (and today: every answer counts colours and
    /// periods against it) for the database's `version`, computed by `compute` if
    /// there is none; without a version it is always computed. Errors are not kept.
    pub(crate) async fn get<T, F, Fut>(
        &self,
        version: Option<String>,
        key: String,
        compute: F,
    ) -> Result<T>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let Some(version) = version else {
            return compute().await;
        };
        let key = format!("{key} {}", crate::settings::today());
        let cell = {
            let mut kept = self
                .kept
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if kept.version != version {
                kept.answers.clear();
                kept.version = version;
            }
            if kept.answers.len() >= MOST && !kept.answers.contains_key(&key) {
                kept.answers.clear();
            }
            kept.answers.entry(key).or_default().clone()
        };
        let answer = cell
            .get_or_try_init(|| async { Ok::<Answer, crate::Error>(Arc::new(compute().await?)) })
            .await?
            .clone();
        // A key names one type of answer; another type under it is a bug in the
        // callers' keys, answered with an error rather than a wrong answer.
        match answer.downcast::<T>() {
            Ok(t) => Ok(T::clone(&t)),
            Err(_) => Err(crate::Error::Other(
                "an answer of another type was kept under this key".into(),
            )),
        }
    }
}
