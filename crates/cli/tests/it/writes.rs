//! Writes that hold under real parallel clients, and input that cannot hurt: one save
//! and the rest conflicts, readers and sign-ins that never fail, cycles and hostile
//! uploads refused, on both engines.

use std::future::Future;
use std::io::Write;
use std::task::Poll;

use futures_util::future::join_all;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::harness::{Api, TestApp, both, field_code, password_of};

both!(
    sixteen_clerks_saving_one_task_get_one_save_and_fifteen_conflicts,
    sixteen_clerks_saving_one_organization_get_one_save_and_fifteen_conflicts,
    sixteen_clerks_moving_one_donation_get_one_save_and_fifteen_conflicts,
    sixteen_reports_on_one_task_at_once_are_all_recorded,
    two_revisions_of_one_plan_at_once_carry_its_tasks_once,
    sixty_four_reads_with_one_token_all_answer,
    transactions_dropped_while_they_begin_leave_no_connection_inside_one,
    thirty_sign_ins_at_once_all_answer,
    sign_ins_while_the_search_index_is_rebuilt_all_answer,
    a_task_cannot_become_a_sub_task_of_its_own_sub_task,
    a_hostile_workbook_is_refused_before_it_is_read,
    ids_named_in_a_body_must_be_ones_the_author_may_read,
);

fn days(n: i64) -> String {
    (qiaolian_core::settings::today() + chrono::Duration::days(n)).to_string()
}

/// 万州 owns a plan under an agreement with 达州 (the cooperation tests' programme);
/// returns 重庆's coordinator's client, the plan and 达州's id.
async fn plan(app: &TestApp) -> (Api, i64, i64) {
    let p = crate::cooperation::programme(app).await;
    (app.api_of("cq-coord").await, p.plan, p.dazhou)
}

fn task_body(plan: i64, lead: i64, title: &str) -> Value {
    json!({"plan_id": plan, "title": title, "goal": "组织侨企考察", "standard": "签约不少于 3 个",
           "requirement": "每月报送", "start_on": days(-10), "deadline": days(60), "lead_org_id": lead})
}

async fn new_task(api: &Api, plan: i64, lead: i64, title: &str) -> Value {
    let (status, t) = api
        .post("/api/v1/tasks", task_body(plan, lead, title))
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    t
}

/// Sixteen clients send `send(i)` at once; the statuses, in order.
async fn at_once<F, Fut>(send: F) -> Vec<(StatusCode, Value)>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = (StatusCode, Value)>,
{
    join_all((0..16).map(send)).await
}

fn one_ok_rest_conflict(results: &[(StatusCode, Value)]) {
    let ok = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let conflicts = results
        .iter()
        .filter(|(s, b)| *s == StatusCode::CONFLICT && b["error"]["code"] == "conflict")
        .count();
    assert_eq!(
        (ok, conflicts),
        (1, results.len() - 1),
        "{:?}",
        results.iter().map(|(s, _)| s.as_u16()).collect::<Vec<_>>()
    );
}

async fn sixteen_clerks_saving_one_task_get_one_save_and_fifteen_conflicts(app: TestApp) {
    let (cq, plan, dazhou) = plan(&app).await;
    let t = new_task(&cq, plan, dazhou, "组织侨企赴达州考察").await;
    let clients: Vec<Api> = join_all((0..16).map(|_| app.api_of("cq-coord"))).await;
    let path = format!("/api/v1/tasks/{}", t["id"]);
    let results = at_once(|i| {
        let mut body = task_body(plan, dazhou, &format!("第 {i} 位办事员的标题"));
        body["version"] = t["version"].clone();
        clients[i].put(&path, body)
    })
    .await;
    one_ok_rest_conflict(&results);
    let (_, now) = cq.get(&path).await;
    assert_eq!(
        now["task"]["version"],
        t["version"].as_i64().expect("v") + 1
    );
    let winner = results
        .iter()
        .find(|(s, _)| *s == StatusCode::OK)
        .map(|(_, b)| b["title"].clone());
    assert_eq!(
        Some(now["task"]["title"].clone()),
        winner,
        "the one save is what is stored"
    );
}

