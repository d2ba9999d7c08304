//! Bulk loading for the generator: many-row inserts on SQLite, COPY on PostgreSQL, on
//! one connection of its own, with the tables' secondary indexes dropped while rows go
//! in and built once at the end, which is several times faster than keeping every index
//! up to date row by row.

use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Executor};

use crate::error::{Error, Result};

/// One value of a row.
#[derive(Clone, Debug)]
pub enum V {
    I(i64),
    T(String),
    S(&'static str),
    D(NaiveDate),
    At(DateTime<Utc>),
    B(bool),
    Null,
}

impl From<i64> for V {
    fn from(v: i64) -> V {
        V::I(v)
    }
}
impl From<String> for V {
    fn from(v: String) -> V {
        V::T(v)
    }
}
impl From<&'static str> for V {
    fn from(v: &'static str) -> V {
        V::S(v)
    }
}
impl From<NaiveDate> for V {
    fn from(v: NaiveDate) -> V {
        V::D(v)
    }
}
impl From<DateTime<Utc>> for V {
    fn from(v: DateTime<Utc>) -> V {
        V::At(v)
    }
}
impl From<bool> for V {
    fn from(v: bool) -> V {
        V::B(v)
    }
}
impl<T: Into<V>> From<Option<T>> for V {
    fn from(v: Option<T>) -> V {
        v.map_or(V::Null, Into::into)
    }
}

/// A row, built with `row![a, b, c]`.
#[macro_export]
#[doc(hidden)]
macro_rules! row {
    ($($v:expr),* $(,)?) => { vec![$($crate::bench_data::bulk::V::from($v)),*] };
}

enum Conn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// The loading connection, and what it must restore when done.
pub struct Bulk {
    conn: Conn,
    /// Index definitions dropped for the load, recreated by `finish`.
    dropped: Vec<String>,
    url: String,
    pub rows: u64,
    started: Instant,
    quiet: bool,
}

/// SQLite allows 32,766 bound values per statement; rows are sent in groups below that.
const SQLITE_VALUES: usize = 30_000;
/// COPY data is sent in pieces of about this many bytes.
const COPY_CHUNK: usize = 1 << 20;

impl Bulk {
    /// Opens the loading connection. On SQLite the file is switched out of WAL and
    /// off fsync for the load (the generator fills a new database; an interrupted run
    /// leaves one to delete), and foreign keys are not checked: every id is assigned
    /// by the generator from the rows it made.
    pub async fn open(url: &str, quiet: bool) -> Result<Bulk> {
        let conn = if url.starts_with("sqlite:") {
            let mut c = url
                .parse::<SqliteConnectOptions>()
                .map_err(|e| Error::Config(format!("bad SQLite URL: {e}")))?
                .foreign_keys(false)
                .connect()
                .await?;
            for p in [
                "pragma journal_mode = off",
                "pragma synchronous = off",
                "pragma cache_size = -1000000",
                "pragma temp_store = memory",
            ] {
                c.execute(p).await?;
            }
            Conn::Sqlite(c)
        } else {
            let mut c = PgConnection::connect(url).await?;
            c.execute("set synchronous_commit = off").await?;
            c.execute("set maintenance_work_mem = '1GB'").await?;
            // Foreign keys are checked by triggers, one per row and key; a superuser
            // may switch them off for the load (the ids are the generator's own). Others
            // load with the checks, slower.
            if c.execute("set session_replication_role = replica")
                .await
                .is_err()
            {
                tracing::info!("foreign keys checked row by row: not a superuser");
            }
            Conn::Postgres(c)
        };
        Ok(Bulk {
            conn,
            dropped: Vec::new(),
            url: url.to_owned(),
            rows: 0,
            started: Instant::now(),
            quiet,
        })
    }

    /// Drops the secondary indexes of the named tables, remembering how to make them
    /// again. Triggers stay: SQLite's full-text index is fed by them as documents go in,
    /// while the generator cuts the next documents into words.
    pub async fn drop_indexes(&mut self, tables: &[&str]) -> Result<()> {
        let defs: Vec<(String, String)> = match &mut self.conn {
            Conn::Sqlite(c) => {
                let mut all = Vec::new();
                for t in tables {
                    let rows: Vec<(String, String)> = sqlx::query_as(
                        "select name, sql from sqlite_master
                         where type = 'index' and tbl_name = $1 and sql is not null",
                    )
                    .bind(t)
                    .fetch_all(&mut *c)
                    .await?;
                    all.extend(
                        rows.into_iter()
                            .map(|(n, sql)| (format!("drop index {n}"), sql)),
                    );
                }
                all
            }
            Conn::Postgres(c) => {
                // Indexes that back a constraint (primary keys) stay.
                let rows: Vec<(String, String)> = sqlx::query_as(
                    "select i.indexname, i.indexdef from pg_indexes i
                     where i.schemaname = current_schema() and i.tablename = any($1)
                       and not exists (select 1 from pg_constraint k where k.conname = i.indexname)",
                )
                .bind(tables)
                .fetch_all(&mut *c)
                .await?;
                rows.into_iter()
                    .map(|(n, sql)| (format!("drop index {n}"), sql))
                    .collect()
            }
        };
        for (drop, create) in defs {
            self.exec(&drop).await?;
            self.dropped.push(create);
        }
        Ok(())
    }

