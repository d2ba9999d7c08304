//! Excel exports: the ledger and every list as a workbook whose rows are the list's
//! (every page, for each reader, in the list's order), with the filters, the total and
//! the day above them, dates as dates and amounts in 万元; refused with a clear error
//! past the row limit or in an unknown format; and a workbook LibreOffice opens.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::{
    ADMIN_PASSWORD, Api, Server, TestApp, all_pages, both, field_code, html, page, select_text,
};

both!(
    the_ledger_exports_the_rows_of_its_pages_under_their_groups,
    every_list_exports_all_its_pages,
    exports_past_the_limit_or_in_another_format_are_refused
);

/// The first sheet of a workbook answer, as rows of cells.
async fn workbook(api: &Api, path: &str) -> Vec<Vec<Data>> {
    let resp = api
        .raw(reqwest::Method::GET, path)
        .await
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    let headers = resp.headers().clone();
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let disposition = headers["content-disposition"].to_str().expect("ascii");
    assert!(
        disposition.starts_with("attachment; filename=\""),
        "{disposition}"
    );
    assert!(disposition.contains(".xlsx"), "{disposition}");
    let bytes = resp.bytes().await.expect("body").to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("an xlsx workbook");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("first sheet");
    range.rows().map(<[Data]>::to_vec).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// The rows below the header row (the first whose first cell is `header`).
fn below<'a>(rows: &'a [Vec<Data>], header: &str) -> &'a [Vec<Data>] {
    let at = rows
        .iter()
        .position(|r| text(&r[0]) == header)
        .unwrap_or_else(|| panic!("no header row {header:?}"));
    &rows[at + 1..]
}

/// Every item of a list, all pages.
async fn all_items(api: &Api, path: &str, query: &str) -> (Vec<Value>, Value) {
    all_pages(api, path, query, 500).await
}

fn excel_day(d: &Data) -> NaiveDate {
    let Data::DateTime(d) = d else {
        panic!("not a date: {d:?}");
    };
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("day");
    epoch + chrono::Duration::days(d.as_f64() as i64)
}

async fn the_ledger_exports_the_rows_of_its_pages_under_their_groups(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("wz-member", "万州区侨联", "member").await;
    app.user("sc-coord", "四川省侨联", "coordinator").await;
    let wanzhou = app.org_id("万州区侨联").await.0;
    let last_month = qiaolian_core::settings::today() - chrono::Duration::days(30);
    let readers = [
        ("admin", app.admin_api().await),
        ("cq-coord", app.api_of("cq-coord").await),
        ("wz-member", app.api_of("wz-member").await),
        ("sc-coord", app.api_of("sc-coord").await),
    ];
    let queries = [
        String::new(),
        format!("lead={wanzhou}"),
        "colour=red".to_owned(),
        "side=sc&status=in_progress".to_owned(),
        format!("as_of={last_month}"),
    ];
    let mut grouped = 0;
    for (who, api) in &readers {
        for query in &queries {
            let (items, first) = all_items(api, "/api/v1/ledger", query).await;
            let rows = workbook(api, &format!("/api/v1/ledger?{query}&format=xlsx")).await;
            assert_eq!(text(&rows[0][0]), "打表推进台账", "{who} {query}");
            let head: Vec<String> = rows[1..4].iter().map(|r| text(&r[0])).collect();
            let total = first["total"].as_i64().expect("total");
            assert!(
                head[1].contains(&format!("共 {total} 条")),
                "{who} {query}: {head:?}"
            );
            let day = first["as_of"].as_str().map_or_else(
                || qiaolian_core::settings::today().to_string(),
                str::to_owned,
            );
            assert!(head[1].contains(&format!("截至 {day}")), "{head:?}");
            if query.starts_with("lead") {
                assert!(
                    head[0].contains("牵头单位（含下级）：万州区侨联"),
                    "{head:?}"
                );
            }
            let body = below(&rows, "序号");
            let tasks: Vec<&Vec<Data>> = body
                .iter()
                .filter(|r| matches!(r[0], Data::Float(_)))
                .collect();
            grouped += body.len() - tasks.len();
            assert_eq!(tasks.len() as i64, total, "{who} {query}");
            assert_eq!(items.len(), tasks.len(), "{who} {query}");
            for (n, (row, item)) in tasks.iter().zip(&items).enumerate() {
                let task = &item["task"];
                assert_eq!(row[0], Data::Float((n + 1) as f64));
                let title = task["title"].as_str().expect("title");
                assert!(text(&row[1]).ends_with(title), "{who} {query} #{n}");
                assert_eq!(
                    excel_day(&row[4]).to_string(),
                    task["deadline"].as_str().expect("deadline")
                );
                let now = item.get("then").filter(|t| !t.is_null()).unwrap_or(task);
                let progress = now["progress"].as_f64().expect("progress");
                assert_eq!(row[10], Data::Float(progress / 100.0), "{who} {query} #{n}");
                let colour = match now["colour"].as_str().expect("colour") {
                    "red" => "逾期",
                    "yellow" => "滞后",
                    "blue" => "临期",
                    "green" => "正常",
                    _ => "已结束",
                };
                assert_eq!(text(&row[12]), colour, "{who} {query} #{n}");
                let missing = item["report_missing"].as_bool().expect("flag");
                assert_eq!(text(&row[14]) == "是", missing);
            }
            // A group row stands before a task of each new agreement and plan.
            let groups: Vec<String> = body
                .iter()
                .filter(|r| !matches!(r[0], Data::Float(_)))
                .map(|r| text(&r[0]))
                .collect();
            let plans: std::collections::BTreeSet<&str> = items
                .iter()
                .map(|i| i["task"]["plan_title"].as_str().expect("plan"))
                .collect();
            for plan in plans {
                assert!(
                    groups.contains(&format!("计划：{plan}")),
                    "{who} {query}: {plan}"
                );
            }
        }
    }
    assert!(grouped > 0, "the exports had no group rows");
}

