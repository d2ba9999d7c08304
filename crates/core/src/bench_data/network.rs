//! Pairings of federations across the two sides, the members and rotating convenors of
//! the alliances, joint meetings with resolutions that became tasks, and the exchanges
//! between organizations, many of them along a pairing.

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;

use super::bulk::Bulk;
use super::{World, day_between, ymd};
use crate::error::Result;
use crate::row;

#[derive(Default)]
pub struct Network {
    /// Pairings: their two organizations (indexes) and the day they were signed.
    pub pairings: Vec<(usize, usize, NaiveDate)>,
    pub exchanges: i64,
}

pub async fn load(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    mechanisms(bulk, w).await?;
    meetings(bulk, w).await?;
    pairings_and_exchanges(bulk, w).await
}

fn pick(rng: &mut StdRng, list: &[usize]) -> Option<usize> {
    (!list.is_empty()).then(|| list[rng.random_range(0..list.len())])
}

async fn mechanisms(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let mut rng = w.rng("mechanism_member");
    let o = &w.orgs;
    let mut members = Vec::new();
    let mut convenors = Vec::new();
    let mut cid = 0_i64;
    for &m in &o.mechanisms {
        let mut chosen = HashSet::new();
        for _ in 0..rng.random_range(6..16) {
            let side = rng.random_range(0..2);
            if let Some(x) = pick(&mut rng, &o.local[side]) {
                chosen.insert(x);
            }
        }
        let mut chosen: Vec<usize> = chosen.into_iter().collect();
        chosen.sort_unstable();
        for &x in &chosen {
            members.push(row![o.id(m), o.id(x), ymd(2021, 1, 1)]);
        }
        // The convenor's role passes each year from 2021.
        for (k, year) in (2021..=w.today.year()).enumerate() {
            let Some(&x) = chosen.get(k % chosen.len().max(1)) else {
                break;
            };
            cid += 1;
            let to = (year < w.today.year()).then(|| ymd(year, 12, 31));
            convenors.push(row![cid, o.id(m), o.id(x), ymd(year, 1, 1), to]);
        }
    }
    bulk.load(
        "mechanism_member",
        &["mechanism_id", "org_id", "joined_on"],
        members,
    )
    .await?;
    bulk.load(
        "mechanism_convenor",
        &["id", "mechanism_id", "org_id", "from_on", "to_on"],
        convenors,
    )
    .await?;
    Ok(())
}

async fn meetings(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let mut rng = w.rng("meeting");
    let o = &w.orgs;
    let n = w.counts.meetings;
    let mut seq = vec![0_i64; o.mechanisms.len() + 1];
    let (mut meetings, mut participants, mut resolutions, mut links) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut rid = 0_i64;
    for k in 0..n {
        let id = k as i64 + 1;
        let which = rng.random_range(0..=o.mechanisms.len());
        let mechanism = o.mechanisms.get(which).copied();
        seq[which] += 1;
        let held_on = day_between(&mut rng, ymd(2020, 6, 1), w.today);
        let host = mechanism.map_or(o.provinces[k % 2], |m| o.parent_or_self(m));
        let title = match mechanism {
            Some(m) => format!("{}第{}次联席会议", o.all[m].name, seq[which]),
            None => format!("川渝侨联第{}次联席会议", seq[which]),
        };
        let at = w.at(held_on, &mut rng);
        meetings.push(row![
            id,
            seq[which],
            title,
            held_on,
            format!("{}会议室", o.all[host].name),
            o.id(host),
            mechanism.map(|m| o.id(m)),
            "一、通报上一阶段合作进展；二、研究部署下一阶段重点任务",
            "会议听取了各方工作汇报，研究确定了下一阶段重点任务。",
            1_i64,
            at,
            at
        ]);
        let mut who = HashSet::from([host]);
        for _ in 0..rng.random_range(2..8) {
            let side = rng.random_range(0..2);
            if let Some(x) = pick(&mut rng, &o.local[side]) {
                who.insert(x);
            }
        }
        let mut who: Vec<usize> = who.into_iter().collect();
        who.sort_unstable();
        participants.extend(who.into_iter().map(|x| row![id, o.id(x)]));
        for number in 1..=rng.random_range(3..7_i64) {
            rid += 1;
            resolutions.push(row![
                rid,
                id,
                number,
                format!(
                    "会议决定：{}方共同推进第{number}项重点工作，按月报送进展。",
                    "双"
                ),
                at
            ]);
            if rng.random_bool(0.5) && w.coop.tasks > 0 {
                let mut tasks = HashSet::new();
                for _ in 0..rng.random_range(1..4) {
                    tasks.insert(rng.random_range(1..=w.coop.tasks));
                }
                let mut tasks: Vec<i64> = tasks.into_iter().collect();
                tasks.sort_unstable();
                links.extend(tasks.into_iter().map(|t| row![rid, t]));
            }
        }
    }
    let cols = [
        "id",
        "seq",
        "title",
        "held_on",
        "place",
        "host_org_id",
        "mechanism_id",
        "agenda",
        "minutes",
        "version",
        "created_at",
        "updated_at",
    ];
    bulk.load("meeting", &cols, meetings).await?;
    bulk.load(
        "meeting_participant",
        &["meeting_id", "org_id"],
        participants,
    )
    .await?;
    bulk.load(
        "resolution",
        &["id", "meeting_id", "number", "text", "created_at"],
        resolutions,
    )
    .await?;
    bulk.load("resolution_task", &["resolution_id", "task_id"], links)
        .await?;
    // The counts each resolution keeps, by core's own statement over what was loaded.
    bulk.exec(&crate::task::reach::resolution_recount()).await?;
    // And the rows per organization reached, from the `task_reach` already loaded.
    let fill = crate::task::reach::resolution_reach_fill(&crate::sql::Sql::truth(true));
    bulk.exec(&fill.text()).await?;
    Ok(())
}

