//! Reference data shipped with the binary: GB/T 2260 regions of the programme's
//! provinces (down to township) and ISO 3166-1 countries and regions.
//!
//! The tables are (re)loaded at start-up whenever the embedded files change, so an
//! upgrade that brings a newer vintage needs no migration.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::db::{Db, Tx};
use crate::error::{FieldError, Result};
use crate::on;
use crate::sql::Sql;

pub(crate) const REGIONS_TSV: &str = include_str!("../../data/regions.tsv");
const COUNTRIES_TSV: &str = include_str!("../../data/countries.tsv");

text_enum!(
    RegionLevel {
        Province = "province",
        Prefecture = "prefecture",
        County = "county",
        Township = "township",
    }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Region {
    /// GB/T 2260 code: 6 digits down to county, 9 for townships.
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    #[sqlx(try_from = "String")]
    pub level: RegionLevel,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Country {
    pub alpha2: String,
    pub alpha3: String,
    pub numeric: String,
    pub name_zh: String,
    pub name_en: String,
}

impl Country {
    /// The name in the reader's language.
    pub fn name(&self, en: bool) -> &str {
        if en { &self.name_en } else { &self.name_zh }
    }
}

/// Loads the embedded tables if they differ from what the database holds.
pub async fn sync(db: &Db) -> Result<()> {
    let digest = format!(
        "{:x}",
        Sha256::digest([REGIONS_TSV, COUNTRIES_TSV].concat())
    );
    let mut tx = db.write().await?;
    let stored: Option<String> = on!(&mut tx, |c| {
        sqlx::query_scalar("select value from meta where key = 'reference_sha256'")
            .fetch_optional(c)
            .await?
    });
    if stored.as_deref() == Some(digest.as_str()) {
        return Ok(());
    }
    load_regions(&mut tx).await?;
    load_countries(&mut tx).await?;
    on!(&mut tx, |c| {
        sqlx::query(
            "insert into meta (key, value) values ('reference_sha256', $1)
             on conflict (key) do update set value = excluded.value",
        )
        .bind(&digest)
        .execute(c)
        .await?;
    });
    tx.commit().await?;
    tracing::info!("reference data loaded");
    Ok(())
}

/// The rows of a bundled table after its header, split at tabs.
pub(crate) fn rows(tsv: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    tsv.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').collect())
}

/// One multi-row insert that updates rows already there: reference data is replaced
/// in place, so codes that records point at never go missing.
fn upsert(table: &str, columns: &[&str], key: &str, rows: &[Vec<Option<&str>>]) -> Sql {
    let mut q = Sql::new(&format!(
        "insert into {table} ({}) values ",
        columns.join(", ")
    ));
    for (i, row) in rows.iter().enumerate() {
        q.push(if i == 0 { "" } else { ", " });
        q.bind_list(row.iter().map(|v| v.map(str::to_owned)));
    }
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| **c != key)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    q.push(&format!(
        " on conflict ({key}) do update set {}",
        updates.join(", ")
    ));
    q
}

async fn load_regions(tx: &mut Tx) -> Result<()> {
    // Sorted by code, so every parent is inserted before its children.
    let all: Vec<Vec<Option<&str>>> = rows(REGIONS_TSV)
        .map(|r| {
            vec![
                Some(r[0]),
                Some(r[1]),
                r.get(2).copied().filter(|p| !p.is_empty()),
                Some(r[3]),
            ]
        })
        .collect();
    for chunk in all.chunks(500) {
        upsert(
            "region",
            &["code", "name", "parent_code", "level"],
            "code",
            chunk,
        )
        .execute(tx)
        .await?;
    }
    Ok(())
}

async fn load_countries(tx: &mut Tx) -> Result<()> {
    let all: Vec<Vec<Option<&str>>> = rows(COUNTRIES_TSV)
        .map(|r| r.iter().take(5).map(|v| Some(*v)).collect())
        .collect();
    upsert(
        "country",
        &["alpha2", "alpha3", "numeric", "name_zh", "name_en"],
        "alpha2",
        &all,
    )
    .execute(tx)
    .await?;
    Ok(())
}

/// Children of a region, or the top-level regions when `parent` is `None`.
pub async fn regions(db: &Db, parent: Option<&str>) -> Result<Vec<Region>> {
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(
            "select code, name, parent_code, level from region
             where ($1 is null and parent_code is null) or parent_code = $1 order by code",
        )
        .bind(parent)
        .fetch_all(c)
        .await?
    }))
}