/// Each list API, the header its workbook starts with, and a query that narrows it.
const LISTS: [(&str, &str, &str); 12] = [
    ("/api/v1/tasks", "任务名称", "colour=red"),
    ("/api/v1/agreements", "协议名称", ""),
    ("/api/v1/pairings", "甲方", ""),
    ("/api/v1/exchanges", "日期", "side=cq"),
    ("/api/v1/resolutions", "会议名称", ""),
    ("/api/v1/events", "活动名称", ""),
    ("/api/v1/projects", "项目名称", ""),
    ("/api/v1/talents", "姓名", ""),
    ("/api/v1/articles", "稿件标题", ""),
    ("/api/v1/donations", "捐赠方", ""),
    ("/api/v1/people", "姓名", "country=US"),
    ("/api/v1/orgs", "名称", "side=sc"),
];

async fn every_list_exports_all_its_pages(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("wz-member", "万州区侨联", "member").await;
    for api in [app.api_of("cq-coord").await, app.api_of("wz-member").await] {
        for (path, header, query) in LISTS {
            let (items, first) = all_items(&api, path, query).await;
            let total = first["total"].as_i64().expect("total");
            assert_eq!(items.len() as i64, total, "{path}?{query}");
            let rows = workbook(&api, &format!("{path}?{query}&format=xlsx")).await;
            let notes: Vec<String> = rows[1..4].iter().map(|r| text(&r[0])).collect();
            assert!(
                notes.iter().any(|n| n == &format!("共 {total} 条")),
                "{path}: {notes:?}"
            );
            let body = below(&rows, header);
            assert_eq!(body.len() as i64, total, "{path}?{query}");
            if path == "/api/v1/projects" {
                // Amounts in 万元, as numbers that add up to the list's.
                let at = rows
                    .iter()
                    .find(|r| text(&r[0]) == header)
                    .and_then(|r| r.iter().position(|c| text(c) == "金额（万元）"))
                    .expect("amount column");
                let sum: f64 = body
                    .iter()
                    .map(|r| match r[at] {
                        Data::Float(f) => f,
                        ref other => panic!("amount not a number: {other:?}"),
                    })
                    .sum();
                let fen: i64 = items
                    .iter()
                    .map(|p| p["amount_fen"].as_i64().expect("fen"))
                    .sum();
                assert!((sum - fen as f64 / 1_000_000.0).abs() < 0.01, "{sum} {fen}");
                assert!(total > 0, "the demo has projects");
            }
        }
    }
}

