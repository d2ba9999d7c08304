//! Events with their hosts, participants by country, endorsements and camp registers;
//! projects signed and their steps; talents; articles of the overseas media; donation
//! campaigns, donations, their steps and allocations.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;

use super::bulk::Bulk;
use super::directory::{country, name};
use super::{World, day_between, words, ymd};
use crate::error::Result;
use crate::outcome::tally::{self, Facts, Measure, Part, Tally};
use crate::row;
use std::collections::HashMap;

#[derive(Default)]
pub struct Outcomes {
    /// Held economic events, for the projects signed at them: (id, day).
    pub economic: Vec<(i64, NaiveDate)>,
    /// The series and organizations (indices) of the economic events.
    pub economic_of: HashMap<i64, (Option<i64>, Vec<usize>)>,
    /// `outcome_tally` by core's own rule, added to as each record is made.
    pub tally: Tally,
}

pub async fn load(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    events(bulk, w).await?;
    projects(bulk, w).await?;
    talents_and_articles(bulk, w).await?;
    donations(bulk, w).await?;
    tally(bulk, w).await
}

/// Paths and side ids of organizations (indices), as the tally's facts name them.
fn belongs<'a>(w: &'a World, orgs: &[usize]) -> Vec<(&'a str, i64)> {
    orgs.iter()
        .map(|i| {
            let o = &w.orgs.all[*i];
            let side = w
                .sides
                .iter()
                .find(|(code, _)| code == o.side)
                .map_or(0, |(_, id)| *id);
            (o.path.as_str(), side)
        })
        .collect()
}

/// Adds one record's figures to the tally the generator keeps.
fn count(
    tally: &mut Tally,
    w: &World,
    day: NaiveDate,
    series: Option<i64>,
    orgs: &[usize],
    parts: &[Part],
) {
    tally.add(
        &Facts {
            day,
            series,
            orgs: &belongs(w, orgs),
            parts,
        },
        1,
    );
}

/// Adds one exchange's figures to the tally, as core's `outcome::tally` counts them:
/// under both ends' organizations, and the side of the one it came from.
pub(super) fn count_exchange(
    w: &mut World,
    day: NaiveDate,
    from: usize,
    to: usize,
    participants: i64,
) {
    let mut t = std::mem::take(&mut w.outcomes.tally);
    let mut orgs = belongs(w, &[from, to]);
    orgs[1].1 = tally::EVERYONE;
    let parts = [part(Measure::Exchange, String::new(), participants)];
    t.add(
        &Facts {
            day,
            series: None,
            orgs: &orgs,
            parts: &parts,
        },
        1,
    );
    w.outcomes.tally = t;
}

fn part(measure: Measure, detail: String, amount: i64) -> Part {
    Part {
        measure,
        detail,
        n: 1,
        amount,
    }
}

/// `outcome_tally` in key order, marked built so the server starts without counting.
async fn tally(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let tally = std::mem::take(&mut w.outcomes.tally);
    bulk.load(
        "outcome_tally",
        &[
            "org_id",
            "side_id",
            "series_id",
            "year",
            "measure",
            "detail",
            "n",
            "amount",
        ],
        tally.0.into_iter().filter(|(_, v)| *v != (0, 0)).map(
            |((key, series, year, measure, detail), (n, amount))| {
                row![
                    key.org,
                    key.side,
                    series,
                    i64::from(year),
                    measure.as_str(),
                    detail,
                    n,
                    amount
                ]
            },
        ),
    )
    .await?;
    bulk.mark_built(tally::BUILT).await
}

const SERIES: &[&str] = &[
    "寻根之旅",
    "川渝侨商投资推介",
    "海外华文媒体川渝行",
    "侨界人才研修",
    "中华文化走出去",
];

