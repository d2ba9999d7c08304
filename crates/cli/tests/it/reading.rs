//! One read rule per kind, proven from outside: readers drawn at random from every
//! level and side see in each list exactly the records their kind's rule admits, open
//! exactly those by id, count what they list, find nothing by search that the list
//! hides, and never see a linked person they may not open. On both engines, over the
//! whole demo data.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Api, TestApp, both, field_code};

both!(
    every_reader_opens_and_finds_exactly_what_the_lists_show,
    no_one_widens_their_own_reach_from_inside,
    a_plan_handed_to_a_new_owner_shows_its_tasks_to_that_owner_everywhere,
    registers_name_people_only_to_their_hosts_and_erasure_blanks_every_copy,
);

/// A kind as the API serves it: its list (if any) and its page by id.
struct ApiKind {
    kind: &'static str,
    list: Option<&'static str>,
    get: Option<&'static str>,
}

const API_KINDS: &[ApiKind] = &[
    ApiKind {
        kind: "org",
        list: Some("/api/v1/orgs?archived=true"),
        get: Some("/api/v1/orgs/{id}"),
    },
    ApiKind {
        kind: "agreement",
        list: Some("/api/v1/agreements"),
        get: Some("/api/v1/agreements/{id}"),
    },
    ApiKind {
        kind: "plan",
        list: None,
        get: Some("/api/v1/plans/{id}"),
    },
    ApiKind {
        kind: "task",
        list: Some("/api/v1/tasks"),
        get: Some("/api/v1/tasks/{id}"),
    },
    ApiKind {
        kind: "pairing",
        list: Some("/api/v1/pairings"),
        get: Some("/api/v1/pairings/{id}"),
    },
    ApiKind {
        kind: "meeting",
        list: Some("/api/v1/meetings"),
        get: Some("/api/v1/meetings/{id}"),
    },
    ApiKind {
        kind: "exchange",
        list: Some("/api/v1/exchanges"),
        get: None,
    },
    ApiKind {
        kind: "event",
        list: Some("/api/v1/events"),
        get: Some("/api/v1/events/{id}"),
    },
    ApiKind {
        kind: "project",
        list: Some("/api/v1/projects"),
        get: Some("/api/v1/projects/{id}"),
    },
    ApiKind {
        kind: "talent",
        list: Some("/api/v1/talents"),
        get: None,
    },
    ApiKind {
        kind: "article",
        list: Some("/api/v1/articles"),
        get: None,
    },
    ApiKind {
        kind: "donation",
        list: Some("/api/v1/donations"),
        get: Some("/api/v1/donations/{id}"),
    },
    ApiKind {
        kind: "person",
        list: Some("/api/v1/people"),
        get: Some("/api/v1/people/{id}"),
    },
];

/// Words common in the demo data, so every searchable kind has hits to check.
const WORDS: &[&str] = &["侨联", "重庆", "四川", "合作", "青年", "投资"];

