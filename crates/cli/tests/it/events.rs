//! Events and signed projects through the API, on both backends: outcomes are counted
//! from the records, and bad amounts, countries, regions and dates are refused.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, both, field_code};

both!(
    an_event_counts_participants_by_country_and_its_projects,
    bad_events_are_refused_and_nothing_is_half_saved,
    projects_refuse_bad_amounts_and_need_a_reason_to_step_back,
    the_demo_conference_matches_the_article,
);

async fn conference(app: &TestApp) -> (crate::harness::Api, Value) {
    app.load_demo().await;
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let api = app.api_of("cq-coord").await;
    let (cq, sc) = (
        app.org_id("重庆市侨联").await.0,
        app.org_id("四川省侨联").await.0,
    );
    let (status, e) = api
        .post(
            "/api/v1/events",
            json!({"kind": "conference", "series": "“一带一路”侨商合作发展大会", "title": "2024“一带一路”侨商合作发展大会",
                   "starts_on": "2024-09-10", "ends_on": "2024-09-11", "region_code": "500000", "place": "重庆", "status": "held",
                   "orgs": [{"org_id": cq, "role": "host"}, {"org_id": sc, "role": "supporter"}],
                   "countries": [{"country_code": "TH", "participants": 40}, {"country_code": "de", "participants": 12},
                                 {"country_code": "US", "participants": 8}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    (api, e)
}

async fn an_event_counts_participants_by_country_and_its_projects(app: TestApp) {
    let (api, e) = conference(&app).await;
    assert_eq!(
        (e["participants"].as_i64(), e["country_count"].as_i64()),
        (Some(60), Some(3))
    );
    assert_eq!(e["series_name"], "“一带一路”侨商合作发展大会");
    assert_eq!(
        e["countries"][0]["name_zh"], "泰国",
        "largest delegation first"
    );
    let cq = app.org_id("重庆市侨联").await.0;
    for (title, amount) in [
        ("智能制造产业园", "2000000000"),
        ("跨境电商中心", "1,000,000,000.50"),
    ] {
        let (status, p) = api
            .post("/api/v1/projects", json!({"title": title, "amount": amount, "investor_name": "泰国某侨企", "investor_country": "TH",
                "region_code": "500101", "event_id": e["id"], "signed_on": "2024-09-10", "owner_org_id": cq}))
            .await;
        assert_eq!(status, StatusCode::OK, "{p}");
    }
    let (status, endorsed) = api
        .post(
            &format!("/api/v1/events/{}/endorsements", e["id"]),
            json!({"by_whom": "中国侨联", "given_on": "2024-10-08", "text": "肯定性批示"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(endorsed["endorsements"][0]["by_whom"], "中国侨联");
    let (_, detail) = api.get(&format!("/api/v1/events/{}", e["id"])).await;
    assert_eq!(detail["totals"]["signed"], 2);
    assert_eq!(
        detail["totals"]["signed_fen"], 300_000_000_050_i64,
        "amounts are kept to the fen"
    );
    assert_eq!(detail["totals"]["landed"], 0);
    let (_, listed) = api.get("/api/v1/events?year=2024&kind=conference").await;
    assert_eq!(listed["total"], 1);
    let (_, none) = api.get("/api/v1/events?year=2023").await;
    assert_eq!(none["total"], 0);
}

async fn bad_events_are_refused_and_nothing_is_half_saved(app: TestApp) {
    let (api, _) = conference(&app).await;
    let cq = app.org_id("重庆市侨联").await.0;
    let base = json!({"kind": "culture", "title": "书画展", "starts_on": "2024-05-01", "status": "held",
        "orgs": [{"org_id": cq, "role": "host"}]});
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"countries": [{"country_code": "XX", "participants": 3}]}),
            "countries",
            "unknown_country",
        ),
        (
            json!({"countries": [{"country_code": "TH", "participants": -3}]}),
            "countries",
            "bad_count",
        ),
        (
            json!({"countries": [{"country_code": "TH", "participants": 3}, {"country_code": "th", "participants": 4}]}),
            "countries",
            "duplicate_country",
        ),
        (
            json!({"ends_on": "2024-04-30"}),
            "ends_on",
            "ends_before_start",
        ),
        (
            json!({"orgs": [{"org_id": cq, "role": "supporter"}]}),
            "orgs",
            "host_required",
        ),
        (
            json!({"region_code": "999999"}),
            "region_code",
            "unknown_region",
        ),
        (json!({"kind": "party"}), "kind", "unknown_value"),
        (json!({"starts_on": "2024-02-30"}), "starts_on", "bad_date"),
    ];
    for (change, field, code) in cases {
        let mut body = base.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let (status, answer) = api.post("/api/v1/events", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(field_code(&answer, field), code, "{body}");
    }
    let (_, listed) = api.get("/api/v1/events").await;
    assert_eq!(listed["total"], 1, "no refused event was stored");
}

async fn projects_refuse_bad_amounts_and_need_a_reason_to_step_back(app: TestApp) {
    let (api, e) = conference(&app).await;
    let cq = app.org_id("重庆市侨联").await.0;
    let base = json!({"title": "项目", "amount": "100", "investor_name": "某侨商", "region_code": "500101",
        "event_id": e["id"], "signed_on": "2024-09-10", "owner_org_id": cq});
    for (field, value, code) in [
        ("amount", json!("-5"), "negative_amount"),
        ("amount", json!("三十亿"), "bad_amount"),
        ("amount", json!("1.005"), "too_many_decimals"),
        ("region_code", json!("500199"), "unknown_region"),
        ("investor_country", json!("ZZ"), "unknown_country"),
        ("event_id", json!(999_999), "unknown_event"),
    ] {
        let mut body = base.clone();
        body[field] = value;
        let (status, answer) = api.post("/api/v1/projects", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_code(&answer, field), code);
    }
    let (_, p) = api.post("/api/v1/projects", base.clone()).await;
    let id = &p["id"];
    assert_eq!(p["status"], "signed");
    let (status, started) = api
        .post(
            &format!("/api/v1/projects/{id}/steps"),
            json!({"status": "started", "happened_on": "2025-03-01", "note": "开工"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    let (_, answer) = api
        .post(
            &format!("/api/v1/projects/{id}/steps"),
            json!({"status": "contracted", "happened_on": "2025-03-02"}),
        )
        .await;
    assert_eq!(field_code(&answer, "note"), "backwards_without_reason");
    let (_, answer) = api
        .post(
            &format!("/api/v1/projects/{id}/steps"),
            json!({"status": "in_operation", "happened_on": "2024-01-01"}),
        )
        .await;
    assert_eq!(field_code(&answer, "happened_on"), "before_signing");
    let (status, back) = api
        .post(&format!("/api/v1/projects/{id}/steps"), json!({"status": "contracted", "happened_on": "2025-04-01", "note": "用地调整，重新签约"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let steps: Vec<&str> = back["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["status"].as_str().expect("status"))
        .collect();
    assert_eq!(steps, vec!["signed", "started", "contracted"]);
    let (_, detail) = api.get(&format!("/api/v1/events/{}", e["id"])).await;
    assert_eq!(
        detail["totals"]["landed"], 0,
        "a project back to contracted is not landed"
    );
}

async fn the_demo_conference_matches_the_article(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let api = app.admin_api().await;
    let (_, events) = api.get("/api/v1/events?year=2024&kind=conference").await;
    let id = events["items"][0]["id"].clone();
    let (_, d) = api.get(&format!("/api/v1/events/{id}")).await;
    assert!(
        d["event"]["participants"].as_i64().expect("participants") >= 360,
        "360+ participants"
    );
    assert!(
        d["event"]["country_count"].as_i64().expect("countries") >= 80,
        "from 80+ countries and regions"
    );
    assert_eq!(d["totals"]["signed"], 47, "47 projects");
    assert!(
        d["totals"]["signed_fen"].as_i64().expect("fen") > 3_000_000_000_000,
        "over 30 billion yuan"
    );
    assert_eq!(d["event"]["endorsements"][0]["by_whom"], "中国侨联");
    assert_eq!(d["event"]["orgs"][0]["name"], "重庆市侨联");
    assert_eq!(d["event"]["orgs"][0]["role"], "host");

    let c = app.sign_in("admin", crate::harness::ADMIN_PASSWORD).await;
    let page = crate::harness::page(&c, &app.url(&format!("/events/{id}"))).await;
    let outcomes = crate::harness::select_text(&page, "#event-outcomes .h2");
    assert_eq!(outcomes[..3], ["362", "82", "47"]);
    assert!(
        crate::harness::select_text(&page, "#event-outcomes")
            .join("")
            .contains("亿元")
    );
    crate::outcomes::demo_outcomes_match_the_article(&api).await;
    crate::people::demo_directory_covers_the_article(&api).await;
    crate::associations::demo_associations_have_visits(&api).await;
}
