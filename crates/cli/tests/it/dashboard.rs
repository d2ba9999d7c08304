//! The battle map: every number it shows — a region's, a pairing line's, a year's, an
//! organization's colour — equals what the list it opens counts for the reader, for
//! readers at several levels of both sides and in several scopes and periods; the page's
//! cards open the pages of the figures API's lists; bad queries answer clear errors.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{
    ADMIN_PASSWORD, Api, TestApp, both, field_code, page, password_of, select_text,
};

both!(
    every_number_on_the_map_equals_its_records,
    the_page_shows_the_figures_and_opens_their_lists,
    a_bad_dashboard_query_is_refused,
    a_write_shows_at_the_next_request_whoever_made_it
);

/// A list's total, or for an amount or participants the figure its summary reads.
async fn counted(api: &Api, key: &str, records: &str) -> Value {
    let (url, field) = match key {
        "projects_signed_amount" => (
            records.replacen("/api/v1/projects?", "/api/v1/projects/pipeline?", 1),
            "/totals/signed_fen",
        ),
        "participants" => (
            records
                .replacen("/api/v1/events?", "/api/v1/outcomes?", 1)
                .replace("&status=held", "")
                .replace("?status=held&", "?")
                .replace("?status=held", ""),
            "/total/events/participants",
        ),
        _ => (records.to_owned(), "/total"),
    };
    let (status, body) = api.get(&url).await;
    assert_eq!(status, StatusCode::OK, "{url}: {body}");
    body.pointer(field).cloned().unwrap_or(Value::Null)
}

