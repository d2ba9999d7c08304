//! Outcomes besides projects, on both backends: sessions and named registers of camps
//! with the 一人多营 flag, talents, articles, editing an event, and roll-ups whose every
//! figure equals the list it links to.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Api, TestApp, both, field_code, select_text};

both!(
    a_camper_registered_in_two_camps_of_a_year_is_flagged,
    talents_and_articles_roll_up_to_figures_that_match_their_lists,
    an_event_is_edited_against_the_version_read,
    outcome_pages_link_each_figure_to_its_records,
);

async fn event(
    api: &Api,
    app: &TestApp,
    kind: &str,
    series: &str,
    title: &str,
    day: &str,
    countries: Value,
) -> Value {
    let cq = app.org_id("重庆市侨联").await.0;
    let (status, e) = api
        .post(
            "/api/v1/events",
            json!({"kind": kind, "series": series, "title": title, "starts_on": day, "ends_on": day, "status": "held",
                   "orgs": [{"org_id": cq, "role": "host"}], "countries": countries}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    e
}

async fn a_camper_registered_in_two_camps_of_a_year_is_flagged(app: TestApp) {
    app.load_demo().await;
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let api = app.api_of("cq-coord").await;
    let camp = "/api/v1/events";
    let a = event(
        &api,
        &app,
        "youth_camp_offline",
        "寻根之旅",
        "夏令营一期",
        "2024-07-01",
        json!([{"country_code": "US", "participants": 99}]),
    )
    .await;
    let b = event(
        &api,
        &app,
        "youth_camp_online",
        "亲情中华",
        "网上营一期",
        "2024-08-01",
        json!([]),
    )
    .await;
    let c = event(
        &api,
        &app,
        "youth_camp_offline",
        "寻根之旅",
        "夏令营（次年）",
        "2025-07-01",
        json!([]),
    )
    .await;
    let (status, s) = api
        .post(
            &format!("{camp}/{}/sessions", a["id"]),
            json!({"title": "第一段", "starts_on": "2024-07-02"}),
        )
        .await;
    assert_eq!(field_code(&s, "starts_on"), "outside_event", "{status} {s}");
    let (status, s) = api
        .post(
            &format!("{camp}/{}/sessions", a["id"]),
            json!({"title": "第一段", "starts_on": "2024-07-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{s}");

    let register = async |e: &Value, body: Value| {
        api.post(&format!("{camp}/{}/participants", e["id"]), body)
            .await
    };
    for (name, country) in [("Li Ming", "US"), ("王芳", "TH"), ("陈华", "TH")] {
        let (status, p) = register(&a, json!({"name": name, "country_code": country, "born_on": "2010-03-04", "session_id": s["id"]})).await;
        assert_eq!(status, StatusCode::OK, "{p}");
    }
    let (_, after) = api.get(&format!("{camp}/{}", a["id"])).await;
    assert_eq!(
        (
            after["event"]["participants"].as_i64(),
            after["event"]["country_count"].as_i64()
        ),
        (Some(3), Some(2)),
        "once named, participants by country are counted from the register, not typed"
    );
    let (_, p) = register(
        &a,
        json!({"name": "LI  MING", "country_code": "us", "born_on": "2010-03-04"}),
    )
    .await;
    assert_eq!(field_code(&p, "name"), "already_registered", "{p}");
    for bad in [
        json!({"name": "某人", "country_code": "XX"}),
        json!({"name": "某人", "country_code": "TH", "born_on": "2999-01-01"}),
        json!({"name": "", "country_code": "TH"}),
    ] {
        let (status, p) = register(&b, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad} → {p}");
    }
    let (_, none) = api.get(&format!("{camp}/{}/participants", b["id"])).await;
    assert_eq!(none.as_array().map(Vec::len), Some(0), "nothing half-saved");

    // The same person (folded name, country, birthday) in another camp of 2024, and in one of 2025.
    register(
        &b,
        json!({"name": "li ming", "country_code": "US", "born_on": "2010-03-04"}),
    )
    .await;
    register(
        &b,
        json!({"name": "王芳", "country_code": "TH", "born_on": "2011-01-01"}),
    )
    .await;
    register(
        &c,
        json!({"name": "Li Ming", "country_code": "US", "born_on": "2010-03-04"}),
    )
    .await;
    let (_, list) = api.get(&format!("{camp}/{}/participants", b["id"])).await;
    assert_eq!(list[0]["other_camps"][0]["title"], "夏令营一期", "{list}");
    assert_eq!(
        list[1]["other_camps"],
        json!([]),
        "a different birthday is a different person"
    );
    let (_, multi) = api.get("/api/v1/camps/multi?year=2024").await;
    assert_eq!(multi.as_array().map(Vec::len), Some(1), "{multi}");
    assert_eq!(multi[0]["camps"].as_array().map(Vec::len), Some(2));
    let (_, next) = api.get("/api/v1/camps/multi?year=2025").await;
    assert_eq!(next, json!([]), "one camp a year is no flag");

    // The clerk reads country names, in the language of the interface, not codes.
    let clerk = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let url = app.url("/camps/multi?year=2024");
    let row = |doc: &scraper::Html| select_text(doc, "#multi-camp tbody td:nth-child(2)");
    assert_eq!(row(&crate::harness::page(&clerk, &url).await), ["美国"]);
    crate::harness::switch_to_english(&clerk, &app).await;
    assert_eq!(
        row(&crate::harness::page(&clerk, &url).await),
        ["United States"]
    );

    app.user("viewer", "重庆市侨联", "viewer").await;
    let viewer = app.api_of("viewer").await;
    let (status, _) = viewer
        .post(
            &format!("{camp}/{}/participants", b["id"]),
            json!({"name": "甲", "country_code": "TH"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn talents_and_articles_roll_up_to_figures_that_match_their_lists(app: TestApp) {
    app.load_demo().await;
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let api = app.api_of("cq-coord").await;
    let admin = app.admin_api().await;
    let cq = app.org_id("重庆市侨联").await.0;
    let wz = app.org_id("万州区侨联").await.0;
    let e23 = event(&api, &app, "economic", "侨界精英川渝汇", "2023侨界精英川渝汇", "2023-06-15", json!([{"country_code": "TH", "participants": 40}, {"country_code": "DE", "participants": 10}])).await;
    let e24 = event(&api, &app, "economic", "侨界精英川渝汇", "2024侨界精英川渝汇", "2024-06-20", json!([{"country_code": "TH", "participants": 20}, {"country_code": "US", "participants": 5}])).await;
    let other = event(
        &api,
        &app,
        "culture",
        "",
        "文化交流",
        "2024-03-01",
        json!([{"country_code": "FR", "participants": 7}]),
    )
    .await;
    let series = e23["series_id"].clone();
    for (name, e, org, day) in [
        ("张三", &e23, cq, "2023-07-01"),
        ("李四", &e24, cq, "2024-07-01"),
        ("王五", &e24, wz, "2024-08-01"),
        ("赵六", &other, cq, "2024-04-01"),
    ] {
        let (status, t) = api
            .post("/api/v1/talents", json!({"name": name, "field": "人工智能", "level": "national", "country_code": "US", "event_id": e["id"], "org_id": org, "region_code": "500101", "received_on": day}))
            .await;
        assert_eq!(status, StatusCode::OK, "{t}");
    }
    for bad in [
        json!({"name": "甲", "field": "医", "level": "national", "country_code": "ZZ", "org_id": cq, "received_on": "2024-01-01"}),
        json!({"name": "甲", "field": "医", "level": "galactic", "country_code": "US", "org_id": cq, "received_on": "2024-01-01"}),
        json!({"name": "甲", "field": "医", "level": "national", "country_code": "US", "org_id": cq, "received_on": "2024-01-01", "region_code": "999999"}),
    ] {
        let (status, t) = api.post("/api/v1/talents", bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad} → {t}");
    }
    let (status, outlet) = admin
        .post("/api/v1/orgs", json!({"name": "德国华文报", "kind": "media_outlet", "level": "overseas", "side": "overseas", "country_code": "DE"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{outlet}");
    for (title, e) in [("川渝见闻", &e24), ("巴蜀印象", &e24), ("成渝新貌", &e23)] {
        let (status, a) = api
            .post("/api/v1/articles", json!({"title": title, "outlet_id": outlet["id"], "url": "https://example.org/a", "published_on": "2024-07-01", "language": "zh", "event_id": e["id"]}))
            .await;
        assert_eq!(status, StatusCode::OK, "{a}");
    }
    let article = |extra: Value| {
        let mut body = json!({"title": "稿", "outlet_id": outlet["id"], "published_on": "2024-07-01", "language": "zh", "event_id": e24["id"]});
        body.as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        body
    };
    let (_, bad) = api
        .post(
            "/api/v1/articles",
            article(json!({"url": "javascript:alert(1)"})),
        )
        .await;
    assert_eq!(field_code(&bad, "url"), "bad_url");
    let (_, bad) = api
        .post("/api/v1/articles", article(json!({"outlet_id": cq})))
        .await;
    assert_eq!(field_code(&bad, "outlet_id"), "not_media_outlet");

    let (status, r) = api.get(&format!("/api/v1/outcomes?series={series}")).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        r["total"]["events"],
        json!({"events": 2, "participants": 75, "countries": 3})
    );
    assert_eq!(r["total"]["talents"], 3);
    assert_eq!(r["total"]["articles"]["articles"], 3);
    assert_eq!(r["years"][0]["year"], 2024);
    assert_eq!(r["years"][0]["talents"], 2);
    assert_eq!(r["years"][1]["events"]["participants"], 50);
    // Each figure is the total of the list it links to.
    let (_, talents) = api.get(&format!("/api/v1/talents?series={series}")).await;
    assert_eq!(talents["total"], r["total"]["talents"]);
    let (_, articles) = api
        .get(&format!("/api/v1/articles?series={series}&year=2024"))
        .await;
    let (_, r24) = api
        .get(&format!("/api/v1/outcomes?series={series}&year=2024"))
        .await;
    assert_eq!(articles["total"], r24["total"]["articles"]["articles"]);
    // Projects: signed ones and landed ones, as the project list counts them.
    for (title, amount, started) in [
        ("园区一期", "500000000", true),
        ("物流中心", "300000000", false),
    ] {
        let (status, p) = api
            .post("/api/v1/projects", json!({"title": title, "amount": amount, "investor_name": "侨企", "region_code": "500101",
                "event_id": e24["id"], "signed_on": "2024-06-20", "owner_org_id": cq}))
            .await;
        assert_eq!(status, StatusCode::OK, "{p}");
        if started {
            let (status, _) = api
                .post(
                    &format!("/api/v1/projects/{}/steps", p["id"]),
                    json!({"status": "started", "happened_on": "2024-10-01"}),
                )
                .await;
            assert_eq!(status, StatusCode::OK);
        }
    }
    let (_, r24) = api
        .get(&format!("/api/v1/outcomes?series={series}&year=2024"))
        .await;
    let (_, signed) = api
        .get(&format!(
            "/api/v1/projects?series={series}&year=2024&status=not_cancelled"
        ))
        .await;
    let (_, landed) = api
        .get(&format!(
            "/api/v1/projects?series={series}&year=2024&status=landed"
        ))
        .await;
    assert_eq!(
        (
            r24["total"]["projects"]["signed"].as_i64(),
            r24["total"]["projects"]["landed"].as_i64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(signed["total"], r24["total"]["projects"]["signed"]);
    assert_eq!(landed["total"], r24["total"]["projects"]["landed"]);
    assert_eq!(r24["total"]["projects"]["signed_fen"], 80_000_000_000_i64);
    let (_, events) = api
        .get(&format!("/api/v1/events?series={series}&status=held"))
        .await;
    assert_eq!(events["total"], r["total"]["events"]["events"]);
    let (_, wanzhou) = api.get(&format!("/api/v1/talents?org={wz}")).await;
    assert_eq!(
        wanzhou["total"], 1,
        "the subtree of the receiving organization"
    );
    let (_, cq_side) = api.get("/api/v1/outcomes?side=cq&year=2024").await;
    assert_eq!(cq_side["total"]["talents"], 3);
    let (_, sc_side) = api.get("/api/v1/outcomes?side=sc").await;
    assert_eq!(sc_side["total"]["events"]["events"], 0);
    for bad in ["side=xx", "series=999999", "year=99999", "org=999999"] {
        let (status, body) = api.get(&format!("/api/v1/outcomes?{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad} → {body}");
    }
    // A roll-up is of everything, a side or a subtree: not of a side and a subtree.
    let (status, body) = api.get(&format!("/api/v1/outcomes?org={cq}&side=cq")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "side"), "side_with_org");
}

async fn an_event_is_edited_against_the_version_read(app: TestApp) {
    app.load_demo().await;
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("sc-coord", "四川省侨联", "coordinator").await;
    let api = app.api_of("cq-coord").await;
    let cq = app.org_id("重庆市侨联").await.0;
    let sc = app.org_id("四川省侨联").await.0;
    let e = event(
        &api,
        &app,
        "culture",
        "",
        "巴渝文化周",
        "2024-05-01",
        json!([{"country_code": "TH", "participants": 3}]),
    )
    .await;
    let path = format!("/api/v1/events/{}", e["id"]);
    let edit = json!({"kind": "culture", "title": "巴渝文化周（海外）", "starts_on": "2024-05-01", "ends_on": "2024-05-03", "status": "held",
        "orgs": [{"org_id": cq, "role": "host"}, {"org_id": sc, "role": "co_host"}],
        "countries": [{"country_code": "TH", "participants": 5}, {"country_code": "MY", "participants": 4}], "version": e["version"]});
    let (status, saved) = api.put(&path, edit.clone()).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(
        (
            saved["title"].as_str(),
            saved["participants"].as_i64(),
            saved["version"].as_i64()
        ),
        (Some("巴渝文化周（海外）"), Some(9), Some(2))
    );
    assert_eq!(saved["orgs"][1]["role"], "co_host");
    let (status, _) = api.put(&path, edit.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "a stale version is refused");
    let mut bad = edit.clone();
    bad["version"] = saved["version"].clone();
    bad["ends_on"] = json!("2024-04-01");
    bad["title"] = json!("不该保存");
    let (_, refused) = api.put(&path, bad).await;
    assert_eq!(field_code(&refused, "ends_on"), "ends_before_start");
    let (_, now) = api.get(&path).await;
    assert_eq!(
        now["event"]["title"], "巴渝文化周（海外）",
        "nothing half-saved"
    );
    let mut linked = edit.clone();
    linked["version"] = saved["version"].clone();
    linked["agreement_id"] = json!(999_999);
    linked["mechanism_id"] = json!(cq);
    let (_, refused) = api.put(&path, linked.clone()).await;
    assert_eq!(
        (
            field_code(&refused, "agreement_id"),
            field_code(&refused, "mechanism_id")
        ),
        ("unknown_agreement", "unknown_link")
    );
    linked["agreement_id"] = Value::Null;
    linked["mechanism_id"] = json!(app.org_id("泛涪江流域侨联合作机制").await.0);
    let (status, with_link) = api.put(&path, linked).await;
    assert_eq!(status, StatusCode::OK, "{with_link}");
    let c = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let page = crate::harness::page(&c, &app.url(&format!("/events/{}", e["id"]))).await;
    assert!(
        crate::harness::select_text(&page, "#links")
            .join("")
            .contains("泛涪江流域侨联合作机制")
    );
    // Sichuan co-hosts it now, so its coordinator may edit; a viewer may not.
    let sc_api = app.api_of("sc-coord").await;
    let mut theirs = edit.clone();
    theirs["version"] = with_link["version"].clone();
    let (status, _) = sc_api.put(&path, theirs.clone()).await;
    assert_eq!(status, StatusCode::OK);
    app.user("viewer", "重庆市侨联", "viewer").await;
    let (status, _) = app.api_of("viewer").await.put(&path, theirs).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn outcome_pages_link_each_figure_to_its_records(app: TestApp) {
    app.load_demo().await;
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let api = app.api_of("cq-coord").await;
    let e = event(
        &api,
        &app,
        "economic",
        "创业中华",
        "2024创业中华",
        "2024-09-03",
        json!([{"country_code": "TH", "participants": 12}]),
    )
    .await;
    let cq = app.org_id("重庆市侨联").await.0;
    api.post("/api/v1/talents", json!({"name": "张三", "field": "芯片", "level": "provincial", "country_code": "US", "event_id": e["id"], "org_id": cq, "received_on": "2024-09-10"}))
        .await;
    let c = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let page = crate::harness::page(
        &c,
        &app.url(&format!("/outcomes?series={}", e["series_id"])),
    )
    .await;
    let figures = crate::harness::select_text(&page, "#outcome-figures .h2");
    assert_eq!(figures[..2], ["1", "12"], "{figures:?}");
    let talents = scraper::Selector::parse("#fig-talents").expect("css");
    let href = page
        .select(&talents)
        .next()
        .and_then(|a| a.value().attr("href"))
        .expect("link");
    assert_eq!(href, format!("/talents?series={}", e["series_id"]));
    let list = crate::harness::page(&c, &app.url(href)).await;
    assert_eq!(
        crate::harness::select_text(&list, "#talent-total"),
        ["共 1 人"]
    );
    // Filter forms send blank fields; they mean "any".
    for blank in [
        "/outcomes?year=&series=&side=&org=",
        "/events?year=&kind=&series=&side=",
        "/talents?year=&series=&side=&org=&event=",
        "/articles?year=&series=&side=&org=&outlet=",
    ] {
        let resp = c.get(app.url(blank)).send().await.expect("send");
        assert_eq!(resp.status(), StatusCode::OK, "{blank}");
    }
    let cal = crate::harness::page(&c, &app.url("/events/calendar?month=2024-09")).await;
    assert!(
        crate::harness::select_text(&cal, ".calendar")
            .join("")
            .contains("2024创业中华")
    );
    let show = crate::harness::page(&c, &app.url(&format!("/events/{}", e["id"]))).await;
    assert!(
        !crate::harness::select_text(&show, "#talents")
            .join("")
            .contains("还没有"),
        "the talent is on the event page"
    );
    let edit = crate::harness::page(&c, &app.url(&format!("/events/{}/edit", e["id"]))).await;
    assert_eq!(
        crate::harness::select_text(&edit, "h1.page-title"),
        ["编辑活动"]
    );
}

/// The demo's outcomes, read off the roll-ups, match the programme's reported figures.
pub(crate) async fn demo_outcomes_match_the_article(api: &Api) {
    let (_, all) = api.get("/api/v1/outcomes").await;
    assert!(
        all["total"]["projects"]["signed_fen"]
            .as_i64()
            .expect("fen")
            > 10_000_000_000_000,
        "over 100 billion yuan: {all}"
    );
    assert!(
        all["total"]["talents"].as_i64().expect("talents") >= 200,
        "200+ talents"
    );
    let series = async |kind: &str| -> Vec<Value> {
        let (_, e) = api
            .get(&format!("/api/v1/events?kind={kind}&per_page=500"))
            .await;
        e["items"].as_array().expect("items").clone()
    };
    let study = series("study_programme").await;
    let (_, r) = api
        .get(&format!(
            "/api/v1/outcomes?series={}",
            study[0]["series_id"]
        ))
        .await;
    assert!(
        r["total"]["events"]["participants"].as_i64() >= Some(200)
            && r["total"]["events"]["countries"].as_i64() >= Some(50),
        "{r}"
    );
    let tours = series("media_tour").await;
    let (_, m) = api
        .get(&format!(
            "/api/v1/outcomes?series={}&year=2024",
            tours[0]["series_id"]
        ))
        .await;
    let a = &m["total"]["articles"];
    assert!(
        a["articles"].as_i64() >= Some(2000)
            && a["outlets"].as_i64() >= Some(30)
            && a["countries"].as_i64() >= Some(20),
        "{a}"
    );
    let (online, offline) = (
        series("youth_camp_online").await,
        series("youth_camp_offline").await,
    );
    assert!(online.len() >= 50 && offline.len() >= 20);
    let campers: i64 = online
        .iter()
        .chain(&offline)
        .filter_map(|e| e["participants"].as_i64())
        .sum();
    assert!(campers >= 10_000, "{campers}");
    let (_, visit) = api.get("/api/v1/events?kind=liaison&year=2023").await;
    assert_eq!(
        (
            visit["items"][0]["participants"].as_i64(),
            visit["items"][0]["country_count"].as_i64()
        ),
        (Some(68), Some(46))
    );
    let (_, multi) = api.get("/api/v1/camps/multi?year=2024").await;
    assert!(
        !multi.as_array().expect("list").is_empty(),
        "the demo shows one 一人多营"
    );
}
