//! Pairings, mechanisms, joint meetings with resolutions, and exchanges through the
//! API, on both backends.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestApp, both, field_code};

both!(
    pairings_are_refused_with_themselves_or_twice_and_turn_dormant_without_exchanges,
    exchanges_are_checked_and_counted_per_year_and_side,
    a_resolution_becomes_a_task_and_follows_it_to_done,
    mechanisms_rotate_their_convenor_among_members,
    the_demo_network_matches_the_article,
    exchanges_recorded_at_once_are_all_counted_while_the_log_is_exported,
);

fn days(n: i64) -> String {
    (qiaolian_core::settings::today() + chrono::Duration::days(n)).to_string()
}

async fn ids(app: &TestApp, names: &[&str]) -> Vec<i64> {
    let mut out = Vec::new();
    for n in names {
        out.push(app.org_id(n).await.0);
    }
    out
}

async fn pairings_are_refused_with_themselves_or_twice_and_turn_dormant_without_exchanges(
    app: TestApp,
) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let o = ids(
        &app,
        &["万州区侨联", "达州市侨联", "江北区侨联", "绵阳市侨联"],
    )
    .await;
    let (status, answer) = api
        .post(
            "/api/v1/pairings",
            json!({"org_a_id": o[0], "org_b_id": o[0], "level": "district", "since": days(-10)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "org_b_id"), "pairing_with_itself");
    let (status, fresh) = api
        .post(
            "/api/v1/pairings",
            json!({"org_a_id": o[0], "org_b_id": o[1], "level": "district", "since": days(-10)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    assert_eq!(fresh["status"], "active");
    let (_, answer) = api
        .post(
            "/api/v1/pairings",
            json!({"org_a_id": o[1], "org_b_id": o[0], "level": "city", "since": days(-5)}),
        )
        .await;
    assert_eq!(
        field_code(&answer, "org_b_id"),
        "pairing_exists",
        "the same pair in the other order"
    );
    let (_, answer) = api
        .post(
            "/api/v1/pairings",
            json!({"org_a_id": o[2], "org_b_id": 999_999, "level": "village", "since": ""}),
        )
        .await;
    assert_eq!(field_code(&answer, "org_b_id"), "unknown_org");
    assert_eq!(field_code(&answer, "level"), "unknown_value");
    assert_eq!(field_code(&answer, "since"), "required");

    let (_, old) = api
        .post(
            "/api/v1/pairings",
            json!({"org_a_id": o[2], "org_b_id": o[3], "level": "district", "since": days(-800)}),
        )
        .await;
    assert_eq!(old["status"], "dormant", "no exchange for over a year");
    let (status, _) = api
        .post("/api/v1/exchanges", json!({"happened_on": days(-3), "kind": "visit", "from_org_id": o[3], "to_org_ids": [o[2]], "summary": "回访"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, now) = api.get(&format!("/api/v1/pairings/{}", old["id"])).await;
    assert_eq!(
        (now["status"].as_str(), now["exchange_count"].as_i64()),
        (Some("active"), Some(1)),
        "an exchange between the two revives it"
    );
    let (_, dormant) = api.get("/api/v1/pairings?status=dormant").await;
    assert_eq!(dormant["total"], 0);
    let (_, active) = api
        .get(&format!("/api/v1/pairings?status=active&org={}", o[3]))
        .await;
    assert_eq!(active["total"], 1);
}

async fn exchanges_are_checked_and_counted_per_year_and_side(app: TestApp) {
    app.load_demo().await;
    app.user("wz-member", "万州区侨联", "member").await;
    app.user("dz-viewer", "达州市侨联", "viewer").await;
    let o = ids(&app, &["万州区侨联", "达州市侨联", "成都市侨联"]).await;
    let wz = app.api_of("wz-member").await;
    let cases = [
        (
            json!({"happened_on": days(3), "kind": "visit", "from_org_id": o[0], "to_org_ids": [o[1]], "summary": "x"}),
            "happened_on",
            "date_in_future",
        ),
        (
            json!({"happened_on": days(-1), "kind": "visit", "from_org_id": o[0], "to_org_ids": [], "summary": "x"}),
            "to_org_ids",
            "required",
        ),
        (
            json!({"happened_on": days(-1), "kind": "visit", "from_org_id": o[0], "to_org_ids": [o[0]], "summary": "x"}),
            "to_org_ids",
            "exchange_with_itself",
        ),
        (
            json!({"happened_on": days(-1), "kind": "party", "from_org_id": o[0], "to_org_ids": [o[1]], "summary": "x"}),
            "kind",
            "unknown_value",
        ),
        (
            json!({"happened_on": days(-1), "kind": "visit", "from_org_id": o[0], "to_org_ids": [o[1]], "summary": "x", "participants": -3}),
            "participants",
            "bad_count",
        ),
        (
            json!({"happened_on": days(-1), "kind": "visit", "from_org_id": o[0], "to_org_ids": [o[1]], "summary": " "}),
            "summary",
            "required",
        ),
    ];
    for (body, field, code) in cases {
        let (status, answer) = wz.post("/api/v1/exchanges", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_code(&answer, field), code);
    }
    for (day, from, to) in [
        ("2022-05-01", o[0], o[1]),
        ("2023-06-01", o[0], o[2]),
        ("2023-07-01", o[0], o[1]),
    ] {
        let (status, e) = wz
            .post("/api/v1/exchanges", json!({"happened_on": day, "kind": "seminar", "from_org_id": from, "to_org_ids": [to], "summary": "座谈", "participants": 12}))
            .await;
        assert_eq!(status, StatusCode::OK, "{e}");
    }
    let (status, _) = app
        .api_of("dz-viewer")
        .await
        .post("/api/v1/exchanges", json!({"happened_on": days(-1), "kind": "visit", "from_org_id": o[1], "to_org_ids": [o[0]], "summary": "x"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "viewers do not record");
    let (status, _) = wz
        .post("/api/v1/exchanges", json!({"happened_on": days(-1), "kind": "visit", "from_org_id": o[1], "to_org_ids": [o[0]], "summary": "x"}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "nor do others for another organization"
    );
    let (_, stats) = wz.get("/api/v1/exchanges/stats").await;
    assert_eq!(
        stats["per_year"],
        json!([{"year": "2022", "exchanges": 1}, {"year": "2023", "exchanges": 2}])
    );
    assert_eq!(
        stats["per_side"],
        json!([{"side": "cq", "name": "重庆", "exchanges": 3}])
    );
    let (_, y2023) = wz
        .get(&format!("/api/v1/exchanges?year=2023&org={}", o[1]))
        .await;
    assert_eq!(y2023["total"], 1, "one 2023 exchange touched 达州");
    assert_eq!(y2023["items"][0]["to_orgs"][0]["name"], "达州市侨联");
    let (_, sc) = wz.get("/api/v1/exchanges?side=sc").await;
    assert_eq!(sc["total"], 0);

    // A reader who sees every exchange is answered from the figures kept on write: each
    // total equals the exchanges the log lists, and the kept figures equal a recount.
    let admin = app.admin_api().await;
    for query in [
        String::new(),
        "year=2023".to_owned(),
        format!("org={}", o[1]),
        format!("org={}&year=2023", o[0]),
        "side=cq".to_owned(),
        "side=sc".to_owned(),
        "from=2022-01-01&to=2023-12-31".to_owned(),
    ] {
        let (status, page) = admin
            .get(&format!("/api/v1/exchanges?{query}&per_page=500"))
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
        let listed = page["items"].as_array().expect("items").len();
        assert_eq!(page["total"], listed, "{query}");
    }
    let (_, all) = admin.get("/api/v1/exchanges").await;
    let (_, stats) = admin.get("/api/v1/exchanges/stats").await;
    let per_year: i64 = stats["per_year"]
        .as_array()
        .expect("per year")
        .iter()
        .map(|y| y["exchanges"].as_i64().expect("n"))
        .sum();
    assert_eq!(all["total"], per_year);
    let found = qiaolian_core::outcome::tally::check(&app.db)
        .await
        .expect("recount");
    assert!(found.is_empty(), "{found:?}");
}

async fn a_resolution_becomes_a_task_and_follows_it_to_done(app: TestApp) {
    app.load_demo().await;
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("sc-member", "四川省侨联", "member").await;
    let o = ids(&app, &["重庆市侨联", "四川省侨联"]).await;
    let cq = app.api_of("cq-coord").await;
    let (status, m) = cq
        .post("/api/v1/meetings", json!({"title": "川渝侨联联席会议", "held_on": days(-5), "place": "重庆", "host_org_id": o[0],
            "participant_org_ids": [o[1]], "resolutions": ["联合举办侨商大会", "共建侨界智库"]}))
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["seq"], 1);
    assert_eq!(m["resolutions"][1]["number"], 2);
    assert_eq!(m["resolutions"][0]["status"], "open");
    let (_, again) = cq
        .post(
            "/api/v1/meetings",
            json!({"seq": 1, "title": "重复", "held_on": days(-1), "host_org_id": o[0]}),
        )
        .await;
    assert_eq!(field_code(&again, "seq"), "seq_taken");
    let (_, missing) = cq
        .post(
            "/api/v1/meetings",
            json!({"title": "", "held_on": "", "host_org_id": null}),
        )
        .await;
    for field in ["title", "held_on", "host_org_id"] {
        assert_eq!(field_code(&missing, field), "required");
    }
    let (_, with_third) = cq
        .post(
            &format!("/api/v1/meetings/{}/resolutions", m["id"]),
            json!({"text": "推动基层结对"}),
        )
        .await;
    assert_eq!(with_third["resolutions"][2]["number"], 3);
    let (status, _) = cq
        .post(
            "/api/v1/meetings/999999/resolutions",
            json!({"text": "无会议"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a resolution needs its meeting"
    );

    let (_, answer) = cq
        .post("/api/v1/plans", json!({"title": "x", "owner_org_id": o[0], "period_start": days(-5), "period_end": days(365), "meeting_id": 999_999}))
        .await;
    assert_eq!(field_code(&answer, "meeting_id"), "unknown_meeting");
    let (_, p) = cq
        .post(
            "/api/v1/plans",
            json!({"title": "联席会议议定事项落实", "owner_org_id": o[0], "period_start": days(-5),
            "period_end": days(365), "meeting_id": m["id"]}),
        )
        .await;
    assert_eq!(
        p["meeting_title"], "川渝侨联联席会议",
        "a plan may belong to a joint meeting"
    );

    let r = m["resolutions"][0]["id"].clone();
    let task = json!({"plan_id": p["id"], "title": "联合举办侨商大会", "goal": "举办大会", "standard": "80 个国家和地区参会",
        "requirement": "按月报送", "deadline": days(100), "lead_org_id": o[1], "resolution_id": r});
    let (status, t) = cq.post("/api/v1/tasks", task.clone()).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let mut bad = task.clone();
    bad["resolution_id"] = json!(999_999);
    let (_, answer) = cq.post("/api/v1/tasks", bad).await;
    assert_eq!(field_code(&answer, "resolution_id"), "unknown_resolution");
    let (_, tasks) = cq.get(&format!("/api/v1/tasks?plan={}", p["id"])).await;
    assert_eq!(tasks["total"], 1, "the refused task was not stored");

    let (_, meeting) = cq.get(&format!("/api/v1/meetings/{}", m["id"])).await;
    assert_eq!(meeting["resolutions"][0]["status"], "in_progress");
    assert_eq!(meeting["resolutions"][0]["tasks"][0]["id"], t["id"]);
    let sc = app.api_of("sc-member").await;
    let id = &t["id"];
    cq.post(
        &format!("/api/v1/tasks/{id}/steps"),
        json!({"step": "assign"}),
    )
    .await;
    sc.post(
        &format!("/api/v1/tasks/{id}/steps"),
        json!({"step": "accept"}),
    )
    .await;
    sc.post(
        &format!("/api/v1/tasks/{id}/reports"),
        json!({"percent": 100, "done": "大会已举办"}),
    )
    .await;
    sc.post(
        &format!("/api/v1/tasks/{id}/steps"),
        json!({"step": "report_done"}),
    )
    .await;
    let (status, _) = cq
        .post(
            &format!("/api/v1/tasks/{id}/steps"),
            json!({"step": "close"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, meeting) = cq.get(&format!("/api/v1/meetings/{}", m["id"])).await;
    assert_eq!(meeting["resolutions"][0]["status"], "done");
    // The task names the resolution it implements, and its ledger what was done.
    let (_, detail) = cq.get(&format!("/api/v1/tasks/{id}")).await;
    assert_eq!(
        detail["sources"],
        json!([{"meeting_id": m["id"], "meeting_title": "川渝侨联联席会议",
                "number": m["resolutions"][0]["number"], "text": m["resolutions"][0]["text"]}]),
        "{detail}"
    );
    assert_eq!(detail["reports"][0]["done"], "大会已举办");
    assert_eq!(detail["reports"][0]["evidence"], json!([]));
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(
        (kinds.first(), kinds.last()),
        (Some(&"close"), Some(&"created")),
        "newest first: {kinds:?}"
    );
}

async fn mechanisms_rotate_their_convenor_among_members(app: TestApp) {
    app.load_demo().await;
    app.user("wz-coord", "万州区侨联", "coordinator").await;
    app.user("cd-coord", "成都市侨联", "coordinator").await;
    let alliance = app.org_id("万达开侨商联盟").await.0;
    let o = ids(
        &app,
        &["万州区侨联", "达州市侨联", "开州区侨联", "梁平区侨联"],
    )
    .await;
    let wz = app.api_of("wz-coord").await;
    let (status, m) = wz
        .put(
            &format!("/api/v1/mechanisms/{alliance}/members"),
            json!({"org_ids": o, "joined_on": "2021-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["members"].as_array().expect("members").len(), 4);
    let (_, answer) = wz
        .post(
            &format!("/api/v1/mechanisms/{alliance}/convenors"),
            json!({"org_id": app.org_id("成都市侨联").await.0, "from_on": "2021-03-01"}),
        )
        .await;
    assert_eq!(field_code(&answer, "org_id"), "convenor_not_member");
    wz.post(
        &format!("/api/v1/mechanisms/{alliance}/convenors"),
        json!({"org_id": o[0], "from_on": "2021-03-01"}),
    )
    .await;
    let (_, m) = wz
        .post(
            &format!("/api/v1/mechanisms/{alliance}/convenors"),
            json!({"org_id": o[1], "from_on": "2022-03-01"}),
        )
        .await;
    assert_eq!(m["convenors"][0]["name"], "达州市侨联");
    assert_eq!(
        m["convenors"][1]["to_on"], "2022-02-28",
        "the previous term ends the day before"
    );
    let (_, answer) = wz
        .post(
            &format!("/api/v1/mechanisms/{alliance}/convenors"),
            json!({"org_id": o[2], "from_on": "2022-01-01"}),
        )
        .await;
    assert_eq!(field_code(&answer, "from_on"), "before_current_term");
    let (_, answer) = wz
        .put(
            &format!("/api/v1/mechanisms/{alliance}/members"),
            json!({"org_ids": [o[0], o[2]]}),
        )
        .await;
    assert_eq!(field_code(&answer, "org_ids"), "convenor_must_stay");
    let (status, _) = app
        .api_of("cd-coord")
        .await
        .put(
            &format!("/api/v1/mechanisms/{alliance}/members"),
            json!({"org_ids": o}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, all) = wz.get("/api/v1/mechanisms").await;
    assert_eq!(all.as_array().expect("list").len(), 2);
}

async fn the_demo_network_matches_the_article(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let api = app.admin_api().await;
    let (_, meetings) = api.get("/api/v1/meetings").await;
    let meetings = meetings.as_array().expect("meetings");
    assert_eq!(meetings.len(), 4, "four joint meetings");
    assert!(
        meetings
            .iter()
            .all(|m| !m["resolutions"].as_array().expect("resolutions").is_empty())
    );
    let (_, pairings) = api.get("/api/v1/pairings?per_page=1").await;
    assert!(
        pairings["total"].as_i64().expect("total") >= 30,
        "30+ pairings"
    );
    let (_, mechanisms) = api.get("/api/v1/mechanisms").await;
    assert!(
        mechanisms.as_array().expect("list").len() >= 10,
        "10+ mechanisms"
    );
    let (_, stats) = api.get("/api/v1/exchanges/stats").await;
    let year = |y: &str| {
        stats["per_year"]
            .as_array()
            .expect("years")
            .iter()
            .find(|r| r["year"] == y)
            .and_then(|r| r["exchanges"].as_i64())
            .unwrap_or(0)
    };
    assert!(year("2019") >= 20, "20+ exchanges in 2019");
    assert!(year("2023") >= 100, "100+ exchanges in 2023");
    assert!(year("2024") > 0);
}

/// Eight clients record exchanges between the same organizations at once (the same
/// figure rows kept on write) while another exports the log: every exchange is kept and
/// counted once, the figures equal a recount, and each workbook answers.
async fn exchanges_recorded_at_once_are_all_counted_while_the_log_is_exported(app: TestApp) {
    app.load_demo().await;
    let o = ids(&app, &["重庆市侨联", "四川省侨联"]).await;
    let admin = app.admin_api().await;
    let (_, before) = admin.get("/api/v1/exchanges?per_page=1").await;
    let before = before["total"].as_i64().expect("total");
    let writers = futures_util::future::join_all((0..8).map(|i| {
        let admin = &admin;
        let o = &o;
        async move {
            let mut kept = 0;
            for k in 0..5 {
                let (from, to) = if (i + k) % 2 == 0 { (o[0], o[1]) } else { (o[1], o[0]) };
                let (status, body) = admin
                    .post("/api/v1/exchanges", json!({"happened_on": days(-(k as i64) * 200), "kind": "visit",
                        "from_org_id": from, "to_org_ids": [to], "summary": format!("互访 {i}-{k}"), "participants": 5}))
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
                kept += 1;
            }
            kept
        }
    }));
    let exports = async {
        for _ in 0..4 {
            let resp = admin
                .raw(reqwest::Method::GET, "/api/v1/exchanges?format=xlsx")
                .await
                .send()
                .await
                .expect("send");
            assert_eq!(resp.status(), StatusCode::OK);
        }
    };
    let (kept, ()) = tokio::join!(writers, exports);
    let kept: i64 = kept.iter().sum();
    assert_eq!(kept, 40);
    let (_, after) = admin.get("/api/v1/exchanges?per_page=1").await;
    assert_eq!(after["total"].as_i64().expect("total"), before + kept);
    let found = qiaolian_core::outcome::tally::check(&app.db)
        .await
        .expect("recount");
    assert!(found.is_empty(), "{found:?}");
}
