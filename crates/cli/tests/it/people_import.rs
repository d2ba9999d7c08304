//! Importing people from a spreadsheet on both backends: a GBK CSV from Chinese Excel
//! and an xlsx are previewed and imported, likely duplicates (of someone on file or of
//! an earlier row) are flagged and left out by default, bad rows are shown and a
//! refused confirm stores nothing, and only those who may record people may import.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::harness::{Api, TestApp, both, csrf_of, field_code, html, select_text};

both!(
    a_gbk_csv_and_an_xlsx_are_imported_and_likely_duplicates_are_left_out_by_default,
    bad_rows_show_their_errors_and_a_refused_confirm_stores_nothing,
    a_viewer_is_refused_and_unreadable_files_get_a_clear_error,
);

const XLSX: &[u8] = include_bytes!("../../../office/tests/fixtures/people.xlsx");

async fn setup(app: &TestApp) -> (Api, i64) {
    app.load_demo().await;
    for (login, org, role) in [
        ("cq-coord", "重庆市侨联", "coordinator"),
        ("cq-viewer", "重庆市侨联", "viewer"),
        ("wz-member", "万州区侨联", "member"),
    ] {
        app.user(login, org, role).await;
    }
    (
        app.api_of("cq-coord").await,
        app.org_id("重庆市侨联").await.0,
    )
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "the test file fits GBK");
    bytes.into_owned()
}

/// The multipart form of an import: the file and the choices made once for it.
fn upload(owner: i64, file: Vec<u8>, file_name: &str) -> Form {
    Form::new()
        .part("file", Part::bytes(file).file_name(file_name.to_owned()))
        .text("owner_org_id", owner.to_string())
        .text("sharing", "own_side")
        .text("legal_basis", "consent")
        .text("basis_on", "2024-09-10")
        .text("basis_scope", "侨务联络与活动邀请")
        .text("basis_source", "2024 侨商大会签到表")
}

async fn import(api: &Api, form: Form) -> (StatusCode, Value) {
    let resp = api
        .raw(reqwest::Method::POST, "/api/v1/people/import")
        .await
        .multipart(form)
        .send()
        .await
        .expect("send");
    crate::harness::json_of(resp).await
}

async fn count(api: &Api, q: &str) -> i64 {
    let (status, page) = api.get(&format!("/api/v1/people?q={}", urlencode(q))).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["total"].as_i64().expect("total")
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn row(report: &Value, line: i64) -> &Value {
    report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["line"] == line)
        .unwrap_or_else(|| panic!("no row {line} in {report}"))
}

