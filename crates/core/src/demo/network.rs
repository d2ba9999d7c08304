//! Demo network: pairings for the framework agreements, the alliance, the basin
//! mechanism and nine more, the four joint meetings with resolutions turned into
//! tasks, and exchanges growing from 20+ in 2019 to 100+ in 2023.

use chrono::{Datelike, Duration, NaiveDate};

use crate::access::Actor;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::exchange::{self, ExchangeInput};
use crate::mechanism::{self, ConvenorInput, MembersInput};
use crate::meeting::{self, MeetingInput};
use crate::org::{self, Org, OrgInput};
use crate::page::PageRequest;
use crate::pairing::{self, PairingInput};
use crate::settings;
use crate::task;

async fn named(db: &Db, name: &str) -> Result<Org> {
    org::find_by_name(db, name).await?.ok_or(Error::NotFound)
}

/// Further mechanisms among platforms (demo names): name, convening federation, members.
const MECHANISMS: &[(&str, &str, &[&str])] = &[
    (
        "川渝侨商会合作机制",
        "重庆市侨联",
        &["重庆市侨联", "四川省侨联", "成都市侨联"],
    ),
    (
        "川渝侨青会联盟",
        "四川省侨联",
        &["四川省侨联", "重庆市侨联", "渝中区侨联", "成都市侨联"],
    ),
    (
        "川渝高校侨联合作机制",
        "重庆市侨联",
        &["重庆市侨联", "四川省侨联"],
    ),
    (
        "川渝侨联法律顾问委员会合作机制",
        "四川省侨联",
        &["四川省侨联", "重庆市侨联"],
    ),
    (
        "川渝华文媒体采访行合作平台",
        "重庆市侨联",
        &[
            "重庆市侨联",
            "四川省侨联",
            "乐山市侨联",
            "忠县侨联",
            "奉节县侨联",
        ],
    ),
    (
        "成渝侨界智库联盟",
        "四川省侨联",
        &[
            "四川省侨联",
            "重庆市侨联",
            "重庆市侨联特聘专家委员会",
            "四川省侨联特聘专家委员会",
        ],
    ),
    (
        "渝东北川东北侨联协作机制",
        "万州区侨联",
        &["万州区侨联", "开州区侨联", "达州市侨联", "南充市侨联"],
    ),
    (
        "川南渝西侨联合作机制",
        "铜梁区侨联",
        &["铜梁区侨联", "合川区侨联", "遂宁市侨联", "乐山市侨联"],
    ),
    (
        "成渝中部侨联结对联盟",
        "北碚区侨联",
        &["北碚区侨联", "江北区侨联", "广安市侨联", "遂宁市侨联"],
    ),
];

const MEETINGS: &[(&str, &str, &str, &[&str])] = &[
    (
        "2020-06-18",
        "重庆市侨联",
        "重庆",
        &[
            "印发战略合作协议重点任务分解方案，明确牵头单位和完成时限",
            "建立联席会议制度，每年至少召开一次",
            "推动区县侨联与市（州）侨联签订合作框架协议",
        ],
    ),
    (
        "2021-07-22",
        "四川省侨联",
        "成都",
        &[
            "联合举办海外侨领国情研修班",
            "共同承办海外华文媒体川渝采访行",
            "推动万达开侨商联盟实体化运行",
            "建立侨界代表人士信息共享机制",
        ],
    ),
    (
        "2022-08-25",
        "重庆市侨联",
        "重庆",
        &[
            "迭代升级合作目标体系和工作体系",
            "推动泛涪江流域侨联合作机制开展联合调研",
            "联合开展“亲情中华”网上营活动",
        ],
    ),
    (
        "2023-09-14",
        "四川省侨联",
        "成都",
        &[
            "联合举办“一带一路”侨商合作发展大会",
            "推动基层侨联组织结对共建全覆盖",
            "共同开展成渝地区双城经济圈建设专题调研",
            "建立法侨、检侨合作机制",
        ],
    ),
];

/// Exchanges per year, as the programme grew.
const EXCHANGES_PER_YEAR: &[(i32, usize)] = &[
    (2019, 22),
    (2020, 31),
    (2021, 48),
    (2022, 66),
    (2023, 104),
    (2024, 83),
];

const KINDS: &[&str] = &[
    "visit",
    "reception",
    "seminar",
    "video_call",
    "joint_activity",
    "visit",
    "seminar",
];

