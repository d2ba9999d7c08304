//! Signed projects across events: the pipeline and the landing rates agree with the
//! list they summarize, on a small story with known numbers and on the demo conference;
//! only those who follow a project up may move it along.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    ADMIN_PASSWORD, Api, TestApp, both, csrf_of, field_code, page, password_of, select_text,
};

both!(
    the_pipeline_and_totals_are_the_listed_projects_counted,
    landing_rates_by_year_quarter_side_region_and_series_tell_the_story,
    bad_project_filters_are_refused_field_by_field,
    the_demo_conference_is_read_off_the_projects_page_and_the_event_page,
    only_those_who_follow_a_project_up_may_move_it_along,
);

const YI: i64 = 10_000_000_000;

/// The story: two years of a series of conferences (川渝侨商大会) and two projects
/// signed elsewhere.
///
/// | project | signed | owner | landing region | amount | event | now |
/// |---|---|---|---|---|---|---|
/// | 园区 | 2023-03-15 | 重庆市侨联 | 万州区 500101 | 10 亿 | 2023 大会 | started |
/// | 物流 | 2023-08-01 | 重庆市侨联 | 锦江区 510104 | 2 亿 | 2023 大会 | signed |
/// | 农业 | 2023-11-20 | 四川省侨联 | 通川区 511702 | 3 亿 | — | cancelled |
/// | 医药 | 2024-05-10 | 四川省侨联 | 锦江区 510104 | 4 亿 | 2024 大会 | in operation |
/// | 电商 | 2024-09-10 | 万州区侨联 | 万州区 500101 | 1 亿 | — | contracted |
struct Story {
    api: Api,
    series: i64,
    event_2023: i64,
}

