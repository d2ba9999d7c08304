//! Demo directory: overseas leaders, business people, experts and media contacts in 205
//! countries and regions — over 80% of all — including the heads of the three named
//! associations. Every one carries the tag 演示数据 and made-up contact details.

use crate::access::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::on;
use crate::org;
use crate::person::{self, AffiliationInput, ContactInput, PersonId, PersonInput};
use crate::reference;

const SURNAMES: &[(&str, &str)] = &[
    ("陈", "Chen"),
    ("林", "Lin"),
    ("黄", "Huang"),
    ("张", "Zhang"),
    ("李", "Li"),
    ("王", "Wang"),
    ("吴", "Wu"),
    ("刘", "Liu"),
    ("蔡", "Cai"),
    ("杨", "Yang"),
    ("郑", "Zheng"),
    ("许", "Xu"),
    ("谢", "Xie"),
    ("郭", "Guo"),
];
const GIVEN: &[(&str, &str)] = &[
    ("国华", "Guohua"),
    ("志强", "Zhiqiang"),
    ("丽华", "Lihua"),
    ("建国", "Jianguo"),
    ("海燕", "Haiyan"),
    ("明德", "Mingde"),
    ("玉兰", "Yulan"),
    ("文杰", "Wenjie"),
    ("秀英", "Xiuying"),
    ("德胜", "Desheng"),
    ("嘉怡", "Jiayi"),
    ("振华", "Zhenhua"),
    ("美华", "Meihua"),
    ("永康", "Yongkang"),
    ("淑贞", "Shuzhen"),
];
const CATEGORIES: &[&[&str]] = &[
    &["overseas_leader", "businessperson"],
    &["businessperson"],
    &["expert"],
    &["media"],
    &["overseas_leader"],
    &["youth"],
];
const ORIGINS: &[&str] = &[
    "500101", "500103", "500233", "511700", "510100", "511300", "500154", "510700",
];

pub async fn load(db: &Db, system: &Actor) -> Result<()> {
    let named = async |n: &str| org::find_by_name(db, n).await?.ok_or(Error::NotFound);
    let (cq, sc) = (named("重庆市侨联").await?, named("四川省侨联").await?);
    // The heads of the three associations the programme visited.
    let heads = [
        ("泰国川渝总商会", "TH"),
        ("缅甸川渝总商会", "MM"),
        ("越南川渝企业联合会", "VN"),
    ];
    let mut heads_of = std::collections::HashMap::new();
    for (name, code) in heads {
        heads_of.insert(code, named(name).await?);
    }
    let countries: Vec<String> = reference::countries(db)
        .await?
        .into_iter()
        .map(|c| c.alpha2)
        // Nobody lives on Antarctica and the uninhabited islands; demo people skip them.
        .filter(|c| {
            !matches!(
                c.as_str(),
                "CN" | "AQ" | "BV" | "HM" | "TF" | "UM" | "GS" | "IO" | "PN"
            )
        })
        .collect();
    // 205 of them: the three associations' countries first.
    let mut covered: Vec<String> = heads.iter().map(|h| h.1.to_owned()).collect();
    // Where most overseas Chinese live comes next, then the rest of the world.
    for c in [
        "MY", "SG", "ID", "PH", "US", "CA", "AU", "NZ", "GB", "FR", "DE", "IT", "ES", "NL", "JP",
        "KR", "BR", "AR", "ZA", "AE", "RU", "KH", "LA", "PE", "PA", "MX",
    ] {
        covered.push(c.to_owned());
    }
    for (i, c) in countries.iter().enumerate() {
        if covered.len() >= 205 {
            break;
        }
        if i % 6 != 5 && !covered.contains(c) {
            covered.push(c.clone());
        }
    }
    for (i, country) in covered.iter().enumerate() {
        let (sur, sur_en) = SURNAMES[i % SURNAMES.len()];
        // Each (surname, given name) pair once: 14 × 15 names for 205 people.
        let (given, given_en) = GIVEN[(i / SURNAMES.len()) % GIVEN.len()];
        let owner = if i % 2 == 0 { &cq } else { &sc };
        let mut affiliations = Vec::new();
        if let Some(assoc) = heads_of.get(country.as_str()) {
            affiliations.push(AffiliationInput {
                org_id: Some(assoc.id),
                org_name: assoc.name.clone(),
                position: Some("会长".into()),
                from_on: Some("2019-06-01".into()),
                to_on: None,
            });
        }
        let input = PersonInput {
            name: format!("{sur}{given}"),
            foreign_name: Some(format!("{given_en} {sur_en}")),
            gender: ["male", "female", "unknown"][i % 3].into(),
            residence_country: Some(country.clone()),
            nationality: Some(country.clone()),
            origin_region: Some(ORIGINS[i % ORIGINS.len()].into()),
            // The associations' heads are leaders and business people; the rest vary.
            categories: CATEGORIES[if i < heads.len() {
                0
            } else {
                i % CATEGORIES.len()
            }]
            .iter()
            .map(|c| (*c).to_owned())
            .collect(),
            tags: vec!["演示数据".into()],
            contacts: vec![
                ContactInput {
                    kind: "email".into(),
                    value: format!("demo{:03}@example.org", i + 1),
                },
                ContactInput {
                    kind: "wechat".into(),
                    value: format!("demo_wx_{:03}", i + 1),
                },
            ],
            affiliations,
            owner_org_id: Some(owner.id),
            sharing: ["all", "all", "own_side"][i % 3].into(),
            legal_basis: "consent".into(),
            basis_on: "2024-09-10".into(),
            basis_scope: "侨务联络与活动邀请".into(),
            basis_source: "活动签到表（演示数据）".into(),
            notes: Some("演示数据".into()),
            confirm_new: true,
            ..PersonInput::default()
        };
        person::create(db, system, &input).await?;
    }
    tracing::info!(people = covered.len(), "demo directory loaded");
    Ok(())
}

