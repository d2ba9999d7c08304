//! Records linked to people of the directory and a person's history, and merging two
//! records of one person, on both backends: what each reader may see of a history,
//! links to hidden people refused like links to nobody, and merges that move every
//! link, are audited, and undo exactly.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Api, TestApp, both, field_code};

both!(
    a_coordinator_on_the_other_side_finds_a_shared_leader_and_sees_their_history,
    linking_a_person_the_user_may_not_see_is_refused_like_linking_nobody,
    a_merge_moves_every_link_to_the_survivor_is_audited_and_undoes_exactly,
    merges_are_refused_with_oneself_stale_versions_erased_people_and_without_the_right,
);

async fn setup(app: &TestApp) -> Api {
    app.load_demo().await;
    for (login, org, role) in [
        ("cq-coord", "重庆市侨联", "coordinator"),
        ("sc-coord", "四川省侨联", "coordinator"),
        ("cd-viewer", "成都市侨联", "viewer"),
    ] {
        app.user(login, org, role).await;
    }
    app.api_of("cq-coord").await
}

async fn person(api: &Api, owner: i64, name: &str, sharing: &str, contact: Value) -> Value {
    let (status, p) = api
        .post(
            "/api/v1/people",
            json!({"name": name, "residence_country": "TH", "categories": ["overseas_leader"], "tags": [name],
                   "contacts": [contact], "owner_org_id": owner, "sharing": sharing, "legal_basis": "consent",
                   "basis_on": "2024-09-10", "basis_scope": "侨务联络", "basis_source": "登记表", "confirm_new": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    p
}

async fn event(api: &Api, host: i64, title: &str, day: &str) -> i64 {
    let (status, e) = api
        .post(
            "/api/v1/events",
            json!({"kind": "study_programme", "title": title, "starts_on": day, "ends_on": day, "status": "held",
                   "orgs": [{"org_id": host, "role": "host"}], "countries": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    e["id"].as_i64().expect("event id")
}

/// Every kind of record linked to `who`, the name left blank where it can be filled.
async fn history(app: &TestApp, api: &Api, who: &Value) {
    let cq = app.org_id("重庆市侨联").await.0;
    let sc = app.org_id("四川省侨联").await.0;
    let e = event(api, cq, "2023 海外侨领研修班", "2023-05-10").await;
    let (status, r) = api
        .post(
            &format!("/api/v1/events/{e}/participants"),
            json!({"person_id": who["id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (&r["name"], &r["country_code"]),
        (&who["name"], &json!("TH")),
        "a blank name and country come from the person"
    );
    let (status, t) = api
        .post(
            "/api/v1/talents",
            json!({"person_id": who["id"], "field": "智能制造", "level": "provincial",
            "event_id": e, "org_id": cq, "received_on": "2023-06-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let (status, d) = api
        .post(
            "/api/v1/donations",
            json!({"person_id": who["id"], "given_on": "2024-02-01", "form": "money",
            "amount": "50000", "recipient_org_id": cq, "receipt_no": "LINK-001"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["donor_name"], who["name"]);
    let (status, p) = api
        .post(
            "/api/v1/projects",
            json!({"person_id": who["id"], "title": "泰国侨商智能工厂", "amount": "30000000",
            "region_code": "500101", "signed_on": "2024-03-01", "owner_org_id": cq}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let (status, x) = api
        .post(
            "/api/v1/exchanges",
            json!({"happened_on": "2024-04-01", "kind": "visit", "from_org_id": cq,
            "to_org_ids": [sc], "summary": "陪同侨领考察成都", "people": [who["id"]]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{x}");
}

fn kinds(timeline: &Value) -> Vec<String> {
    timeline
        .as_array()
        .expect("timeline")
        .iter()
        .map(|i| i["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn a_coordinator_on_the_other_side_finds_a_shared_leader_and_sees_their_history(
    app: TestApp,
) {
    let cq = setup(&app).await;
    let owner = app.org_id("重庆市侨联").await.0;
    let leader = person(
        &cq,
        owner,
        "陈志明",
        "all",
        json!({"kind": "phone", "value": "+66 81 234 5678"}),
    )
    .await;
    history(&app, &cq, &leader).await;
    let path = format!("/api/v1/people/{}/timeline", leader["id"]);

    let (_, mine) = cq.get(&path).await;
    assert_eq!(
        kinds(&mine),
        ["exchange", "project", "donation", "talent", "event"],
        "newest first: {mine}"
    );

    let sc = app.api_of("sc-coord").await;
    let (_, found) = sc.get("/api/v1/people?q=陈志明").await;
    assert_eq!(found["items"][0]["id"], leader["id"], "shared with all");
    let (status, theirs) = sc.get(&path).await;
    assert_eq!(status, StatusCode::OK, "{theirs}");
    assert_eq!(
        kinds(&theirs),
        ["exchange", "project", "talent", "event"],
        "a donation to a federation outside the reader's subtree is not in their view"
    );
    assert_eq!(theirs[3]["title"], "2023 海外侨领研修班");

    let c = app
        .sign_in("sc-coord", &crate::harness::password_of("sc-coord"))
        .await;
    let page = crate::harness::page(&c, &app.url(&format!("/people/{}", leader["id"]))).await;
    let items = crate::harness::select_text(&page, "#timeline .timeline-item");
    assert_eq!(items.len(), 4, "{items:?}");
    assert!(items[3].contains("2023 海外侨领研修班") && items[3].contains("参加活动"));

    // A refused form keeps the person picked.
    let cq_page = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let csrf = crate::harness::csrf_of(&cq_page, &app.url("/donations/new")).await;
    let leader_id = leader["id"].to_string();
    let owner_s = owner.to_string();
    let resp = cq_page
        .post(app.url("/donations"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("person_id", leader_id.as_str()),
            ("given_on", "2024-02-01"),
            ("form", "money"),
            ("amount", ""),
            ("recipient_org_id", owner_s.as_str()),
            ("receipt_no", "LINK-002"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let doc = crate::harness::html(&resp.text().await.expect("text"));
    assert_eq!(
        crate::harness::select_text(&doc, "#person_id option[selected]"),
        ["陈志明"]
    );

    let quiet = person(
        &cq,
        owner,
        "林美玲",
        "all",
        json!({"kind": "email", "value": "lin@example.org"}),
    )
    .await;
    let page = crate::harness::page(&c, &app.url(&format!("/people/{}", quiet["id"]))).await;
    assert_eq!(
        crate::harness::select_text(&page, "#timeline-empty"),
        ["还没有与此人关联的活动、交流、捐赠、项目或人才记录。"]
    );
}

async fn linking_a_person_the_user_may_not_see_is_refused_like_linking_nobody(app: TestApp) {
    let cq = setup(&app).await;
    let sc = app.api_of("sc-coord").await;
    let hidden = person(
        &sc,
        app.org_id("四川省侨联").await.0,
        "赵六",
        "own_org",
        json!({"kind": "phone", "value": "+33 6 12 34 56 78"}),
    )
    .await;
    let (status, _) = cq.get(&format!("/api/v1/people/{}", hidden["id"])).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "hidden from Chongqing");
    let owner = app.org_id("重庆市侨联").await.0;
    let e = event(&cq, owner, "恳谈会", "2024-05-01").await;
    for who in [hidden["id"].clone(), json!(999_999)] {
        for (path, body, field) in [
            (
                format!("/api/v1/events/{e}/participants"),
                json!({"person_id": who, "name": "某人", "country_code": "FR"}),
                "person_id",
            ),
            (
                "/api/v1/talents".to_owned(),
                json!({"person_id": who, "name": "某人", "field": "医", "level": "national", "country_code": "FR",
                       "org_id": owner, "received_on": "2024-01-01"}),
                "person_id",
            ),
            (
                "/api/v1/donations".to_owned(),
                json!({"person_id": who, "donor_name": "某人", "given_on": "2024-02-01", "form": "money",
                       "amount": "1", "recipient_org_id": owner, "receipt_no": "X-1"}),
                "person_id",
            ),
            (
                "/api/v1/projects".to_owned(),
                json!({"person_id": who, "title": "项目", "amount": "1", "investor_name": "某人",
                       "region_code": "500101", "signed_on": "2024-03-01", "owner_org_id": owner}),
                "person_id",
            ),
            (
                "/api/v1/exchanges".to_owned(),
                json!({"happened_on": "2024-04-01", "kind": "visit", "from_org_id": owner,
                       "to_org_ids": [app.org_id("四川省侨联").await.0], "summary": "考察", "people": [who]}),
                "people",
            ),
        ] {
            let (status, answer) = cq.post(&path, body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {answer}");
            assert_eq!(
                answer["error"]["fields"],
                json!({field: answer["error"]["fields"][field].clone()}),
                "nothing else tells the two apart: {answer}"
            );
            assert_eq!(field_code(&answer, field), "unknown_person", "{path}");
        }
    }
    let (_, timeline) = sc
        .get(&format!("/api/v1/people/{}/timeline", hidden["id"]))
        .await;
    assert_eq!(timeline, json!([]), "nothing was linked");
    let (status, _) = cq
        .get(&format!("/api/v1/people/{}/timeline", hidden["id"]))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nor is their history shown");
}

async fn merge(api: &Api, own: &Value, other: &Value, choose: Value) -> (StatusCode, Value) {
    api.post(
        &format!("/api/v1/people/{}/merge", own["id"]),
        json!({"with": other["id"], "version": own["version"], "other_version": other["version"], "choose": choose}),
    )
    .await
}

async fn a_merge_moves_every_link_to_the_survivor_is_audited_and_undoes_exactly(app: TestApp) {
    let cq = setup(&app).await;
    let owner = app.org_id("重庆市侨联").await.0;
    let keep = person(
        &cq,
        owner,
        "陈志明",
        "all",
        json!({"kind": "phone", "value": "+66 81 234 5678"}),
    )
    .await;
    let mut dup = person(
        &cq,
        owner,
        "陳志明",
        "all",
        json!({"kind": "email", "value": "chen@example.org"}),
    )
    .await;
    history(&app, &cq, &dup).await;
    // Both took part in one exchange: after the merge the survivor is on it once.
    let (status, _) = cq
        .post("/api/v1/exchanges", json!({"happened_on": "2024-04-02", "kind": "seminar", "from_org_id": owner,
            "to_org_ids": [app.org_id("四川省侨联").await.0], "summary": "座谈", "people": [keep["id"], dup["id"]]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, before) = cq
        .get(&format!("/api/v1/people/{}/timeline", dup["id"]))
        .await;
    assert_eq!(before.as_array().map(Vec::len), Some(6));
    let (_, dup_now) = cq.get(&format!("/api/v1/people/{}", dup["id"])).await;
    dup = dup_now;

    let (status, merged) = merge(&cq, &keep, &dup, json!({"tags": "self", "name": "self"})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "tags are united, not chosen"
    );
    assert_eq!(field_code(&merged, "choose"), "unknown_value");
    let (status, merged) = merge(&cq, &keep, &dup, json!({"name": "other"})).await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    assert_eq!(merged["name"], "陳志明", "the name chosen survives");
    let (_, clear) = cq
        .post(&format!("/api/v1/people/{}/reveal", keep["id"]), json!({}))
        .await;
    let contacts: Vec<&str> = clear["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .filter_map(|c| c["value"].as_str())
        .collect();
    assert_eq!(contacts, ["+66 81 234 5678", "chen@example.org"]);
    let mut tags: Vec<&str> = merged["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    tags.sort_unstable();
    assert_eq!(tags, ["陈志明", "陳志明"], "tags are united");

    let (_, gone) = cq.get(&format!("/api/v1/people/{}", dup["id"])).await;
    assert_eq!(gone["merged_into"], keep["id"]);
    let (_, listed) = cq.get("/api/v1/people?q=志明").await;
    assert_eq!(listed["total"], 1, "the merged record is hidden from lists");
    let (_, moved) = cq
        .get(&format!("/api/v1/people/{}/timeline", keep["id"]))
        .await;
    assert_eq!(
        kinds(&moved),
        [
            "exchange", "exchange", "project", "donation", "talent", "event"
        ],
        "every record of the other moved to the survivor, the shared exchange once"
    );
    let (_, left) = cq
        .get(&format!("/api/v1/people/{}/timeline", dup["id"]))
        .await;
    assert_eq!(left, json!([]));
    let c = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let resp = c
        .get(app.url(&format!("/people/{}", dup["id"])))
        .send()
        .await
        .expect("send");
    assert_eq!(
        resp.headers().get("location").and_then(|l| l.to_str().ok()),
        Some(format!("/people/{}?merged={}", keep["id"], dup["id"]).as_str()),
        "the merged record's page leads to the survivor"
    );

    for id in [&keep["id"], &dup["id"]] {
        let (_, trail) = cq.get(&format!("/api/v1/people/{id}/audit")).await;
        assert!(
            trail
                .as_array()
                .expect("trail")
                .iter()
                .any(|e| e["action"] == "merge"),
            "{trail}"
        );
    }
    let (_, merges) = cq
        .get(&format!("/api/v1/people/{}/merges", keep["id"]))
        .await;
    let merge_id = merges[0]["id"].clone();
    let undo = format!("/api/v1/people/{}/merges/{merge_id}/undo", keep["id"]);
    let (status, restored) = cq.post(&undo, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["tags"], json!(["陈志明"]));
    assert_eq!(restored["contacts"].as_array().map(Vec::len), Some(1));
    assert_eq!(restored["name"], "陈志明");
    let (_, back) = cq.get(&format!("/api/v1/people/{}", dup["id"])).await;
    assert_eq!(back["merged_into"], Value::Null);
    let (_, after) = cq
        .get(&format!("/api/v1/people/{}/timeline", dup["id"]))
        .await;
    assert_eq!(after, before, "the other's history is back as it was");
    let (_, kept) = cq
        .get(&format!("/api/v1/people/{}/timeline", keep["id"]))
        .await;
    assert_eq!(
        kinds(&kept),
        ["exchange"],
        "the survivor keeps only its own"
    );
    let (status, twice) = cq.post(&undo, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&twice, "merge"), "already_undone");
    let (_, trail) = cq.get(&format!("/api/v1/people/{}/audit", dup["id"])).await;
    assert_eq!(trail[0]["action"], "undo_merge");

    // An edit after a merge makes undoing it a decision for a person, not a button.
    let (_, keep) = cq.get(&format!("/api/v1/people/{}", keep["id"])).await;
    let (_, dup) = cq.get(&format!("/api/v1/people/{}", dup["id"])).await;
    let (status, merged) = merge(&cq, &keep, &dup, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    let (_, clear) = cq
        .post(&format!("/api/v1/people/{}/reveal", keep["id"]), json!({}))
        .await;
    let mut edit = clear.clone();
    edit["notes"] = json!("合并后补充");
    edit["categories"] = json!(["overseas_leader"]);
    edit["confirm_new"] = json!(true);
    let (status, edited) = cq
        .put(&format!("/api/v1/people/{}", keep["id"]), edit)
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    let (_, merges) = cq
        .get(&format!("/api/v1/people/{}/merges", keep["id"]))
        .await;
    let (status, refused) = cq
        .post(
            &format!(
                "/api/v1/people/{}/merges/{}/undo",
                keep["id"], merges[0]["id"]
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(field_code(&refused, "merge"), "edited_since");
    assert_eq!(
        qiaolian_core::audit::verify(&app.db).await.expect("verify"),
        None
    );
}

async fn merges_are_refused_with_oneself_stale_versions_erased_people_and_without_the_right(
    app: TestApp,
) {
    let cq = setup(&app).await;
    let owner = app.org_id("重庆市侨联").await.0;
    let a = person(
        &cq,
        owner,
        "陈志明",
        "all",
        json!({"kind": "phone", "value": "+66 81 234 5678"}),
    )
    .await;
    let b = person(
        &cq,
        owner,
        "陳志明",
        "all",
        json!({"kind": "email", "value": "chen@example.org"}),
    )
    .await;
    let (status, answer) = merge(&cq, &a, &a, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "with"), "same_person");
    let c = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let resp = c
        .get(app.url(&format!("/people/{0}/merge?with={0}", a["id"])))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let doc = crate::harness::html(&resp.text().await.expect("text"));
    assert_eq!(
        crate::harness::select_text(&doc, "#refused"),
        ["不能与自己合并"],
        "the clerk reads why on the person's page, not an error page"
    );

    let mut stale = b.clone();
    stale["version"] = json!(0);
    let (status, _) = merge(&cq, &a, &stale, json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "a stale version is refused");

    for login in ["sc-coord", "cd-viewer"] {
        let (status, _) = merge(&app.api_of(login).await, &a, &b, json!({})).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{login} may see both but edit neither"
        );
    }
    let sc = app.api_of("sc-coord").await;
    let hidden = person(
        &sc,
        app.org_id("四川省侨联").await.0,
        "赵六",
        "own_org",
        json!({"kind": "phone", "value": "+33 6 12 34 56 78"}),
    )
    .await;
    let (status, answer) = merge(&cq, &a, &hidden, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "with"), "unknown_person");

    let admin = app.admin_api().await;
    let (status, erased) = admin
        .post(&format!("/api/v1/people/{}/erase", b["id"]), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    let (status, answer) = merge(&cq, &a, &erased, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "with"), "erased");
    let (_, trail) = cq.get(&format!("/api/v1/people/{}/audit", a["id"])).await;
    assert!(
        trail
            .as_array()
            .expect("trail")
            .iter()
            .all(|e| e["action"] != "merge"),
        "nothing refused was recorded"
    );
}

/// The demo's association leaders come with a history of every kind (SQLite only: the
/// full demo is slow on PostgreSQL and its SQL is the same).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_leaders_have_a_history() {
    crate::harness::run(crate::harness::Backend::Sqlite, async |app: TestApp| {
        qiaolian_core::demo::load(&app.db).await.expect("demo");
        let admin = app.admin_api().await;
        let assoc = app.org_id("泰国川渝总商会").await.0;
        let (_, found) = admin
            .get("/api/v1/people?country=TH&category=overseas_leader")
            .await;
        let mut leader = None;
        for p in found["items"].as_array().expect("items") {
            let (_, full) = admin.get(&format!("/api/v1/people/{}", p["id"])).await;
            if full["affiliations"][0]["org_id"] == json!(assoc) {
                leader = Some(full);
            }
        }
        let leader = leader.expect("the head of the Thai association");
        let (_, timeline) = admin
            .get(&format!("/api/v1/people/{}/timeline", leader["id"]))
            .await;
        let mut seen = kinds(&timeline);
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen,
            ["donation", "event", "exchange", "project", "talent"],
            "{timeline}"
        );
    })
    .await;
}
