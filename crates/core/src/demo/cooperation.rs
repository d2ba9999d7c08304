//! Demo cooperation records: the strategic agreement with its seven areas and tasks,
//! and 32 district↔city framework agreements with about a hundred tasks in every state
//! and colour. Dates are relative to today so the colours stay meaningful.

use chrono::{Duration, NaiveDate};

use crate::access::Actor;
use crate::agreement::{self, AgreementInput, AreaInput, PartyInput};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::org::{self, Org};
use crate::plan::{self, PlanInput};
use crate::settings;
use crate::task::{self, ReportInput, Step, TaskId, TaskInput};

const AREAS: &[(&str, &str)] = &[
    ("打造涉侨经科活动品牌", "共同举办经贸、科技类品牌活动"),
    ("深化巴蜀文化对外交流", "联合开展文化交流与海外传播"),
    ("共同拓展联络联谊", "共享海外侨领、社团资源，共同接待、走访"),
    ("携手维护侨胞合法权益", "法侨、检侨合作，联合开展维权服务"),
    ("整合共享侨务资源", "共享侨情信息、项目和产业信息"),
    ("共建高水平侨界智库", "两地特聘专家委员会合作，联合调研"),
    ("加强基层侨联组织结对发展", "区县、乡镇、社区侨联结对共建"),
];

/// Titles of demo tasks per area, with the goal and standard that go with them.
const STRATEGIC_TASKS: &[(usize, &str, &str, &str)] = &[
    (
        0,
        "联合举办“一带一路”侨商合作发展大会",
        "邀请海外侨商代表参会并集中签约",
        "参会国家和地区不少于 80 个，签约项目不少于 40 个",
    ),
    (
        0,
        "共同办好创业中华·华侨论坛",
        "搭建侨商投资对接平台",
        "促成投资意向项目不少于 10 个",
    ),
    (
        1,
        "联合承办海外华文媒体川渝采访行",
        "组织海外华文媒体实地采风",
        "邀请媒体不少于 30 家，海外刊发稿件不少于 2000 篇",
    ),
    (
        1,
        "开展“亲情中华”网上营和“中国寻根之旅”夏令营",
        "覆盖海外川渝籍华裔青少年",
        "网上营不少于 50 期，夏令营不少于 20 期",
    ),
    (
        2,
        "共同走访海外川渝社团",
        "走访泰国、缅甸、越南等地川渝社团",
        "走访社团不少于 30 家",
    ),
    (
        2,
        "联合举办海外侨领国情研修班",
        "协助邀请海外侨领来川渝研修",
        "研修侨领不少于 200 名、来自 50 个以上国家",
    ),
    (
        3,
        "建立法侨、检侨合作机制",
        "两地法律顾问委员会联合开展维权服务",
        "形成联合维权工作规程 1 份，办理案件台账完整",
    ),
    (
        4,
        "共享侨界代表人士信息",
        "建立共享名录并定期更新",
        "每季度更新一次，双方均可查阅",
    ),
    (
        5,
        "联合开展成渝地区双城经济圈专题调研",
        "两地特聘专家委员会共同调研",
        "形成调研信息、侨情专报不少于 20 篇",
    ),
    (
        6,
        "推动基层侨联结对共建",
        "区县、乡镇、社区侨联结成对子",
        "结对不少于 30 对，每对每年交流不少于 2 次",
    ),
];

const CQ_DISTRICTS: &[&str] = &[
    "万州区侨联",
    "开州区侨联",
    "梁平区侨联",
    "江北区侨联",
    "北碚区侨联",
    "合川区侨联",
    "铜梁区侨联",
    "渝中区侨联",
    "忠县侨联",
    "奉节县侨联",
];
const SC_CITIES: &[&str] = &[
    "达州市侨联",
    "成都市侨联",
    "绵阳市侨联",
    "南充市侨联",
    "遂宁市侨联",
    "乐山市侨联",
    "广安市侨联",
];

/// Framework tasks: title, goal, standard, requirement.
const FRAMEWORK_TASKS: &[(&str, &str, &str)] = &[
    (
        "互派干部交流学习",
        "双方各派 2 名干部交流",
        "交流期不少于 1 个月，形成学习报告",
    ),
    (
        "联合开展侨企考察对接",
        "组织侨企互访考察",
        "对接侨企不少于 10 家，达成合作意向不少于 2 项",
    ),
    (
        "共同举办侨界文化交流活动",
        "联合举办书画展或文艺交流",
        "活动不少于 1 场，参与侨界群众不少于 200 人",
    ),
    (
        "共享海外侨团联络资源",
        "交换海外侨团联络名单",
        "共享侨团不少于 10 家并共同走访 1 家",
    ),
];