    /// Marks a derived table as built, as a start that built it would.
    pub async fn mark_built(&mut self, table: &str) -> Result<()> {
        self.exec(&format!(
            "insert into meta (key, value) values ('{table}', '1')
             on conflict (key) do update set value = excluded.value"
        ))
        .await
    }

    pub async fn exec(&mut self, sql: &str) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlite(c) => {
                c.execute(sqlx::AssertSqlSafe(sql.to_owned())).await?;
            }
            Conn::Postgres(c) => {
                c.execute(sqlx::AssertSqlSafe(sql.to_owned())).await?;
            }
        }
        Ok(())
    }

    /// Rows of a query with one i64 and three text columns, as the search sources
    /// answer (`id, title, subtitle, body`).
    pub async fn documents(
        &mut self,
        sql: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String, Option<String>, String)>> {
        Ok(match &mut self.conn {
            Conn::Sqlite(c) => {
                sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
                    .bind(after)
                    .bind(limit)
                    .fetch_all(c)
                    .await?
            }
            Conn::Postgres(c) => {
                sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
                    .bind(after)
                    .bind(limit)
                    .fetch_all(c)
                    .await?
            }
        })
    }

    /// Loads rows into a table; `rows` yields them in order, ids included.
    pub async fn load(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: impl IntoIterator<Item = Vec<V>>,
    ) -> Result<u64> {
        let began = Instant::now();
        let quiet = self.quiet;
        // A long table shows how far it is, on the line its total then replaces.
        let rows = rows.into_iter().enumerate().map(|(i, r)| {
            if !quiet && i > 0 && i % 250_000 == 0 {
                eprint!("\r  {table:<22} {i:>10} rows …");
            }
            r
        });
        let n = self.append(table, columns, rows).await?;
        if !self.quiet {
            let secs = began.elapsed().as_secs_f64().max(1e-6);
            eprintln!(
                "\r  {table:<22} {n:>10} rows {secs:>7.1} s {:>9.0} rows/s   (total {} rows, {:.0} s)",
                n as f64 / secs,
                self.rows,
                self.started.elapsed().as_secs_f64()
            );
        }
        Ok(n)
    }

    /// Loads rows as `load` does, without a line of progress: for a table loaded in
    /// many pieces.
    pub async fn append(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: impl IntoIterator<Item = Vec<V>>,
    ) -> Result<u64> {
        let n = match &mut self.conn {
            Conn::Sqlite(c) => sqlite_load(c, table, columns, rows).await?,
            Conn::Postgres(c) => pg_load(c, table, columns, rows).await?,
        };
        self.rows += n;
        Ok(n)
    }

    /// Builds the dropped indexes again and, on PostgreSQL, moves the
    /// identity of each of `tables` that has one past the ids loaded; on SQLite the
    /// file returns to WAL.
    pub async fn finish(mut self, tables: &[&str]) -> Result<()> {
        let began = Instant::now();
        let mut dropped = std::mem::take(&mut self.dropped);
        // PostgreSQL's full-text index takes longest to build: on a second connection,
        // beside the others, so both cores work.
        let beside = match self.conn {
            Conn::Postgres(_) => {
                let (gin, rest): (Vec<String>, Vec<String>) =
                    dropped.into_iter().partition(|s| s.contains("USING gin"));
                dropped = rest;
                let url = self.url.clone();
                Some(tokio::spawn(async move {
                    let mut c = PgConnection::connect(&url).await?;
                    c.execute("set maintenance_work_mem = '1GB'").await?;
                    for sql in gin {
                        c.execute(sqlx::AssertSqlSafe(sql)).await?;
                    }
                    Ok::<_, Error>(())
                }))
            }
            Conn::Sqlite(_) => None,
        };
        for sql in dropped {
            let one = Instant::now();
            self.exec(&sql).await?;
            if !self.quiet && one.elapsed().as_secs_f64() > 2.0 {
                eprintln!("  {:.1} s: {sql}", one.elapsed().as_secs_f64());
            }
        }
        if let Some(b) = beside {
            b.await
                .map_err(|e| Error::Other(format!("index build: {e}")))??;
        }
        match &mut self.conn {
            Conn::Sqlite(c) => {
                c.execute("pragma journal_mode = wal").await?;
                c.execute("pragma optimize").await?;
            }
            Conn::Postgres(c) => {
                let identities: Vec<String> = sqlx::query_scalar(
                    "select table_name::text from information_schema.columns
                     where table_schema = current_schema() and column_name = 'id'
                       and is_identity = 'YES' and table_name = any($1)",
                )
                .bind(tables)
                .fetch_all(&mut *c)
                .await?;
                for t in identities {
                    c.execute(sqlx::AssertSqlSafe(format!(
                        "select setval(pg_get_serial_sequence('{t}', 'id'),
                            coalesce((select max(id) from {t}), 0) + 1, false)"
                    )))
                    .await?;
                }
                c.execute("analyze").await?;
            }
        }
        if !self.quiet {
            eprintln!(
                "  indexes rebuilt in {:.1} s",
                began.elapsed().as_secs_f64()
            );
        }
        Ok(())
    }
}