async fn story(app: &TestApp) -> Story {
    app.load_demo().await;
    let api = app.admin_api().await;
    let (cq, sc, wz) = (
        app.org_id("重庆市侨联").await.0,
        app.org_id("四川省侨联").await.0,
        app.org_id("万州区侨联").await.0,
    );
    let mut events = Vec::new();
    for (title, day) in [
        ("2023川渝侨商大会", "2023-03-15"),
        ("2024川渝侨商大会", "2024-05-10"),
    ] {
        let (status, e) = api
            .post(
                "/api/v1/events",
                json!({"kind": "conference", "series": "川渝侨商大会", "title": title, "starts_on": day,
                       "status": "held", "orgs": [{"org_id": cq, "role": "host"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{e}");
        events.push(e);
    }
    let rows = [
        (
            "园区",
            "2023-03-15",
            cq,
            "500101",
            10,
            Some(0),
            Some("started"),
        ),
        ("物流", "2023-08-01", cq, "510104", 2, Some(0), None),
        (
            "农业",
            "2023-11-20",
            sc,
            "511702",
            3,
            None,
            Some("cancelled"),
        ),
        (
            "医药",
            "2024-05-10",
            sc,
            "510104",
            4,
            Some(1),
            Some("in_operation"),
        ),
        (
            "电商",
            "2024-09-10",
            wz,
            "500101",
            1,
            None,
            Some("contracted"),
        ),
    ];
    for (title, day, owner, region, yi, event, to) in rows {
        let (status, p) = api
            .post(
                "/api/v1/projects",
                json!({"title": title, "amount": format!("{yi}00000000"), "investor_name": "某侨资企业",
                       "investor_country": "SG", "region_code": region, "signed_on": day, "owner_org_id": owner,
                       "event_id": event.map(|i: usize| events[i]["id"].clone())}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{p}");
        if let Some(to) = to {
            let (status, moved) = api
                .post(
                    &format!("/api/v1/projects/{}/steps", p["id"]),
                    json!({"status": to, "happened_on": "2024-12-01", "note": "按计划推进"}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{moved}");
        }
    }
    Story {
        api,
        series: events[0]["series_id"].as_i64().expect("series"),
        event_2023: events[0]["id"].as_i64().expect("event"),
    }
}

async fn the_pipeline_and_totals_are_the_listed_projects_counted(app: TestApp) {
    let s = story(&app).await;
    let cq = app.org_id("重庆市侨联").await.0;
    for query in [
        String::new(),
        "year=2023".into(),
        "year=2024&quarter=3".into(),
        "side=sc".into(),
        "side=cq".into(),
        "region=510100".into(),
        "region=500000".into(),
        "region=500101".into(),
        "region=510000".into(),
        format!("org={cq}"),
        format!("series={}", s.series),
        format!("event={}", s.event_2023),
        "status=landed".into(),
        "status=not_cancelled".into(),
        "status=cancelled&year=2023".into(),
    ] {
        let (status, listed) = s
            .api
            .get(&format!("/api/v1/projects?per_page=500&{query}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {listed}");
        let (status, pipe) = s
            .api
            .get(&format!("/api/v1/projects/pipeline?{query}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {pipe}");
        let items = listed["items"].as_array().expect("items");
        assert_eq!(listed["total"].as_u64(), Some(items.len() as u64));
        let of = |pred: &dyn Fn(&str) -> bool| -> (i64, i64) {
            let hit: Vec<&Value> = items
                .iter()
                .filter(|p| pred(p["status"].as_str().expect("status")))
                .collect();
            (
                hit.len() as i64,
                hit.iter()
                    .map(|p| p["amount_fen"].as_i64().expect("fen"))
                    .sum(),
            )
        };
        for f in pipe["statuses"].as_array().expect("statuses") {
            let st = f["status"].as_str().expect("status");
            assert_eq!(
                (
                    f["count"].as_i64().expect("n"),
                    f["amount_fen"].as_i64().expect("fen")
                ),
                of(&|x| x == st),
                "{query}: {st}"
            );
        }
        let t = &pipe["totals"];
        assert_eq!(
            (
                t["signed"].as_i64().expect("n"),
                t["signed_fen"].as_i64().expect("fen")
            ),
            of(&|x| x != "cancelled"),
            "{query}: signed"
        );
        assert_eq!(
            (
                t["landed"].as_i64().expect("n"),
                t["landed_fen"].as_i64().expect("fen")
            ),
            of(&|x| x == "started" || x == "in_operation"),
            "{query}: landed"
        );
    }
    let (_, newest) = s.api.get("/api/v1/projects?per_page=2").await;
    let titles: Vec<&str> = newest["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, ["电商", "医药"], "newest signing first");
    assert_eq!(newest["total"], 5);
    let (_, chongqing) = s.api.get(&format!("/api/v1/projects?org={cq}")).await;
    assert_eq!(
        chongqing["total"], 3,
        "the county federation's project counts for the city above it"
    );
}

/// `(key, label, signed, signed 亿, landed, landed 亿)` of each landing row.
async fn landing(api: &Api, query: &str) -> Vec<(String, String, i64, i64, i64, i64)> {
    let (status, rows) = api.get(&format!("/api/v1/projects/landing?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{query}: {rows}");
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let n = |k: &str| r[k].as_i64().expect("number");
            (
                r["key"].as_str().expect("key").to_owned(),
                r["label"].as_str().expect("label").to_owned(),
                n("signed"),
                n("signed_fen") / YI,
                n("landed"),
                n("landed_fen") / YI,
            )
        })
        .collect()
}

fn row(
    key: &str,
    label: &str,
    signed: i64,
    signed_yi: i64,
    landed: i64,
    landed_yi: i64,
) -> (String, String, i64, i64, i64, i64) {
    (
        key.into(),
        label.into(),
        signed,
        signed_yi,
        landed,
        landed_yi,
    )
}

async fn landing_rates_by_year_quarter_side_region_and_series_tell_the_story(app: TestApp) {
    let s = story(&app).await;
    assert_eq!(
        landing(&s.api, "by=year").await,
        [
            row("2023", "2023", 2, 12, 1, 10),
            row("2024", "2024", 2, 5, 1, 4)
        ],
        "the cancelled 2023 project counts neither as signed nor as landed"
    );
    assert_eq!(
        landing(&s.api, "by=quarter").await,
        [
            row("2023-Q1", "2023-Q1", 1, 10, 1, 10),
            row("2023-Q3", "2023-Q3", 1, 2, 0, 0),
            row("2023-Q4", "2023-Q4", 0, 0, 0, 0),
            row("2024-Q2", "2024-Q2", 1, 4, 1, 4),
            row("2024-Q3", "2024-Q3", 1, 1, 0, 0),
        ]
    );
    assert_eq!(
        landing(&s.api, "by=side").await,
        [
            row("cq", "重庆", 3, 13, 1, 10),
            row("sc", "四川", 1, 4, 1, 4)
        ]
    );
    assert_eq!(
        landing(&s.api, "by=region").await,
        [
            row("500000", "重庆市", 2, 11, 1, 10),
            row("510100", "成都市", 2, 6, 1, 4),
            row("511700", "达州市", 0, 0, 0, 0),
        ],
        "Chongqing's districts count under the municipality, Sichuan's under their city"
    );
    assert_eq!(
        landing(&s.api, "by=series").await,
        [
            row(&s.series.to_string(), "川渝侨商大会", 3, 16, 2, 14),
            row("", "", 1, 1, 0, 0)
        ]
    );
    assert_eq!(
        landing(&s.api, "by=year&side=sc").await,
        [
            row("2023", "2023", 0, 0, 0, 0),
            row("2024", "2024", 1, 4, 1, 4)
        ],
        "the filters narrow the table"
    );
    let (_, rates) = s.api.get("/api/v1/projects/landing?by=year").await;
    assert_eq!(rates[0]["rate_by_count"], 0.5);
    let by_amount = rates[1]["rate_by_amount"].as_f64().expect("rate");
    assert!((by_amount - 0.8).abs() < 1e-9, "4 of 5 亿 landed in 2024");
    let (_, dazhou) = s.api.get("/api/v1/projects/landing?by=region").await;
    assert_eq!(
        dazhou[2]["rate_by_count"],
        Value::Null,
        "no rate without a signed project"
    );

    // The page shows the same, as people read it.
    let c = app.sign_in("admin", ADMIN_PASSWORD).await;
    let doc = page(&c, &app.url("/projects?by=side")).await;
    assert_eq!(select_text(&doc, "#total-signed"), ["4"]);
    assert_eq!(select_text(&doc, "#total-landed"), ["2"]);
    assert_eq!(select_text(&doc, "#total-signed-amount"), ["17 亿元"]);
    assert_eq!(select_text(&doc, "#rate-count"), ["50.0%"]);
    assert_eq!(select_text(&doc, "#rate-amount"), ["82.4%"], "14 of 17 亿");
    let first = select_text(&doc, "#landing-table tbody tr:first-child td");
    assert_eq!(
        first,
        ["重庆", "3", "13 亿元", "1", "10 亿元", "33.3%", "76.9%"]
    );
    let link = doc
        .select(
            &scraper::Selector::parse("#landing-table tbody tr:first-child td:nth-child(4) a")
                .expect("css"),
        )
        .next()
        .expect("landed link")
        .value()
        .attr("href")
        .expect("href")
        .to_owned();
    let listed = page(&c, &app.url(&link)).await;
    assert_eq!(
        select_text(&listed, "#project-table tbody td.project-title a"),
        ["园区"],
        "the landed figure opens the landed projects of that side"
    );
    let pipeline = select_text(&doc, "#pipeline-cancelled .pipeline-count");
    assert_eq!(pipeline, ["1"]);
}

async fn bad_project_filters_are_refused_field_by_field(app: TestApp) {
    let s = story(&app).await;
    for (query, field, code) in [
        ("year=abc", "year", "unknown_value"),
        ("year=20240", "year", "unknown_value"),
        ("quarter=5&year=2024", "quarter", "unknown_value"),
        ("quarter=2", "year", "required"),
        ("status=finished", "status", "unknown_value"),
        ("side=hk", "side", "unknown_side"),
        ("region=12", "region", "bad_region_code"),
        ("region=999999", "region", "unknown_region"),
        ("org=999999", "org", "unknown_org"),
        ("org=abc", "org", "unknown_value"),
        ("series=999999", "series", "unknown_series"),
        ("event=999999", "event", "unknown_event"),
    ] {
        for endpoint in ["", "/pipeline", "/landing"] {
            let (status, answer) = s
                .api
                .get(&format!("/api/v1/projects{endpoint}?{query}"))
                .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{endpoint} {query}"
            );
            assert_eq!(field_code(&answer, field), code, "{endpoint} {query}");
        }
    }
    let (status, answer) = s.api.get("/api/v1/projects/landing?by=month").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "by"), "unknown_value");
    let (_, answer) = s.api.get("/api/v1/projects?year=abc&side=hk").await;
    assert_eq!(
        answer["error"]["fields"].as_object().expect("fields").len(),
        2,
        "every bad filter is named at once"
    );

    let c = app.sign_in("admin", ADMIN_PASSWORD).await;
    let resp = c
        .get(app.url("/projects?region=999999"))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let doc = crate::harness::html(&resp.text().await.expect("text"));
    assert_eq!(
        select_text(&doc, "#project-filter .invalid-feedback"),
        ["没有这个行政区划代码"]
    );
    assert_eq!(select_text(&doc, "#project-total"), ["共 5 个项目"]);
}

async fn the_demo_conference_is_read_off_the_projects_page_and_the_event_page(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let api = app.admin_api().await;
    let (_, events) = api.get("/api/v1/events?year=2024&kind=conference").await;
    let (event, series) = (
        events["items"][0]["id"].as_i64().expect("event"),
        events["items"][0]["series_id"].as_i64().expect("series"),
    );
    let (_, listed) = api
        .get(&format!(
            "/api/v1/projects?series={series}&year=2024&per_page=500"
        ))
        .await;
    let fen: i64 = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["amount_fen"].as_i64().expect("fen"))
        .sum();
    assert_eq!(listed["total"], 47);
    assert_eq!(fen, 303 * YI, "the demo's 47 projects come to 303 亿元");

    let c = app.sign_in("admin", ADMIN_PASSWORD).await;
    let doc = page(
        &c,
        &app.url(&format!("/projects?series={series}&year=2024")),
    )
    .await;
    assert_eq!(select_text(&doc, "#total-signed"), ["47"]);
    assert_eq!(select_text(&doc, "#total-signed-amount"), ["303 亿元"]);
    assert_eq!(select_text(&doc, "#project-total"), ["共 47 个项目"]);
    let stages: i64 = select_text(&doc, "#pipeline .pipeline-count")
        .iter()
        .map(|n| n.parse::<i64>().expect("count"))
        .sum();
    assert_eq!(stages, 47, "the stage cards add up to the projects");
    assert_eq!(
        select_text(&doc, "#project-table tbody tr").len(),
        47,
        "one page holds them all"
    );

    let shown = page(&c, &app.url(&format!("/events/{event}"))).await;
    let outcomes = select_text(&shown, "#event-outcomes .h2");
    assert_eq!(outcomes[2], "47");
    assert!(
        select_text(&shown, "#event-outcomes")
            .join("")
            .contains("303 亿元")
    );
    assert!(
        select_text(&shown, "#projects form[action$='/steps']").is_empty(),
        "the event page links to each project instead of a cramped form"
    );
    assert_eq!(
        select_text(&shown, "#projects a[href^='/projects/']").len(),
        47 * 2,
        "each project's title and its update button open the project page"
    );
}

async fn only_those_who_follow_a_project_up_may_move_it_along(app: TestApp) {
    let s = story(&app).await;
    let (_, listed) = s.api.get("/api/v1/projects?year=2023&quarter=3").await;
    let id = listed["items"][0]["id"].as_i64().expect("id");
    let project = format!("/projects/{id}");
    for (login, role) in [("cq-member", "member"), ("cq-viewer", "viewer")] {
        app.user(login, "重庆市侨联", role).await;
        let c = app.sign_in(login, &password_of(login)).await;
        let doc = page(&c, &app.url(&project)).await;
        assert_eq!(select_text(&doc, "h1.page-title"), ["物流"]);
        assert!(
            select_text(&doc, "#step-form").is_empty(),
            "{role} sees no form"
        );
        let csrf = csrf_of(&c, &app.url(&project)).await;
        let resp = c
            .post(app.url(&format!("{project}/steps")))
            .form(&[("_csrf", csrf.as_str()), ("status", "contracted")])
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{role}");
        let (status, _) = app
            .api_of(login)
            .await
            .post(
                &format!("/api/v1{project}/steps"),
                json!({"status": "contracted"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role} through the API");
    }

    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let c = app.sign_in("cq-coord", &password_of("cq-coord")).await;
    let doc = page(&c, &app.url(&project)).await;
    assert_eq!(select_text(&doc, "#step-form h2"), ["记录项目进展"]);
    let csrf = csrf_of(&c, &app.url(&project)).await;
    let version = listed["items"][0]["version"].to_string();
    let resp = c
        .post(app.url(&format!("{project}/steps")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("status", "started"),
            ("happened_on", "2025-02-01"),
            ("note", "一期厂房开工"),
            ("version", version.as_str()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()["location"],
        project.as_str(),
        "back on the project page"
    );
    let doc = page(&c, &app.url(&project)).await;
    assert_eq!(select_text(&doc, "#project-status"), ["已开工"]);
    assert_eq!(
        select_text(&doc, "#project-steps h3"),
        ["已签约", "已开工"],
        "the timeline, oldest first"
    );

    // Going back needs a reason; a stale form says someone else saved meanwhile.
    let resp = c
        .post(app.url(&format!("{project}/steps")))
        .form(&[("_csrf", csrf.as_str()), ("status", "signed")])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let doc = crate::harness::html(&resp.text().await.expect("text"));
    assert_eq!(
        select_text(&doc, "#step-form .invalid-feedback"),
        ["退回或恢复项目时，请说明原因"]
    );
    let resp = c
        .post(app.url(&format!("{project}/steps")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("status", "in_operation"),
            ("version", version.as_str()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let doc = crate::harness::html(&resp.text().await.expect("text"));
    assert_eq!(select_text(&doc, "#form-conflict").len(), 1);
}
