//! Demo outcomes across the years: the economic event series named in the programme's
//! reports (over 100 billion yuan signed and 200+ talents in all), two years of study
//! programmes for overseas leaders, the 2024 overseas Chinese-media tours with their
//! articles, online and summer camps, and the visit of 68 leaders from 46 countries.
//! Every figure is made of generated records; all of it is marked as demo data.

use crate::access::Actor;
use crate::article::{self, ArticleInput};
use crate::camp::{self, ParticipantInput, SessionInput};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::event::{self, CountryInput, EventId, EventInput, EventOrgInput};
use crate::org::{self, Org, OrgInput};
use crate::project::{self, ProjectInput, StepInput};
use crate::talent::{self, TalentInput};

/// A series: name, kind, host side ("cq" or "sc"), editions (year, month-day).
type Series = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(i32, &'static str)],
);

const SERIES: &[Series] = &[
    (
        "侨界精英川渝汇",
        "economic",
        "cq",
        &[
            (2021, "06-18"),
            (2022, "06-16"),
            (2023, "06-15"),
            (2024, "06-20"),
        ],
    ),
    (
        "“一带一路”侨商组织年会",
        "economic",
        "sc",
        &[(2021, "11-09"), (2023, "11-14")],
    ),
    (
        "创业中华·华侨论坛",
        "economic",
        "cq",
        &[(2020, "10-20"), (2022, "10-25"), (2024, "10-22")],
    ),
    (
        "“一带一路”华商峰会",
        "economic",
        "sc",
        &[(2022, "09-06"), (2023, "09-05")],
    ),
    (
        "“一带一路”侨商合作发展大会",
        "conference",
        "cq",
        &[(2021, "09-14"), (2022, "09-13"), (2023, "09-12")],
    ),
    (
        "创业中华—世界名校“侨”重庆",
        "economic",
        "cq",
        &[(2022, "05-19"), (2023, "05-18"), (2024, "05-23")],
    ),
];

const SECTORS: &[&str] = &[
    "智能制造",
    "电子信息",
    "生物医药",
    "现代物流",
    "新材料",
    "文化旅游",
    "新能源汽车",
    "现代农业",
];
const CQ_REGIONS: &[&str] = &[
    "500101", "500154", "500155", "500105", "500109", "500117", "500151", "500103", "500233",
    "500236",
];
const SC_REGIONS: &[&str] = &[
    "511700", "510100", "510700", "511300", "510900", "511100", "511600",
];
const FIELDS: &[&str] = &[
    "人工智能",
    "集成电路",
    "生物医药",
    "新材料",
    "智慧医疗",
    "金融科技",
    "现代农业",
    "新能源",
];
const SURNAMES: &[&str] = &[
    "陈", "林", "黄", "张", "李", "王", "吴", "刘", "蔡", "杨", "郑", "许", "谢", "郭", "何", "罗",
    "梁", "周", "叶", "苏",
];
const GIVEN: &[&str] = &[
    "志明", "美玲", "建华", "嘉欣", "国强", "慧敏", "伟杰", "丽娟", "子豪", "雅婷", "文博", "晓峰",
    "家豪", "思颖", "俊杰", "佳怡", "明轩", "欣怡", "浩然", "静怡", "启航",
];

/// Where overseas participants come from, those with most overseas Chinese first.
const ABROAD: &[&str] = &[
    "TH", "MY", "US", "SG", "ID", "CA", "AU", "PH", "MM", "VN", "GB", "FR", "DE", "IT", "KH", "JP",
    "KR", "NZ", "ES", "NL", "LA", "BR", "ZA", "AE", "RU", "AR", "PE", "PA", "MX", "BE", "AT", "CH",
    "IE", "SE", "HU", "CZ", "PT", "GR", "DK", "NO", "FI", "PL", "TR", "IL", "SA", "QA", "EG", "NG",
    "KE", "ET", "TZ", "GH", "AO", "ZM", "MZ", "MG", "MU", "CL", "CO", "VE", "CR", "CU", "EC", "UY",
    "BO", "DO", "JM", "TT", "FJ", "PG", "NP", "BD", "PK", "LK", "IN", "KZ", "UZ", "MN", "JO", "OM",
    "KW", "BH", "BN", "LU", "MT", "CY", "EE", "LV", "LT", "SK", "SI", "HR", "RS", "BG", "RO", "GE",
    "AM", "AZ", "KG", "SR", "GY", "PY", "MA", "TN", "DZ", "CM", "SN", "UG",
];