async fn check(api: &Api, who: &str, query: &str) -> Value {
    let (status, d) = api.get(&format!("/api/v1/dashboard?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{who} {query}: {d}");
    let keys = [
        "tasks_red",
        "tasks_yellow",
        "events_held",
        "participants",
        "projects_landed",
        "projects_signed_amount",
        "talents",
    ];
    for area in d["areas"].as_array().expect("areas") {
        if !area["in_scope"].as_bool().expect("in_scope") {
            assert_eq!(
                area["values"],
                Value::Array(vec![]),
                "no figures out of scope"
            );
            continue;
        }
        for (i, key) in keys.iter().enumerate() {
            let records = area["records"][i].as_str().expect("records");
            assert_eq!(
                counted(api, key, records).await,
                area["values"][i],
                "{who} {query}: {} {key} opens {records}",
                area["name"]
            );
        }
    }
    for line in d["lines"].as_array().expect("lines") {
        let records = line["records"].as_str().expect("records");
        assert_eq!(
            counted(api, "pairings", records).await,
            line["pairings"],
            "{who} {query}: pairings {records}"
        );
    }
    let trend_keys = [
        "exchanges",
        "events_held",
        "participants",
        "projects_signed_amount",
        "talents",
    ];
    for year in d["trend"].as_array().expect("trend") {
        for (i, key) in trend_keys.iter().enumerate() {
            let records = year["records"][i].as_str().expect("records");
            assert_eq!(
                counted(api, key, records).await,
                year["values"][i],
                "{who} {query}: {} {key} opens {records}",
                year["year"]
            );
        }
    }
    let colours = ["red", "yellow", "blue", "green", "grey"];
    for row in d["mix"].as_array().expect("mix") {
        let org = row["org_id"].as_i64().expect("org");
        for (i, c) in colours.iter().enumerate() {
            let records = format!("/api/v1/tasks?lead={org}&colour={c}");
            assert_eq!(
                counted(api, "tasks", &records).await,
                row["colours"][i],
                "{who} {query}: {} {c}",
                row["name"]
            );
        }
        let sum: i64 = (0..5).map(|i| row["colours"][i].as_i64().expect("n")).sum();
        assert_eq!(row["total"], sum);
        let records = format!("/api/v1/tasks?lead={org}&missing=true");
        assert_eq!(
            counted(api, "tasks", &records).await,
            row["reports_missing"],
            "{who} {query}: {} reports missing",
            row["name"]
        );
    }
    d
}

async fn every_number_on_the_map_equals_its_records(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("wz-coord", "万州区侨联", "coordinator").await;
    app.user("cd-viewer", "成都市侨联", "viewer").await;
    let wanzhou = app.org_id("万州区侨联").await.0;
    let chongqing = app.org_id("重庆市侨联").await.0;
    let readers = [
        ("admin", app.admin_api().await),
        ("cq-coord", app.api_of("cq-coord").await),
        ("wz-coord", app.api_of("wz-coord").await),
        ("cd-viewer", app.api_of("cd-viewer").await),
    ];
    let year = chrono::Datelike::year(&qiaolian_core::settings::today()) - 1;
    let scopes = [
        "scope=all".to_owned(),
        "scope=sc".to_owned(),
        format!("scope=org:{chongqing}&from={}&to={year}", year - 3),
        format!("scope=org:{wanzhou}&from={year}&to={year}"),
    ];
    let mut national = None;
    for (who, api) in &readers {
        for q in &scopes {
            let d = check(api, who, q).await;
            if *who == "admin" && q == "scope=all" {
                national = Some(d);
            }
        }
    }
    let d = national.expect("the administrator's map");
    // Every region of both sides is on the map: 38 of Chongqing, 21 of Sichuan.
    let areas = d["areas"].as_array().expect("areas");
    assert_eq!(areas.len(), 59);
    let named = |code: &str| {
        areas
            .iter()
            .find(|a| a["code"] == code)
            .unwrap_or_else(|| panic!("{code} on the map"))
            .clone()
    };
    assert_eq!(named("500155")["name"], "梁平区", "today's name and code");
    assert_eq!(named("500101")["org_name"], "万州区侨联");
    assert_eq!(named("510100")["org_name"], "成都市侨联");
    assert!(
        named("513300")["org_id"].is_null(),
        "no federation of 甘孜 in the demo"
    );
    assert!(
        areas.iter().any(|a| a["values"][0].as_i64() > Some(0)),
        "overdue tasks show on the map: {areas:?}"
    );
    assert!(
        !d["lines"].as_array().expect("lines").is_empty(),
        "the demo's pairings join regions"
    );
    assert!(
        d["spans"]
            .as_array()
            .expect("spans")
            .iter()
            .any(|s| s["name"] == "泛涪江流域侨联合作机制"),
        "a basin mechanism spans regions: {}",
        d["spans"]
    );
    assert!(d["trend"].as_array().expect("trend").len() >= 5);
    assert!(!d["mix"].as_array().expect("mix").is_empty());
    assert!(
        d["mix"]
            .as_array()
            .expect("mix")
            .iter()
            .any(|r| r["reports_missing"].as_i64() > Some(0)),
        "the demo's monthly plans have reports missing: {}",
        d["mix"]
    );
    // A district's own map counts only its region; the others are out of scope.
    let (_, own) = readers[2]
        .1
        .get(&format!("/api/v1/dashboard?scope=org:{wanzhou}"))
        .await;
    let in_scope: Vec<&Value> = own["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .filter(|a| a["in_scope"] == true)
        .collect();
    assert_eq!(in_scope.len(), 1, "{in_scope:?}");
    assert_eq!(in_scope[0]["code"], "500101");
}

async fn the_page_shows_the_figures_and_opens_their_lists(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let chongqing = app.org_id("重庆市侨联").await.0;
    let api = app.api_of("cq-coord").await;
    let client = app.sign_in("cq-coord", &password_of("cq-coord")).await;
    let query = format!("scope=org:{chongqing}");
    let (_, stats) = api.get(&format!("/api/v1/stats?{query}")).await;
    let doc = page(&client, &app.url(&format!("/dashboard?org={chongqing}"))).await;
    let sel = scraper::Selector::parse("a[data-key]").expect("selector");
    let cards: Vec<_> = doc.select(&sel).collect();
    assert_eq!(
        cards.len(),
        stats["figures"].as_object().expect("figures").len() - 7,
        "a card for every figure but the tasks by status"
    );
    for card in cards {
        let key = card.value().attr("data-key").expect("key");
        let href = card.value().attr("href").expect("href");
        let records = stats["figures"][key]["records"].as_str().expect("records");
        let expected = records.strip_prefix("/api/v1").expect("an API list");
        let expected = match expected.split_once('?') {
            Some(("/outcomes/countries", q)) => format!("/outcomes?{q}#countries"),
            Some(("/people/countries", q)) => format!("/people?{q}&view=countries#countries"),
            _ => expected.to_owned(),
        };
        assert_eq!(href, expected, "{key} opens its list's page");
        let resp = client.get(app.url(href)).send().await.expect("send");
        assert_eq!(resp.status(), StatusCode::OK, "{key}: {href}");
    }
    // The overdue card's page shows the same total.
    let red = stats["figures"]["tasks_red"]["value"]
        .as_i64()
        .expect("red");
    let href = doc
        .select(&scraper::Selector::parse("#fig-tasks_red").expect("selector"))
        .next()
        .and_then(|a| a.value().attr("href"))
        .expect("overdue card");
    let list = page(&client, &app.url(href)).await;
    assert!(
        select_text(&list, "#task-total")[0].contains(&red.to_string()),
        "{href} shows {red}"
    );
    // The countries of the directory open the people page's countries, as many.
    let countries = stats["figures"]["people_countries"]["value"]
        .as_i64()
        .expect("n");
    let people = page(
        &client,
        &app.url(&format!("/people?org={chongqing}&view=countries")),
    )
    .await;
    assert!(
        select_text(&people, "#country-total")[0].contains(&countries.to_string()),
        "{countries} countries"
    );
    let resolutions = page(&client, &app.url("/resolutions?status=done")).await;
    assert_eq!(select_text(&resolutions, "#resolution-total").len(), 1);
    // The map's shapes are served, and the region table lists the scope's regions.
    let geo = client
        .get(app.url("/dashboard/map.geo.json"))
        .send()
        .await
        .expect("send");
    assert_eq!(geo.status(), StatusCode::OK);
    let geo: Value = geo.json().await.expect("geo json");
    assert_eq!(geo["features"].as_array().expect("features").len(), 59);
    let regions = select_text(&doc, "#area-table tbody td:first-child");
    assert!(regions.iter().any(|r| r == "万州区"), "{regions:?}");
    assert!(
        !regions.iter().any(|r| r == "成都市"),
        "Sichuan is outside 重庆市侨联"
    );
}

async fn a_bad_dashboard_query_is_refused(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let api = app.admin_api().await;
    let (status, body) = api.get("/api/v1/dashboard?from=2025&to=2023").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "to"), "to_year_before_from");
    for bad in ["1899", "abc", "2025-01-01", "9999"] {
        let (status, body) = api.get(&format!("/api/v1/dashboard?from={bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert_eq!(field_code(&body, "from"), "bad_year");
    }
    let (status, _) = api.get("/api/v1/dashboard?scope=org:99999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A year with nothing recorded shows zeros, not an error.
    let (status, body) = api.get("/api/v1/dashboard?from=2001&to=2001").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        figure(&body, "exchanges")["value"],
        0,
        "no exchanges in 2001"
    );
    // The page says what was wrong, in the reader's language, and shows everything.
    let client = app.sign_in("admin", ADMIN_PASSWORD).await;
    let doc = page(&client, &app.url("/dashboard?from=2025&to=2023")).await;
    let alert = select_text(&doc, "#dashboard-refused");
    assert!(alert[0].contains("截止年度早于起始年度"), "{alert:?}");
    let doc = page(&client, &app.url("/dashboard?scope=org:99999999")).await;
    assert!(select_text(&doc, "#dashboard-refused")[0].contains("没有这个范围"));
    // Pairings between two regions need both ends.
    let (status, body) = api.get("/api/v1/pairings?with=3").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "with"), "with_needs_org");
}