async fn exports_past_the_limit_or_in_another_format_are_refused(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("wz-member", "万州区侨联", "member").await;
    let admin = app.admin_api().await;
    let (status, body) = admin.get("/api/v1/tasks?format=pdf").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "format"), "unknown_format");
    assert_eq!(
        body["error"]["fields"]["format"]["message"],
        "导出格式只能是 xlsx 或 json"
    );
    let (status, _) = app.anonymous_api().get("/api/v1/ledger?format=xlsx").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A lead of the other side shows only the tasks the reader takes part in, as the
    // list shows them.
    let wz = app.api_of("wz-member").await;
    let sichuan = app.org_id("四川省侨联").await.0;
    let (_, json) = wz.get(&format!("/api/v1/ledger?lead={sichuan}")).await;
    let (_, all) = admin.get(&format!("/api/v1/ledger?lead={sichuan}")).await;
    let total = json["total"].as_i64().expect("total");
    assert!(total < all["total"].as_i64().expect("total"), "{json}");
    let rows = workbook(&wz, &format!("/api/v1/ledger?lead={sichuan}&format=xlsx")).await;
    let tasks = below(&rows, "序号")
        .iter()
        .filter(|r| matches!(r[0], Data::Float(_)))
        .count();
    assert_eq!(tasks as i64, total);
    // A second server over the same database, exporting at most three rows.
    let config = qiaolian_web::WebConfig {
        export_rows: Some(3),
        ..Default::default()
    };
    let (db, small) = Server::start_with(&app.url, config).await;
    let api = admin.at(&small.base);
    for path in ["/api/v1/tasks?format=xlsx", "/api/v1/ledger?format=xlsx"] {
        let (status, body) = api.get(path).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
        assert_eq!(field_code(&body, "format"), "export_too_large");
        assert_eq!(
            body["error"]["fields"]["format"]["message"],
            "一次最多导出 3 行，请先缩小筛选范围"
        );
        // The same refusal to an export button (a browser, taking HTML): a page saying
        // why, with the way back to the list it was on, never one on another site.
        for (referer, back) in [
            (
                format!("{}/tasks?colour=red", small.base),
                Some("/tasks?colour=red"),
            ),
            ("http://example.org/tasks".to_owned(), None),
        ] {
            let resp = api
                .raw(reqwest::Method::GET, path)
                .await
                .header(reqwest::header::ACCEPT, "text/html,application/xhtml+xml")
                .header(reqwest::header::REFERER, referer)
                .send()
                .await
                .expect("export");
            assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let kind = resp.headers()[reqwest::header::CONTENT_TYPE].clone();
            assert!(
                kind.to_str().unwrap_or("").starts_with("text/html"),
                "{kind:?}"
            );
            let doc = html(&resp.text().await.expect("page"));
            assert_eq!(select_text(&doc, ".empty-title"), ["无法导出"]);
            assert_eq!(
                select_text(&doc, ".empty-subtitle"),
                ["一次最多导出 3 行，请先缩小筛选范围"]
            );
            let sel = scraper::Selector::parse("#error-back").expect("selector");
            let found = doc.select(&sel).next().and_then(|a| a.value().attr("href"));
            assert_eq!(found, back);
        }
    }
    // Within the limit, the export is written.
    let rows = workbook(&api, "/api/v1/ledger?q=没有这样的任务&format=xlsx").await;
    assert_eq!(text(&rows[0][0]), "打表推进台账");
    assert!(below(&rows, "序号").is_empty());
    small.stop().await;
    db.close().await;
    // The export button names the limit of the server it is on, as a clerk writes it.
    let client = app.sign_in("admin", ADMIN_PASSWORD).await;
    let doc = page(&client, &app.url("/tasks")).await;
    let sel = scraper::Selector::parse("#export-xlsx").expect("selector");
    let hint = doc
        .select(&sel)
        .next()
        .and_then(|a| a.value().attr("title"));
    assert_eq!(hint, Some("按当前筛选条件导出全部记录（最多 20 万行）"));
}

/// LibreOffice (from Debian, as CI installs it) opens an exported ledger and converts it
/// to CSV with the tasks' titles in it.
#[tokio::test]
async fn an_exported_ledger_opens_in_libreoffice() {
    crate::harness::run(crate::harness::Backend::Sqlite, |app| async move {
        qiaolian_core::demo::load(&app.db).await.expect("demo");
        let admin = app.admin_api().await;
        let resp = admin
            .raw(reqwest::Method::GET, "/api/v1/ledger?format=xlsx")
            .await
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::OK);
        let bytes = resp.bytes().await.expect("body");
        let dir = std::env::temp_dir().join(format!("qiaolian-lo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("ledger.xlsx");
        std::fs::write(&file, &bytes).expect("write");
        let profile = format!("-env:UserInstallation=file://{}/profile", dir.display());
        let out = std::process::Command::new("libreoffice")
            .args([
                profile.as_str(),
                "--headless",
                "--convert-to",
                "csv:Text - txt - csv (StarCalc):44,34,76",
                "--outdir",
            ])
            .arg(&dir)
            .arg(&file)
            .output()
            .expect("libreoffice runs (apt-get install libreoffice-calc-nogui)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let csv = std::fs::read_to_string(dir.join("ledger.csv")).expect("converted");
        let (_, ledger) = admin.get("/api/v1/ledger?per_page=5").await;
        assert!(
            csv.starts_with("打表推进台账"),
            "{}",
            &csv[..200.min(csv.len())]
        );
        for item in ledger["items"].as_array().expect("items") {
            let title = item["task"]["title"].as_str().expect("title");
            assert!(csv.contains(title), "{title} is not in the converted sheet");
        }
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}
