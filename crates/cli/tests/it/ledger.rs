//! The progress ledger (打表推进): for readers of both sides and every filter it offers,
//! exactly the task list's tasks and totals, in agreement → plan → area → lead order,
//! each with its latest report and a missing report marked only where the plan's
//! cadence asks for one; the page groups and numbers them.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{Api, TestApp, both, field_code, page, password_of, select_text};

both!(
    the_ledger_holds_exactly_the_listed_tasks_in_group_order,
    the_ledger_page_groups_and_numbers_the_tasks
);

/// Every row of a ledger, all pages.
async fn all_rows(api: &Api, query: &str) -> (Vec<Value>, Value) {
    let mut rows = Vec::new();
    let mut first = Value::Null;
    for n in 1..=50 {
        let (status, body) = api
            .get(&format!("/api/v1/ledger?{query}&per_page=20&page={n}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        let items = body["items"].as_array().expect("items").clone();
        if n == 1 {
            first = body.clone();
        }
        if items.is_empty() {
            break;
        }
        rows.extend(items);
    }
    (rows, first)
}

async fn listed_ids(api: &Api, query: &str) -> (BTreeSet<i64>, i64) {
    let (status, body) = api
        .get(&format!("/api/v1/tasks?{query}&per_page=200"))
        .await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    let ids = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect();
    (ids, body["total"].as_i64().expect("total"))
}

async fn the_ledger_holds_exactly_the_listed_tasks_in_group_order(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("wz-member", "万州区侨联", "member").await;
    app.user("sc-coord", "四川省侨联", "coordinator").await;
    let wanzhou = app.org_id("万州区侨联").await.0;
    let chongqing = app.org_id("重庆市侨联").await.0;
    let readers = [
        ("admin", app.admin_api().await),
        ("cq-coord", app.api_of("cq-coord").await),
        ("wz-member", app.api_of("wz-member").await),
        ("sc-coord", app.api_of("sc-coord").await),
    ];
    let queries = [
        String::new(),
        "colour=red".to_owned(),
        "status=in_progress".to_owned(),
        format!("lead={wanzhou}"),
        format!("lead={chongqing}&colour=yellow"),
        "side=sc".to_owned(),
        "deadline_from=2025-01-01&deadline_to=2026-12-31".to_owned(),
    ];
    let mut missing_seen = 0;
    for (who, api) in &readers {
        for query in &queries {
            let (rows, first) = all_rows(api, query).await;
            let (listed, total) = listed_ids(api, query).await;
            let ids: BTreeSet<i64> = rows
                .iter()
                .map(|r| r["task"]["id"].as_i64().expect("id"))
                .collect();
            assert_eq!(ids.len(), rows.len(), "{who} {query}: no task twice");
            assert_eq!(ids, listed, "{who} {query}: the ledger is the list");
            assert_eq!(first["total"], total, "{who} {query}: the list's total");
            if !query.contains("colour") {
                let colours: i64 = first["colours"]
                    .as_array()
                    .expect("colours")
                    .iter()
                    .map(|c| c["tasks"].as_i64().expect("n"))
                    .sum();
                assert_eq!(colours, total, "{who} {query}: the colours add up");
            }
            // Agreement, then plan, then area never go back.
            let keys: Vec<(i64, i64, i64)> = rows
                .iter()
                .map(|r| {
                    let t = &r["task"];
                    (
                        t["agreement_id"].as_i64().unwrap_or(0),
                        t["plan_id"].as_i64().expect("plan"),
                        t["area_id"].as_i64().unwrap_or(0),
                    )
                })
                .collect();
            assert!(
                keys.windows(2).all(|w| w[0] <= w[1]),
                "{who} {query}: grouped in order: {keys:?}"
            );
            for r in &rows {
                let t = &r["task"];
                if r["report_missing"] == true {
                    missing_seen += 1;
                    assert!(
                        ["accepted", "in_progress"].contains(&t["status"].as_str().expect("s")),
                        "only a task in work owes a report: {t}"
                    );
                    assert_eq!(
                        t["child_count"], 0,
                        "a parent reports through its sub-tasks"
                    );
                }
                match t["last_report_on"].as_str() {
                    Some(day) => assert_eq!(r["latest"]["reported_on"], day, "{t}"),
                    None => assert!(r["latest"].is_null(), "{t}"),
                }
            }
        }
    }
    assert!(
        missing_seen > 0,
        "the demo's monthly plans have reports missing"
    );
    // The latest report is the task's newest.
    let api = &readers[0].1;
    let (rows, _) = all_rows(api, "status=in_progress").await;
    let row = rows
        .iter()
        .find(|r| !r["latest"].is_null())
        .expect("a task in progress with a report");
    let id = row["task"]["id"].as_i64().expect("id");
    let (_, detail) = api.get(&format!("/api/v1/tasks/{id}")).await;
    assert_eq!(row["latest"]["percent"], detail["reports"][0]["percent"]);
    assert_eq!(row["latest"]["done"], detail["reports"][0]["done"]);
    // Filters are checked as the list checks them.
    let (status, body) = api.get("/api/v1/ledger?colour=purple").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "colour"), "unknown_value");
}

async fn the_ledger_page_groups_and_numbers_the_tasks(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let api = app.api_of("cq-coord").await;
    let client = app.sign_in("cq-coord", &password_of("cq-coord")).await;
    let (_, ledger) = api.get("/api/v1/ledger?per_page=50").await;
    let doc = page(&client, &app.url("/ledger")).await;
    let numbers = select_text(&doc, "#ledger-table tbody tr[data-task] td:first-child");
    let expected: Vec<String> = (1..=ledger["items"].as_array().expect("items").len())
        .map(|n| n.to_string())
        .collect();
    assert_eq!(numbers, expected, "numbered from 1 down the page");
    let agreements = select_text(&doc, ".ledger-agreement th");
    assert!(
        agreements.first().is_some_and(|a| a.contains(
            ledger["items"][0]["agreement_title"]
                .as_str()
                .unwrap_or("?")
        )),
        "{agreements:?}"
    );
    assert!(!select_text(&doc, ".ledger-plan th").is_empty());
    let caption = select_text(&doc, "#ledger-caption");
    assert!(
        caption[0].contains(&format!("共 {} 项", ledger["total"])),
        "{caption:?}"
    );
    // The second page goes on numbering.
    let doc = page(&client, &app.url("/ledger?page=2&per_page=50")).await;
    let numbers = select_text(&doc, "#ledger-table tbody tr[data-task] td:first-child");
    if !numbers.is_empty() {
        assert_eq!(numbers[0], "51");
    }
    // A filter the ledger refuses shows everything and says so.
    let doc = page(&client, &app.url("/ledger?colour=purple")).await;
    assert_eq!(select_text(&doc, ".alert-warning").len(), 1);
}
