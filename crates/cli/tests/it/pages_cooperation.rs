//! Cooperation pages over HTTP: form errors in Chinese, evidence uploads guarded by
//! CSRF, the inbox, and the demo data behind the ledger.

use reqwest::StatusCode;

use crate::harness::{TestApp, both, csrf_of, html, password_of, select_text};

both!(
    the_agreement_form_explains_what_is_missing_and_keeps_what_was_typed,
    evidence_uploads_need_the_csrf_token_and_land_in_the_ledger,
    the_demo_fills_the_ledger_with_every_state_and_colour,
    a_stale_task_form_shows_what_the_other_person_saved,
);

async fn the_agreement_form_explains_what_is_missing_and_keeps_what_was_typed(app: TestApp) {
    app.load_demo().await;
    app.user("wz-coord", "万州区侨联", "coordinator").await;
    let c = app.sign_in("wz-coord", &password_of("wz-coord")).await;
    let csrf = csrf_of(&c, &app.url("/agreements/new")).await;
    let wanzhou = app.org_id("万州区侨联").await.to_string();
    let resp = c
        .post(app.url("/agreements"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("title", "万州某协议<b>"),
            ("kind", "framework"),
            ("status", "in_force"),
            ("signed_on", "2024-13-01"),
            ("party_org_id", wanzhou.as_str()),
            ("party_role", "lead"),
            ("area_id", ""),
            ("area_name", "经贸合作"),
            ("area_description", ""),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&resp.text().await.expect("text"));
    assert_eq!(
        select_text(&page, "#parties-error"),
        vec!["协议至少需要两个签约方"]
    );
    assert!(
        select_text(&page, ".invalid-feedback")
            .iter()
            .any(|e| e.starts_with("日期格式应为"))
    );
    let title = scraper::Selector::parse("#title").expect("selector");
    assert_eq!(
        page.select(&title)
            .next()
            .and_then(|e| e.value().attr("value")),
        Some("万州某协议<b>")
    );
    let area = scraper::Selector::parse("input[name=area_name]").expect("selector");
    assert_eq!(
        page.select(&area)
            .next()
            .and_then(|e| e.value().attr("value")),
        Some("经贸合作")
    );
    let (_, list) = app.admin_api().await.get("/api/v1/agreements").await;
    assert_eq!(list["total"], 0, "nothing was stored");
}

async fn evidence_uploads_need_the_csrf_token_and_land_in_the_ledger(app: TestApp) {
    app.load_demo().await;
    app.user("wz-coord", "万州区侨联", "coordinator").await;
    app.user("dz-member", "达州市侨联", "member").await;
    let (wanzhou, dazhou) = (
        app.org_id("万州区侨联").await.0,
        app.org_id("达州市侨联").await.0,
    );
    let wz = app.api_of("wz-coord").await;
    let (_, a) = wz
        .post("/api/v1/agreements", serde_json::json!({"kind": "framework", "title": "协议", "status": "draft",
            "parties": [{"org_id": wanzhou, "role": "lead"}, {"org_id": dazhou, "role": "signatory"}]}))
        .await;
    let (_, p) = wz
        .post(
            "/api/v1/plans",
            serde_json::json!({"agreement_id": a["id"], "title": "计划", "owner_org_id": wanzhou,
            "period_start": "2024-01-01", "period_end": "2030-12-31"}),
        )
        .await;
    let (_, t) = wz
        .post("/api/v1/tasks", serde_json::json!({"plan_id": p["id"], "title": "任务", "goal": "目标", "standard": "标准",
            "requirement": "要求", "start_on": "2024-01-01", "deadline": "2030-01-01", "lead_org_id": dazhou}))
        .await;
    let id = t["id"].clone();
    wz.post(
        &format!("/api/v1/tasks/{id}/steps"),
        serde_json::json!({"step": "assign"}),
    )
    .await;
    let dz = app.api_of("dz-member").await;
    dz.post(
        &format!("/api/v1/tasks/{id}/steps"),
        serde_json::json!({"step": "accept"}),
    )
    .await;

    let c = app.sign_in("dz-member", &password_of("dz-member")).await;
    let csrf = csrf_of(&c, &app.url(&format!("/tasks/{id}"))).await;
    let form = || {
        reqwest::multipart::Form::new()
            .text("percent", "60")
            .text("done", "完成考察")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"minutes".to_vec()).file_name("会议纪要.txt"),
            )
    };
    let forged = c
        .post(app.url(&format!("/tasks/{id}/reports")))
        .multipart(form())
        .send()
        .await
        .expect("send");
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "an upload without the token is refused"
    );
    let ok = c
        .post(app.url(&format!("/tasks/{id}/reports?_csrf={csrf}")))
        .multipart(form())
        .send()
        .await
        .expect("send");
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let page = crate::harness::page(&c, &app.url(&format!("/tasks/{id}"))).await;
    assert!(
        select_text(&page, "#ledger .report")
            .iter()
            .any(|r| r.contains("完成考察") && r.contains("会议纪要.txt"))
    );
    let inbox = crate::harness::page(&c, &app.url("/inbox")).await;
    assert!(
        select_text(&inbox, "#inbox-to_accept a").is_empty(),
        "accepted tasks leave the to-accept list"
    );
    assert!(
        select_text(&inbox, "#inbox-to_report a").is_empty(),
        "a report this period means none is due"
    );
}

