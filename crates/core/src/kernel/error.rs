//! The one error type of core; web turns each variant into a status and a message.

use std::collections::BTreeMap;

/// Why one input field was refused: a stable code (translated by the UI's catalog)
/// plus optional parameters such as a maximum length.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl FieldError {
    pub const fn new(code: &'static str) -> FieldError {
        FieldError { code, limit: None }
    }

    pub const fn too_long(max: usize) -> FieldError {
        FieldError {
            code: "too_long",
            limit: Some(max),
        }
    }
}

/// Field name → why it was refused. Ordered so responses are stable.
pub type FieldErrors = BTreeMap<&'static str, FieldError>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not signed in")]
    Unauthorized,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// Someone else saved the record since it was read; carries the current version.
    #[error("edit conflict")]
    Conflict { current_version: i64 },
    #[error("too many failed attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    /// The database is unreachable or overloaded right now; the request may be retried.
    #[error("database unavailable")]
    Unavailable,
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Db(sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    /// A database that cannot be reached or has no connection to spare is a passing
    /// condition (503 and retry), not a fault of the request (500).
    fn from(e: sqlx::Error) -> Error {
        let passing = match &e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
            sqlx::Error::Database(d) => d.code().is_some_and(|c| {
                // SQLite: busy, locked (another process). PostgreSQL: shutting down,
                // starting up, too many connections, serialization failure, deadlock.
                matches!(&*c, "5" | "6" | "517" | "261" | "262")
                    || c.starts_with("57P")
                    || matches!(&*c, "53300" | "40001" | "40P01")
            }),
            _ => false,
        };
        if passing {
            tracing::warn!(error = %e, "database unavailable");
            Error::Unavailable
        } else {
            Error::Db(e)
        }
    }
}

impl Error {
    /// A refusal of one field.
    pub fn field(name: &'static str, code: &'static str) -> Error {
        Error::Invalid(FieldErrors::from([(
            name,
            FieldError { code, limit: None },
        )]))
    }

    /// Name of the unique index a write violated, if that is what failed.
    ///
    /// PostgreSQL reports the constraint; SQLite reports either `index 'NAME'` (for
    /// expression indexes) or `table.col, …`, which our naming convention
    /// (`<table>_<cols>_key`, migrations/README.md) maps back to the same name.
    pub fn unique_violation(&self) -> Option<String> {
        let Error::Db(sqlx::Error::Database(e)) = self else {
            return None;
        };
        if !e.is_unique_violation() {
            return None;
        }
        if let Some(c) = e.constraint() {
            return Some(c.to_owned());
        }
        let msg = e.message();
        let rest = msg.strip_prefix("UNIQUE constraint failed: ")?;
        if let Some(name) = rest.strip_prefix("index '") {
            return Some(name.trim_end_matches('\'').to_owned());
        }
        let mut table = "";
        let mut cols = Vec::new();
        for part in rest.split(", ") {
            let (t, c) = part.split_once('.')?;
            table = t;
            cols.push(c);
        }
        Some(format!("{table}_{}_key", cols.join("_")))
    }
}

/// Whether a record named in a form is missing or hidden from the reader (both answer
/// the same field error, so a hidden record's existence does not leak); other errors
/// (a database that fails) stay errors instead of becoming a field message.
pub(crate) fn unseen<T>(r: Result<T>) -> Result<bool> {
    match r {
        Ok(_) => Ok(false),
        Err(Error::NotFound | Error::Forbidden) => Ok(true),
        Err(e) => Err(e),
    }
}

/// Collects field errors while parsing a form, then fails once with all of them.
#[derive(Debug, Default)]
pub struct Check(FieldErrors);

impl Check {
    pub fn add(&mut self, field: &'static str, code: &'static str) {
        self.0
            .entry(field)
            .or_insert(FieldError { code, limit: None });
    }

    /// Keeps the value if it parsed, records the error otherwise.
    pub fn take<T>(&mut self, field: &'static str, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.entry(field).or_insert(e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Like `take`, for a parse that yields `None` on blank input, where blank is
    /// refused as `required`.
    pub fn required<T>(
        &mut self,
        field: &'static str,
        r: Result<Option<T>, FieldError>,
    ) -> Option<T> {
        match self.take(field, r) {
            Some(None) => {
                self.add(field, "required");
                None
            }
            v => v.flatten(),
        }
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.0))
        }
    }
}
