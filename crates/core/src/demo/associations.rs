//! Demo overseas associations and their visits: the three named ones with the
//! federations' delegations, their return visits and a liaison trip they helped to
//! receive; and 28 more (demo names, the epidemic donors among them), each visited once,
//! so the federations have visited 30+ associations as the article says.

use crate::access::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::event::{self, EventInput, EventOrgInput};
use crate::exchange::{self, ExchangeInput};
use crate::org::{self, OrgInput};

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

/// Associations with demo names: name, country, city. Founding days and members are
/// made up from their place in the list.
#[rustfmt::skip]
pub(super) const OTHERS: &[(&str, &str, &str)] = &[
    ("美国重庆同乡会（演示）", "US", "纽约"),
    ("加拿大四川同乡会（演示）", "CA", "多伦多"),
    ("英国华侨华人社团联合会（演示）", "GB", "伦敦"),
    ("澳大利亚川渝商会（演示）", "AU", "悉尼"),
    ("新加坡川渝商会（演示）", "SG", "新加坡"),
    ("马来西亚重庆商会（演示）", "MY", "吉隆坡"),
    ("日本四川同乡会（演示）", "JP", "东京"),
    ("印度尼西亚华人企业家协会（演示）", "ID", "雅加达"),
    ("菲律宾华商联合会（演示）", "PH", "马尼拉"),
    ("柬埔寨川渝同乡会（演示）", "KH", "金边"),
    ("德国华侨华人联合会（演示）", "DE", "柏林"),
    ("法国华人商会（演示）", "FR", "巴黎"),
    ("意大利华侨华人联合会（演示）", "IT", "米兰"),
    ("西班牙华人协会（演示）", "ES", "马德里"),
    ("荷兰华人总会（演示）", "NL", "阿姆斯特丹"),
    ("俄罗斯华侨华人协会（演示）", "RU", "莫斯科"),
    ("巴西华人协会（演示）", "BR", "圣保罗"),
    ("阿根廷华人商会（演示）", "AR", "布宜诺斯艾利斯"),
    ("南非华人联合会（演示）", "ZA", "约翰内斯堡"),
    ("阿联酋华侨华人商会（演示）", "AE", "迪拜"),
    ("匈牙利华人联合会（演示）", "HU", "布达佩斯"),
    ("新西兰华人联合会（演示）", "NZ", "奥克兰"),
    ("韩国华侨协会（演示）", "KR", "首尔"),
    ("老挝中华商会（演示）", "LA", "万象"),
    ("香港川渝同乡会（演示）", "HK", "香港"),
    ("澳门四川同乡会（演示）", "MO", "澳门"),
    ("葡萄牙华人协会（演示）", "PT", "里斯本"),
    ("瑞典华人总会（演示）", "SE", "斯德哥尔摩"),
];

pub async fn load(db: &Db, system: &Actor) -> Result<()> {
    let named = async |n: &str| org::find_by_name(db, n).await?.ok_or(Error::NotFound);
    let (cq, sc) = (named("重庆市侨联").await?, named("四川省侨联").await?);
    let first = chrono::NaiveDate::from_ymd_opt(2019, 3, 1).ok_or(Error::NotFound)?;
    for (i, (name, country, city)) in OTHERS.iter().enumerate() {
        let n = i32::try_from(i).unwrap_or(0);
        let a = org::create(
            db,
            system,
            &OrgInput {
                name: (*name).into(),
                kind: "overseas_association".into(),
                level: "overseas".into(),
                side: "overseas".into(),
                country_code: Some((*country).into()),
                city: Some((*city).into()),
                founded_on: Some(format!("{}-{:02}-{:02}", 1988 + n, 1 + n % 12, 1 + n % 28)),
                members_count: Some(i64::from(120 + n * 37 % 560)),
                notes: Some("演示数据".into()),
                ..OrgInput::default()
            },
        )
        .await?;
        // One visit each, spread over 2019–2024; in the epidemic years, by video.
        let day = first + chrono::Duration::days(i64::from(n) * 75);
        let from = if i % 2 == 0 { &cq } else { &sc };
        let kind = if matches!(day.format("%Y").to_string().as_str(), "2020" | "2021") {
            "video_call"
        } else {
            "visit"
        };
        exchange::create(
            db,
            system,
            &ExchangeInput {
                happened_on: day.to_string(),
                kind: kind.into(),
                from_org_id: Some(from.id),
                to_org_ids: vec![a.id],
                summary: format!(
                    "{}与{}{}（演示数据）",
                    from.name,
                    a.name,
                    if kind == "visit" {
                        "走访交流"
                    } else {
                        "视频连线"
                    }
                ),
                participants: Some(i64::from(4 + n % 5)),
                ..ExchangeInput::default()
            },
        )
        .await?;
    }
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
            org_id: Some(cq.id),
            role: "host".into(),
        },
        EventOrgInput {
            org_id: Some(sc.id),
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
    tracing::info!(
        associations = OTHERS.len() + 3,
        visits = VISITS.len() + OTHERS.len(),
        "demo associations and their visits loaded"
    );
    Ok(())
}
