//! SQL text and its arguments built together, so a read rule written in one module and
//! filters written in another combine into one statement without anyone counting `$n`.
//!
//! The text stays ordinary SQL that both engines accept; only the placeholders are
//! numbered here, when the statement is run.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, FromRow, Postgres, Sqlite, Type};

use crate::db::Tx;
use crate::error::Result;
use crate::on;
use crate::page::{Page, PageRequest};

/// One argument, typed as both engines bind it.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
    Bool(bool),
}

impl From<DateTime<Utc>> for Arg {
    fn from(v: DateTime<Utc>) -> Arg {
        Arg::Time(Some(v))
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::Int(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Arg {
        Arg::Text(v.map(str::to_owned))
    }
}
impl From<NaiveDate> for Arg {
    fn from(v: NaiveDate) -> Arg {
        Arg::Date(Some(v))
    }
}
impl From<Option<NaiveDate>> for Arg {
    fn from(v: Option<NaiveDate>) -> Arg {
        Arg::Date(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(v)
    }
}

/// A row of a side table with the record it belongs to (selected `as owner`).
#[derive(sqlx::FromRow)]
struct Owned<T> {
    owner: i64,
    #[sqlx(flatten)]
    item: T,
}

/// Rows of a side table for a whole page of records in one query, by the record they
/// belong to. `head` selects the owner `as owner` and ends with `… in `; the owners'
/// ids follow, then `tail` (more conditions, the order).
pub async fn by_owner<T>(
    tx: &mut Tx,
    head: &str,
    owners: &[i64],
    tail: &Sql,
) -> Result<std::collections::HashMap<i64, Vec<T>>>
where
    T: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
{
    let mut out: std::collections::HashMap<i64, Vec<T>> = std::collections::HashMap::new();
    if owners.is_empty() {
        return Ok(out);
    }
    let mut q = Sql::new(head);
    q.bind_list(owners.iter().copied()).append(tail);
    for row in q.all::<Owned<T>>(tx).await? {
        out.entry(row.owner).or_default().push(row.item);
    }
    Ok(out)
}

/// Binds arguments in order to a query of either engine.
macro_rules! bind {
    ($q:expr, $args:expr) => {
        $args.iter().fold($q, |q, a| match a {
            Arg::Int(v) => q.bind(*v),
            Arg::Text(v) => q.bind(v.clone()),
            Arg::Date(v) => q.bind(*v),
            Arg::Time(v) => q.bind(*v),
            Arg::Bool(v) => q.bind(*v),
        })
    };
}

/// Marks a placeholder in the text until the statement is numbered; a control
/// character no SQL of ours contains.
const MARK: char = '\u{1}';

/// A statement or a fragment of one: text with its arguments in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    /// A condition that holds for every row, or for none.
    pub fn truth(holds: bool) -> Sql {
        Sql::new(if holds { "1 = 1" } else { "1 = 0" })
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `arg`.
    pub fn bind(&mut self, arg: impl Into<Arg>) -> &mut Sql {
        self.text.push(MARK);
        self.args.push(arg.into());
        self
    }

    /// Appends `(a, b, …)` of placeholders; `(null)` for none, which matches nothing.
    pub fn bind_list<A: Into<Arg>>(&mut self, args: impl IntoIterator<Item = A>) -> &mut Sql {
        self.text.push('(');
        let mut any = false;
        for a in args {
            if any {
                self.text.push_str(", ");
            }
            self.bind(a);
            any = true;
        }
        if !any {
            self.text.push_str("null");
        }
        self.text.push(')');
        self
    }

    /// Appends another fragment with its arguments.
    pub fn append(&mut self, other: &Sql) -> &mut Sql {
        self.text.push_str(&other.text);
        self.args.extend(other.args.iter().cloned());
        self
    }

    /// Appends ` and (condition)`.
    pub fn and(&mut self, condition: &Sql) -> &mut Sql {
        self.push(" and (").append(condition).push(")")
    }

    /// The text with placeholders numbered `$1`, `$2`, … as both engines read them.
    pub fn text(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 4 * self.args.len());
        let mut n = 0;
        for ch in self.text.chars() {
            if ch == MARK {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        out
    }

    pub async fn all<T>(&self, tx: &mut Tx) -> Result<Vec<T>>
    where
        T: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
    {
        let text = self.text();
        Ok(on!(tx, |c| bind!(
            sqlx::query_as(sqlx::AssertSqlSafe(text)),
            self.args
        )
        .fetch_all(c)
        .await?))
    }

    pub async fn optional<T>(&self, tx: &mut Tx) -> Result<Option<T>>
    where
        T: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
    {
        let text = self.text();
        Ok(on!(tx, |c| bind!(
            sqlx::query_as(sqlx::AssertSqlSafe(text)),
            self.args
        )
        .fetch_optional(c)
        .await?))
    }

    /// The single value of a one-row, one-column statement, e.g. a count.
    pub async fn scalar<T>(&self, tx: &mut Tx) -> Result<T>
    where
        T: Send
            + Unpin
            + for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>,
    {
        let text = self.text();
        Ok(on!(tx, |c| bind!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(text)),
            self.args
        )
        .fetch_one(c)
        .await?))
    }

    /// The first column of every row.
    pub async fn column<T>(&self, tx: &mut Tx) -> Result<Vec<T>>
    where
        T: Send
            + Unpin
            + for<'r> Decode<'r, Sqlite>
            + Type<Sqlite>
            + for<'r> Decode<'r, Postgres>
            + Type<Postgres>,
    {
        let text = self.text();
        Ok(on!(tx, |c| bind!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(text)),
            self.args
        )
        .fetch_all(c)
        .await?))
    }