pub async fn region(tx: &mut Tx, code: &str) -> Result<Option<Region>> {
    Ok(on!(tx, |c| {
        sqlx::query_as("select code, name, parent_code, level from region where code = $1")
            .bind(code)
            .fetch_optional(c)
            .await?
    }))
}

/// The region with its ancestors, from the province down: for "四川省 / 成都市 / 锦江区".
pub async fn region_chain(tx: &mut Tx, code: &str) -> Result<Vec<Region>> {
    let mut chain = Vec::new();
    let mut next = Some(code.to_owned());
    while let Some(code) = next {
        let Some(r) = region(tx, &code).await? else {
            break;
        };
        next = r.parent_code.clone();
        chain.push(r);
    }
    chain.reverse();
    Ok(chain)
}

/// `region_chain` outside a transaction.
pub async fn chain(db: &Db, code: &str) -> Result<Vec<Region>> {
    let mut tx = db.read().await?;
    region_chain(&mut tx, code).await
}

/// Regions whose name contains `q`, for pickers; at most `limit`.
pub async fn search_regions(db: &Db, q: &str, limit: i64) -> Result<Vec<Region>> {
    let mut tx = db.read().await?;
    let pattern = format!("%{}%", crate::org::escape_like(q.trim()));
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(
            "select code, name, parent_code, level from region
             where name like $1 escape '\\' or code like $1 escape '\\' order by length(code), code limit $2",
        )
        .bind(&pattern)
        .bind(limit)
        .fetch_all(c)
        .await?
    }))
}

pub async fn countries(db: &Db) -> Result<Vec<Country>> {
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(
            "select alpha2, alpha3, numeric, name_zh, name_en from country order by alpha2",
        )
        .fetch_all(c)
        .await?
    }))
}

pub async fn country(tx: &mut Tx, alpha2: &str) -> Result<Option<Country>> {
    Ok(on!(tx, |c| {
        sqlx::query_as(
            "select alpha2, alpha3, numeric, name_zh, name_en from country where alpha2 = $1",
        )
        .bind(alpha2)
        .fetch_optional(c)
        .await?
    }))
}

/// A country code as typed, checked against the table: `None` when left blank,
/// `unknown_country` when malformed or not in ISO 3166-1. Every form's country field
/// goes through here, so they all answer the same.
pub async fn known_country(tx: &mut Tx, typed: &str) -> Result<Result<Option<String>, FieldError>> {
    let code = match parse_country_code(typed) {
        Ok(Some(code)) => code,
        other => return Ok(other),
    };
    Ok(match country(tx, &code).await? {
        Some(_) => Ok(Some(code)),
        None => Err(FieldError::new("unknown_country")),
    })
}

/// A region code as typed, checked against the table: `None` when left blank,
/// `bad_region_code` when malformed, `unknown_region` when not in GB/T 2260.
pub async fn known_region(tx: &mut Tx, typed: &str) -> Result<Result<Option<String>, FieldError>> {
    let code = match parse_region_code(typed) {
        Ok(Some(code)) => code,
        other => return Ok(other),
    };
    Ok(match region(tx, &code).await? {
        Some(_) => Ok(Some(code)),
        None => Err(FieldError::new("unknown_region")),
    })
}

/// A region code as typed: digits only, 6 or 9 of them.
pub fn parse_region_code(s: &str) -> Result<Option<String>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if !(t.len() == 6 || t.len() == 9) || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new("bad_region_code"));
    }
    Ok(Some(t.to_owned()))
}

/// A country as ISO 3166-1 alpha-2, any case.
pub fn parse_country_code(s: &str) -> Result<Option<String>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() != 2 || !t.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(FieldError::new("unknown_country"));
    }
    Ok(Some(t.to_ascii_uppercase()))
}
