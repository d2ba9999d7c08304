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
    let mut tx = db.write().await?;
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
    let mut tx = db.read().await?;
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

/// A new side as submitted (CLI or, later, an admin page).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewSide {
    pub code: String,
    pub kind: String,
    pub name_zh: String,
    pub name_en: String,
    /// The province of a member side, e.g. 520000.
    pub region_code: Option<String>,
}

/// Adds a side, e.g. a third province joining the programme.
pub async fn create(db: &Db, input: &NewSide) -> Result<Side> {
    let mut tx = db.write().await?;
    let mut check = crate::error::Check::default();
    let code = input.code.trim().to_ascii_lowercase();
    let code_ok = (2..=20).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !code_ok {
        check.add("code", "bad_code");
    }
    let kind = check.take("kind", SideKind::parse(&input.kind));
    let name_zh = check.take("name_zh", crate::text::required(&input.name_zh, 30));
    let name_en = check.take("name_en", crate::text::required(&input.name_en, 60));
    let region = input
        .region_code
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    match (kind, region) {
        (Some(SideKind::Member), None) => check.add("region_code", "required"),
        (Some(SideKind::Member), Some(code)) => {
            match crate::reference::region(&mut tx, code).await? {
                Some(r) if r.level == crate::reference::RegionLevel::Province => {}
                Some(_) => check.add("region_code", "not_a_province"),
                None => check.add("region_code", "unknown_region"),
            }
        }
        (Some(_), Some(_)) => check.add("region_code", "region_only_for_members"),
        _ => {}
    }
    check.finish()?;
    let next_order: i64 = on!(&mut tx, |c| {
        sqlx::query_scalar("select coalesce(max(sort_order), 0) + 10 from side")
            .fetch_one(c)
            .await?
    });
    let id: SideId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into side (code, kind, name_zh, name_en, region_code, sort_order)
             values ($1, $2, $3, $4, $5, $6) returning id",
        )
        .bind(&code)
        .bind(kind.map(SideKind::as_str))
        .bind(&name_zh)
        .bind(&name_en)
        .bind(region)
        .bind(next_order)
        .fetch_one(c)
        .await
        .map_err(|e| match crate::Error::from(e) {
            e if e.unique_violation().as_deref() == Some("side_code_key") => {
                crate::Error::field("code", "code_taken")
            }
            e => e,
        })?
    });
    let side = get(&mut tx, id).await?.ok_or(crate::Error::NotFound)?;
    tx.commit().await?;
    Ok(side)
}
