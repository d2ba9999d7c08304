//! Demo visits of the named overseas associations: the federations' delegations to
//! them, their return visits, and a liaison trip they helped to receive, so each
//! association's page shows its record with the two sides.

use crate::access::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::event::{self, EventInput, EventOrgInput};
use crate::exchange::{self, ExchangeInput};
use crate::org;

/// day, kind, from, to, summary, people
type Visit = (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    i64,
);

#[rustfmt::skip]
const VISITS: &[Visit] = &[
    ("2023-06-12", "visit", "重庆市侨联", &["泰国川渝总商会"], "重庆市侨联代表团赴曼谷走访泰国川渝总商会，座谈川渝企业在泰发展", 8),
    ("2023-06-15", "visit", "重庆市侨联", &["缅甸川渝总商会"], "重庆市侨联代表团赴仰光走访缅甸川渝总商会，了解侨企复工复产情况", 8),
    ("2023-11-08", "visit", "四川省侨联", &["越南川渝企业联合会"], "四川省侨联代表团赴胡志明市走访越南川渝企业联合会", 6),
    ("2024-04-20", "visit", "泰国川渝总商会", &["重庆市侨联", "四川省侨联"], "泰国川渝总商会代表团回访重庆、成都，对接投资项目", 15),
    ("2024-05-16", "video_call", "万州区侨联", &["越南川渝企业联合会"], "万州区侨联与越南川渝企业联合会视频连线，介绍万达开侨商联盟", 12),
    ("2024-10-22", "seminar", "达州市侨联", &["缅甸川渝总商会"], "达州市侨联与缅甸川渝总商会座谈，商议侨商回乡考察安排", 10),
];

pub async fn load(db: &Db, system: &Actor) -> Result<()> {
    let named = async |n: &str| org::find_by_name(db, n).await?.ok_or(Error::NotFound);
    for (day, kind, from, to, summary, people) in VISITS {
        let mut to_org_ids = Vec::new();
        for t in *to {
            to_org_ids.push(named(t).await?.id);
        }
        exchange::create(
            db,
            system,
            &ExchangeInput {
                happened_on: (*day).into(),
                kind: (*kind).into(),
                from_org_id: Some(named(from).await?.id),
                to_org_ids,
                summary: format!("{summary}（演示数据）"),
                participants: Some(*people),
                ..ExchangeInput::default()
            },
        )
        .await?;
    }
    let mut orgs = vec![
        EventOrgInput {
            org_id: Some(named("重庆市侨联").await?.id),
            role: "host".into(),
        },
        EventOrgInput {
            org_id: Some(named("四川省侨联").await?.id),
            role: "co_host".into(),
        },
    ];
    for a in ["泰国川渝总商会", "缅甸川渝总商会", "越南川渝企业联合会"] {
        orgs.push(EventOrgInput {
            org_id: Some(named(a).await?.id),
            role: "supporter".into(),
        });
    }
    event::create(
        db,
        system,
        &EventInput {
            kind: "liaison".into(),
            title: "2024年川渝侨联东南亚侨团走访联谊".into(),
            starts_on: "2024-06-10".into(),
            ends_on: "2024-06-16".into(),
            country_code: Some("TH".into()),
            place: Some("曼谷、仰光、胡志明市".into()),
            status: "held".into(),
            summary: Some(
                "重庆市侨联、四川省侨联联合走访东南亚川渝侨团，三家商会协助接待。（演示数据）"
                    .into(),
            ),
            orgs,
            ..EventInput::default()
        },
    )
    .await?;
    tracing::info!(visits = VISITS.len(), "demo association visits loaded");
    Ok(())
}
