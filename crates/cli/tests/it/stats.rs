//! The figures API: every figure, for readers at several levels of both sides, equals
//! what the list it names counts for that reader, in every scope and period; and bad
//! scopes and periods answer clear errors.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{Api, TestApp, both, field_code};

both!(
    every_figure_equals_the_records_it_opens,
    a_bad_scope_or_period_is_refused
);

/// The figures of one scope and period for one reader, each checked against its source
/// and its list; answers the figures to compare across readers.
async fn check_figures(api: &Api, who: &str, query: &str) -> Value {
    let (status, body) = api.get(&format!("/api/v1/stats?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{who} {query}: {body}");
    let figures = body["figures"].as_object().expect("figures");
    let order = body["order"].as_array().expect("order");
    assert_eq!(
        order.len(),
        figures.len(),
        "{who} {query}: order names every figure"
    );
    for (key, f) in figures {
        assert!(
            f["label"]
                .as_str()
                .is_some_and(|l| !l.is_empty() && l != "?"),
            "{key} has a label"
        );
        let records = f["records"].as_str().expect("records");
        let (status, list) = api.get(records).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{who} {query}: {key} opens {records}: {list}"
        );
        assert!(list["total"].is_i64(), "{key}: {records} is a list");
        if f["ratio_of"].is_array() {
            let [a, b] = [0, 1].map(|i| {
                figures[f["ratio_of"][i].as_str().expect("key")]["value"]
                    .as_i64()
                    .expect("count")
            });
            match f["value"].as_f64() {
                Some(r) => assert!((r - a as f64 / b as f64).abs() < 1e-9, "{key} = {a}/{b}"),
                None => assert_eq!(b, 0, "{key} is null only when nothing was signed"),
            }
            continue;
        }
        let url = f["source"]["url"].as_str().expect("source url");
        let field = f["source"]["field"].as_str().expect("source field");
        let (status, source) = api.get(url).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{who} {query}: {key} source {url}: {source}"
        );
        assert_eq!(
            source.pointer(field),
            Some(&f["value"]),
            "{who} {query}: {key} = {} but {url} {field} = {:?}",
            f["value"],
            source.pointer(field)
        );
        if f["unit"].is_null() {
            assert_eq!(url, records, "{key}: a count is its list's total");
        }
    }
    let n = |k: &str| figures[k]["value"].as_i64().expect(k);
    let colours: i64 = ["red", "yellow", "blue", "green", "grey"]
        .iter()
        .map(|c| n(&format!("tasks_{c}")))
        .sum();
    assert_eq!(
        colours,
        n("tasks"),
        "{who} {query}: the colours add up to the tasks"
    );
    body
}

async fn every_figure_equals_the_records_it_opens(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("wz-member", "万州区侨联", "member").await;
    app.user("sc-coord", "四川省侨联", "coordinator").await;
    app.user("cd-viewer", "成都市侨联", "viewer").await;
    let wanzhou = app.org_id("万州区侨联").await.0;
    let chengdu = app.org_id("成都市侨联").await.0;
    let readers = [
        ("admin", app.admin_api().await),
        ("cq-coord", app.api_of("cq-coord").await),
        ("wz-member", app.api_of("wz-member").await),
        ("sc-coord", app.api_of("sc-coord").await),
        ("cd-viewer", app.api_of("cd-viewer").await),
    ];
    let year = chrono::Datelike::year(&qiaolian_core::settings::today()) - 1;
    // Whole years read the kept tallies, a period inside years counts the records.
    let periods = [
        String::new(),
        format!("&from={year}-01-01&to={year}-12-31"),
        format!("&from={}-03-15&to={year}-06-30", year - 2),
    ];
    let scopes = [
        "all".to_owned(),
        "cq".to_owned(),
        "sc".to_owned(),
        format!("org:{wanzhou}"),
        format!("org:{chengdu}"),
    ];
    let mut everything = None;
    for (who, api) in &readers {
        for scope in &scopes {
            for period in &periods {
                let body = check_figures(api, who, &format!("scope={scope}{period}")).await;
                if *who == "admin" && scope == "all" && period.is_empty() {
                    everything = Some(body);
                }
            }
        }
    }
    // The demo's programme shows in the national figures, not zeros.
    let all = everything.expect("the administrator's figures");
    for key in [
        "agreements_in_force",
        "tasks",
        "resolutions",
        "pairings_active",
        "exchanges",
        "events_held",
        "participants",
        "participant_countries",
        "projects_signed",
        "projects_signed_amount",
        "talents",
        "articles",
        "donations",
        "people",
        "people_countries",
    ] {
        assert!(
            all["figures"][key]["value"].as_i64().is_some_and(|v| v > 0),
            "{key} is counted in the demo: {}",
            all["figures"][key]
        );
    }
    // A district member sees no more tasks than the whole programme holds.
    let (_, mine) = readers[2]
        .1
        .get(&format!("/api/v1/stats?scope=org:{wanzhou}"))
        .await;
    assert!(
        mine["figures"]["tasks"]["value"].as_i64() <= all["figures"]["tasks"]["value"].as_i64()
    );
    assert_eq!(mine["scope"], format!("org:{wanzhou}"));
}

async fn a_bad_scope_or_period_is_refused(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let api = app.admin_api().await;
    let (status, body) = api.get("/api/v1/stats?scope=org:99999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body.get("figures").is_none(),
        "no figure of an unknown scope"
    );
    for scope in ["org:abc", "org:-3", "xx", "org:"] {
        let (status, body) = api.get(&format!("/api/v1/stats?scope={scope}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{scope}: {body}");
        assert_eq!(field_code(&body, "scope"), "unknown_scope");
    }
    let (status, body) = api.get("/api/v1/stats?from=2025-03-01&to=2025-02-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "to"), "before_from");
    assert!(
        body["error"]["fields"]["to"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("早于")),
        "the message is in the reader's language: {body}"
    );
    let (status, body) = api.get("/api/v1/stats?from=2025-13-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "from"), "bad_date");
    // An empty period counts nothing dated, and is no error.
    let (status, body) = api.get("/api/v1/stats?from=1990-01-01&to=1990-12-31").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for key in [
        "exchanges",
        "events_held",
        "projects_signed",
        "talents",
        "articles",
        "donations",
        "resolutions",
    ] {
        assert_eq!(body["figures"][key]["value"], 0, "{key} in 1990");
    }
    assert!(body["figures"]["landing_rate"]["value"].is_null());
    // The dated lists refuse a reversed period as the figures do.
    for list in [
        "exchanges",
        "events",
        "projects",
        "talents",
        "articles",
        "donations",
        "resolutions",
    ] {
        let (status, body) = api
            .get(&format!("/api/v1/{list}?from=2025-03-01&to=2025-02-01"))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{list}: {body}");
        assert_eq!(field_code(&body, "to"), "before_from", "{list}");
    }
}