/// The first people recorded (the associations' heads among them) have a history.
pub async fn link_histories(db: &Db) -> Result<()> {
    let mut tx = db.read().await?;
    let first: Vec<(PersonId, String)> = on!(&mut tx, |c| {
        sqlx::query_as("select id, name from person order by id limit 12")
            .fetch_all(c)
            .await?
    });
    drop(tx);
    for (i, (id, name)) in first.iter().enumerate() {
        link(db, *id, name, i).await?;
    }
    Ok(())
}

/// Links a demo person to records loaded before: register lines of two events (renamed
/// to them), a talent, a donation and a project from a person rather than a company,
/// and two exchanges. Each person takes the next free rows, so no row is shared.
async fn link(db: &Db, id: PersonId, name: &str, i: usize) -> Result<()> {
    let mut tx = db.write().await?;
    let key = crate::text::fold_name(name);
    for table in ["event_participant", "talent"] {
        on!(&mut tx, |c| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "update {table} set person_id = $1, name = $2 where id in
                    (select min(id) from {table} where person_id is null group by event_id order by 1 limit 2)"
            )))
            .bind(id)
            .bind(name)
            .execute(c)
            .await?;
        });
    }
    // The register lines take the person's name and country; the counts by country follow.
    on!(&mut tx, |c| {
        sqlx::query(
            "update event_participant set name_key = $1,
                country_code = coalesce((select residence_country from person where id = $2), country_code)
             where person_id = $2",
        )
        .bind(&key)
        .bind(id)
        .execute(c)
        .await?;
    });
    let events: Vec<crate::event::EventId> = on!(&mut tx, |c| {
        sqlx::query_scalar("select distinct event_id from event_participant where person_id = $1")
            .bind(id)
            .fetch_all(c)
            .await?
    });
    for e in events {
        crate::camp::recount(&mut tx, e).await?;
    }
    on!(&mut tx, |c| {
        sqlx::query(
            "update donation set person_id = $1, donor_name = $2 where id =
                (select min(id) from donation where person_id is null and donor_org_id is null)",
        )
        .bind(id)
        .bind(name)
        .execute(c)
        .await?;
    });
    on!(&mut tx, |c| {
        sqlx::query(
            "update project set person_id = $1 where id =
                (select min(id) from project where person_id is null and investor_org_id is null)",
        )
        .bind(id)
        .execute(c)
        .await?;
    });
    let offset = i64::try_from(i * 2).unwrap_or(0);
    on!(&mut tx, |c| {
        sqlx::query(
            "insert into exchange_person (exchange_id, person_id)
             select id, $1 from exchange order by happened_on desc, id limit 2 offset $2",
        )
        .bind(id)
        .bind(offset)
        .execute(c)
        .await?;
    });
    tx.commit().await?;
    Ok(())
}