/// How a demo task ends up: which steps, what progress, and where its dates sit
/// relative to today (start offset, deadline offset).
#[derive(Clone, Copy)]
enum Fate {
    Draft,
    Assigned,
    Accepted,
    OnTrack,
    Behind,
    DueSoon,
    Overdue,
    ReportedDone,
    Closed,
    Cancelled,
}

const FATES: &[Fate] = &[
    Fate::OnTrack,
    Fate::Closed,
    Fate::Behind,
    Fate::OnTrack,
    Fate::DueSoon,
    Fate::Overdue,
    Fate::ReportedDone,
    Fate::Accepted,
    Fate::Assigned,
    Fate::Closed,
    Fate::Draft,
    Fate::OnTrack,
    Fate::Cancelled,
];

impl Fate {
    fn dates(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let d = |n: i64| today + Duration::days(n);
        match self {
            Fate::Behind => (d(-200), d(100)),
            Fate::DueSoon => (d(-120), d(4)),
            Fate::Overdue => (d(-200), d(-12)),
            Fate::Closed => (d(-400), d(-60)),
            _ => (d(-60), d(240)),
        }
    }
}

fn actor_for(system: &Actor, o: &Org) -> Actor {
    Actor {
        org_id: o.id,
        org_path: o.path.clone(),
        ..system.clone()
    }
}

async fn named(db: &Db, name: &str) -> Result<Org> {
    org::find_by_name(db, name).await?.ok_or(Error::NotFound)
}

/// Creates a task and walks it to its fate through the real lifecycle.
async fn task_with_fate(
    db: &Db,
    system: &Actor,
    lead: &Org,
    mut input: TaskInput,
    fate: Fate,
) -> Result<TaskId> {
    let today = settings::today();
    let (start, deadline) = fate.dates(today);
    input.start_on = start.to_string();
    input.deadline = deadline.to_string();
    input.lead_org_id = Some(lead.id);
    let t = task::create(db, system, &input).await?;
    let lead_actor = actor_for(system, lead);
    let report = |percent: i64, days_ago: i64, done: &str| ReportInput {
        reported_on: (today - Duration::days(days_ago)).to_string(),
        percent: Some(percent),
        done: done.to_owned(),
        next_step: Some("按计划继续推进".into()),
        problems: None,
        backwards_reason: None,
    };
    if matches!(fate, Fate::Draft) {
        return Ok(t.id);
    }
    task::step(db, system, t.id, Step::Assign, None, None).await?;
    if matches!(fate, Fate::Assigned) {
        return Ok(t.id);
    }
    task::step(db, &lead_actor, t.id, Step::Accept, None, None).await?;
    let steps: &[(i64, i64, &str)] = match fate {
        Fate::OnTrack => &[
            (20, 40, "完成前期对接，确定工作方案"),
            (35, 8, "召开协调会，落实责任分工"),
        ],
        Fate::Behind => &[
            (15, 90, "完成方案制定"),
            (20, 20, "受客观因素影响，部分活动推迟"),
        ],
        Fate::DueSoon => &[(60, 30, "主体工作完成过半"), (90, 5, "进入收尾阶段")],
        Fate::Overdue => &[(40, 60, "已完成部分对接"), (70, 15, "剩余事项正在协调")],
        Fate::ReportedDone => &[
            (50, 80, "完成主要环节"),
            (100, 10, "全部完成，材料已整理归档"),
        ],
        // Closed before its deadline, 60 days ago.
        Fate::Closed => &[
            (50, 150, "完成主要环节"),
            (100, 70, "全部完成，材料已整理归档"),
        ],
        Fate::Cancelled => &[(10, 30, "启动前期准备")],
        _ => &[],
    };
    for (percent, ago, done) in steps {
        task::report(
            db,
            &lead_actor,
            t.id,
            &report(*percent, (*ago).min((today - start).num_days()), done),
            &[],
        )
        .await?;
    }
    match fate {
        Fate::ReportedDone => {
            drop(task::step(db, &lead_actor, t.id, Step::ReportDone, None, None).await?)
        }
        Fate::Closed => {
            task::step(db, &lead_actor, t.id, Step::ReportDone, None, None).await?;
            task::step(db, system, t.id, Step::Close, None, None).await?;
        }
        Fate::Cancelled => drop(
            task::step(
                db,
                system,
                t.id,
                Step::Cancel,
                Some("并入联席会议新议定事项"),
                None,
            )
            .await?,
        ),
        _ => {}
    }
    Ok(t.id)
}