    /// One page of `select … from … where {self}` and the count of every row the same
    /// condition admits: the list and its total cannot disagree. `select` ends before
    /// `where`, `count_from` is the `from …` that `count(*)` runs over.
    pub async fn page<T>(
        &self,
        tx: &mut Tx,
        select: &str,
        count_from: &str,
        order: &str,
        page: PageRequest,
    ) -> Result<Page<T>>
    where
        T: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
    {
        let mut count = Sql::new(&format!("select count(*) {count_from} where "));
        count.append(self);
        let total: i64 = count.scalar(tx).await?;
        self.page_of_total(tx, select, order, page, total).await
    }

    /// One page as [`Sql::page`] gives it, with the total already known (a figure kept
    /// on write that counts exactly what the condition admits).
    pub async fn page_of_total<T>(
        &self,
        tx: &mut Tx,
        select: &str,
        order: &str,
        page: PageRequest,
        total: i64,
    ) -> Result<Page<T>>
    where
        T: Send + Unpin + for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
    {
        let page = page.clamped();
        let mut rows = Sql::new(select);
        rows.push(" where ")
            .append(self)
            .push(&format!(" order by {order} limit "))
            .bind(i64::from(page.per_page))
            .push(" offset ")
            .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX));
        Ok(page.of(rows.all(tx).await?, total))
    }

    /// Runs a statement that changes rows; answers how many.
    pub async fn execute(&self, tx: &mut Tx) -> Result<u64> {
        let text = self.text();
        Ok(on!(tx, |c| bind!(
            sqlx::query(sqlx::AssertSqlSafe(text)),
            self.args
        )
        .execute(c)
        .await?
        .rows_affected()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_number_their_placeholders_in_order() {
        let mut rule = Sql::new("o.path like ");
        rule.bind("/1/%");
        let mut q = Sql::new("select 1 from t where t.a = ");
        q.bind(7_i64)
            .and(&rule)
            .push(" and t.id in ")
            .bind_list([1_i64, 2]);
        assert_eq!(
            q.text(),
            "select 1 from t where t.a = $1 and (o.path like $2) and t.id in ($3, $4)"
        );
        assert_eq!(q.args.len(), 4);
    }

    #[test]
    fn an_empty_list_matches_nothing() {
        let mut q = Sql::new("x in ");
        q.bind_list(Vec::<i64>::new());
        assert_eq!(q.text(), "x in (null)");
    }
}
