//! Sides of the cooperation programme. They are rows, not an enum: the member
//! regions (seeded with Chongqing and Sichuan), the national level and overseas.
//! A programme of four provinces adds two rows and needs no code change.

use serde::Serialize;

use crate::db::{Db, Tx};
use crate::error::Result;
use crate::on;

id_type!(SideId);

text_enum!(
    SideKind { Member = "member", National = "national", Overseas = "overseas" }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Side {
    pub id: SideId,
    /// Stable short code, e.g. `cq`, `sc`, `national`, `overseas`.
    pub code: String,
    #[sqlx(try_from = "String")]
    pub kind: SideKind,
    pub name_zh: String,
    pub name_en: String,
    /// Province of a member side, e.g. 500000.
    pub region_code: Option<String>,
    pub sort_order: i64,
}

impl Side {
    pub fn name(&self, english: bool) -> &str {
        if english {
            &self.name_en
        } else {
            &self.name_zh
        }
    }
}

/// The sides a new installation starts with; the programme's founding members.
const INITIAL: &[(&str, &str, &str, &str, Option<&str>)] = &[
    ("cq", "member", "重庆", "Chongqing", Some("500000")),
    ("sc", "member", "四川", "Sichuan", Some("510000")),
    ("national", "national", "全国", "National", None),
    ("overseas", "overseas", "海外", "Overseas", None),
];

/// Creates the initial sides in an empty table; later edits are kept.
pub async fn seed(db: &Db) -> Result<()> {
    let mut tx = db.begin().await?;
    for (i, (code, kind, zh, en, region)) in INITIAL.iter().enumerate() {
        on!(&mut tx, |c| {
            sqlx::query(
                "insert into side (code, kind, name_zh, name_en, region_code, sort_order)
                 values ($1, $2, $3, $4, $5, $6) on conflict (code) do nothing",
            )
            .bind(code)
            .bind(kind)
            .bind(zh)
            .bind(en)
            .bind(region)
            .bind(i64::try_from(i).unwrap_or_default() * 10)
            .execute(c)
            .await?;
        });
    }
    tx.commit().await
}

const COLUMNS: &str = "id, code, kind, name_zh, name_en, region_code, sort_order";

pub async fn list(db: &Db) -> Result<Vec<Side>> {
    let mut tx = db.begin().await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from side order by sort_order, id"
        )))
        .fetch_all(c)
        .await?
    }))
}

pub async fn get(tx: &mut Tx, id: SideId) -> Result<Option<Side>> {
    Ok(on!(tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from side where id = $1"
        )))
        .bind(id)
        .fetch_optional(c)
        .await?
    }))
}

pub async fn by_code(tx: &mut Tx, code: &str) -> Result<Option<Side>> {
    Ok(on!(tx, |c| {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select {COLUMNS} from side where code = $1"
        )))
        .bind(code)
        .fetch_optional(c)
        .await?
    }))
}