async fn sixteen_reports_on_one_task_at_once_are_all_recorded(app: TestApp) {
    let (cq, plan, dazhou) = plan(&app).await;
    let t = new_task(&cq, plan, dazhou, "组织侨企赴达州考察").await;
    let path = format!("/api/v1/tasks/{}", t["id"]);
    let (s, b) = cq
        .post(&format!("{path}/steps"), json!({"step": "assign"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let dz = app.api_of("dz-member").await;
    let (s, b) = dz
        .post(&format!("{path}/steps"), json!({"step": "accept"}))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let clients: Vec<Api> = join_all((0..16).map(|_| app.api_of("dz-member"))).await;
    let reports = format!("{path}/reports");
    let results = at_once(|i| {
        clients[i].post(
            &reports,
            json!({"percent": 50, "done": format!("第 {i} 份报告")}),
        )
    })
    .await;
    assert!(
        results.iter().all(|(s, _)| *s == StatusCode::OK),
        "{:?}",
        results
            .iter()
            .map(|(s, b)| (s.as_u16(), b["error"]["code"].clone()))
            .collect::<Vec<_>>()
    );
    let (_, now) = dz.get(&path).await;
    assert_eq!(
        now["reports"].as_array().map(Vec::len),
        Some(16),
        "every report is in the ledger"
    );
}

async fn sixteen_clerks_saving_one_organization_get_one_save_and_fifteen_conflicts(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let id = app.org_id("万州区侨联").await.0;
    let path = format!("/api/v1/orgs/{id}");
    let (_, org) = api.get(&path).await;
    let results = at_once(|i| {
        api.patch(
            &path,
            json!({"phone": format!("023-5812{i:04}"), "version": org["version"]}),
        )
    })
    .await;
    one_ok_rest_conflict(&results);
}

async fn sixteen_clerks_moving_one_donation_get_one_save_and_fifteen_conflicts(app: TestApp) {
    app.load_demo().await;
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let cq = app.api_of("cq-coord").await;
    let recipient = app.org_id("重庆市侨联").await.0;
    let (status, d) = cq
        .post(
            "/api/v1/donations",
            json!({"donor_name": "泰国重庆商会", "donor_country": "TH", "given_on": days(-5), "form": "money",
                   "amount": "100000", "purpose": "助学", "recipient_org_id": recipient,
                   "receipt_no": "渝侨捐〔2026〕1号", "status": "pledged"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let path = format!("/api/v1/donations/{}/steps", d["id"]);
    let results = at_once(|_| {
        cq.post(
            &path,
            json!({"status": "received", "happened_on": days(-1), "version": d["version"]}),
        )
    })
    .await;
    one_ok_rest_conflict(&results);
}

async fn two_revisions_of_one_plan_at_once_carry_its_tasks_once(app: TestApp) {
    let (cq, plan, dazhou) = plan(&app).await;
    new_task(&cq, plan, dazhou, "开放的任务").await;
    let wanzhou = app.org_id("万州区侨联").await.0;
    let path = format!("/api/v1/plans/{plan}/revisions");
    let results = join_all((0..4).map(|i| {
        cq.post(
            &path,
            json!({"title": format!("修订 {i}"), "owner_org_id": wanzhou, "period_start": days(-30),
                   "period_end": days(400), "cadence": "monthly", "due_day": 28, "change_note": "延长期限"}),
        )
    }))
    .await;
    // One revision; each other one finds the plan revised (422) or changed (409).
    let statuses: Vec<u16> = results.iter().map(|(s, _)| s.as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    for (s, b) in &results {
        match s.as_u16() {
            200 => {}
            409 => assert_eq!(b["error"]["code"], "conflict"),
            422 => assert_eq!(field_code(b, "status"), "plan_not_active"),
            other => panic!("{other}: {b}"),
        }
    }
    let (_, tasks) = cq.get("/api/v1/tasks?q=开放的任务").await;
    assert_eq!(tasks["total"], 1, "the open task was carried once: {tasks}");
}

/// A request dropped while its transaction begins (its client gone, a timeout) must not
/// leave a pooled connection inside that transaction: the next write handed that
/// connection would run in a stale read-only snapshot and fail.
async fn transactions_dropped_while_they_begin_leave_no_connection_inside_one(app: TestApp) {
    for i in 0..64 {
        // Polled a few times with a yield between, then dropped: at every point from
        // before the begin is sent to after it is answered.
        let mut begin = std::pin::pin!(app.db.read());
        for _ in 0..=i % 4 {
            let polled = std::future::poll_fn(|cx| Poll::Ready(begin.as_mut().poll(cx))).await;
            if polled.is_ready() {
                break;
            }
            // Parked long enough for the server's answer to arrive and be seen.
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
    // As many writes at once as the pool holds connections: every one must be a write.
    let writes = (0..16).map(|_| async {
        let mut tx = app.db.write().await?;
        qiaolian_core::sql::Sql::new(
            "update org set name = name where id = (select min(id) from org)",
        )
        .execute(&mut tx)
        .await?;
        tx.commit().await
    });
    for result in join_all(writes).await {
        result.expect("a write after dropped begins writes");
    }
}

async fn sixty_four_reads_with_one_token_all_answer(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let token = api.token().to_owned();
    let clients: Vec<reqwest::Client> = (0..16).map(|_| reqwest::Client::new()).collect();
    let results = join_all((0..64).map(|i| {
        clients[i % 16]
            .get(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
    }))
    .await;
    let statuses = statuses(&results);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

async fn thirty_sign_ins_at_once_all_answer(app: TestApp) {
    let mut logins = Vec::new();
    for i in 0..30 {
        logins.push(app_user(&app, &format!("clerk{i:02}")).await);
    }
    let client = reqwest::Client::new();
    let results = join_all(logins.iter().map(|login| {
        client
            .post(app.url("/api/v1/session"))
            .json(&json!({"login": login, "password": password_of(login)}))
            .send()
    }))
    .await;
    let statuses = statuses(&results);
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

async fn sign_ins_while_the_search_index_is_rebuilt_all_answer(app: TestApp) {
    app.load_demo().await;
    let mut logins = Vec::new();
    for i in 0..8 {
        logins.push(app_user(&app, &format!("early{i}")).await);
    }
    // What the server does right after start when the index's format changed.
    let db = app.db.clone();
    let rebuild = tokio::spawn(async move {
        for _ in 0..3 {
            qiaolian_core::search::rebuild(&db).await.expect("rebuild");
        }
    });
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    while !rebuild.is_finished() || statuses.is_empty() {
        let round = join_all(logins.iter().map(|login| {
            client
                .post(app.url("/api/v1/session"))
                .json(&json!({"login": login, "password": password_of(login)}))
                .send()
        }))
        .await;
        statuses.extend(
            round
                .iter()
                .map(|r| r.as_ref().map_or(0, |r| r.status().as_u16())),
        );
    }
    rebuild.await.expect("rebuild finished");
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

/// The status of each answer; 0 where none came.
fn statuses(answers: &[reqwest::Result<reqwest::Response>]) -> Vec<u16> {
    answers
        .iter()
        .map(|r| r.as_ref().map_or(0, |r| r.status().as_u16()))
        .collect()
}

async fn app_user(app: &TestApp, login: &str) -> String {
    app.user(login, qiaolian_core::setup::SYSTEM_ORG, "viewer")
        .await
}

async fn a_task_cannot_become_a_sub_task_of_its_own_sub_task(app: TestApp) {
    let (cq, plan, dazhou) = plan(&app).await;
    let a = new_task(&cq, plan, dazhou, "任务甲").await;
    let mut body = task_body(plan, dazhou, "任务乙");
    body["parent_id"] = a["id"].clone();
    let (status, b) = cq.post("/api/v1/tasks", body).await;
    assert_eq!(status, StatusCode::OK, "{b}");

    // A under B, while B is under A: refused with a field error, and answered at once.
    let mut edit = task_body(plan, dazhou, "任务甲");
    edit["parent_id"] = b["id"].clone();
    edit["version"] = a["version"].clone();
    let (status, e) = cq.put(&format!("/api/v1/tasks/{}", a["id"]), edit).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "parent_id"), "task_parent_cycle");

    // Nor under itself.
    let mut edit = task_body(plan, dazhou, "任务甲");
    edit["parent_id"] = a["id"].clone();
    edit["version"] = a["version"].clone();
    let (status, e) = cq.put(&format!("/api/v1/tasks/{}", a["id"]), edit).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "parent_id"), "task_parent_cycle");
    let (_, still) = cq.get(&format!("/api/v1/tasks/{}", a["id"])).await;
    assert_eq!(still["parent_id"], Value::Null);
}

/// A zip of the given parts, stored with deflate.
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        w.start_file(*name, options).expect("zip part");
        w.write_all(bytes).expect("zip write");
    }
    w.finish().expect("zip").into_inner()
}

/// A workbook of two cells: A1 and the sheet's far corner, XFD1048576.
fn far_cell_workbook() -> Vec<u8> {
    let sheet = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>
<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>
</sheetData></worksheet>"#;
    zip_of(&[
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
        ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ("xl/worksheets/sheet1.xml", sheet),
    ])
}

async fn import(app: &TestApp, api: &Api, file: Vec<u8>) -> (StatusCode, Value) {
    let owner = app.org_id("重庆市侨联").await.0;
    let form = Form::new()
        .part("file", Part::bytes(file).file_name("名单.xlsx"))
        .text("owner_org_id", owner.to_string())
        .text("sharing", "own_side")
        .text("legal_basis", "consent")
        .text("basis_on", "2024-09-10")
        .text("basis_scope", "侨务联络")
        .text("basis_source", "签到表")
        .text("dry_run", "true");
    crate::harness::json_of(
        api.raw(reqwest::Method::POST, "/api/v1/people/import")
            .await
            .multipart(form)
            .send()
            .await
            .expect("send"),
    )
    .await
}

async fn a_hostile_workbook_is_refused_before_it_is_read(app: TestApp) {
    app.load_demo().await;
    app.user("cq-viewer", "重庆市侨联", "viewer").await;
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let far = far_cell_workbook();
    assert!(far.len() < 4096, "a small file: {} bytes", far.len());
    // Zeros inflate a thousandfold: 64 MiB packed into about 64 KiB.
    let bomb = zip_of(&[("xl/worksheets/sheet1.xml", &vec![0_u8; 64 << 20])]);
    assert!(bomb.len() < qiaolian_office::MAX_BYTES, "{}", bomb.len());

    // A viewer may not import: refused before the file is read.
    let viewer = app.api_of("cq-viewer").await;
    for file in [far.clone(), bomb.clone()] {
        let (status, body) = import(&app, &viewer, file).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    // One who may import learns why the file cannot be read.
    let cq = app.api_of("cq-coord").await;
    let (status, body) = import(&app, &cq, far).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "file"), "too_many_rows");
    let (status, body) = import(&app, &cq, bomb).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "file"), "too_large");
    // And the server still answers.
    let (status, _) = cq.get("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
}

async fn ids_named_in_a_body_must_be_ones_the_author_may_read(app: TestApp) {
    let (cq, _, dazhou) = plan(&app).await;
    let from = app.org_id("重庆市侨联").await.0;
    let exchange = |extra: Value| {
        let mut body = json!({"happened_on": days(-1), "kind": "visit", "from_org_id": from,
                              "to_org_ids": [dazhou], "summary": "赴达州考察"});
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        cq.post("/api/v1/exchanges", body)
    };
    let (status, e) = exchange(json!({"agreement_id": 999_999})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "agreement_id"), "unknown_agreement");
    let (status, e) = exchange(json!({"mechanism_id": -5})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "mechanism_id"), "unknown_mechanism");
    let (status, e) = exchange(json!({"pairing_id": 0})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "pairing_id"), "unknown_pairing");

    // An agreement between two others, which 重庆's coordinator cannot see.
    let api = app.admin_api().await;
    let (a, b) = (
        app.org_id("成都市侨联").await.0,
        app.org_id("达州市侨联").await.0,
    );
    let (status, hidden) = api
        .post(
            "/api/v1/agreements",
            json!({"kind": "framework", "title": "成都 达州 协议", "status": "in_force",
                   "signed_on": days(-10), "parties": [{"org_id": a, "role": "lead"}, {"org_id": b, "role": "signatory"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{hidden}");
    let (status, e) = exchange(json!({"agreement_id": hidden["id"]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "agreement_id"), "unknown_agreement");
    let (_, list) = cq.get("/api/v1/exchanges").await;
    assert_eq!(list["total"], 0, "nothing was half-written: {list}");
}