/// How many of [`ABROAD`] send the largest delegations.
const TOP: usize = 12;

/// The `i`-th demo name; 420 distinct names before any repeats.
fn person(i: usize) -> String {
    let given = (i * 7 + i / SURNAMES.len()) % GIVEN.len();
    format!("{}{}", SURNAMES[i % SURNAMES.len()], GIVEN[given])
}

struct Ctx<'a> {
    db: &'a Db,
    system: &'a Actor,
    cq: Org,
    sc: Org,
    /// Countries and regions other than China, in code order.
    abroad: Vec<String>,
}

impl Ctx<'_> {
    /// `n` distinct countries for the `from`-th event: the three largest delegations
    /// from where most overseas Chinese live, the rest spread over the others.
    fn countries(&self, from: usize, n: usize) -> Vec<String> {
        let rest = self.abroad.len() - TOP;
        (0..n)
            .map(|i| match i {
                0..3 => self.abroad[(from + i) % TOP].clone(),
                _ => self.abroad[TOP + (from + i * 7) % rest].clone(),
            })
            .collect()
    }

    fn host(&self, side: &str) -> (&Org, &Org) {
        if side == "sc" {
            (&self.sc, &self.cq)
        } else {
            (&self.cq, &self.sc)
        }
    }

    #[expect(clippy::too_many_arguments, reason = "a table row of the demo")]
    async fn event(
        &self,
        kind: &str,
        series: Option<&str>,
        title: String,
        (starts, ends): (String, String),
        host_side: &str,
        place: &str,
        countries: &[(String, i64)],
        summary: &str,
    ) -> Result<EventId> {
        let (host, partner) = self.host(host_side);
        let e = event::create(
            self.db,
            self.system,
            &EventInput {
                kind: kind.into(),
                series: series.map(str::to_owned),
                title,
                starts_on: starts,
                ends_on: ends,
                region_code: Some(host.region_code.clone().unwrap_or_default()),
                place: Some(place.into()),
                status: "held".into(),
                summary: Some(format!("{summary}（演示数据）")),
                orgs: vec![
                    EventOrgInput {
                        org_id: Some(host.id),
                        role: "host".into(),
                    },
                    EventOrgInput {
                        org_id: Some(partner.id),
                        role: "co_host".into(),
                    },
                ],
                countries: countries
                    .iter()
                    .map(|(c, n)| CountryInput {
                        country_code: c.clone(),
                        participants: Some(*n),
                    })
                    .collect(),
                ..EventInput::default()
            },
        )
        .await?;
        Ok(e.id)
    }
}

pub async fn load(db: &Db, system: &Actor) -> Result<()> {
    let named = async |n: &str| org::find_by_name(db, n).await?.ok_or(Error::NotFound);
    let abroad: Vec<String> = ABROAD.iter().map(|c| (*c).to_owned()).collect();
    let ctx = Ctx {
        db,
        system,
        cq: named("重庆市侨联").await?,
        sc: named("四川省侨联").await?,
        abroad,
    };
    economic_series(&ctx).await?;
    study_programmes(&ctx).await?;
    media_tours(&ctx).await?;
    camps(&ctx).await?;
    leaders_visit(&ctx).await?;
    tracing::info!("demo outcomes loaded");
    Ok(())
}