pub async fn load(db: &Db, system: &Actor) -> Result<()> {
    let today = settings::today();
    let (cq, sc) = (
        named(db, "重庆市侨联").await?,
        named(db, "四川省侨联").await?,
    );
    let strategic = agreement::create(
        db,
        system,
        &AgreementInput {
            kind: "strategic".into(),
            title: "服务成渝地区双城经济圈建设战略合作协议".into(),
            signed_on: Some("2020-04-30".into()),
            valid_until: None,
            status: "in_force".into(),
            summary: Some("两地侨联围绕七个方面开展合作，任务、责任逐项分解，定目标、定标准、定时限、定要求。（演示数据）".into()),
            parties: vec![
                PartyInput { org_id: Some(cq.id), role: "signatory".into() },
                PartyInput { org_id: Some(sc.id), role: "signatory".into() },
            ],
            areas: AREAS
                .iter()
                .map(|(n, d)| AreaInput { id: None, name: (*n).into(), description: Some((*d).into()) })
                .collect(),
            version: None,
        },
    )
    .await?;
    // Plans span the demo tasks' dates: from 400 days ago to 300 days ahead.
    let (from, to) = (today - Duration::days(400), today + Duration::days(300));
    let years = format!("{}—{}", from.format("%Y"), to.format("%Y"));
    let plan = plan::create(
        db,
        system,
        &PlanInput {
            agreement_id: Some(strategic.id),
            title: format!("战略合作协议重点任务分解（{years}）"),
            owner_org_id: Some(cq.id),
            period_start: from.to_string(),
            period_end: to.to_string(),
            cadence: "monthly".into(),
            due_day: Some(28),
            change_note: None,
            meeting_id: None,
            version: None,
        },
    )
    .await?;
    for (i, (area, title, goal, standard)) in STRATEGIC_TASKS.iter().enumerate() {
        let lead = if i % 2 == 0 { &cq } else { &sc };
        let input = TaskInput {
            plan_id: Some(plan.id),
            area_id: strategic.areas.get(*area).map(|a| a.id),
            title: (*title).into(),
            goal: (*goal).into(),
            standard: (*standard).into(),
            requirement: "每月 28 日前报送进展，重要事项及时报告".into(),
            supporting_org_ids: vec![if i % 2 == 0 { sc.id } else { cq.id }],
            responsible: Some("联络部".into()),
            ..TaskInput::default()
        };
        task_with_fate(db, system, lead, input, FATES[i % FATES.len()]).await?;
    }

    // 32 district↔city framework agreements, each with a plan and three tasks.
    let pairs = CQ_DISTRICTS
        .iter()
        .enumerate()
        .flat_map(|(i, d)| (0..4).map(move |k| (*d, SC_CITIES[(i + k) % SC_CITIES.len()])))
        .take(32);
    let mut n = 0;
    for (district, city) in pairs {
        let (d, c) = (named(db, district).await?, named(db, city).await?);
        let signed = today - Duration::days(300 + 37 * n as i64 % 900);
        let a = agreement::create(
            db,
            system,
            &AgreementInput {
                kind: "framework".into(),
                title: format!(
                    "{}与{}合作框架协议",
                    d.name.trim_end_matches("侨联"),
                    c.name.trim_end_matches("侨联")
                ),
                signed_on: Some(signed.to_string()),
                valid_until: Some((signed + Duration::days(365 * 3)).to_string()),
                status: "in_force".into(),
                summary: Some("演示数据".into()),
                parties: vec![
                    PartyInput {
                        org_id: Some(d.id),
                        role: "lead".into(),
                    },
                    PartyInput {
                        org_id: Some(c.id),
                        role: "signatory".into(),
                    },
                ],
                areas: vec![
                    AreaInput {
                        id: None,
                        name: "经贸合作".into(),
                        description: None,
                    },
                    AreaInput {
                        id: None,
                        name: "联谊交流".into(),
                        description: None,
                    },
                ],
                version: None,
            },
        )
        .await?;
        let p = plan::create(
            db,
            system,
            &PlanInput {
                agreement_id: Some(a.id),
                title: format!("{years} 合作计划"),
                owner_org_id: Some(d.id),
                period_start: from.to_string(),
                period_end: to.to_string(),
                cadence: "monthly".into(),
                due_day: Some(28),
                change_note: None,
                meeting_id: None,
                version: None,
            },
        )
        .await?;
        for j in 0..3 {
            let (title, goal, standard) = FRAMEWORK_TASKS[(n + j) % FRAMEWORK_TASKS.len()];
            let lead = if j == 1 { &c } else { &d };
            let input = TaskInput {
                plan_id: Some(p.id),
                area_id: a.areas.get(j % 2).map(|ar| ar.id),
                title: title.into(),
                goal: goal.into(),
                standard: standard.into(),
                requirement: "按月报送进展，完成后提交佐证材料".into(),
                supporting_org_ids: vec![if j == 1 { d.id } else { c.id }],
                ..TaskInput::default()
            };
            task_with_fate(db, system, lead, input, FATES[(n * 3 + j) % FATES.len()]).await?;
        }
        n += 1;
    }
    tracing::info!(framework_agreements = n, "demo cooperation records loaded");
    Ok(())
}