async fn a_gbk_csv_and_an_xlsx_are_imported_and_likely_duplicates_are_left_out_by_default(
    app: TestApp,
) {
    let (cq, owner) = setup(&app).await;
    // Arrange: someone already on file.
    let (status, chen) = cq
        .post(
            "/api/v1/people",
            json!({"name": "陈志明", "residence_country": "TH", "owner_org_id": owner, "sharing": "own_side",
                   "legal_basis": "consent", "basis_on": "2024-09-10", "basis_scope": "联络", "basis_source": "签到表"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{chen}");
    let csv = gbk("姓名,外文名,性别,居住国家,电话,电子邮箱,类别\r\n\
         陳志明,,男,泰国,,,侨商\r\n\
         王建国,Wang Jianguo,男,Malaysia,+60 12 111 2222,wang@example.my,专家学者、侨商\r\n\
         王建國,,男,MY,+60 12 111 2222,,\r\n\
         李小红,,女,新加坡,13900001111,li@example.sg,\r\n");

    // A dry run shows every row as checked and stores nothing.
    let form = upload(owner, csv.clone(), "联系人.csv").text("dry_run", "true");
    let (status, preview) = import(&cq, form).await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["imported"], json!([]));
    let traditional = row(&preview, 2);
    assert_eq!(
        traditional["duplicates"][0]["id"], chen["id"],
        "陳志明 in Thailand is likely 陈志明 in Thailand: {preview}"
    );
    assert_eq!(traditional["duplicates"][0]["reason"], "same_name");
    assert_eq!(
        row(&preview, 4)["same_as_lines"],
        json!([3]),
        "the same phone as row 3"
    );
    for line in [3, 5] {
        let r = row(&preview, line);
        assert_eq!(
            (&r["errors"], &r["duplicates"], &r["same_as_lines"]),
            (&json!({}), &json!([]), &json!([])),
            "{r}"
        );
    }
    assert_eq!(count(&cq, "王建国").await, 0, "a dry run stores nobody");

    // Imported: the rows that are fine; the likely duplicates are left out.
    let (status, report) = import(&cq, upload(owner, csv, "联系人.csv")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let lines: Vec<i64> = report["imported"]
        .as_array()
        .expect("imported")
        .iter()
        .map(|p| p["line"].as_i64().expect("line"))
        .collect();
    assert_eq!(lines, vec![3, 5]);
    assert_eq!(count(&cq, "王建国").await, 1, "row 4 was not imported");
    assert_eq!(count(&cq, "陈志明").await, 1, "row 2 was not imported");
    let id = report["imported"][0]["id"].as_i64().expect("id");
    let (_, wang) = cq.get(&format!("/api/v1/people/{id}")).await;
    assert_eq!(wang["residence_country"], "MY");
    assert_eq!(wang["categories"], json!(["businessperson", "expert"]));
    assert_eq!(wang["legal_basis"], "consent");
    assert_eq!(wang["basis_source"], "2024 侨商大会签到表");
    let (_, trail) = cq.get(&format!("/api/v1/people/{id}/audit")).await;
    assert_eq!(trail[0]["action"], "create", "audited as created: {trail}");

    // An xlsx from Excel is read the same way: first sheet, numbers as typed.
    let (status, report) = import(&cq, upload(owner, XLSX.to_vec(), "联系人.xlsx")).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let names: Vec<&str> = report["imported"]
        .as_array()
        .expect("imported")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, vec!["郑光远", "何丽珊"]);
    let id = report["imported"][1]["id"].as_i64().expect("id");
    let (_, ho) = cq.get(&format!("/api/v1/people/{id}")).await;
    assert_eq!(ho["residence_country"], "MY");
    assert_eq!(ho["categories"], json!(["overseas_leader", "expert"]));

    // Importing the same file again flags everyone; confirming imports them anyway.
    let form = upload(owner, XLSX.to_vec(), "联系人.xlsx");
    let (status, again) = import(&cq, form).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["imported"], json!([]), "all likely duplicates");
    let form = upload(owner, XLSX.to_vec(), "联系人.xlsx").text("confirm_duplicates", "true");
    let (_, confirmed) = import(&cq, form).await;
    assert_eq!(confirmed["imported"].as_array().map(Vec::len), Some(2));
}

async fn bad_rows_show_their_errors_and_a_refused_confirm_stores_nothing(app: TestApp) {
    let (cq, owner) = setup(&app).await;
    let clerk = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let list = html(
        &clerk
            .get(app.url("/people"))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("text"),
    );
    assert_eq!(
        select_text(&list, "#import-link").len(),
        1,
        "the clerk sees the import"
    );
    let csrf = csrf_of(&clerk, &app.url("/people/import")).await;
    let file = "\u{feff}姓名,居住国家,电子邮箱,鞋码\n周文,泰国,zhou@bad,42\n吴芳,火星,,\n郑和平,美国,zheng@example.com,\n";
    let form = upload(owner, file.as_bytes().to_vec(), "名单.csv");
    let resp = clerk
        .post(app.url(&format!("/people/import?_csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let doc = html(&resp.text().await.expect("text"));
    let status_of = |line: i64| select_text(&doc, &format!("#row-{line} .import-status")).concat();
    assert!(
        status_of(2).contains("电子邮箱格式不正确"),
        "{}",
        status_of(2)
    );
    assert!(
        status_of(3).contains("没有这个国家或地区代码"),
        "{}",
        status_of(3)
    );
    assert!(status_of(4).contains("可导入"), "{}", status_of(4));
    assert!(
        select_text(&doc, "#import-ignored")
            .concat()
            .contains("鞋码")
    );
    let attr = |css: &str, name: &str| {
        let sel = scraper::Selector::parse(css).expect("selector");
        doc.select(&sel)
            .next()
            .and_then(|e| e.value().attr(name).map(str::to_owned))
    };
    assert!(
        attr("#pick-2", "disabled").is_some(),
        "a row with errors cannot be ticked"
    );
    assert!(attr("#pick-4", "checked").is_some(), "a fine row is ticked");
    let rows = attr("input[name=rows]", "value").expect("rows carried in the form");
    let confirm = |pairs: Vec<(&'static str, String)>| {
        let mut pairs = pairs;
        pairs.extend([
            ("owner_org_id", owner.to_string()),
            ("sharing", "own_side".into()),
            ("legal_basis", "consent".into()),
            ("basis_on", "2024-09-10".into()),
            ("basis_scope", "侨务联络".into()),
            ("basis_source", "签到表".into()),
        ]);
        // As the preview's form posts: multipart, the token in the address.
        let form = pairs
            .into_iter()
            .fold(Form::new(), |f, (k, v)| f.text(k, v));
        clerk
            .post(app.url(&format!("/people/import/confirm?_csrf={csrf}")))
            .multipart(form)
            .send()
    };

    // A disabled row ticked anyway: refused, and not even the fine row is stored.
    let resp = confirm(vec![
        ("rows", rows.clone()),
        ("pick", "2".into()),
        ("pick", "4".into()),
    ])
    .await
    .expect("send");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let doc = html(&resp.text().await.expect("text"));
    assert!(
        select_text(&doc, "#import-refused")
            .concat()
            .contains("未导入任何人")
    );
    assert_eq!(count(&cq, "郑和平").await, 0);

    // A hidden row changed after the preview is checked again, never trusted.
    let tampered = rows.replace("zheng@example.com", "zheng@");
    assert_ne!(tampered, rows);
    let resp = confirm(vec![("rows", tampered), ("pick", "4".into())])
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&cq, "郑和平").await, 0);

    // The fine row, confirmed, is imported and linked.
    let resp = confirm(vec![("rows", rows), ("pick", "4".into())])
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let doc = html(&resp.text().await.expect("text"));
    assert_eq!(select_text(&doc, "#import-done"), vec!["已导入 1 人"]);
    assert_eq!(select_text(&doc, "#imported a"), vec!["郑和平"]);
    assert_eq!(count(&cq, "郑和平").await, 1);
}

async fn a_viewer_is_refused_and_unreadable_files_get_a_clear_error(app: TestApp) {
    let (cq, owner) = setup(&app).await;
    let file = || "姓名,电话\n林一,13800000001\n".as_bytes().to_vec();
    for login in ["cq-viewer", "wz-member"] {
        let api = app.api_of(login).await;
        let (status, body) =
            import(&api, upload(owner, file(), "a.csv").text("dry_run", "true")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}: {body}");
        let viewer = app
            .sign_in(login, &crate::harness::password_of(login))
            .await;
        let list = html(
            &viewer
                .get(app.url("/people"))
                .send()
                .await
                .expect("get")
                .text()
                .await
                .expect("text"),
        );
        assert!(
            select_text(&list, "#import-link").is_empty(),
            "{login} is not offered the import"
        );
    }

    let mut big = String::from("姓名\n");
    for i in 0..2001 {
        big.push_str(&format!("某人{i}\n"));
    }
    let (status, body) = import(&cq, upload(owner, big.into_bytes(), "big.csv")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&body, "file"), "too_many_rows");

    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00".to_vec();
    let (status, body) = import(&cq, upload(owner, png, "photo.xlsx")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&body, "file"), "not_a_spreadsheet");

    let huge = vec![b'a'; 2 * 1024 * 1024 + 1];
    let (status, body) = import(&cq, upload(owner, huge, "huge.csv")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&body, "file"), "too_large");

    // The template opens in Excel as UTF-8 and, left as it is, imports nobody.
    let resp = cq
        .raw(reqwest::Method::GET, "/people/import/template.csv")
        .await
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let template = resp.bytes().await.expect("body").to_vec();
    assert!(template.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&template).contains("示例"));
    let (status, body) = import(&cq, upload(owner, template, "模板.csv")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&body, "file"), "empty");
}
