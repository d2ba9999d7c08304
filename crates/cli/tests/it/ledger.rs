//! The progress ledger (打表推进): for readers of both sides and every filter it offers,
//! exactly the task list's tasks and totals, in agreement → plan → area → lead order,
//! each with its latest report and a missing report marked only where the plan's
//! cadence asks for one; the page groups and numbers them.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{Api, TestApp, all_pages, both, field_code, page, password_of, select_text};

both!(
    the_ledger_holds_exactly_the_listed_tasks_in_group_order,
    the_ledger_page_groups_and_numbers_the_tasks,
    the_ledger_of_a_past_day_shows_what_stood_then,
    readers_of_the_ledger_and_map_are_answered_while_reports_are_written,
    a_filter_form_sent_with_its_empty_choices_lists_everything
);

/// Every row of a ledger, all pages.
async fn all_rows(api: &Api, query: &str) -> (Vec<Value>, Value) {
    all_pages(api, "/api/v1/ledger", query, 20).await
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
            // The flag kept on write selects exactly the rows the ledger judges today.
            let owing: BTreeSet<i64> = rows
                .iter()
                .filter(|r| r["report_missing"] == true)
                .map(|r| r["task"]["id"].as_i64().expect("id"))
                .collect();
            let missing = format!("{query}&missing=true");
            let (kept, kept_total) = listed_ids(api, &missing).await;
            assert_eq!(kept, owing, "{who} {missing}: kept flag against the ledger");
            assert_eq!(kept_total, owing.len() as i64, "{who} {missing}: total");
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
    // A past day's missing reports are not kept: asking for them is refused by name.
    let last_month = qiaolian_core::settings::today() - chrono::Duration::days(30);
    let (status, body) = api
        .get(&format!("/api/v1/ledger?missing=true&as_of={last_month}"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "missing"), "missing_only_today");
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

async fn the_ledger_of_a_past_day_shows_what_stood_then(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let admin = app.admin_api().await;
    let today = qiaolian_core::settings::today();
    let yesterday = today - chrono::Duration::days(1);
    // The history read back on today is today's ledger, task by task.
    let states = qiaolian_core::task::states_on(
        &app.db,
        &app.admin_actor().await,
        &qiaolian_core::task::TaskFilter::default(),
        today,
    )
    .await
    .expect("states");
    let (rows, first) = all_rows(&admin, "").await;
    assert_eq!(states.len(), rows.len(), "every task has a history");
    for r in &rows {
        let t = &r["task"];
        let id = qiaolian_core::task::TaskId(t["id"].as_i64().expect("id"));
        let s = serde_json::to_value(&states[&id]).expect("json");
        for field in ["status", "progress", "colour", "last_report_on"] {
            assert_eq!(s[field], t[field], "{field} of {}", t["title"]);
        }
    }

    // A task drafted today is not in yesterday's ledger, and is new since then.
    let model = &rows
        .iter()
        .find(|r| r["task"]["status"] == "in_progress" && r["task"]["child_count"] == 0)
        .expect("a task in progress")["task"];
    let (status, fresh) = admin
        .post(
            "/api/v1/tasks",
            serde_json::json!({"plan_id": model["plan_id"], "title": "今日新增的对接任务",
                "goal": "对接侨商", "standard": "形成对接清单", "requirement": "每月报送",
                "start_on": (today - chrono::Duration::days(5)).to_string(),
                "deadline": (today + chrono::Duration::days(30)).to_string(),
                "lead_org_id": model["lead_org_id"], "weight": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    let (past, past_first) = all_rows(&admin, &format!("as_of={yesterday}")).await;
    assert_eq!(past_first["as_of"], yesterday.to_string());
    assert!(
        past.iter().all(|r| r["task"]["id"] != fresh["id"]),
        "not there yesterday"
    );
    assert_eq!(
        past_first["total"].as_i64(),
        first["total"].as_i64(),
        "yesterday's ledger is today's but the new task"
    );

    // A report made today moves the task since yesterday; yesterday shows the old progress.
    let lead = model["lead_org_name"].as_str().expect("lead");
    app.user("lead-coord", lead, "coordinator").await;
    let lead_api = app.api_of("lead-coord").await;
    let id = model["id"].as_i64().expect("id");
    let old = model["progress"].as_i64().expect("progress");
    let new = if old < 95 { 95 } else { 99 };
    let (status, body) = lead_api
        .post(
            &format!("/api/v1/tasks/{id}/reports"),
            serde_json::json!({"percent": new, "done": "完成大部分对接"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, changed) = admin
        .get(&format!("/api/v1/ledger?since={yesterday}&per_page=5"))
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let changes = changed["changes"].as_array().expect("changes");
    let moved = changes
        .iter()
        .find(|c| c["task_id"] == id)
        .expect("the reported task changed");
    assert!(
        moved["kinds"]
            .as_array()
            .expect("kinds")
            .contains(&"moved".into())
    );
    assert_eq!(moved["before"]["progress"], old);
    assert_eq!(moved["after"]["progress"], new);
    let made = changes
        .iter()
        .find(|c| c["task_id"] == fresh["id"])
        .expect("the new task");
    assert_eq!(made["kinds"], serde_json::json!(["new"]));
    assert!(made["before"].is_null());
    assert_eq!(
        changed["changes_total"].as_i64(),
        Some(changes.len() as i64)
    );
    let row = past
        .iter()
        .find(|r| r["task"]["id"] == id)
        .expect("there yesterday");
    assert_eq!(row["then"]["progress"], old, "yesterday's progress");

    // Days outside the programme or in the wrong order are refused plainly.
    let tomorrow = today + chrono::Duration::days(1);
    for (query, field, code) in [
        (format!("as_of={tomorrow}"), "as_of", "day_in_future"),
        ("as_of=2001-01-01".to_owned(), "as_of", "before_programme"),
        ("as_of=2026-13-01".to_owned(), "as_of", "bad_date"),
        (
            format!("as_of={yesterday}&since={today}"),
            "since",
            "since_not_before",
        ),
    ] {
        let (status, body) = admin.get(&format!("/api/v1/ledger?{query}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(field_code(&body, field), code, "{query}");
    }
    let client = app.sign_in("admin", crate::harness::ADMIN_PASSWORD).await;
    let doc = page(&client, &app.url(&format!("/ledger?as_of={tomorrow}"))).await;
    assert!(select_text(&doc, "#ledger-refused")[0].contains("日期不能晚于今天"));
    let doc = page(
        &client,
        &app.url(&format!(
            "/ledger?as_of={yesterday}&since={}",
            today - chrono::Duration::days(30)
        )),
    )
    .await;
    assert_eq!(select_text(&doc, "#ledger-past").len(), 1);
    assert!(!select_text(&doc, "#ledger-changes tr[data-change]").is_empty());
}

async fn readers_of_the_ledger_and_map_are_answered_while_reports_are_written(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let admin = app.admin_api().await;
    let (rows, _) = all_rows(&admin, "status=in_progress").await;
    let task = &rows
        .iter()
        .find(|r| r["task"]["child_count"] == 0)
        .expect("a task in progress")["task"];
    let lead = task["lead_org_name"].as_str().expect("lead");
    app.user("lead-coord", lead, "coordinator").await;
    let writer = app.api_of("lead-coord").await;
    let id = task["id"].as_i64().expect("id");
    let yesterday = qiaolian_core::settings::today() - chrono::Duration::days(1);
    let reads = [
        "/api/v1/ledger?per_page=20".to_owned(),
        format!(
            "/api/v1/ledger?as_of={yesterday}&since={}",
            yesterday - chrono::Duration::days(30)
        ),
        "/api/v1/dashboard".to_owned(),
        "/api/v1/stats".to_owned(),
    ];
    // Eight readers and a writer at once: every read answers, every report is kept.
    let readers = futures_util::future::join_all((0..8).map(|i| {
        let (api, path) = (&admin, &reads[i % reads.len()]);
        async move {
            for _ in 0..3 {
                let (status, body) = api.get(path).await;
                assert_eq!(status, StatusCode::OK, "{path}: {body}");
            }
        }
    }));
    let writes = async {
        for percent in [81, 83, 85, 87] {
            let (status, body) = writer
                .post(
                    &format!("/api/v1/tasks/{id}/reports"),
                    serde_json::json!({"percent": percent, "done": format!("推进至 {percent}%")}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    tokio::join!(readers, writes);
    let (_, detail) = admin.get(&format!("/api/v1/tasks/{id}")).await;
    assert_eq!(detail["task"]["progress"], 87);
    let (ids, total) = listed_ids(&admin, "").await;
    let (_, ledger) = admin.get("/api/v1/ledger?per_page=1").await;
    assert_eq!(
        ledger["total"],
        total,
        "the ledger still counts the list's {} tasks",
        ids.len()
    );
    // Kept figures read during the writes are not handed out after them: each colour
    // is what its list counts now that the last report is in.
    let (_, stats) = admin.get("/api/v1/stats").await;
    for colour in ["red", "yellow", "blue", "green", "grey"] {
        let (_, list) = admin
            .get(&format!("/api/v1/tasks?colour={colour}&per_page=1"))
            .await;
        assert_eq!(
            stats["figures"][format!("tasks_{colour}")]["value"],
            list["total"],
            "{colour} after the writes"
        );
    }
}

/// A filter form sends its empty choices (`lead=`, `top=`): they mean no filter, on the
/// pages and in the API alike, where a bad number is still refused.
async fn a_filter_form_sent_with_its_empty_choices_lists_everything(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let client = app.sign_in("admin", crate::harness::ADMIN_PASSWORD).await;
    for path in [
        "/ledger?side=&lead=&plan=&agreement=&area=&top=&colour=&status=&as_of=&since=",
        "/tasks?lead=&plan=&top=",
        "/exchanges?year=&org=&pairing=&mechanism=",
        "/pairings?org=&with=",
        "/orgs?under=&parent=&top=&archived=",
        "/donations?campaign=&year=&org=",
        "/agreements?party=",
    ] {
        let resp = client.get(app.url(path)).send().await.expect("send");
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
    }
    let admin = app.admin_api().await;
    let (status, all) = admin.get("/api/v1/tasks").await;
    assert_eq!(status, StatusCode::OK);
    let (status, blank) = admin.get("/api/v1/tasks?lead=&plan=&top=").await;
    assert_eq!(status, StatusCode::OK, "{blank}");
    assert_eq!(blank["total"], all["total"]);
    let (status, _) = admin.get("/api/v1/tasks?lead=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
