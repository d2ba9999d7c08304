//! The database handle: one `Db` over SQLite or PostgreSQL, transactions, migrations.
//!
//! Queries are written once in the SQL both engines accept and run through [`on!`],
//! which expands the same code for each typed pool; no `Any` driver, no ORM.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::sync::Arc;

use sqlx::Connection;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::{Error, Result};
use crate::memo::Memo;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

/// How long a request waits for a pooled connection before it answers 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a write waits for its turn on SQLite before it answers 503. Writes hold
/// the turn for milliseconds and long work commits in short batches, so a queue this
/// long means the server is overloaded, not busy.
const WRITE_TURN_TIMEOUT: Duration = Duration::from_secs(8);

/// A pool on one of the two supported engines.
///
/// SQLite allows one writer at a time. Its writers take turns on an in-process queue
/// (`Turn`) before `begin immediate`, so concurrent writes wait in order instead of
/// failing with "database is locked" or spinning in the busy handler; readers are
/// never blocked (WAL).
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool, Turn, Arc<Watch>),
    Postgres(PgPool, Arc<Memo>),
}

/// What tells a SQLite database's readers whether anything was committed since they
/// last looked: `pragma data_version` on a connection of its own, which never writes,
/// so every commit — by this process's pool or another process — changes it. It also
/// holds the answers kept for that version ([`Memo`]).
#[derive(Debug)]
pub struct Watch {
    /// None for an in-memory database, which no other connection shares.
    options: Option<SqliteConnectOptions>,
    /// How many connections were opened, and the open one: a new connection counts
    /// from its own start, so the version names which connection it was read on.
    conn: Mutex<(u64, Option<sqlx::SqliteConnection>)>,
    memo: Memo,
}

/// The queue of SQLite writers of this process.
#[derive(Clone, Debug, Default)]
pub struct Turn(std::sync::Arc<Mutex<()>>);

/// An open transaction: a read (`Db::read`) or a write (`Db::write`).
pub struct Tx {
    // Dropped before the turn, so a write's rollback is queued before the next writer
    // begins.
    #[doc(hidden)]
    pub conn: Conn,
    write: bool,
    /// When the write began, to name writes that hold the lock too long.
    began: std::time::Instant,
    _turn: Option<OwnedMutexGuard<()>>,
}

/// A write holding SQLite's lock longer than this is logged: every other writer waits.
const LONG_WRITE: Duration = Duration::from_millis(100);