/// A day of an exchange: from 2019, more of them in later years, never after today.
fn exchange_day(rng: &mut StdRng, from: NaiveDate, today: NaiveDate) -> NaiveDate {
    let span = (today - from).num_days().max(0) as f64;
    // The square root of a uniform number leans towards 1: later days are likelier.
    let x: f64 = rng.random::<f64>().sqrt();
    from + Duration::days((span * x) as i64)
}

async fn pairings_and_exchanges(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let mut rng = w.rng("pairing");
    let o = &w.orgs;
    let mut seen = HashSet::new();
    let mut pairings = Vec::new();
    for _ in 0..w.counts.pairings * 2 {
        if pairings.len() == w.counts.pairings {
            break;
        }
        let (Some(a), Some(b)) = (pick(&mut rng, &o.local[0]), pick(&mut rng, &o.local[1])) else {
            break;
        };
        if !seen.insert((a, b)) {
            continue;
        }
        let since = day_between(&mut rng, ymd(2019, 3, 1), w.today - Duration::days(60));
        pairings.push((a, b, since));
    }
    // Exchanges are decided first, so each pairing's last exchange is known when it is
    // written: (day, pairing or none).
    let mut xrng = w.rng("exchange");
    let start = ymd(2019, 1, 1);
    let plan: Vec<(NaiveDate, Option<usize>)> = (0..w.counts.exchanges)
        .map(|_| {
            if !pairings.is_empty() && xrng.random_bool(0.4) {
                let p = xrng.random_range(0..pairings.len());
                (exchange_day(&mut xrng, pairings[p].2, w.today), Some(p))
            } else {
                (exchange_day(&mut xrng, start, w.today), None)
            }
        })
        .collect();
    let mut last = vec![None::<NaiveDate>; pairings.len()];
    for (day, p) in &plan {
        if let Some(p) = p {
            last[*p] = last[*p].max(Some(*day));
        }
    }
    let agreements = w.coop.agreements.len() as i64;
    let level = |i: usize| match o.all[i].level {
        "township" => "township",
        "prefecture" | "province" => "city",
        _ => "district",
    };
    let prows: Vec<_> = pairings
        .iter()
        .zip(&last)
        .enumerate()
        .map(|(k, ((a, b, since), last))| {
            let at = w.at(*since, &mut rng);
            let agreement =
                (agreements > 0 && rng.random_bool(0.5)).then(|| rng.random_range(1..=agreements));
            row![
                k as i64 + 1,
                o.id(*a),
                o.id(*b),
                level(*a),
                *since,
                agreement,
                *last,
                1_i64,
                at,
                at
            ]
        })
        .collect();
    bulk.load(
        "pairing",
        &[
            "id",
            "org_a_id",
            "org_b_id",
            "level",
            "since",
            "agreement_id",
            "last_exchange_on",
            "version",
            "created_at",
            "updated_at",
        ],
        prows,
    )
    .await?;
    let kinds = [
        ("visit", "赴{to}考察交流"),
        ("reception", "接待{to}来访"),
        ("seminar", "与{to}召开座谈会"),
        ("video_call", "与{to}视频连线"),
        ("joint_activity", "与{to}联合开展活动"),
    ];
    let mut to_rows = Vec::with_capacity(plan.len() * 3 / 2);
    // (day, from, to, participants) of each exchange, for the outcome tally.
    let mut counted: Vec<(NaiveDate, usize, usize, i64)> = Vec::with_capacity(plan.len());
    let rows = plan.iter().enumerate().map(|(k, (day, p))| {
        let id = k as i64 + 1;
        let (from, to) = match p {
            Some(p) => {
                let (a, b, _) = pairings[*p];
                if xrng.random_bool(0.5) {
                    (a, b)
                } else {
                    (b, a)
                }
            }
            None => {
                let side = xrng.random_range(0..2);
                let from = pick(&mut xrng, &o.local[side]).unwrap_or(o.provinces[side]);
                let to = if xrng.random_bool(0.25) {
                    pick(&mut xrng, &o.overseas).unwrap_or(o.provinces[1 - side])
                } else {
                    pick(&mut xrng, &o.local[1 - side]).unwrap_or(o.provinces[1 - side])
                };
                (from, to)
            }
        };
        to_rows.push(row![id, o.id(to)]);
        let (kind, what) = kinds[xrng.random_range(0..kinds.len())];
        let at = w.at(*day, &mut xrng);
        let participants = xrng.random_range(3..40_i64);
        counted.push((*day, from, to, participants));
        row![
            id,
            *day,
            kind,
            o.id(from),
            format!(
                "{}{}",
                o.all[from].name,
                what.replace("{to}", &o.all[to].name)
            ),
            participants,
            p.map(|p| p as i64 + 1),
            o.author(from, w.admin_id),
            at
        ]
    });
    bulk.load(
        "exchange",
        &[
            "id",
            "happened_on",
            "kind",
            "from_org_id",
            "summary",
            "participants",
            "pairing_id",
            "created_by",
            "created_at",
        ],
        rows,
    )
    .await?;
    bulk.load("exchange_to", &["exchange_id", "org_id"], to_rows)
        .await?;
    for (day, from, to, participants) in counted {
        super::outcomes::count_exchange(w, day, from, to, participants);
    }
    w.network.exchanges = plan.len() as i64;
    w.network.pairings = pairings;
    Ok(())
}