/// 17 editions of six series: about 11 projects each, 4–6 亿 apiece, older ones
/// further along; 12 or 13 talents each.
async fn economic_series(ctx: &Ctx<'_>) -> Result<()> {
    let mut n = 0usize;
    for (name, kind, side, editions) in SERIES {
        for (year, day) in *editions {
            n += 1;
            let date = format!("{year}-{day}");
            let countries: Vec<(String, i64)> = ctx
                .countries(n * 7, 20 + n % 15)
                .into_iter()
                .enumerate()
                .map(|(i, c)| (c, if i < 5 { 12 } else { 5 } + (i % 3) as i64))
                .collect();
            let place = if *side == "sc" { "成都" } else { "重庆" };
            let id = ctx
                .event(
                    kind,
                    Some(name),
                    format!("{year}{name}"),
                    (date.clone(), date.clone()),
                    side,
                    place,
                    &countries,
                    "海外侨商侨领参会，集中签约。",
                )
                .await?;
            let regions = if *side == "sc" {
                SC_REGIONS
            } else {
                CQ_REGIONS
            };
            let owner = ctx.host(side).0.id;
            for i in 0..(8 + (n % 4) * 2) {
                let amount = 400_000_000 + ((n + i) % 5) * 50_000_000;
                let sector = SECTORS[(n + i) % SECTORS.len()];
                let p = project::create(
                    ctx.db,
                    ctx.system,
                    &ProjectInput {
                        title: format!("{sector}项目（演示 {year}-{n:02}-{:02}）", i + 1),
                        sector: Some(sector.into()),
                        amount: amount.to_string(),
                        investor_name: format!("海外侨商企业（演示 {n:02}-{:02}）", i + 1),
                        investor_country: Some(countries[i % countries.len()].0.clone()),
                        region_code: regions[(n + i) % regions.len()].into(),
                        event_id: Some(id),
                        signed_on: date.clone(),
                        owner_org_id: Some(owner),
                        ..ProjectInput::default()
                    },
                )
                .await?;
                let steps: &[(&str, i32)] = match ((year - 2020) as usize + i) % 5 {
                    0 => &[("contracted", 0), ("started", 1), ("in_operation", 2)],
                    1 | 2 => &[("contracted", 0), ("started", 1)],
                    3 => &[("contracted", 0), ("stalled", 1)],
                    _ => &[],
                };
                for (status, later) in steps {
                    let y = year + later;
                    if y > 2025 {
                        break;
                    }
                    let input = StepInput {
                        status: (*status).into(),
                        happened_on: format!("{y}-12-01"),
                        note: (*status == "stalled")
                            .then(|| "投资方资金安排调整，暂缓推进。".into()),
                        ..StepInput::default()
                    };
                    project::advance(ctx.db, ctx.system, p.id, &input).await?;
                }
            }
            for i in 0..(12 + n % 2) {
                let k = n * 13 + i;
                talent::create(
                    ctx.db,
                    ctx.system,
                    &TalentInput {
                        name: person(k),
                        field: FIELDS[k % FIELDS.len()].into(),
                        level: ["national", "provincial", "provincial", "municipal", "other"]
                            [k % 5]
                            .into(),
                        country_code: countries[k % countries.len()].0.clone(),
                        event_id: Some(id),
                        org_id: Some(owner),
                        region_code: Some(regions[k % regions.len()].into()),
                        received_on: format!("{year}-12-{:02}", 1 + i),
                        person_id: None,
                    },
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// 2023 and 2024: 100 and 108 named leaders, from 52 and 55 countries, in two
/// sessions each — one in Chongqing, one in Sichuan.
async fn study_programmes(ctx: &Ctx<'_>) -> Result<()> {
    for (year, people, spread, from) in [(2023, 100usize, 52usize, 0usize), (2024, 108, 55, 200)] {
        let id = ctx
            .event(
                "study_programme",
                Some("海外侨领（国情）川渝研修班"),
                format!("{year}年海外侨领（国情）川渝研修班"),
                (format!("{year}-07-10"), format!("{year}-07-19")),
                "cq",
                "重庆、成都",
                &[],
                "课堂教学与实践教学相结合，赴重庆、四川两地研修。",
            )
            .await?;
        let mut sessions = Vec::new();
        for (title, s, e, place) in [
            ("重庆段", "10", "14", "重庆"),
            ("四川段", "15", "19", "成都"),
        ] {
            let input = SessionInput {
                title: title.into(),
                starts_on: format!("{year}-07-{s}"),
                ends_on: format!("{year}-07-{e}"),
                place: Some(place.into()),
            };
            sessions.push(camp::add_session(ctx.db, ctx.system, id, &input).await?.id);
        }
        for i in 0..people {
            let input = ParticipantInput {
                name: person(from + i),
                country_code: ctx.abroad[i % spread].clone(),
                session_id: Some(sessions[i % 2]),
                ..ParticipantInput::default()
            };
            camp::register(ctx.db, ctx.system, id, &input).await?;
        }
    }
    Ok(())
}

/// Countries of the outlets: Germany, Austria, Ireland and the USA first.
const MEDIA_COUNTRIES: &[(&str, &str)] = &[
    ("DE", "德国"),
    ("AT", "奥地利"),
    ("IE", "爱尔兰"),
    ("US", "美国"),
    ("FR", "法国"),
    ("GB", "英国"),
    ("IT", "意大利"),
    ("ES", "西班牙"),
    ("NL", "荷兰"),
    ("HU", "匈牙利"),
    ("CA", "加拿大"),
    ("AU", "澳大利亚"),
    ("NZ", "新西兰"),
    ("JP", "日本"),
    ("KR", "韩国"),
    ("TH", "泰国"),
    ("MY", "马来西亚"),
    ("SG", "新加坡"),
    ("PH", "菲律宾"),
    ("ID", "印度尼西亚"),
    ("BR", "巴西"),
    ("ZA", "南非"),
];
const MEDIA_KINDS: &[&str] = &["华文报", "华人网", "华语电视台"];

/// Two tours in 2024 with 32 outlets from 22 countries; 1,030 and 1,012 articles.
async fn media_tours(ctx: &Ctx<'_>) -> Result<()> {
    let mut outlets = Vec::new();
    for i in 0..32 {
        let (code, country) = MEDIA_COUNTRIES[i % MEDIA_COUNTRIES.len()];
        let input = OrgInput {
            name: format!(
                "{country}{}（演示）",
                MEDIA_KINDS[i / MEDIA_COUNTRIES.len() + (i % 2)]
            ),
            kind: "media_outlet".into(),
            level: "overseas".into(),
            side: "overseas".into(),
            country_code: Some(code.into()),
            notes: Some("演示数据".into()),
            ..OrgInput::default()
        };
        outlets.push(org::create(ctx.db, ctx.system, &input).await?);
    }
    let tours = [
        (
            "sc",
            "“追梦中华·75载筑华章”——2024海外华文媒体四川采访行",
            "2024-09-18",
            "2024-09-24",
            "成都、乐山、广安",
            1030usize,
        ),
        (
            "cq",
            "“追梦中华·西部开发谱新篇”——2024海外华文媒体重庆采访行",
            "2024-10-15",
            "2024-10-20",
            "渝中、忠县、奉节",
            1012,
        ),
    ];
    for (t, (side, title, s, e, place, count)) in tours.into_iter().enumerate() {
        let countries: Vec<(String, i64)> = MEDIA_COUNTRIES
            .iter()
            .map(|(c, _)| ((*c).to_owned(), 1 + i64::from(*c == "DE" || *c == "US")))
            .collect();
        let id = ctx
            .event(
                "media_tour",
                Some("海外华文媒体采访行"),
                title.into(),
                (s.into(), e.into()),
                side,
                place,
                &countries,
                "海外华文媒体实地采风，在海外刊发报道。",
            )
            .await?;
        let articles: Vec<ArticleInput> = (0..count)
            .map(|i| {
                let outlet = &outlets[(i * 7 + t) % outlets.len()];
                ArticleInput {
                    title: format!(
                        "{}见闻（演示 {:04}）",
                        place.split('、').nth(i % 3).unwrap_or(place),
                        i + 1
                    ),
                    outlet_id: Some(outlet.id),
                    url: None,
                    published_on: format!(
                        "2024-{}-{:02}",
                        if t == 0 { "10" } else { "11" },
                        1 + i % 28
                    ),
                    language: if i % 10 == 0 {
                        "en".into()
                    } else {
                        "zh".into()
                    },
                    event_id: Some(id),
                }
            })
            .collect();
        article::create_many(ctx.db, ctx.system, &articles).await?;
    }
    Ok(())
}

/// 52 online camps (亲情中华) of about 150 and 22 summer camps (中国寻根之旅) of about
/// 105, over 10,000 young people in all; plus two 2024 summer camps with named
/// registers, one camper in both (一人多营).
async fn camps(ctx: &Ctx<'_>) -> Result<()> {
    for i in 0..52usize {
        let year = 2020 + (i / 11) as i32;
        let month = 1 + (i % 11) as u32;
        let countries: Vec<(String, i64)> = ctx
            .countries(i * 5, 8)
            .into_iter()
            .enumerate()
            .map(|(k, c)| (c, if k == 0 { 40 } else { 15 } + (i % 3) as i64))
            .collect();
        let day = format!("{year}-{month:02}-10");
        ctx.event(
            "youth_camp_online",
            Some("“亲情中华”网上营"),
            format!("{year}年“亲情中华”网上营第{}期", i % 11 + 1),
            (day.clone(), format!("{year}-{month:02}-20")),
            if i % 2 == 0 { "cq" } else { "sc" },
            "线上",
            &countries,
            "海外华裔青少年线上学习中华文化与川渝风物。",
        )
        .await?;
    }
    for i in 0..22usize {
        let year = [2019, 2023, 2024][i % 3];
        let countries: Vec<(String, i64)> = ctx
            .countries(i * 11 + 1, 7)
            .into_iter()
            .enumerate()
            .map(|(k, c)| (c, if k == 0 { 30 } else { 12 } + (i % 2) as i64))
            .collect();
        let month = 7 + (i % 2) as u32;
        ctx.event(
            "youth_camp_offline",
            Some("“中国寻根之旅”夏令营"),
            format!("{year}年“中国寻根之旅”夏令营（川渝营）第{}期", i / 3 + 1),
            (
                format!("{year}-{month:02}-{:02}", 1 + i),
                format!("{year}-{month:02}-{:02}", 8 + i),
            ),
            if i % 2 == 0 { "cq" } else { "sc" },
            if i % 2 == 0 { "重庆" } else { "成都" },
            &countries,
            "海外华裔青少年寻根问祖，体验巴蜀文化。",
        )
        .await?;
    }
    for (k, (start, end, place)) in [
        ("2024-07-25", "2024-07-31", "重庆"),
        ("2024-08-05", "2024-08-11", "成都"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = ctx
            .event(
                "youth_camp_offline",
                Some("“中国寻根之旅”夏令营"),
                format!("2024年“中国寻根之旅”夏令营（川渝营）特别营第{}期", k + 1),
                (start.into(), end.into()),
                if k == 0 { "cq" } else { "sc" },
                place,
                &[],
                "营员实名登记，一人多营自动提示。",
            )
            .await?;
        // Camper 0 of each camp is the same person: 一人多营.
        for i in 0..30usize {
            let who = if i == 0 { 7 } else { 300 + k * 40 + i };
            let input = ParticipantInput {
                name: person(who),
                country_code: ctx.abroad[(who * 5) % ctx.abroad.len()].clone(),
                born_on: Some(format!(
                    "20{:02}-0{}-1{}",
                    8 + who % 4,
                    1 + who % 9,
                    who % 10
                )),
                ..ParticipantInput::default()
            };
            camp::register(ctx.db, ctx.system, id, &input).await?;
        }
    }
    Ok(())
}

/// 68 leaders from 46 countries visiting both provinces.
async fn leaders_visit(ctx: &Ctx<'_>) -> Result<()> {
    let countries: Vec<(String, i64)> = ctx
        .countries(2, 46)
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c, if i < 22 { 2 } else { 1 }))
        .collect();
    ctx.event(
        "liaison",
        None,
        "第十届世界华侨华人社团联谊大会海外侨领川渝参访".into(),
        ("2023-05-10".into(), "2023-05-14".into()),
        "cq",
        "重庆、成都",
        &countries,
        "海外侨商侨领赴重庆、四川参访，了解成渝地区投资环境。",
    )
    .await?;
    Ok(())
}