pub async fn load(db: &Db, system: &Actor) -> Result<()> {
    let today = settings::today();
    // Pairings follow the framework agreements.
    let agreements = crate::agreement::list(
        db,
        system,
        &crate::agreement::AgreementFilter {
            kind: Some("framework".into()),
            ..Default::default()
        },
        PageRequest::new(1, 500),
    )
    .await?
    .items;
    let mut pairs = Vec::new();
    for a in &agreements {
        let (Some(x), Some(y)) = (a.parties.first(), a.parties.get(1)) else {
            continue;
        };
        let p = pairing::create(
            db,
            system,
            &PairingInput {
                org_a_id: Some(x.org_id),
                org_b_id: Some(y.org_id),
                level: "district".into(),
                since: a.signed_on.unwrap_or(today).to_string(),
                agreement_id: Some(a.id),
                notes: Some("演示数据".into()),
            },
        )
        .await?;
        pairs.push(p);
    }

    // Mechanisms: members and convenors of the two named ones, then nine more.
    let alliance = named(db, "万达开侨商联盟").await?;
    let basin = named(db, "泛涪江流域侨联合作机制").await?;
    let mut all = vec![
        (
            alliance,
            "万州区侨联",
            vec!["万州区侨联", "达州市侨联", "开州区侨联", "梁平区侨联"],
        ),
        (
            basin,
            "合川区侨联",
            vec![
                "江北区侨联",
                "北碚区侨联",
                "合川区侨联",
                "铜梁区侨联",
                "成都市侨联",
                "绵阳市侨联",
                "南充市侨联",
                "遂宁市侨联",
            ],
        ),
    ];
    for (name, convenor, members) in MECHANISMS {
        let parent = named(db, convenor).await?;
        let o = org::create(
            db,
            system,
            &OrgInput {
                name: (*name).into(),
                kind: "mechanism".into(),
                level: parent.level.as_str().into(),
                side: parent.side_code.clone(),
                region_code: parent.region_code.clone(),
                parent_id: Some(parent.id),
                notes: Some("演示数据".into()),
                ..OrgInput::default()
            },
        )
        .await?;
        all.push((o, convenor, members.to_vec()));
    }
    for (m, convenor, members) in &all {
        let mut ids = Vec::new();
        for name in members {
            ids.push(named(db, name).await?.id);
        }
        mechanism::set_members(
            db,
            system,
            m.id,
            &MembersInput {
                org_ids: ids.clone(),
                joined_on: Some("2021-03-01".into()),
            },
        )
        .await?;
        // Convenors rotate yearly, starting with the convening federation.
        let first = named(db, convenor).await?.id;
        let order: Vec<_> = std::iter::once(first)
            .chain(ids.into_iter().filter(|i| *i != first))
            .collect();
        for (year, org_id) in (2021..=today.year()).zip(order.iter().cycle()) {
            mechanism::rotate_convenor(
                db,
                system,
                m.id,
                &ConvenorInput {
                    org_id: Some(*org_id),
                    from_on: format!("{year}-03-01"),
                },
            )
            .await?;
        }
    }

    // The four joint meetings; each first resolution becomes a task of the strategic plan.
    let strategic = crate::agreement::list(
        db,
        system,
        &crate::agreement::AgreementFilter {
            kind: Some("strategic".into()),
            ..Default::default()
        },
        PageRequest::new(1, 1),
    )
    .await?
    .items;
    let strategic_plan = match strategic.first() {
        Some(a) => crate::plan::of_agreement(db, system, a.id)
            .await?
            .first()
            .map(|p| p.id),
        None => None,
    };
    let (cq, sc) = (
        named(db, "重庆市侨联").await?,
        named(db, "四川省侨联").await?,
    );
    for (i, (held_on, host, place, resolutions)) in MEETINGS.iter().enumerate() {
        let host = named(db, host).await?;
        let m = meeting::create(
            db,
            system,
            &MeetingInput {
                seq: Some(i64::try_from(i).unwrap_or(0) + 1),
                title: format!("川渝侨联第{}次联席会议", ["一", "二", "三", "四"][i]),
                held_on: (*held_on).into(),
                place: Some((*place).into()),
                host_org_id: Some(host.id),
                participant_org_ids: vec![cq.id, sc.id],
                agenda: Some("通报合作进展；审议年度合作计划；研究议定事项".into()),
                minutes: Some(
                    "会议听取了两地侨联合作情况通报，研究确定了议定事项。（演示数据）".into(),
                ),
                resolutions: resolutions.iter().map(|r| (*r).to_string()).collect(),
                ..MeetingInput::default()
            },
        )
        .await?;
        if let (Some(plan), Some(r)) = (strategic_plan, m.resolutions.first()) {
            let start = NaiveDate::parse_from_str(held_on, "%Y-%m-%d").unwrap_or(today);
            let lead = if i % 2 == 0 { &cq } else { &sc };
            let input = task::TaskInput {
                plan_id: Some(plan),
                title: r.text.clone(),
                goal: r.text.clone(),
                standard: "按议定事项要求全部落实并形成报告".into(),
                requirement: "落实情况在下次联席会议上通报".into(),
                start_on: start.to_string(),
                deadline: (start + Duration::days(300)).to_string(),
                lead_org_id: Some(lead.id),
                resolution_id: Some(r.id),
                ..task::TaskInput::default()
            };
            let t = task::create(db, system, &input).await?;
            // The first three meetings' resolutions were carried out and closed.
            if i < 3 {
                let lead_actor = Actor {
                    org_id: lead.id,
                    org_path: lead.path.clone(),
                    ..system.clone()
                };
                task::step(db, system, t.id, task::Step::Assign, None, None).await?;
                task::step(db, &lead_actor, t.id, task::Step::Accept, None, None).await?;
                let report = task::ReportInput {
                    reported_on: (start + Duration::days(200)).min(today).to_string(),
                    percent: Some(100),
                    done: "议定事项已全部落实".into(),
                    ..task::ReportInput::default()
                };
                task::report(db, &lead_actor, t.id, &report, &[]).await?;
                task::step(db, &lead_actor, t.id, task::Step::ReportDone, None, None).await?;
                task::step(db, system, t.id, task::Step::Close, None, None).await?;
            }
        }
    }

    // Exchanges: most between paired organizations, some within mechanisms. The last
    // two pairings have had none for over a year, so they show as dormant.
    let active = &pairs[..pairs.len().saturating_sub(2)];
    let mut k = 0usize;
    for (year, count) in EXCHANGES_PER_YEAR {
        for n in 0..*count {
            let day = NaiveDate::from_ymd_opt(*year, 1, 1).unwrap_or(today)
                + Duration::days(i64::try_from((n * 353 / count + k % 7) % 360).unwrap_or(0));
            if day > today || active.is_empty() {
                continue;
            }
            let p = &active[k % active.len()];
            let (from, to) = if k.is_multiple_of(2) {
                (p.org_a_id, p.org_b_id)
            } else {
                (p.org_b_id, p.org_a_id)
            };
            let kind = KINDS[k % KINDS.len()];
            exchange::create(
                db,
                system,
                &ExchangeInput {
                    happened_on: day.to_string(),
                    kind: kind.into(),
                    from_org_id: Some(from),
                    to_org_ids: vec![to],
                    summary: format!(
                        "{}与{}开展{}（演示数据）",
                        if from == p.org_a_id {
                            &p.org_a_name
                        } else {
                            &p.org_b_name
                        },
                        if to == p.org_a_id {
                            &p.org_a_name
                        } else {
                            &p.org_b_name
                        },
                        kind_zh(kind)
                    ),
                    participants: Some(i64::try_from(6 + k % 15).unwrap_or(6)),
                    pairing_id: Some(p.id),
                    ..ExchangeInput::default()
                },
            )
            .await?;
            k += 1;
        }
    }
    // And a recent visit for each active pairing, so they show as active today.
    for (i, p) in active.iter().enumerate() {
        let day = today - Duration::days(i64::try_from(20 + i * 9).unwrap_or(20));
        exchange::create(
            db,
            system,
            &ExchangeInput {
                happened_on: day.to_string(),
                kind: "visit".into(),
                from_org_id: Some(p.org_a_id),
                to_org_ids: vec![p.org_b_id],
                summary: format!("{}赴{}走访交流（演示数据）", p.org_a_name, p.org_b_name),
                participants: Some(8),
                pairing_id: Some(p.id),
                ..ExchangeInput::default()
            },
        )
        .await?;
        k += 1;
    }
    tracing::info!(
        pairings = pairs.len(),
        mechanisms = all.len(),
        exchanges = k,
        "demo network loaded"
    );
    Ok(())
}

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "visit" => "走访交流",
        "reception" => "接待来访",
        "seminar" => "座谈交流",
        "video_call" => "视频连线",
        _ => "联合活动",
    }
}