async fn events(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let mut rng = w.rng("event");
    let o = &w.orgs;
    let now = w.now;
    bulk.load(
        "event_series",
        &["id", "name", "created_at"],
        SERIES
            .iter()
            .zip(1_i64..)
            .map(|(s, id)| row![id, *s, now])
            .collect::<Vec<_>>(),
    )
    .await?;
    let (mut orgs, mut countries, mut endorsements, mut sessions, mut register) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut economic = Vec::new();
    let (mut sid, mut pid) = (0_i64, 0_i64);
    let people = w.people as i64;
    // The exchanges the network made are counted already.
    let mut tally = std::mem::take(&mut w.outcomes.tally);
    let mut economic_of = HashMap::new();
    let rows = (1..=w.counts.events as i64).map(|id| {
        let (kind, title) = words::EVENT_TITLES[rng.random_range(0..words::EVENT_TITLES.len())];
        let side = rng.random_range(0..2);
        let host = o.local[side]
            .get(rng.random_range(0..o.local[side].len().max(1)))
            .copied()
            .unwrap_or(o.provinces[side]);
        let starts_on = day_between(&mut rng, ymd(2019, 1, 1), w.today + Duration::days(180));
        let ends_on = starts_on + Duration::days(rng.random_range(0..6));
        let status = if ends_on >= w.today {
            "planned"
        } else if rng.random_bool(0.04) {
            "cancelled"
        } else {
            "held"
        };
        let place = o.all[host].name.trim_end_matches("侨联").to_owned();
        let series = match kind {
            "youth_camp_offline" | "youth_camp_online" => Some(1_i64),
            "economic" => Some(2),
            "media_tour" => Some(3),
            "study_programme" => Some(4),
            "culture" => Some(5),
            _ => None,
        };
        orgs.push(row![id, o.id(host), "host"]);
        let mut ran = vec![host];
        let other = o.local[1 - side]
            .get(rng.random_range(0..o.local[1 - side].len().max(1)))
            .copied();
        if let Some(x) = other.filter(|_| rng.random_bool(0.5)) {
            orgs.push(row![id, o.id(x), "co_host"]);
            ran.push(x);
        }
        if status == "held" {
            let mut seen = Vec::new();
            let mut parts = Vec::new();
            for _ in 0..rng.random_range(1..5) {
                let c = country(&mut rng);
                if !seen.contains(&c) {
                    seen.push(c);
                    let n = rng.random_range(1..60_i64);
                    countries.push(row![id, c, n]);
                    parts.push(part(Measure::Country, c.to_owned(), n));
                }
            }
            let all: i64 = parts.iter().map(|p| p.amount).sum();
            parts.push(part(Measure::Event, String::new(), all));
            count(&mut tally, &*w, starts_on, series, &ran, &parts);
            if kind == "economic" {
                economic.push((id, starts_on));
                economic_of.insert(id, (series, ran.clone()));
            }
            if rng.random_bool(0.03) {
                endorsements.push(row![
                    endorsements.len() as i64 + 1,
                    id,
                    "市委统战部负责同志",
                    ends_on + Duration::days(7),
                    "活动成效明显，请继续做好后续服务。",
                    now
                ]);
            }
            // A fifth of the offline camps keep a named register.
            if kind == "youth_camp_offline" && rng.random_bool(0.2) {
                sid += 1;
                sessions.push(row![
                    sid,
                    id,
                    "营期",
                    starts_on,
                    ends_on,
                    place.clone(),
                    now
                ]);
                for _ in 0..rng.random_range(10..40) {
                    pid += 1;
                    let name = name(&mut rng);
                    let born = day_between(&mut rng, ymd(2006, 1, 1), ymd(2014, 12, 31));
                    let person =
                        (people > 0 && rng.random_bool(0.2)).then(|| rng.random_range(1..=people));
                    register.push(row![
                        pid,
                        id,
                        sid,
                        name.clone(),
                        crate::text::fold_name(&name),
                        country(&mut rng),
                        born,
                        o.author(host, w.admin_id),
                        now,
                        person
                    ]);
                }
            }
        }
        let at = w.at(starts_on - Duration::days(30), &mut rng);
        row![
            id,
            kind,
            series,
            title.replace("{place}", &place),
            starts_on,
            ends_on,
            o.all[host].region.clone(),
            place,
            status,
            "活动围绕川渝合作重点，邀请海外侨胞参加。",
            o.author(host, w.admin_id),
            1_i64,
            at,
            at
        ]
    });
    bulk.load(
        "event",
        &[
            "id",
            "kind",
            "series_id",
            "title",
            "starts_on",
            "ends_on",
            "region_code",
            "place",
            "status",
            "summary",
            "created_by",
            "version",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;
    bulk.load("event_org", &["event_id", "org_id", "role"], orgs)
        .await?;
    bulk.load(
        "event_country",
        &["event_id", "country_code", "participants"],
        countries,
    )
    .await?;
    bulk.load(
        "endorsement",
        &[
            "id",
            "event_id",
            "by_whom",
            "given_on",
            "text",
            "created_at",
        ],
        endorsements,
    )
    .await?;
    bulk.load(
        "event_session",
        &[
            "id",
            "event_id",
            "title",
            "starts_on",
            "ends_on",
            "place",
            "created_at",
        ],
        sessions,
    )
    .await?;
    bulk.load(
        "event_participant",
        &[
            "id",
            "event_id",
            "session_id",
            "name",
            "name_key",
            "country_code",
            "born_on",
            "created_by",
            "created_at",
            "person_id",
        ],
        register,
    )
    .await?;
    w.outcomes.economic = economic;
    w.outcomes.economic_of = economic_of;
    w.outcomes.tally = tally;
    Ok(())
}

/// Whole yuan, as fen.
fn yuan(rng: &mut StdRng, from: i64, to: i64) -> i64 {
    rng.random_range(from..to) * 10_000 * 100
}

async fn projects(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let mut rng = w.rng("project");
    let o = &w.orgs;
    let counties: Vec<(usize, String)> = o
        .all
        .iter()
        .enumerate()
        .filter(|(_, g)| g.level == "county" && g.kind == "federation")
        .filter_map(|(i, g)| Some((i, g.region.clone()?)))
        .collect();
    let people = w.people as i64;
    let mut steps = Vec::new();
    let order = ["signed", "contracted", "started", "in_operation"];
    let mut tally = std::mem::take(&mut w.outcomes.tally);
    let rows = (1..=w.counts.projects as i64).map(|id| {
        let (owner, region) = counties[rng.random_range(0..counties.len().max(1))].clone();
        let (event, signed_on) = if !w.outcomes.economic.is_empty() && rng.random_bool(0.4) {
            w.outcomes.economic[rng.random_range(0..w.outcomes.economic.len())]
        } else {
            (0, day_between(&mut rng, ymd(2019, 1, 1), w.today))
        };
        let sector = words::SECTORS[rng.random_range(0..words::SECTORS.len())];
        let investor_country = country(&mut rng);
        let person = (people > 0 && rng.random_bool(0.2)).then(|| rng.random_range(1..=people));
        let investor = match person {
            Some(_) => name(&mut rng),
            None => format!("{}{}集团", words::SURNAMES[rng.random_range(0..20)], sector),
        };
        // How far it got: older projects further along, a few stalled or cancelled.
        let years = (w.today - signed_on).num_days() / 365;
        let reached = rng.random_range(0..=(years as usize).min(3));
        let status = match rng.random_range(0..100) {
            0..5 => "stalled",
            5..8 => "cancelled",
            _ => order[reached],
        };
        let author = o.author(owner, w.admin_id);
        let mut day = signed_on;
        for s in order.iter().take(reached + 1).skip(1) {
            day = (day + Duration::days(rng.random_range(30..200))).min(w.today);
            steps.push((id, *s, day, author));
        }
        if matches!(status, "stalled" | "cancelled") {
            steps.push((id, status, w.today.min(day + Duration::days(90)), author));
        }
        let amount = yuan(&mut rng, 50, 50_000);
        let series = w.outcomes.economic_of.get(&event).and_then(|e| e.0);
        count(
            &mut tally,
            &*w,
            signed_on,
            series,
            &[owner],
            &[part(Measure::Project, status.to_owned(), amount)],
        );
        let at = w.at(signed_on, &mut rng);
        row![
            id,
            format!(
                "{sector}项目（{}）",
                o.all[owner].name.trim_end_matches("侨联")
            ),
            sector,
            amount,
            investor,
            investor_country,
            region,
            (event > 0).then_some(event),
            signed_on,
            status,
            o.id(owner),
            person,
            1_i64,
            at,
            at
        ]
    });
    bulk.load(
        "project",
        &[
            "id",
            "title",
            "sector",
            "amount_fen",
            "investor_name",
            "investor_country",
            "region_code",
            "event_id",
            "signed_on",
            "status",
            "owner_org_id",
            "person_id",
            "version",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;
    let now = w.now;
    bulk.load(
        "project_step",
        &[
            "id",
            "project_id",
            "status",
            "happened_on",
            "account_id",
            "created_at",
        ],
        steps
            .into_iter()
            .zip(1_i64..)
            .map(|((p, s, d, a), id)| row![id, p, s, d, a, now]),
    )
    .await?;
    w.outcomes.tally = tally;
    Ok(())
}

async fn talents_and_articles(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let mut rng = w.rng("talent");
    let o = &w.orgs;
    let people = w.people as i64;
    let locals: Vec<usize> = o.local.concat();
    let now = w.now;
    let mut tally = std::mem::take(&mut w.outcomes.tally);
    let rows = (1..=w.counts.talents as i64).map(|id| {
        let org = locals[rng.random_range(0..locals.len().max(1))];
        let person = (people > 0 && rng.random_bool(0.3)).then(|| rng.random_range(1..=people));
        let received_on = day_between(&mut rng, ymd(2019, 1, 1), w.today);
        count(
            &mut tally,
            &*w,
            received_on,
            None,
            &[org],
            &[part(Measure::Talent, String::new(), 0)],
        );
        row![
            id,
            name(&mut rng),
            words::SECTORS[rng.random_range(0..words::SECTORS.len())],
            ["national", "provincial", "municipal", "other"][rng.random_range(0..4)],
            country(&mut rng),
            o.id(org),
            o.all[org].region.clone(),
            received_on,
            o.author(org, w.admin_id),
            now,
            person
        ]
    });
    bulk.load(
        "talent",
        &[
            "id",
            "name",
            "field",
            "level",
            "country_code",
            "org_id",
            "region_code",
            "received_on",
            "created_by",
            "created_at",
            "person_id",
        ],
        rows,
    )
    .await?;
    let mut rng = w.rng("article");
    let rows = (1..=w.counts.articles as i64).filter_map(|id| {
        let outlet = *o.media.get(rng.random_range(0..o.media.len().max(1)))?;
        let (event, day) = if !w.outcomes.economic.is_empty() && rng.random_bool(0.3) {
            let (e, d) = w.outcomes.economic[rng.random_range(0..w.outcomes.economic.len())];
            (Some(e), d + Duration::days(2))
        } else {
            (None, day_between(&mut rng, ymd(2019, 1, 1), w.today))
        };
        let (series, ran) = event
            .and_then(|e| w.outcomes.economic_of.get(&e))
            .map_or((None, &[][..]), |(s, orgs)| (*s, orgs.as_slice()));
        count(
            &mut tally,
            &*w,
            day.min(w.today),
            series,
            ran,
            &[part(Measure::Article, o.id(outlet).to_string(), 0)],
        );
        Some(row![
            id,
            format!("{}报道：川渝侨界合作再结硕果", o.all[outlet].name),
            o.id(outlet),
            format!("https://news.example.org/{}/{id}", day.year()),
            day.min(w.today),
            "zh",
            event,
            w.admin_id,
            now
        ])
    });
    bulk.load(
        "article",
        &[
            "id",
            "title",
            "outlet_id",
            "url",
            "published_on",
            "language",
            "event_id",
            "created_by",
            "created_at",
        ],
        rows,
    )
    .await?;
    w.outcomes.tally = tally;
    Ok(())
}

async fn donations(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let mut rng = w.rng("donation");
    let o = &w.orgs;
    let now = w.now;
    let years: Vec<i32> = (2019..=w.today.year()).collect();
    let campaigns: Vec<(i64, i32, String)> = years
        .iter()
        .flat_map(|y| ["助学行动", "乡村振兴捐赠", "关爱归侨侨眷"].map(|c| (*y, c)))
        .zip(1_i64..)
        .map(|((y, c), id)| (id, y, format!("{y}年{c}")))
        .collect();
    bulk.load(
        "donation_campaign",
        &["id", "name", "year", "created_at"],
        campaigns
            .iter()
            .map(|(id, y, n)| row![*id, n.clone(), i64::from(*y), now])
            .collect::<Vec<_>>(),
    )
    .await?;
    let locals: Vec<usize> = o.local.concat();
    let people = w.people as i64;
    let (mut steps, mut allocations) = (Vec::new(), Vec::new());
    let mut kept = std::mem::take(&mut w.outcomes.tally);
    let world: &World = w;
    let rows = (1..=w.counts.donations as i64).map(|id| {
        let recipient = locals[rng.random_range(0..locals.len().max(1))];
        let given_on = day_between(&mut rng, ymd(2019, 1, 1), w.today);
        let by_association = !o.overseas.is_empty() && rng.random_bool(0.4);
        let (donor, donor_org, person) = if by_association {
            let a = o.overseas[rng.random_range(0..o.overseas.len())];
            (o.all[a].name.clone(), Some(o.id(a)), None)
        } else {
            let person = (people > 0).then(|| rng.random_range(1..=people));
            (name(&mut rng), None, person)
        };
        let goods = rng.random_bool(0.15);
        let amount = rng.random_range(1..2_000_i64) * 1_000 * 100;
        let campaign = campaigns
            .iter()
            .filter(|c| c.1 == given_on.year())
            .nth(rng.random_range(0..3))
            .map(|c| c.0);
        let status = match rng.random_range(0..10) {
            0 => "pledged",
            1..5 => "received",
            _ => "allocated",
        };
        let author = o.author(recipient, w.admin_id);
        if status != "pledged" {
            steps.push((id, "received", given_on + Duration::days(7), author));
        }
        if status == "allocated" {
            let day = given_on + Duration::days(30);
            steps.push((id, "allocated", day, author));
            allocations.push((id, amount, day, author));
        }
        let form = if goods { "goods" } else { "money" };
        let used = i64::from(status == "allocated");
        let parts = tally::donation_parts(form, status, amount, used, used * amount);
        count(&mut kept, world, given_on, None, &[recipient], &parts);
        let at = w.at(given_on, &mut rng);
        row![
            id,
            donor,
            donor_org,
            country(&mut rng),
            given_on,
            form,
            goods.then_some("防疫物资一批"),
            amount,
            campaign,
            "用于归侨侨眷帮扶",
            o.id(recipient),
            format!("{}-{id:07}", given_on.year()),
            status,
            1_i64,
            author,
            at,
            at,
            person
        ]
    });
    bulk.load(
        "donation",
        &[
            "id",
            "donor_name",
            "donor_org_id",
            "donor_country",
            "given_on",
            "form",
            "goods_description",
            "amount_fen",
            "campaign_id",
            "purpose",
            "recipient_org_id",
            "receipt_no",
            "status",
            "version",
            "created_by",
            "created_at",
            "updated_at",
            "person_id",
        ],
        rows,
    )
    .await?;
    bulk.load(
        "donation_step",
        &[
            "id",
            "donation_id",
            "status",
            "happened_on",
            "account_id",
            "created_at",
        ],
        steps
            .into_iter()
            .zip(1_i64..)
            .map(|((d, s, day, a), id)| row![id, d, s, day.min(w.today), a, now]),
    )
    .await?;
    bulk.load(
        "donation_allocation",
        &[
            "id",
            "donation_id",
            "use",
            "amount_fen",
            "allocated_on",
            "account_id",
            "created_at",
        ],
        allocations
            .into_iter()
            .zip(1_i64..)
            .map(|((d, amount, day, a), id)| {
                row![id, d, "帮扶困难归侨侨眷", amount, day.min(w.today), a, now]
            }),
    )
    .await?;
    w.outcomes.tally = kept;
    Ok(())
}
