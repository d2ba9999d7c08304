//! The outcome figures kept on write (`outcome_tally`) equal a recount after any
//! sequence of writes — events, registers, projects and their steps, talents, articles,
//! donations, their steps and allocations, organizations moved or given another side —
//! and the roll-ups and donation totals read from them equal those counted from the
//! records, scope by scope.

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use qiaolian_core::access::Actor;
use qiaolian_core::camp::{self, ParticipantInput};
use qiaolian_core::event::{self, CountryInput, EventId, EventInput, EventOrgInput};
use qiaolian_core::org::{self, OrgId, OrgInput};
use qiaolian_core::outcome::{self, Scope, tally};
use qiaolian_core::project::{self, ProjectId, ProjectInput, StepInput};
use qiaolian_core::sql::Sql;
use qiaolian_core::talent::{self, TalentInput};
use qiaolian_core::{Db, article, donation, kinds};

use crate::harness::{TestApp, both};

both!(outcome_figures_equal_a_recount);

const COUNTRIES: [&str; 6] = ["TH", "US", "DE", "FR", "MY", "SG"];
const SERIES: [&str; 3] = ["寻根之旅", "侨界精英川渝汇", ""];
const KINDS: [&str; 3] = ["economic", "culture", "youth_camp_offline"];
const STATUSES: [&str; 3] = ["held", "planned", "cancelled"];

/// The parts of an event a write sets.
#[derive(Clone, Debug)]
struct EventParts {
    days: i64,
    kind: usize,
    series: usize,
    hosts: Vec<usize>,
    status: usize,
    countries: Vec<(usize, i64)>,
}

#[derive(Clone, Debug)]
enum Op {
    NewEvent(EventParts),
    EditEvent {
        event: usize,
        parts: EventParts,
    },
    Register {
        event: usize,
        country: usize,
    },
    NewProject {
        event: Option<usize>,
        owner: usize,
        days: i64,
    },
    Advance {
        project: usize,
        status: usize,
    },
    NewTalent {
        event: Option<usize>,
        org: usize,
        days: i64,
    },
    NewArticle {
        event: Option<usize>,
        days: i64,
    },
    Move {
        org: usize,
        parent: usize,
    },
    Side {
        org: usize,
        side: usize,
    },
    NewDonation {
        org: usize,
        days: i64,
        goods: bool,
        pledged: bool,
    },
    Receive {
        donation: usize,
    },
    Allocate {
        donation: usize,
        all: bool,
    },
}