/// A small deterministic generator: the same readers on every run and engine, and
/// the seed printed so a failure can be replayed with `QIAOLIAN_READERS_SEED`.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Every item of a list, page by page.
async fn listed(api: &Api, path: &str) -> (BTreeSet<i64>, Vec<Value>) {
    let mut ids = BTreeSet::new();
    let mut items = Vec::new();
    for page in 1..=100 {
        let sep = if path.contains('?') { '&' } else { '?' };
        let (status, body) = api
            .get(&format!("{path}{sep}per_page=500&page={page}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let (page_items, total) = match &body {
            Value::Array(a) => (a.clone(), None),
            _ => (
                body["items"].as_array().cloned().expect("items"),
                body["total"].as_i64(),
            ),
        };
        let n = page_items.len();
        for i in page_items {
            // Mechanisms nest their organization.
            let id = i["id"].as_i64().or(i["org"]["id"].as_i64()).expect("id");
            assert!(ids.insert(id), "{path} lists {id} twice");
            items.push(i);
        }
        match total {
            Some(t) if (ids.len() as i64) < t && n > 0 => continue,
            Some(t) => {
                assert_eq!(
                    ids.len() as i64,
                    t,
                    "{path}: the total counts what the list shows"
                );
                break;
            }
            None => break,
        }
    }
    (ids, items)
}

async fn all_ids(app: &TestApp, table: &str) -> Vec<i64> {
    let mut tx = app.db.read().await.expect("read");
    qiaolian_core::sql::Sql::new(&format!("select id from {table} order by id"))
        .column(&mut tx)
        .await
        .expect("ids")
}

/// Up to `n` of `ids`, spread over the range.
fn sample(ids: &[i64], n: usize) -> Vec<i64> {
    if ids.len() <= n {
        return ids.to_vec();
    }
    (0..n).map(|i| ids[i * ids.len() / n]).collect()
}

async fn every_reader_opens_and_finds_exactly_what_the_lists_show(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let seed = std::env::var("QIAOLIAN_READERS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_201_u64);
    eprintln!("readers seed {seed}");
    let mut rng = Lcg(seed);
    // Organizations of every level and side that people work in.
    let orgs: Vec<(String, String)> = {
        let mut tx = app.db.read().await.expect("read");
        qiaolian_core::sql::Sql::new(
            "select o.name, o.level from org o where o.kind = 'federation' and o.archived_at is null order by o.path",
        )
        .all(&mut tx)
        .await
        .expect("orgs")
    };
    let mut readers: Vec<(String, Api)> = vec![("admin".into(), app.admin_api().await)];
    // Each level's federations at least once, then random ones.
    let mut chosen: Vec<&(String, String)> = Vec::new();
    for level in ["national", "province", "prefecture", "county", "township"] {
        if let Some(o) = orgs.iter().find(|(_, l)| l == level) {
            chosen.push(o);
        }
    }
    for _ in 0..4 {
        chosen.push(&orgs[rng.next(orgs.len())]);
    }
    for (i, (org, level)) in chosen.into_iter().enumerate() {
        let role = ["org_admin", "coordinator", "member", "viewer"][rng.next(4)];
        let login = format!("reader{i}");
        app.user(&login, org, role).await;
        readers.push((
            format!("{role} of {org} ({level})"),
            app.api_of(&login).await,
        ));
    }

    for (who, api) in &readers {
        let mut visible_people: Option<BTreeSet<i64>> = None;
        let mut lists: Vec<(&str, BTreeSet<i64>, Vec<Value>)> = Vec::new();
        for k in API_KINDS {
            let kind = qiaolian_core::kinds::kind(k.kind).expect("kind");
            let ids = all_ids(&app, kind.table).await;
            let actor = actor_of(&app, api).await;
            let admitted: BTreeSet<i64> = kind
                .readable(&app.db, &actor, &ids)
                .await
                .expect("readable")
                .into_iter()
                .collect();
            let (shown, items) = match k.list {
                Some(path) => listed(api, path).await,
                None => (admitted.clone(), Vec::new()),
            };
            if k.kind == "person" {
                // The directory lists merged people nowhere; erased ones stay listed.
                let merged = merged_people(&app).await;
                let expected: BTreeSet<i64> = admitted.difference(&merged).copied().collect();
                assert_eq!(shown, expected, "{who}: people listed = people admitted");
                visible_people = Some(expected);
            } else {
                assert_eq!(
                    shown, admitted,
                    "{who}: the {} list shows exactly what its read rule admits",
                    k.kind
                );
            }
            if let Some(get) = k.get {
                let inside: Vec<i64> = shown.iter().copied().collect();
                let outside: Vec<i64> =
                    ids.iter().copied().filter(|i| !shown.contains(i)).collect();
                for id in sample(&inside, 25).into_iter().chain(sample(&outside, 25)) {
                    let (status, body) = api.get(&get.replace("{id}", &id.to_string())).await;
                    let expected = if shown.contains(&id) {
                        StatusCode::OK
                    } else {
                        StatusCode::NOT_FOUND
                    };
                    assert_eq!(status, expected, "{who}: {} {id} by id: {body}", k.kind);
                }
            }
            lists.push((k.kind, shown, items));
        }
        let people = visible_people.expect("people checked");

        // Search finds nothing the kind's list hides.
        for word in WORDS {
            for kind in [
                "org",
                "person",
                "agreement",
                "task",
                "meeting",
                "event",
                "project",
            ] {
                let (status, body) = api
                    .get(&format!("/api/v1/search?q={word}&kind={kind}&per_page=100"))
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
                let shown = &lists.iter().find(|(k, _, _)| *k == kind).expect("list").1;
                for g in body["groups"].as_array().into_iter().flatten() {
                    for hit in g["hits"].as_array().into_iter().flatten() {
                        let id = hit["id"].as_i64().expect("id");
                        assert!(
                            shown.contains(&id),
                            "{who}: search for {word} finds {kind} {id}, which its list hides"
                        );
                    }
                }
            }
        }

        // No linked record names a person the reader cannot open.
        for (kind, _, items) in &lists {
            let name = match *kind {
                "talent" => "name",
                "project" => "investor_name",
                "donation" => "donor_name",
                _ => continue,
            };
            for item in items {
                if let Some(p) = item["person_id"].as_i64() {
                    assert!(people.contains(&p), "{who}: a {kind} names person {p}");
                }
                if item["withheld"] == true {
                    assert!(item["person_id"].is_null() && item[name] == "", "{item}");
                }
            }
        }
        let events = &lists
            .iter()
            .find(|(k, _, _)| *k == "event")
            .expect("events")
            .2;
        for e in events.iter().filter(|e| {
            e["kind"]
                .as_str()
                .is_some_and(|k| k.starts_with("youth_camp") || k == "study_programme")
        }) {
            let id = e["id"].as_i64().expect("id");
            let (status, register) = api.get(&format!("/api/v1/events/{id}/participants")).await;
            assert_eq!(status, StatusCode::OK, "{register}");
            for line in register.as_array().into_iter().flatten() {
                if let Some(p) = line["person_id"].as_i64() {
                    assert!(people.contains(&p), "{who}: a register names person {p}");
                }
                if line["withheld"] == true {
                    assert!(line["name"] == "" && line["born_on"].is_null(), "{line}");
                }
            }
        }
    }
}

async fn merged_people(app: &TestApp) -> BTreeSet<i64> {
    let mut tx = app.db.read().await.expect("read");
    qiaolian_core::sql::Sql::new("select id from person where merged_into is not null")
        .column::<i64>(&mut tx)
        .await
        .expect("merged")
        .into_iter()
        .collect()
}

/// The actor behind an API client, as core sees it.
async fn actor_of(app: &TestApp, api: &Api) -> qiaolian_core::access::Actor {
    let (_, me) = api.get("/api/v1/me").await;
    let id = me["id"].as_i64().expect("me");
    qiaolian_core::account::get(&app.db, qiaolian_core::account::AccountId(id))
        .await
        .expect("account")
        .expect("exists")
        .actor()
}

async fn no_one_widens_their_own_reach_from_inside(app: TestApp) {
    app.load_demo().await;
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("cq-admin", "重庆市侨联", "org_admin").await;
    let coord = app.api_of("cq-coord").await;
    let cq_admin = app.api_of("cq-admin").await;
    let wanzhou = app.org_id("万州区侨联").await.0;
    let cq = app.org_id("重庆市侨联").await.0;
    let sc = app.org_id("四川省侨联").await.0;

    // Neither their own federation nor one below it becomes national.
    for id in [cq, wanzhou] {
        let (_, org) = coord.get(&format!("/api/v1/orgs/{id}")).await;
        let mut edit = org.clone();
        edit["side"] = json!("national");
        let (status, answer) = cq_admin.patch(&format!("/api/v1/orgs/{id}"), edit).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(field_code(&answer, "side"), "side_change_not_allowed");
    }
    let (_, tasks_before) = coord.get("/api/v1/tasks").await;

    // A new organization takes its parent's side.
    let new_org = |side: &str| {
        json!({"name": format!("重庆市侨联{side}工作组"), "kind": "federation", "level": "county", "side": side,
               "parent_id": cq, "region_code": "500101"})
    };
    let (status, answer) = cq_admin.post("/api/v1/orgs", new_org("national")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(field_code(&answer, "side"), "side_of_parent");
    let (status, created) = cq_admin.post("/api/v1/orgs", new_org("cq")).await;
    assert_eq!(status, StatusCode::OK, "{created}");

    // Nor does a district move out of their reach, to the other side.
    let (_, org) = coord.get(&format!("/api/v1/orgs/{wanzhou}")).await;
    let mut edit = org.clone();
    edit["parent_id"] = json!(sc);
    let (status, _) = cq_admin
        .patch(&format!("/api/v1/orgs/{wanzhou}"), edit)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, tasks_after) = coord.get("/api/v1/tasks").await;
    assert_eq!(tasks_after["total"], tasks_before["total"]);

    // An administrator may, and the trail says so.
    let admin = app.admin_api().await;
    let mut edit = org.clone();
    edit["side"] = json!("sc");
    edit["region_code"] = json!("511700");
    let (status, moved) = admin.patch(&format!("/api/v1/orgs/{wanzhou}"), edit).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let (_, trail) = admin
        .get(&format!("/api/v1/audit?entity=org&entity_id={wanzhou}"))
        .await;
    let details: Vec<&str> = trail["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["detail"].as_str())
        .collect();
    assert!(details.iter().any(|d| d.contains("cq → sc")), "{trail}");
}

async fn a_plan_handed_to_a_new_owner_shows_its_tasks_to_that_owner_everywhere(app: TestApp) {
    let p = crate::cooperation::programme(&app).await;
    let cq = app.api_of("cq-coord").await;
    let kz = app.api_of("kz-member").await;
    let (status, task) = cq
        .post(
            "/api/v1/tasks",
            json!({"plan_id": p.plan, "title": "万州达州联合招商推介会", "goal": "签约", "standard": "不少于 3 个",
                   "requirement": "每月报送", "start_on": "2026-11-01", "deadline": "2027-06-30",
                   "lead_org_id": p.wanzhou}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{task}");
    let id = task["id"].as_i64().expect("id");
    let (status, _) = kz.get(&format!("/api/v1/tasks/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "开州 is not involved yet");

    let (status, revised) = cq
        .post(
            &format!("/api/v1/plans/{}/revisions", p.plan),
            json!({"agreement_id": p.agreement, "title": "2024 年度合作计划（开州牵头）", "owner_org_id": p.kaizhou,
                   "period_start": "2026-11-01", "period_end": "2027-12-31", "cadence": "monthly", "due_day": 28,
                   "change_note": "联席会议决定由开州区侨联牵头"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{revised}");

    // The new owner opens the task, and finds it in the list, the counts and search.
    let (status, _) = kz.get(&format!("/api/v1/tasks/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = kz.get("/api/v1/tasks?per_page=500").await;
    let ids: Vec<i64> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    assert!(ids.contains(&id), "{list}");
    assert_eq!(list["total"].as_i64(), Some(ids.len() as i64));
    let (_, found) = kz.get("/api/v1/search?q=联合招商推介会&kind=task").await;
    assert!(
        found.to_string().contains(&format!("\"id\":{id}")),
        "{found}"
    );
}

async fn registers_name_people_only_to_their_hosts_and_erasure_blanks_every_copy(app: TestApp) {
    app.load_demo().await;
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("cq-viewer", "重庆市侨联", "viewer").await;
    app.user("sc-coord", "四川省侨联", "coordinator").await;
    let coord = app.api_of("cq-coord").await;
    let viewer = app.api_of("cq-viewer").await;
    let other = app.api_of("sc-coord").await;
    let cq = app.org_id("重庆市侨联").await.0;
    let (status, who) = coord
        .post(
            "/api/v1/people",
            json!({"name": "林小雨", "residence_country": "TH", "categories": ["youth"], "owner_org_id": cq,
                   "sharing": "own_org", "legal_basis": "consent", "basis_on": "2026-07-01",
                   "basis_scope": "夏令营报名", "basis_source": "报名表", "confirm_new": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{who}");
    let (status, camp) = coord
        .post(
            "/api/v1/events",
            json!({"kind": "youth_camp_offline", "title": "2026 海外华裔青少年“寻根之旅”夏令营（重庆营）",
                   "starts_on": "2026-07-10", "ends_on": "2026-07-20", "status": "held",
                   "orgs": [{"org_id": cq, "role": "host"}], "countries": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{camp}");
    let register = format!("/api/v1/events/{}/participants", camp["id"]);
    for body in [
        json!({"person_id": who["id"], "born_on": "2012-05-06"}),
        json!({"name": "Anan Chen", "country_code": "TH", "born_on": "2011-01-02"}),
    ] {
        let (status, line) = coord.post(&register, body).await;
        assert_eq!(status, StatusCode::OK, "{line}");
    }
    let (status, project) = coord
        .post(
            "/api/v1/projects",
            json!({"person_id": who["id"], "title": "泰国青年创业孵化基地", "amount": "1000000",
                   "region_code": "500101", "signed_on": "2026-07-20", "owner_org_id": cq}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{project}");

    // The host sees names and birth dates; a viewer of the host sees the person they
    // may open but no birth dates; the other side sees two participants from Thailand.
    let (_, lines) = coord.get(&register).await;
    assert_eq!(lines[0]["name"], "林小雨");
    assert_eq!(lines[1]["born_on"], "2011-01-02");
    let (_, lines) = viewer.get(&register).await;
    assert_eq!(lines[0]["name"], "林小雨");
    assert!(
        lines[0]["born_on"].is_null() && lines[1]["born_on"].is_null(),
        "{lines}"
    );
    assert_eq!(
        lines[1]["withheld"], true,
        "a typed name is the host's to see"
    );
    let (_, lines) = other.get(&register).await;
    for line in lines.as_array().expect("lines") {
        assert_eq!(
            (&line["withheld"], &line["name"], &line["country_code"]),
            (&json!(true), &json!(""), &json!("TH")),
            "{line}"
        );
    }
    let (_, seen) = other
        .get(&format!("/api/v1/projects/{}", project["id"]))
        .await;
    assert_eq!(
        (&seen["withheld"], &seen["investor_name"]),
        (&json!(true), &json!(""))
    );
    let (_, found) = other.get("/api/v1/search?q=林小雨").await;
    assert_eq!(
        found["groups"],
        json!([]),
        "no document names them: {found}"
    );

    // Erasure blanks every copy of the name and the birth date, and the documents.
    app.user("cq-admin", "重庆市侨联", "org_admin").await;
    let (status, erased) = app
        .api_of("cq-admin")
        .await
        .post(&format!("/api/v1/people/{}/erase", who["id"]), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    let (_, lines) = coord.get(&register).await;
    assert_ne!(lines[0]["name"], "林小雨");
    assert!(lines[0]["born_on"].is_null(), "{lines}");
    let (_, seen) = coord
        .get(&format!("/api/v1/projects/{}", project["id"]))
        .await;
    assert_ne!(seen["investor_name"], "林小雨");
    let (_, found) = coord.get("/api/v1/search?q=林小雨").await;
    assert_eq!(found["groups"], json!([]), "{found}");
}