async fn the_demo_fills_the_ledger_with_every_state_and_colour(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let api = app.admin_api().await;
    let (_, agreements) = api.get("/api/v1/agreements?per_page=1").await;
    assert!(
        agreements["total"].as_i64().expect("total") >= 31,
        "the strategic agreement and 30+ framework agreements"
    );
    let (_, strategic) = api.get("/api/v1/agreements?kind=strategic").await;
    assert_eq!(
        strategic["items"][0]["areas"]
            .as_array()
            .expect("areas")
            .len(),
        7
    );
    assert_eq!(strategic["items"][0]["signed_on"], "2020-04-30");
    let (_, tasks) = api.get("/api/v1/tasks?per_page=1").await;
    assert!(
        tasks["total"].as_i64().expect("total") >= 100,
        "about a hundred tasks"
    );
    for colour in ["red", "yellow", "blue", "green", "grey"] {
        let (_, found) = api
            .get(&format!("/api/v1/tasks?per_page=1&colour={colour}"))
            .await;
        assert!(
            found["total"].as_i64().expect("total") > 0,
            "no {colour} task in the demo"
        );
    }
    for status in [
        "draft",
        "assigned",
        "accepted",
        "in_progress",
        "reported_done",
        "closed",
        "cancelled",
    ] {
        let (_, found) = api
            .get(&format!("/api/v1/tasks?per_page=1&status={status}"))
            .await;
        assert!(
            found["total"].as_i64().expect("total") > 0,
            "no {status} task in the demo"
        );
    }
}

async fn a_stale_task_form_shows_what_the_other_person_saved(app: TestApp) {
    app.load_demo().await;
    app.user("wz-coord", "万州区侨联", "coordinator").await;
    let (wanzhou, dazhou) = (
        app.org_id("万州区侨联").await.0,
        app.org_id("达州市侨联").await.0,
    );
    let api = app.api_of("wz-coord").await;
    let (_, p) = api
        .post("/api/v1/plans", serde_json::json!({"title": "计划", "owner_org_id": wanzhou, "period_start": "2024-01-01", "period_end": "2030-12-31"}))
        .await;
    let body = serde_json::json!({"plan_id": p["id"], "title": "原任务", "goal": "目标", "standard": "标准", "requirement": "要求",
        "start_on": "2024-01-01", "deadline": "2030-01-01", "lead_org_id": dazhou});
    let (_, t) = api.post("/api/v1/tasks", body.clone()).await;
    let c = app.sign_in("wz-coord", &password_of("wz-coord")).await;
    let csrf = csrf_of(&c, &app.url(&format!("/tasks/{}/edit", t["id"]))).await;
    let mut theirs = body.clone();
    theirs["title"] = serde_json::json!("对方改过的任务");
    theirs["version"] = t["version"].clone();
    assert_eq!(
        api.put(&format!("/api/v1/tasks/{}", t["id"]), theirs)
            .await
            .0,
        StatusCode::OK
    );

    let plan = p["id"].to_string();
    let lead = dazhou.to_string();
    let resp = c
        .post(app.url(&format!("/tasks/{}", t["id"])))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("version", "1"),
            ("plan_id", plan.as_str()),
            ("title", "我改的任务"),
            ("goal", "目标"),
            ("standard", "标准"),
            ("requirement", "要求"),
            ("start_on", "2024-01-01"),
            ("deadline", "2030-01-01"),
            ("lead_org_id", lead.as_str()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let page = html(&resp.text().await.expect("text"));
    let conflict = select_text(&page, "#form-conflict").join("");
    assert!(conflict.contains("对方改过的任务"), "{conflict}");
    let title = scraper::Selector::parse("#title").expect("selector");
    assert_eq!(
        page.select(&title)
            .next()
            .and_then(|e| e.value().attr("value")),
        Some("我改的任务"),
        "what was typed is kept"
    );
    let (_, now) = api.get(&format!("/api/v1/tasks/{}", t["id"])).await;
    assert_eq!(
        now["task"]["title"], "对方改过的任务",
        "nothing was overwritten"
    );
}