/// The typed transaction of either engine; reached through [`on!`].
pub enum Conn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$conn` bound to the typed connection of either engine.
///
/// The body is compiled once per engine, so a query that binds a type only one
/// engine can encode fails to build instead of failing at run time.
#[macro_export]
macro_rules! on {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.conn {
            $crate::db::Conn::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::Conn::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// Which engine a `Db` runs on, for the few places that must differ (see docs/ARCHITECTURE.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Pool metrics for `/metrics`.
#[derive(Clone, Copy, Debug)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

/// Begins a PostgreSQL transaction on a task of its own, so that it always finishes.
/// sqlx 0.9 counts the transaction only once `BEGIN` has been answered: a request
/// dropped in between (a client gone, a timeout) would leave the server inside a
/// transaction that nothing rolls back, and the pool would hand that connection to the
/// next request — whose writes then ran inside a stale read-only snapshot. Finished
/// on its own, a begin whose caller is gone is dropped as a counted transaction, which
/// rolls back.
async fn begin_pg(
    pool: &sqlx::PgPool,
    statement: &'static str,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let pool = pool.clone();
    tokio::spawn(async move { pool.begin_with(statement).await })
        .await
        .map_err(|e| Error::Other(format!("beginning a transaction: {e}")))?
        .map_err(Error::from)
}

impl Db {
    /// Opens `sqlite://PATH` (creating the file and its folder) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            if path != ":memory:"
                && let Some(dir) = Path::new(path)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| {
                    Error::Config(format!("cannot create folder {}: {e}", dir.display()))
                })?;
            }
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| Error::Config(format!("bad SQLite URL: {e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // Only another process (the CLI beside a server) waits here; this
                // process's writers queue on `Turn` first.
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options.clone())
                .await?;
            let watch = Watch {
                options: (path != ":memory:").then_some(options),
                conn: Mutex::new((0, None)),
                memo: Memo::default(),
            };
            Ok(Db::Sqlite(pool, Turn::default(), Arc::new(watch)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // No parallel workers for our statements: each is a short walk of an index,
            // and a worker's start (about 5 ms) under sixteen concurrent requests on
            // two cores only queued them (the ledger page's p99 330 ms at national).
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| Error::Config(format!("bad PostgreSQL URL: {e}")))?
                .options([("max_parallel_workers_per_gather", "0")]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await?;
            Ok(Db::Postgres(pool, Arc::default()))
        } else {
            Err(Error::Config(format!(
                "unsupported database URL (use sqlite://PATH or postgres://…): {url}"
            )))
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Db::Sqlite(..) => Engine::Sqlite,
            Db::Postgres(..) => Engine::Postgres,
        }
    }

    /// Applies pending migrations of this engine's folder.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(pool, ..) => SQLITE_MIGRATIONS.run(pool).await?,
            Db::Postgres(pool, _) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Begins a transaction that only reads: one consistent snapshot, never a lock that
    /// blocks a writer. It cannot be committed, and on PostgreSQL it is `read only`,
    /// so a write that began as a read fails in tests instead of racing in production.
    pub async fn read(&self) -> Result<Tx> {
        let conn = match self {
            Db::Sqlite(pool, ..) => Conn::Sqlite(pool.begin().await?),
            Db::Postgres(pool, _) => Conn::Postgres(
                begin_pg(pool, "begin isolation level repeatable read read only").await?,
            ),
        };
        Ok(Tx {
            conn,
            write: false,
            began: std::time::Instant::now(),
            _turn: None,
        })
    }

    /// Begins a transaction that writes. Everything the write depends on is read inside
    /// it: on SQLite it holds the write lock from the start (`begin immediate`), so no
    /// other writer can change what it read, and it never fails to upgrade a read lock.
    pub async fn write(&self) -> Result<Tx> {
        match self {
            Db::Sqlite(pool, turn, _) => {
                let turn = tokio::time::timeout(WRITE_TURN_TIMEOUT, turn.0.clone().lock_owned())
                    .await
                    .map_err(|_| Error::Unavailable)?;
                Ok(Tx {
                    conn: Conn::Sqlite(pool.begin_with("begin immediate").await?),
                    write: true,
                    began: std::time::Instant::now(),
                    _turn: Some(turn),
                })
            }
            Db::Postgres(pool, _) => Ok(Tx {
                conn: Conn::Postgres(begin_pg(pool, "begin").await?),
                write: true,
                began: std::time::Instant::now(),
                _turn: None,
            }),
        }
    }

    /// True when a trivial query answers within the acquire timeout; for `/readyz`.
    pub async fn ping(&self) -> bool {
        let answer = async {
            let mut tx = self.read().await?;
            on!(&mut tx, |c| sqlx::query("select 1")
                .execute(c)
                .await
                .map(|_| ())?);
            Ok::<_, Error>(())
        };
        matches!(
            tokio::time::timeout(ACQUIRE_TIMEOUT, answer).await,
            Ok(Ok(()))
        )
    }

    /// A name of everything committed so far that changes with every commit, by this
    /// server or any other process: the key under which [`Memo`] keeps answers. None
    /// for an in-memory SQLite database, whose answers are never kept.
    pub async fn version(&self) -> Result<Option<String>> {
        match self {
            Db::Sqlite(_, _, watch) => watch.version().await,
            // The snapshot a new transaction would take (xmin, xmax, those in
            // progress) changes when any transaction that wrote ends.
            Db::Postgres(pool, _) => Ok(Some(
                sqlx::query_scalar("select pg_current_snapshot()::text")
                    .fetch_one(pool)
                    .await?,
            )),
        }
    }

    /// The answer kept under `key` for the database as it is now ([`Memo`]), computed
    /// by `compute` if there is none. `key` names everything the answer depends on
    /// besides the database and the day: the kind of answer, the reader, the query.
    pub async fn kept<T, F, Fut>(&self, key: String, compute: F) -> Result<T>
    where
        T: Clone + Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let memo = match self {
            Db::Sqlite(_, _, watch) => &watch.memo,
            Db::Postgres(_, memo) => memo,
        };
        memo.get(self.version().await?, key, compute).await
    }

    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle) = match self {
            Db::Sqlite(p, ..) => (p.size(), p.num_idle()),
            Db::Postgres(p, _) => (p.size(), p.num_idle()),
        };
        PoolStats {
            size,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p, ..) => p.close().await,
            Db::Postgres(p, _) => p.close().await,
        }
    }
}

impl Watch {
    async fn version(&self) -> Result<Option<String>> {
        let Some(options) = &self.options else {
            return Ok(None);
        };
        let mut guard = self.conn.lock().await;
        let (opened, conn) = &mut *guard;
        let conn = match conn {
            Some(c) => c,
            None => {
                *opened += 1;
                conn.insert(sqlx::SqliteConnection::connect_with(options).await?)
            }
        };
        let version: Result<i64> = sqlx::query_scalar("pragma data_version")
            .fetch_one(&mut *conn)
            .await
            .map_err(Error::from);
        match version {
            Ok(v) => Ok(Some(format!("{opened}.{v}"))),
            Err(e) => {
                // Opened afresh on the next read, under a new count.
                guard.1 = None;
                Err(e)
            }
        }
    }
}

impl Tx {
    /// Commits a write. A read has nothing to commit: asking is a bug, refused loudly.
    pub async fn commit(self) -> Result<()> {
        if !self.write {
            return Err(Error::Other("commit of a read-only transaction".into()));
        }
        let began = self.began;
        match self.conn {
            Conn::Sqlite(t) => t.commit().await?,
            Conn::Postgres(t) => t.commit().await?,
        }
        let held = began.elapsed();
        if held > LONG_WRITE {
            tracing::warn!(ms = held.as_millis() as u64, "a write held the lock long");
        }
        Ok(())
    }