async fn sqlite_load(
    c: &mut SqliteConnection,
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<V>>,
) -> Result<u64> {
    let per = (SQLITE_VALUES / columns.len()).clamp(1, 1000);
    let head = format!("insert into {table} ({}) values ", columns.join(", "));
    let one = format!("({})", vec!["?"; columns.len()].join(", "));
    let full = format!("{head}{}", vec![one.as_str(); per].join(", "));
    let mut n = 0_u64;
    let mut tx = c.begin().await?;
    let mut batch: Vec<Vec<V>> = Vec::with_capacity(per);
    let mut rows = rows.into_iter();
    loop {
        let next = rows.next();
        if let Some(r) = next {
            debug_assert_eq!(r.len(), columns.len(), "{table}");
            batch.push(r);
            if batch.len() < per {
                continue;
            }
        }
        if batch.is_empty() {
            break;
        }
        let sql = if batch.len() == per {
            full.clone()
        } else {
            format!("{head}{}", vec![one.as_str(); batch.len()].join(", "))
        };
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for v in batch.drain(..).flatten() {
            q = match v {
                V::I(i) => q.bind(i),
                V::T(s) => q.bind(s),
                V::S(s) => q.bind(s),
                V::D(d) => q.bind(d),
                V::At(t) => q.bind(t),
                V::B(b) => q.bind(b),
                V::Null => q.bind(None::<i64>),
            };
        }
        n += q.execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    Ok(n)
}

async fn pg_load(
    c: &mut PgConnection,
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<V>>,
) -> Result<u64> {
    let mut copy = c
        .copy_in_raw(&format!("copy {table} ({}) from stdin", columns.join(", ")))
        .await?;
    let mut buf = String::with_capacity(COPY_CHUNK + 4096);
    for r in rows {
        for (i, v) in r.into_iter().enumerate() {
            if i > 0 {
                buf.push('\t');
            }
            copy_value(&mut buf, v);
        }
        buf.push('\n');
        if buf.len() >= COPY_CHUNK {
            copy.send(buf.as_bytes()).await?;
            buf.clear();
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_bytes()).await?;
    }
    Ok(copy.finish().await?)
}

/// One value in COPY's text format: `\N` for null, backslash escapes in text.
fn copy_value(buf: &mut String, v: V) {
    use std::fmt::Write;
    let text = |buf: &mut String, s: &str| {
        for ch in s.chars() {
            match ch {
                '\\' => buf.push_str("\\\\"),
                '\t' => buf.push_str("\\t"),
                '\n' => buf.push_str("\\n"),
                '\r' => buf.push_str("\\r"),
                c => buf.push(c),
            }
        }
    };
    match v {
        V::I(i) => {
            let _ = write!(buf, "{i}");
        }
        V::T(s) => text(buf, &s),
        V::S(s) => text(buf, s),
        V::D(d) => {
            let _ = write!(buf, "{d}");
        }
        V::At(t) => {
            let _ = write!(buf, "{}", t.format("%Y-%m-%d %H:%M:%S%.6f+00"));
        }
        V::B(b) => buf.push(if b { 't' } else { 'f' }),
        V::Null => buf.push_str("\\N"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_copy_reads_as_syntax() {
        let mut b = String::new();
        copy_value(&mut b, V::T("a\tb\\c\nd".into()));
        assert_eq!(b, "a\\tb\\\\c\\nd");
        b.clear();
        copy_value(&mut b, V::Null);
        assert_eq!(b, "\\N");
    }
}
