//! Dated steps of a record's life — a project from signed to in operation, a donation
//! from pledged to allocated: each step its status, the day it happened, a note and who
//! recorded it, appended to the kind's step table and never changed.

use chrono::NaiveDate;
use sqlx::FromRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use crate::access::Actor;
use crate::db::Tx;
use crate::error::Result;
use crate::sql::Sql;

/// A kind's step table and the column naming the record.
pub struct Steps {
    pub table: &'static str,
    pub owner: &'static str,
}

impl Steps {
    /// Appends a step, inside the write that changes the record's status.
    pub async fn record(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: i64,
        status: &str,
        day: NaiveDate,
        note: Option<&str>,
    ) -> Result<()> {
        let mut q = Sql::new(&format!(
            "insert into {} ({}, status, happened_on, note, account_id, created_at) values (",
            self.table, self.owner
        ));
        q.bind(id)
            .push(", ")
            .bind(status)
            .push(", ")
            .bind(day)
            .push(", ")
            .bind(note)
            .push(", ")
            .bind(actor.account_id.0)
            .push(", ")
            .bind(crate::now())
            .push(")");
        q.execute(tx).await?;
        Ok(())
    }

    /// A record's steps in the order they were recorded.
    pub async fn of<T>(&self, tx: &mut Tx, id: i64) -> Result<Vec<T>>
    where
        T: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
    {
        let mut q = Sql::new(&format!(
            "select status, happened_on, note from {} where {} = ",
            self.table, self.owner
        ));
        q.bind(id).push(" order by id");
        q.all(tx).await
    }
}
