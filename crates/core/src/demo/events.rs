//! Demo events: the September 2024 "Belt and Road" overseas Chinese business
//! conference — 360+ participants from 80+ countries and regions, 47 projects signed
//! for over 30 billion yuan, endorsed by the national federation.

use crate::access::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::event::{self, CountryInput, EndorsementInput, EventInput, EventOrgInput};
use crate::org;
use crate::project::{self, ProjectInput, StepInput};
use crate::reference;

const REGIONS: &[&str] = &[
    "500101", "500105", "500109", "500117", "500151", "500103", "500154", "500155", "500233",
    "500236",
];
const SECTORS: &[&str] = &[
    "智能制造",
    "电子信息",
    "生物医药",
    "现代物流",
    "跨境电商",
    "文化旅游",
    "新能源",
    "现代农业",
];

pub async fn load(db: &Db, system: &Actor) -> Result<()> {
    let named = async |n: &str| org::find_by_name(db, n).await?.ok_or(Error::NotFound);
    let (cq, sc) = (named("重庆市侨联").await?, named("四川省侨联").await?);
    // 82 countries and regions other than China, 362 participants in all.
    let countries: Vec<String> = reference::countries(db)
        .await?
        .into_iter()
        .map(|c| c.alpha2)
        .filter(|c| !matches!(c.as_str(), "CN" | "HK" | "MO" | "TW"))
        .step_by(2)
        .take(82)
        .collect();
    let participants = |i: usize| if i < 32 { 6 } else { 3 } + i64::from(i == 0) * 20;
    let e = event::create(
        db,
        system,
        &EventInput {
            kind: "conference".into(),
            series: Some("“一带一路”侨商合作发展大会".into()),
            title: "2024“一带一路”侨商合作发展大会".into(),
            starts_on: "2024-09-10".into(),
            ends_on: "2024-09-11".into(),
            region_code: Some("500000".into()),
            place: Some("重庆".into()),
            status: "held".into(),
            summary: Some(
                "重庆市侨联主办、四川省侨联支持，海外侨商代表集中签约。（演示数据）".into(),
            ),
            orgs: vec![
                EventOrgInput {
                    org_id: Some(cq.id),
                    role: "host".into(),
                },
                EventOrgInput {
                    org_id: Some(sc.id),
                    role: "supporter".into(),
                },
            ],
            countries: countries
                .iter()
                .enumerate()
                .map(|(i, c)| CountryInput {
                    country_code: c.clone(),
                    participants: Some(participants(i)),
                })
                .collect(),
            ..EventInput::default()
        },
    )
    .await?;
    event::endorse(
        db,
        system,
        e.id,
        &EndorsementInput {
            by_whom: "中国侨联".into(),
            given_on: "2024-10-15".into(),
            text: "对大会成果予以肯定。（演示数据）".into(),
        },
    )
    .await?;
    // 47 projects of 5–8 亿 each, 303 亿 (30.3 billion yuan) in all.
    for i in 0..47usize {
        let amount = 500_000_000 + (i % 7) * 50_000_000;
        let p = project::create(
            db,
            system,
            &ProjectInput {
                title: format!("{}项目（演示 {:02}）", SECTORS[i % SECTORS.len()], i + 1),
                sector: Some(SECTORS[i % SECTORS.len()].into()),
                amount: amount.to_string(),
                investor_name: format!("海外侨商企业（演示 {:02}）", i + 1),
                investor_country: countries.get(i % countries.len()).cloned(),
                region_code: REGIONS[i % REGIONS.len()].into(),
                event_id: Some(e.id),
                signed_on: "2024-09-10".into(),
                owner_org_id: Some(cq.id),
                ..ProjectInput::default()
            },
        )
        .await?;
        // A third have broken ground, a few are already operating.
        let steps: &[(&str, &str)] = match i % 6 {
            0 | 1 => &[("contracted", "2024-12-01"), ("started", "2025-04-01")],
            2 => &[
                ("contracted", "2024-12-01"),
                ("started", "2025-03-01"),
                ("in_operation", "2025-10-01"),
            ],
            3 => &[("contracted", "2025-01-15")],
            _ => &[],
        };
        for (status, day) in steps {
            let input = StepInput {
                status: (*status).into(),
                happened_on: (*day).into(),
                ..StepInput::default()
            };
            project::advance(db, system, p.id, &input).await?;
        }
    }
    tracing::info!(event = %e.id, "demo events loaded");
    Ok(())
}
