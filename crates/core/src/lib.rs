//! Core of qiaolian: domain types, rules, access control and storage. No HTTP here;
//! the web pages, the JSON API and the CLI all call these functions.

/// Declares a closed set of values stored as lowercase text: `as_str`, parsing,
/// serde as the same text, an OpenAPI enum, and `ALL` for pickers.
#[macro_export]
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        // Written out rather than derived: the derive cannot read the spellings through
        // this macro and would document the variants' Rust names (`County`, not `county`).
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the stored or submitted text; the error is a field error code.
            pub fn parse(s: &str) -> Result<$name, $crate::FieldError> {
                match s.trim() {
                    $($text => Ok($name::$variant),)+
                    "" => Err($crate::FieldError::new("required")),
                    _ => Err($crate::FieldError::new("unknown_value")),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                $name::parse(&s).map_err(|_| format!("unknown {} {s:?}", stringify!($name)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Declares an id newtype over the database's 64-bit integer key.
#[macro_export]
macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, sqlx::Type, utoipa::ToSchema)]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

// Declared after the macros, which they use. Areas depend on the kernel and on the
// areas listed before them, never back; the modules at the end see everything.
pub mod kernel;
pub use kernel::{
    access, account, audit, auth, db, error, file, memo, money, org, page, reference, search,
    settings, side, sql, step, text,
};
pub mod cooperation;
pub use cooperation::{agreement, meeting, order, plan, supervision, task, urging};
pub mod directory;
pub use directory::person;
pub mod network;
pub use network::{exchange, mechanism, pairing};
pub mod outcomes;
pub use outcomes::{article, camp, donation, event, outcome, project, talent};

pub mod bench_data;
pub mod dashboard;
pub mod demo;
pub mod job;
pub mod kinds;
pub mod notification;
pub mod setup;
pub mod stats;
pub mod timeline;
pub mod upkeep;

pub use db::{Db, Engine, Tx};
pub use error::{Error, FieldError, FieldErrors, Result};

/// The current instant; one place so every timestamp has the same form.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    // Whole microseconds: PostgreSQL keeps no more, so values read back compare equal.
    let t = chrono::Utc::now();
    t - chrono::Duration::nanoseconds(i64::from(t.timestamp_subsec_nanos() % 1000))
}