/// When a step of a task's history happened: the local day and hour as an instant.
fn local_at(day: NaiveDate, hour: u32) -> chrono::DateTime<chrono::Utc> {
    let offset = Duration::minutes(i64::from(settings::get().utc_offset_minutes));
    day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc() - offset
}

/// The demo's tasks are recorded in seconds, but a federation's ledger grows over years:
/// each task is dated the day before it starts (a few days ago when it starts later),
/// each report event at its report's day, and each other step after the one before it,
/// never later than now — so the ledger as it stood on a past day shows what stood then.
pub(super) async fn backdate_history(db: &Db) -> Result<()> {
    use crate::sql::Sql;
    let now = crate::now();
    let today = settings::today();
    let mut tx = db.write().await?;
    let tasks: Vec<(i64, NaiveDate)> = Sql::new("select id, start_on from task order by id")
        .all(&mut tx)
        .await?;
    let events: Vec<(i64, i64, String)> =
        Sql::new("select id, task_id, kind from task_event order by task_id, id")
            .all(&mut tx)
            .await?;
    let reports: Vec<(i64, i64, NaiveDate)> =
        Sql::new("select id, task_id, reported_on from progress_report order by task_id, id")
            .all(&mut tx)
            .await?;
    let mut events = events.into_iter().peekable();
    let mut reports = reports.into_iter().peekable();
    for (task, start) in tasks {
        let created = if start <= today {
            local_at(start - Duration::days(1), 9)
        } else {
            local_at(today - Duration::days(3), 9)
        }
        .min(now);
        let mut cursor = created;
        while let Some((id, _, kind)) = events.next_if(|(_, t, _)| *t == task) {
            let proposed = match kind.as_str() {
                "created" => created,
                "assign" if start <= today => local_at(start, 10).max(cursor),
                "accept" => cursor + Duration::days(2),
                "report" => match reports.next_if(|(_, t, _)| *t == task) {
                    Some((report, _, day)) => {
                        let at = local_at(day, 17).max(cursor).min(now);
                        let mut q = Sql::new("update progress_report set created_at = ");
                        q.bind(at).push(" where id = ").bind(report);
                        q.execute(&mut tx).await?;
                        at
                    }
                    None => cursor + Duration::hours(1),
                },
                "report_done" => cursor + Duration::days(1),
                "close" | "cancel" => cursor + Duration::days(3),
                _ => cursor + Duration::hours(1),
            };
            cursor = proposed.min(now).max(cursor);
            let mut q = Sql::new("update task_event set created_at = ");
            q.bind(cursor).push(" where id = ").bind(id);
            q.execute(&mut tx).await?;
        }
        let mut q = Sql::new("update task set created_at = ");
        q.bind(created)
            .push(", updated_at = ")
            .bind(cursor)
            .push(" where id = ")
            .bind(task);
        q.execute(&mut tx).await?;
    }
    tx.commit().await
}