    pub fn engine(&self) -> Engine {
        match self.conn {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Postgres(_) => Engine::Postgres,
        }
    }

    /// On PostgreSQL, plans the statements that follow once per connection (`on`) or
    /// per execution again (`!on`), within this transaction. For statements whose best
    /// plan is the same whatever the values — a list walking one organization's reach
    /// rows — a plan made per request cost 3.5 ms against 0.08 ms of work; others, whose
    /// plan depends on the values (a name search, a country's people), stay planned
    /// per execution. Nothing on SQLite, which plans nothing twice.
    pub async fn generic_plans(&mut self, on: bool) -> Result<()> {
        self.postgres_only(if on {
            "set local plan_cache_mode = force_generic_plan"
        } else {
            "set local plan_cache_mode to default"
        })
        .await
    }

    /// Runs a `set local` of PostgreSQL's planner for the statements that follow in this
    /// transaction; nothing on SQLite.
    pub async fn postgres_only(&mut self, set_local: &'static str) -> Result<()> {
        if let Conn::Postgres(t) = &mut self.conn {
            sqlx::query(set_local).execute(&mut **t).await?;
        }
        Ok(())
    }
}

/// Whether `meta` marks a derived table as built (its rows hold every record).
async fn is_built(tx: &mut Tx, table: &str) -> Result<bool> {
    let mut q = crate::sql::Sql::new("select value from meta where key = ");
    q.bind(table);
    Ok(q.optional::<(String,)>(tx).await?.is_some())
}

/// A write transaction to build a derived table in, unless `meta` marks it built:
/// every start asks on a read, and only a database without it takes the write lock.
pub(crate) async fn to_build(db: &Db, table: &str) -> Result<Option<Tx>> {
    if is_built(&mut db.read().await?, table).await? {
        return Ok(None);
    }
    let mut tx = db.write().await?;
    if is_built(&mut tx, table).await? {
        return Ok(None);
    }
    Ok(Some(tx))
}

/// Marks a derived table as built, so later starts skip building it.
pub(crate) async fn mark_built(tx: &mut Tx, table: &str) -> Result<()> {
    crate::sql::Sql::new("insert into meta (key, value) values (")
        .bind(table)
        .push(", '1')")
        .execute(tx)
        .await?;
    Ok(())
}

/// Locks a record for the rest of a write that adds to it without an edited version
/// (a progress report): concurrent writers then queue on it instead of one claiming the
/// version the others read. SQLite needs nothing: its write already holds the database.
pub(crate) async fn lock(tx: &mut Tx, table: &'static str, id: i64) -> Result<()> {
    lock_all(tx, table, &[id]).await
}

/// Locks the records `ids` in id order (so two writers cannot deadlock on them) for the
/// rest of a write that recomputes something of theirs from other rows. On PostgreSQL
/// each later statement of the write then reads what every writer before it committed:
/// without the lock a recount running beside another writer's counts from a snapshot
/// that misses the other's rows, and the last to commit overwrites the other's count.
/// `no key update`, the lock an `update` of non-key columns takes: a writer inserting a
/// row that refers to the record (a task under it) holds a key-share lock on it, which
/// `for update` would wait on in a circle with the other writer's.
pub(crate) async fn lock_all(tx: &mut Tx, table: &'static str, ids: &[i64]) -> Result<()> {
    if let (Conn::Postgres(c), false) = (&mut tx.conn, ids.is_empty()) {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "select 1 from {table} where id = any($1) order by id for no key update"
        )))
        .bind(ids)
        .execute(&mut **c)
        .await?;
    }
    Ok(())
}

/// Claims a record someone edits on the `version` they read: bumps its version and
/// `updated_at`, or answers `Conflict` with the version now stored (`NotFound` if the
/// record is gone). The one optimistic-lock check of every versioned update; inside a
/// write the row stays claimed until commit, so of concurrent editors of one version
/// exactly one gets through and every other one gets `Conflict`.
pub(crate) async fn claim(tx: &mut Tx, table: &'static str, id: i64, version: i64) -> Result<()> {
    let changed = on!(&mut *tx, |c| {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "update {table} set version = version + 1, updated_at = $1 where id = $2 and version = $3"
        )))
        .bind(crate::now())
        .bind(id)
        .bind(version)
        .execute(c)
        .await?
        .rows_affected()
    });
    if changed > 0 {
        return Ok(());
    }
    Err(unclaimed(tx, table, id).await)
}

/// Why a claim changed no row: `Conflict` with the version now stored, or `NotFound`.
pub(crate) async fn unclaimed(tx: &mut Tx, table: &'static str, id: i64) -> Error {
    let current: Result<Option<i64>> = async {
        Ok(on!(tx, |c| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "select version from {table} where id = $1"
            )))
            .bind(id)
            .fetch_optional(c)
            .await?
        }))
    }
    .await;
    match current {
        Ok(Some(current_version)) => Error::Conflict { current_version },
        Ok(None) => Error::NotFound,
        Err(e) => e,
    }
}