/// One of a battle map's figures, by key.
fn figure<'a>(d: &'a Value, key: &str) -> &'a Value {
    d["stats"]["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find(|f| f["key"] == key)
        .expect(key)
}

/// Pairings active in the figures, in the battle map's figures and on its lines.
async fn pairings_seen(api: &Api) -> [i64; 3] {
    let (status, stats) = api.get("/api/v1/stats").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let (status, d) = api.get("/api/v1/dashboard").await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let on_map = figure(&d, "pairings_active");
    let lines: i64 = d["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["pairings"].as_i64().expect("pairings"))
        .sum();
    [
        stats["figures"]["pairings_active"]["value"]
            .as_i64()
            .expect("value"),
        on_map["value"].as_i64().expect("value"),
        lines,
    ]
}

/// The figures and the battle map are kept between requests until the database
/// changes: a write through this server, or through another process on the same
/// database, shows at the very next request.
async fn a_write_shows_at_the_next_request_whoever_made_it(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let mut orgs = Vec::new();
    for name in ["万州区侨联", "达州市侨联", "江北区侨联", "绵阳市侨联"] {
        orgs.push(app.org_id(name).await);
    }
    let since = (qiaolian_core::settings::today() - chrono::Duration::days(5)).to_string();
    let before = pairings_seen(&api).await;
    assert_eq!(
        before[0], before[1],
        "the map's figure is the figures API's"
    );
    assert_eq!(pairings_seen(&api).await, before, "a second look, kept");

    let (status, body) = api
        .post(
            "/api/v1/pairings",
            serde_json::json!({"org_a_id": orgs[0].0, "org_b_id": orgs[1].0,
                "level": "district", "since": since}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after_api = pairings_seen(&api).await;
    assert_eq!(
        after_api,
        before.map(|n| n + 1),
        "a write through the server"
    );

    // Another process: its own pool, on the same file or database.
    let other = qiaolian_core::Db::connect(&app.url).await.expect("connect");
    qiaolian_core::pairing::create(
        &other,
        &app.admin_actor().await,
        &qiaolian_core::pairing::PairingInput {
            org_a_id: Some(orgs[2]),
            org_b_id: Some(orgs[3]),
            level: "district".into(),
            since,
            agreement_id: None,
            notes: None,
        },
    )
    .await
    .expect("pairing through another connection");
    other.close().await;
    assert_eq!(
        pairings_seen(&api).await,
        after_api.map(|n| n + 1),
        "a write by another process"
    );
}