fn parts() -> impl Strategy<Value = EventParts> {
    let i = || 0usize..1000;
    (
        -3000i64..100,
        0usize..3,
        0usize..3,
        proptest::collection::vec(i(), 1..3),
        prop_oneof![4 => Just(0usize), 1 => Just(1), 1 => Just(2)],
        proptest::collection::vec((0usize..6, 0i64..80), 0..4),
    )
        .prop_map(
            |(days, kind, series, hosts, status, countries)| EventParts {
                days,
                kind,
                series,
                hosts,
                status,
                countries,
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    let i = || 0usize..1000;
    let days = || -3000i64..0;
    prop_oneof![
        3 => parts().prop_map(Op::NewEvent),
        3 => (i(), parts()).prop_map(|(event, parts)| Op::EditEvent { event, parts }),
        1 => (i(), 0usize..6).prop_map(|(event, country)| Op::Register { event, country }),
        2 => (proptest::option::of(i()), i(), days())
            .prop_map(|(event, owner, days)| Op::NewProject { event, owner, days }),
        2 => (i(), 0usize..4).prop_map(|(project, status)| Op::Advance { project, status }),
        2 => (proptest::option::of(i()), i(), days())
            .prop_map(|(event, org, days)| Op::NewTalent { event, org, days }),
        2 => (proptest::option::of(i()), days()).prop_map(|(event, days)| Op::NewArticle { event, days }),
        1 => (i(), i()).prop_map(|(org, parent)| Op::Move { org, parent }),
        1 => (i(), 0usize..2).prop_map(|(org, side)| Op::Side { org, side }),
        2 => (i(), days(), any::<bool>(), any::<bool>())
            .prop_map(|(org, days, goods, pledged)| Op::NewDonation { org, days, goods, pledged }),
        1 => i().prop_map(|donation| Op::Receive { donation }),
        1 => (i(), any::<bool>()).prop_map(|(donation, all)| Op::Allocate { donation, all }),
    ]
}

fn kind(op: &Op) -> &'static str {
    match op {
        Op::NewEvent(_) => "event",
        Op::EditEvent { .. } => "edit",
        Op::Register { .. } => "register",
        Op::NewProject { .. } => "project",
        Op::Advance { .. } => "advance",
        Op::NewTalent { .. } => "talent",
        Op::NewArticle { .. } => "article",
        Op::Move { .. } => "move",
        Op::Side { .. } => "side",
        Op::NewDonation { .. } => "donation",
        Op::Receive { .. } => "receive",
        Op::Allocate { .. } => "allocate",
    }
}

struct World {
    admin: Actor,
    /// 重庆市侨联's coordinator, who reads the donations of its subtree only.
    coordinator: Actor,
    feds: Vec<OrgId>,
    counties: Vec<OrgId>,
    parents: Vec<OrgId>,
    outlet: OrgId,
}

async fn column(db: &Db, sql: &str) -> Vec<i64> {
    let mut tx = db.read().await.expect("read");
    Sql::new(sql).column(&mut tx).await.expect("query")
}

fn ids(v: Vec<i64>) -> Vec<OrgId> {
    v.into_iter().map(OrgId).collect()
}

fn day(days: i64) -> String {
    (qiaolian_core::settings::today() + chrono::Duration::days(days)).to_string()
}

fn event_input(w: &World, p: &EventParts, version: Option<i64>) -> EventInput {
    let mut hosts: Vec<OrgId> = p.hosts.iter().map(|h| w.feds[h % w.feds.len()]).collect();
    hosts.dedup();
    EventInput {
        kind: KINDS[p.kind].into(),
        series: Some(SERIES[p.series].into()).filter(|s: &String| !s.is_empty()),
        title: "川渝侨界交流活动".into(),
        starts_on: day(p.days),
        ends_on: day(p.days),
        status: STATUSES[p.status].into(),
        orgs: hosts
            .iter()
            .enumerate()
            .map(|(i, o)| EventOrgInput {
                org_id: Some(*o),
                role: if i == 0 { "host" } else { "co_host" }.into(),
            })
            .collect(),
        countries: p
            .countries
            .iter()
            .map(|(c, n)| CountryInput {
                country_code: COUNTRIES[*c].into(),
                participants: Some(*n),
            })
            .collect(),
        version,
        ..EventInput::default()
    }
}

async fn apply(db: &Db, w: &World, op: &Op) -> bool {
    let events = column(db, "select id from event order by id").await;
    let event_at = |i: usize| EventId(events[i % events.len()]);
    let admin = &w.admin;
    match op {
        Op::NewEvent(p) => event::create(db, admin, &event_input(w, p, None))
            .await
            .is_ok(),
        Op::EditEvent { event: e, parts } => {
            let Ok(current) = event::get(db, admin, event_at(*e)).await else {
                return false;
            };
            event::update(
                db,
                admin,
                current.id,
                &event_input(w, parts, Some(current.version)),
            )
            .await
            .is_ok()
        }
        Op::Register { event: e, country } => camp::register(
            db,
            admin,
            event_at(*e),
            &ParticipantInput {
                name: "李明".into(),
                country_code: COUNTRIES[*country].into(),
                ..ParticipantInput::default()
            },
        )
        .await
        .is_ok(),
        Op::NewProject {
            event: e,
            owner,
            days,
        } => project::create(
            db,
            admin,
            &ProjectInput {
                title: "侨资产业园项目".into(),
                amount: "1200".into(),
                investor_name: "泰国侨商".into(),
                region_code: "500101".into(),
                event_id: e.map(event_at),
                signed_on: day(*days),
                owner_org_id: Some(w.feds[owner % w.feds.len()]),
                ..ProjectInput::default()
            },
        )
        .await
        .is_ok(),
        Op::Advance { project: p, status } => {
            let projects = column(db, "select id from project order by id").await;
            let id = ProjectId(projects[p % projects.len()]);
            project::advance(
                db,
                admin,
                id,
                &StepInput {
                    status: ["contracted", "started", "stalled", "cancelled"][*status].into(),
                    happened_on: day(0),
                    note: Some("情况变化".into()),
                    version: None,
                },
            )
            .await
            .is_ok()
        }
        Op::NewTalent {
            event: e,
            org,
            days,
        } => talent::create(
            db,
            admin,
            &TalentInput {
                name: "王芳".into(),
                field: "人工智能".into(),
                level: "national".into(),
                country_code: "US".into(),
                event_id: e.map(event_at),
                org_id: Some(w.feds[org % w.feds.len()]),
                received_on: day(*days),
                ..TalentInput::default()
            },
        )
        .await
        .is_ok(),
        Op::NewArticle { event: e, days } => article::create(
            db,
            admin,
            &article::ArticleInput {
                title: "川渝侨界合作见闻".into(),
                outlet_id: Some(w.outlet),
                published_on: day(*days),
                language: "zh".into(),
                event_id: e.map(event_at),
                ..article::ArticleInput::default()
            },
        )
        .await
        .is_ok(),
        Op::Move { org: o, parent } => {
            let id = w.counties[o % w.counties.len()];
            let Ok(current) = org::get(db, admin, id).await else {
                return false;
            };
            let mut input = OrgInput::from(&current);
            input.parent_id = Some(w.parents[parent % w.parents.len()]);
            org::update(db, admin, id, &input, &mut kinds::OrgFollows::default())
                .await
                .is_ok()
        }
        Op::Side { org: o, side } => {
            let id = w.feds[o % w.feds.len()];
            let Ok(current) = org::get(db, admin, id).await else {
                return false;
            };
            let mut input = OrgInput::from(&current);
            input.side = ["cq", "sc"][*side].into();
            org::update(db, admin, id, &input, &mut kinds::OrgFollows::default())
                .await
                .is_ok()
        }
        Op::NewDonation {
            org,
            days,
            goods,
            pledged,
        } => {
            let n = column(db, "select count(*) from donation").await[0];
            donation::create(
                db,
                admin,
                &donation::DonationInput {
                    donor_name: "泰国潮州会馆".into(),
                    given_on: day(*days),
                    form: if *goods { "goods" } else { "money" }.into(),
                    goods_description: goods.then(|| "防疫物资".into()),
                    amount: format!("{}", 1000 + org),
                    recipient_org_id: Some(w.feds[org % w.feds.len()]),
                    receipt_no: format!("T-{n}"),
                    status: Some(if *pledged { "pledged" } else { "received" }.into()),
                    ..donation::DonationInput::default()
                },
            )
            .await
            .is_ok()
        }
        Op::Receive { donation: d } => {
            let gifts = column(db, "select id from donation order by id").await;
            let Some(id) = gifts.get(d % gifts.len().max(1)) else {
                return false;
            };
            donation::advance(
                db,
                admin,
                donation::DonationId(*id),
                &donation::StepInput {
                    status: "received".into(),
                    ..donation::StepInput::default()
                },
            )
            .await
            .is_ok()
        }
        Op::Allocate { donation: d, all } => {
            let gifts = column(db, "select id from donation order by id").await;
            let Some(id) = gifts.get(d % gifts.len().max(1)) else {
                return false;
            };
            let id = donation::DonationId(*id);
            let Ok(current) = donation::get(db, admin, id).await else {
                return false;
            };
            let left = current.unallocated_fen().0;
            let fen = if *all { left } else { left / 2 };
            donation::allocate(
                db,
                admin,
                id,
                &donation::AllocationInput {
                    use_: "助学金".into(),
                    amount: format!("{}.{:02}", fen / 100, fen % 100),
                    ..donation::AllocationInput::default()
                },
            )
            .await
            .is_ok()
        }
    }
}

/// The stored figures equal a recount, and for a few scopes the roll-up and the
/// countries read from them equal those counted from the records.
async fn agrees(db: &Db, w: &World, after: &str) {
    let found = tally::check(db).await.expect("recount");
    assert!(found.is_empty(), "after {after}: {found:?}");
    let series = column(db, "select id from event_series order by id").await;
    let year = chrono::Datelike::year(&qiaolian_core::settings::today()) - 1;
    let mut scopes = vec![
        Scope::default(),
        Scope {
            side: Some("cq".into()),
            ..Scope::default()
        },
        Scope {
            org: Some(w.parents[0].0),
            year: Some(year),
            ..Scope::default()
        },
        Scope {
            org: Some(w.feds[1].0),
            ..Scope::default()
        },
    ];
    if let Some(s) = series.first() {
        scopes.push(Scope {
            series: Some(*s),
            side: Some("sc".into()),
            ..Scope::default()
        });
    }
    let gifts = [
        donation::DonationFilter::default(),
        // For the coordinator: all of its subtree, or none of it, or (after a change of
        // side below it) summed from the rows.
        donation::DonationFilter {
            side: Some("cq".into()),
            ..Default::default()
        },
        donation::DonationFilter {
            side: Some("sc".into()),
            year: Some(year),
            ..Default::default()
        },
        donation::DonationFilter {
            org: Some(w.parents[0].0),
            status: Some("received".into()),
            ..Default::default()
        },
        donation::DonationFilter {
            org: Some(w.feds[1].0),
            form: Some("goods".into()),
            from: Some(format!("{}-01-01", year - 3)),
            ..Default::default()
        },
    ];
    for f in &gifts {
        for reader in [&w.admin, &w.coordinator] {
            let kept = donation::totals(db, reader, f).await.expect("totals");
            let counted = donation::totals_from_records(db, reader, f)
                .await
                .expect("summed");
            assert_eq!(
                kept, counted,
                "after {after}, donations {f:?} for {}",
                reader.login
            );
        }
    }
    for scope in &scopes {
        let kept = outcome::rollup(db, &w.admin, scope).await.expect("rollup");
        let counted = outcome::rollup_from_records(db, &w.admin, scope)
            .await
            .expect("counted");
        assert_eq!(
            serde_json::to_value(&kept).expect("json"),
            serde_json::to_value(&counted).expect("json"),
            "after {after}, roll-up of {scope:?}"
        );
        let kept = outcome::countries(db, &w.admin, scope)
            .await
            .expect("countries");
        let counted = outcome::countries_from_records(db, &w.admin, scope)
            .await
            .expect("counted");
        assert_eq!(
            serde_json::to_value(&kept).expect("json"),
            serde_json::to_value(&counted).expect("json"),
            "after {after}, countries of {scope:?}"
        );
    }
}

async fn outcome_figures_equal_a_recount(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let db = app.db.clone();
    let admin = app.admin_actor().await;
    let outlet = ids(column(
        &db,
        "select id from org where kind = 'media_outlet' order by id",
    )
    .await);
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let w = World {
        admin,
        coordinator: app.actor_of("cq-coord").await,
        feds: app.federations().await.into_iter().map(|f| f.0).collect(),
        counties: ids(column(&db, "select id from org where kind = 'federation' and level = 'county' order by id").await),
        parents: ids(column(&db, "select id from org where kind = 'federation' and level in ('province', 'prefecture') order by id").await),
        outlet: *outlet.first().expect("a media outlet in the demo"),
    };
    // The demo's own figures were counted when it was written.
    agrees(&db, &w, "the demo").await;
    let accepted = std::sync::Mutex::new(HashMap::<&'static str, usize>::new());
    let mut runner = TestRunner::new(Config {
        cases: 5,
        max_shrink_iters: 20,
        failure_persistence: None,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    let result = runner.run(&proptest::collection::vec(op(), 1..16), |ops| {
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                for op in &ops {
                    if apply(&db, &w, op).await {
                        *accepted.lock().expect("tally").entry(kind(op)).or_default() += 1;
                    }
                    let found = tally::check(&db).await.expect("recount");
                    prop_assert!(found.is_empty(), "after {op:?}: {found:?}");
                }
                Ok(())
            })
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let mut accepted = accepted.into_inner().expect("tally");
    // Each kind of write is also tried on its own until one gets through.
    for i in 0..60_usize {
        let p = EventParts {
            days: -400 - i as i64 * 37,
            kind: i % 3,
            series: i % 3,
            hosts: vec![i * 3, i * 5],
            status: 0,
            countries: vec![(i % 6, 12), ((i + 1) % 6, 3)],
        };
        let ops = [
            Op::NewEvent(p.clone()),
            Op::EditEvent {
                event: i * 7,
                parts: p,
            },
            Op::Register {
                event: i * 11,
                country: i % 6,
            },
            Op::NewProject {
                event: Some(i * 13),
                owner: i,
                days: -30,
            },
            Op::Advance {
                project: i * 17,
                status: i % 4,
            },
            Op::NewTalent {
                event: Some(i),
                org: i * 19,
                days: -60,
            },
            Op::NewArticle {
                event: Some(i * 23),
                days: -90,
            },
            Op::Move {
                org: i,
                parent: i * 29,
            },
            Op::Side {
                org: i,
                side: i % 2,
            },
            Op::NewDonation {
                org: i * 31,
                days: -20 - i as i64,
                goods: i % 2 == 0,
                pledged: i % 3 == 0,
            },
            Op::Receive { donation: i * 37 },
            Op::Allocate {
                donation: i * 41,
                all: i % 2 == 1,
            },
        ];
        for op in &ops {
            if accepted.get(kind(op)).copied().unwrap_or(0) > 0 {
                continue;
            }
            if apply(&db, &w, op).await {
                *accepted.entry(kind(op)).or_default() += 1;
            }
            let found = tally::check(&db).await.expect("recount");
            assert!(found.is_empty(), "after {op:?}: {found:?}");
        }
    }
    agrees(&db, &w, "the writes").await;
    // Writers in parallel share the rows of everyone and of each side: none is lost,
    // and on PostgreSQL none deadlocks (each applies its rows in key order).
    let writes = (0..8_usize).map(|i| {
        let (db, w) = (&db, &w);
        async move {
            let p = EventParts {
                days: -100 - i as i64,
                kind: i % 3,
                series: i % 3,
                hosts: vec![i, i + 4],
                status: 0,
                countries: vec![(i % 6, 5)],
            };
            event::create(db, &w.admin, &event_input(w, &p, None))
                .await
                .expect("parallel event");
            let project = apply(
                db,
                w,
                &Op::NewProject {
                    event: Some(i),
                    owner: i * 3,
                    days: -10,
                },
            )
            .await;
            // Gifts to two federations share the rows of everything above them.
            let gift = donation::create(
                db,
                &w.admin,
                &donation::DonationInput {
                    donor_name: "马来西亚重庆同乡会".into(),
                    given_on: day(-5),
                    form: "money".into(),
                    amount: "500".into(),
                    recipient_org_id: Some(w.feds[i % 2]),
                    receipt_no: format!("P-{i}"),
                    status: Some("received".into()),
                    ..donation::DonationInput::default()
                },
            )
            .await
            .is_ok();
            project && gift
        }
    });
    let done = futures_util::future::join_all(writes).await;
    assert!(
        done.iter().all(|ok| *ok),
        "every parallel project and gift was stored"
    );
    agrees(&db, &w, "parallel writers").await;
    for k in [
        "event", "edit", "register", "project", "advance", "talent", "article", "move", "side",
        "donation", "receive", "allocate",
    ] {
        assert!(
            accepted.get(k).copied().unwrap_or(0) > 0,
            "no {k} was accepted: {accepted:?}"
        );
    }
}
