//! Agreements, plans and tasks through the API: the whole life of a task, and every
//! rule of who may do what, on both backends.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Api, TestApp, both, field_code};

both!(
    a_coordinator_runs_an_agreement_from_signature_to_closed_tasks,
    bad_tasks_and_reports_are_refused_and_nothing_changes,
    only_the_lead_reports_and_only_the_assigning_side_verifies,
    agreements_are_visible_to_parties_those_above_and_the_national_level,
    sub_tasks_roll_up_by_weight_and_colours_follow_the_calendar,
    a_plan_revision_carries_open_tasks_forward_or_closes_them,
    two_people_editing_one_task_get_a_conflict,
);

fn days(n: i64) -> String {
    (qiaolian_core::settings::today() + chrono::Duration::days(n)).to_string()
}

pub(crate) struct Programme {
    pub agreement: i64,
    pub plan: i64,
    pub areas: Vec<i64>,
    pub wanzhou: i64,
    pub dazhou: i64,
    pub kaizhou: i64,
}

/// 万州 and 达州 sign a framework agreement; 万州 owns a plan under it.
pub(crate) async fn programme(app: &TestApp) -> Programme {
    app.load_demo().await;
    for (login, org, role) in [
        ("cq-coord", "重庆市侨联", "coordinator"),
        ("wz-coord", "万州区侨联", "coordinator"),
        ("dz-member", "达州市侨联", "member"),
        ("kz-member", "开州区侨联", "member"),
        ("cd-member", "成都市侨联", "member"),
        ("sc-viewer", "四川省侨联", "viewer"),
        ("zg-viewer", "中国侨联", "viewer"),
    ] {
        app.user(login, org, role).await;
    }
    let (wanzhou, dazhou, kaizhou) = (
        app.org_id("万州区侨联").await.0,
        app.org_id("达州市侨联").await.0,
        app.org_id("开州区侨联").await.0,
    );
    let cq = app.api_of("cq-coord").await;
    let (status, a) = cq
        .post(
            "/api/v1/agreements",
            json!({"kind": "framework", "title": "万州区侨联 达州市侨联 合作框架协议", "status": "in_force",
                   "signed_on": days(-100), "valid_until": days(900),
                   "parties": [{"org_id": wanzhou, "role": "lead"}, {"org_id": dazhou, "role": "signatory"}],
                   "areas": [{"name": "经贸合作"}, {"name": "文化交流", "description": "巴蜀文化"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let areas = a["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .map(|x| x["id"].as_i64().expect("id"))
        .collect();
    let (status, p) = cq
        .post(
            "/api/v1/plans",
            json!({"agreement_id": a["id"], "title": "2024 年度合作计划", "owner_org_id": wanzhou,
                   "period_start": days(-30), "period_end": days(300), "cadence": "monthly", "due_day": 28}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    Programme {
        agreement: a["id"].as_i64().expect("id"),
        plan: p["id"].as_i64().expect("id"),
        areas,
        wanzhou,
        dazhou,
        kaizhou,
    }
}

fn task_body(p: &Programme, title: &str) -> Value {
    json!({"plan_id": p.plan, "area_id": p.areas[0], "title": title,
           "goal": "组织 20 家侨企赴达州考察", "standard": "签约项目不少于 3 个", "requirement": "每月 28 日前报送进展",
           "start_on": days(-10), "deadline": days(60), "lead_org_id": p.dazhou,
           "supporting_org_ids": [p.kaizhou], "responsible": "张三", "weight": 1})
}

async fn new_task(api: &Api, p: &Programme, title: &str) -> Value {
    let (status, t) = api.post("/api/v1/tasks", task_body(p, title)).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    t
}

async fn step(api: &Api, id: &Value, step: &str, reason: Option<&str>) -> (StatusCode, Value) {
    api.post(
        &format!("/api/v1/tasks/{id}/steps"),
        json!({"step": step, "reason": reason}),
    )
    .await
}

async fn report(api: &Api, id: &Value, percent: i64) -> (StatusCode, Value) {
    api.post(
        &format!("/api/v1/tasks/{id}/reports"),
        json!({"percent": percent, "done": format!("完成 {percent}%")}),
    )
    .await
}

async fn a_coordinator_runs_an_agreement_from_signature_to_closed_tasks(app: TestApp) {
    let p = programme(&app).await;
    let cq = app.api_of("cq-coord").await;
    let dz = app.api_of("dz-member").await;
    let t = new_task(&cq, &p, "组织侨企赴达州考察").await;
    let id = t["id"].clone();
    assert_eq!(t["status"], "draft");
    assert_eq!(t["assigner_org_name"], "万州区侨联");
    assert_eq!(t["supporters"][0]["name"], "开州区侨联");

    assert_eq!(step(&cq, &id, "assign", None).await.0, StatusCode::OK);
    let (_, inbox) = dz.get("/api/v1/inbox").await;
    assert_eq!(inbox["to_accept"][0]["id"], id, "the lead sees it waiting");
    assert_eq!(step(&dz, &id, "accept", None).await.0, StatusCode::OK);
    let (status, after) = report(&dz, &id, 40).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(
        (after["status"].as_str(), after["progress"].as_i64()),
        (Some("in_progress"), Some(40))
    );
    let (_, read) = dz.get(&format!("/api/v1/tasks/{id}")).await;
    assert_eq!(
        read["task"], after,
        "a report answers the task exactly as it is now stored"
    );
    let (status, answer) = step(&dz, &id, "report_done", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "status"), "progress_not_complete");
    report(&dz, &id, 100).await;
    assert_eq!(step(&dz, &id, "report_done", None).await.0, StatusCode::OK);
    let (_, inbox) = app.api_of("wz-coord").await.get("/api/v1/inbox").await;
    assert_eq!(
        inbox["to_verify"][0]["id"], id,
        "the assigning side sees it waiting for verification"
    );

    let (status, answer) = step(&cq, &id, "refuse", None).await;
    assert_eq!(field_code(&answer, "reason"), "required", "{status}");
    let (_, refused) = step(&cq, &id, "refuse", Some("缺少签约文本")).await;
    assert_eq!(refused["status"], "in_progress");
    assert_eq!(step(&dz, &id, "report_done", None).await.0, StatusCode::OK);
    let (status, closed) = step(&cq, &id, "close", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (closed["status"].as_str(), closed["colour"].as_str()),
        (Some("closed"), Some("grey"))
    );

    let (_, detail) = cq.get(&format!("/api/v1/tasks/{id}")).await;
    assert_eq!(detail["reports"].as_array().expect("reports").len(), 2);
    assert_eq!(detail["reports"][0]["percent"], 100, "newest report first");
    let kinds: Vec<&str> = detail["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        vec![
            "close",
            "report_done",
            "refuse",
            "report_done",
            "report",
            "report",
            "accept",
            "assign",
            "created"
        ]
    );
    assert_eq!(detail["events"][2]["note"], "缺少签约文本");

    let (_, listed) = cq
        .get(&format!(
            "/api/v1/tasks?agreement={}&status=closed",
            p.agreement
        ))
        .await;
    assert_eq!(listed["total"], 1);
    let (_, plans) = cq
        .get(&format!("/api/v1/agreements/{}/plans", p.agreement))
        .await;
    assert_eq!(plans[0]["cadence"], "monthly");
}

async fn bad_tasks_and_reports_are_refused_and_nothing_changes(app: TestApp) {
    let p = programme(&app).await;
    let cq = app.api_of("cq-coord").await;
    for field in ["goal", "standard", "deadline", "requirement", "title"] {
        let mut body = task_body(&p, "缺项任务");
        body[field] = json!("");
        let (status, answer) = cq.post("/api/v1/tasks", body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_code(&answer, field), "required", "{field}");
    }
    let mut body = task_body(&p, "时限倒置");
    body["deadline"] = json!(days(-20));
    let (_, answer) = cq.post("/api/v1/tasks", body).await;
    assert_eq!(field_code(&answer, "deadline"), "deadline_before_start");
    let mut body = task_body(&p, "领域不符");
    body["area_id"] = json!(999_999);
    body["supporting_org_ids"] = json!([p.dazhou]);
    let (_, answer) = cq.post("/api/v1/tasks", body).await;
    assert_eq!(field_code(&answer, "area_id"), "unknown_area");
    assert_eq!(
        field_code(&answer, "supporting_org_ids"),
        "lead_cannot_support"
    );
    let (_, none) = cq.get(&format!("/api/v1/tasks?plan={}", p.plan)).await;
    assert_eq!(none["total"], 0, "no refused task was stored");

    let t = new_task(&cq, &p, "进度校验").await;
    let id = t["id"].clone();
    let dz = app.api_of("dz-member").await;
    let (_, answer) = report(&dz, &id, 10).await;
    assert_eq!(
        field_code(&answer, "status"),
        "not_reportable",
        "a draft takes no reports"
    );
    step(&cq, &id, "assign", None).await;
    step(&dz, &id, "accept", None).await;
    for (percent, code) in [(101, "percent_range"), (-1, "percent_range")] {
        let (status, answer) = report(&dz, &id, percent).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_code(&answer, "percent"), code);
    }
    let (_, answer) = dz
        .post(
            &format!("/api/v1/tasks/{id}/reports"),
            json!({"percent": 10, "done": "", "reported_on": days(2)}),
        )
        .await;
    assert_eq!(field_code(&answer, "done"), "required");
    assert_eq!(field_code(&answer, "reported_on"), "date_in_future");
    report(&dz, &id, 50).await;
    let (_, answer) = report(&dz, &id, 30).await;
    assert_eq!(
        field_code(&answer, "backwards_reason"),
        "backwards_without_reason"
    );
    let (status, back) = dz
        .post(
            &format!("/api/v1/tasks/{id}/reports"),
            json!({"percent": 30, "done": "复核", "backwards_reason": "一个项目撤回"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(back["progress"], 30);
    step(&cq, &id, "cancel", Some("合并到其他任务")).await;
    let (_, answer) = report(&dz, &id, 40).await;
    assert_eq!(field_code(&answer, "status"), "task_closed");
    let (_, detail) = cq.get(&format!("/api/v1/tasks/{id}")).await;
    assert_eq!(
        detail["reports"].as_array().expect("reports").len(),
        2,
        "refused reports were not stored"
    );
    assert_eq!(detail["task"]["progress"], 30);

    // An edit dropping the area the task belongs to is refused whole.
    let admin = app.admin_api().await;
    let path = format!("/api/v1/agreements/{}", p.agreement);
    let (_, a) = admin.get(&path).await;
    let mut edit = a.clone();
    edit["title"] = json!("不该保存的标题");
    edit["areas"] = json!([{"id": p.areas[1], "name": "文化交流"}]);
    let (_, answer) = admin.put(&path, edit).await;
    assert_eq!(field_code(&answer, "areas"), "area_in_use", "{answer}");
    let (_, after) = admin.get(&path).await;
    assert_eq!(
        (&after["title"], &after["version"]),
        (&a["title"], &a["version"]),
        "nothing changed"
    );
    assert_eq!(after["areas"].as_array().map(Vec::len), Some(2));
}

async fn only_the_lead_reports_and_only_the_assigning_side_verifies(app: TestApp) {
    let p = programme(&app).await;
    let cq = app.api_of("cq-coord").await;
    let dz = app.api_of("dz-member").await;
    let kz = app.api_of("kz-member").await;
    let wz = app.api_of("wz-coord").await;
    let t = new_task(&cq, &p, "权限校验").await;
    let id = t["id"].clone();
    assert_eq!(
        step(&dz, &id, "assign", None).await.0,
        StatusCode::FORBIDDEN,
        "the lead does not assign"
    );
    step(&wz, &id, "assign", None).await;
    assert_eq!(
        step(&wz, &id, "accept", None).await.0,
        StatusCode::FORBIDDEN,
        "the assigner does not accept"
    );
    step(&dz, &id, "accept", None).await;
    assert_eq!(
        report(&wz, &id, 10).await.0,
        StatusCode::FORBIDDEN,
        "the assigning side does not report"
    );
    assert_eq!(
        report(&kz, &id, 10).await.0,
        StatusCode::FORBIDDEN,
        "a supporter does not report"
    );
    assert_eq!(
        report(&app.admin_api().await, &id, 10).await.0,
        StatusCode::FORBIDDEN,
        "nor does the administrator"
    );
    let (status, _) = kz
        .post(
            &format!("/api/v1/tasks/{id}/comments"),
            json!({"body": "开州可提供两家企业"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "supporters comment");
    let (status, _) = app
        .api_of("sc-viewer")
        .await
        .post(
            &format!("/api/v1/tasks/{id}/comments"),
            json!({"body": "x"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an uninvolved viewer does not"
    );
    report(&dz, &id, 100).await;
    step(&dz, &id, "report_done", None).await;
    assert_eq!(
        step(&dz, &id, "close", None).await.0,
        StatusCode::FORBIDDEN,
        "the lead does not verify its own work"
    );
    assert_eq!(step(&wz, &id, "close", None).await.0, StatusCode::OK);
    let (_, detail) = dz.get(&format!("/api/v1/tasks/{id}")).await;
    assert_eq!(detail["allowed"]["report"], false);
    assert!(
        detail["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["kind"] == "comment" && e["org_name"] == "开州区侨联")
    );
}

async fn agreements_are_visible_to_parties_those_above_and_the_national_level(app: TestApp) {
    let p = programme(&app).await;
    let cq = app.api_of("cq-coord").await;
    new_task(&cq, &p, "可见性").await;
    for (login, sees) in [
        ("dz-member", true),
        ("sc-viewer", true),
        ("zg-viewer", true),
        ("cd-member", false),
        ("kz-member", true),
    ] {
        let api = app.api_of(login).await;
        let (status, _) = api
            .get(&format!("/api/v1/agreements/{}", p.agreement))
            .await;
        let (_, list) = api.get("/api/v1/agreements").await;
        let (_, tasks) = api.get(&format!("/api/v1/tasks?plan={}", p.plan)).await;
        if login == "kz-member" {
            // A supporting organization sees the task it supports, not the whole agreement.
            assert_eq!(status, StatusCode::NOT_FOUND);
            assert_eq!(tasks["total"], 1);
            continue;
        }
        assert_eq!(status == StatusCode::OK, sees, "{login}");
        assert_eq!(list["total"].as_i64() == Some(1), sees, "{login}");
        assert_eq!(tasks["total"].as_i64() == Some(1), sees, "{login}");
    }

    let before = cq
        .get(&format!("/api/v1/agreements/{}", p.agreement))
        .await
        .1;
    let (status, answer) = cq
        .post(
            "/api/v1/agreements",
            json!({"kind": "framework", "title": "单方协议", "status": "draft",
              "parties": [{"org_id": p.wanzhou, "role": "lead"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "parties"), "too_few_parties");
    let (_, answer) = cq
        .post("/api/v1/agreements", json!({"kind": "framework", "title": "x", "status": "in_force",
              "valid_until": "2020-01-01", "signed_on": "2021-01-01",
              "parties": [{"org_id": p.wanzhou, "role": "lead"}, {"org_id": p.wanzhou, "role": "member"}]}))
        .await;
    assert_eq!(field_code(&answer, "valid_until"), "ends_before_start");
    assert_eq!(field_code(&answer, "parties"), "duplicate_party");
    let dz_admin = app.user("dz-admin", "成都市侨联", "org_admin").await;
    let (status, _) = app
        .api_of(&dz_admin)
        .await
        .put(
            &format!("/api/v1/agreements/{}", p.agreement),
            before.clone(),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a non-party cannot even see it to edit"
    );

    // A scan attached by a party is downloadable by those who see the agreement.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4 scan".to_vec())
            .file_name("协议扫描件.pdf")
            .mime_str("application/pdf")
            .expect("mime"),
    );
    let resp = cq
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/agreements/{}/files", p.agreement),
        )
        .await
        .multipart(form)
        .send()
        .await
        .expect("send");
    let (status, with_file) = crate::harness::json_of(resp).await;
    assert_eq!(status, StatusCode::OK, "{with_file}");
    let file = with_file["attachments"][0]["id"].as_i64().expect("file id");
    let resp = app
        .api_of("sc-viewer")
        .await
        .raw(reqwest::Method::GET, &format!("/api/v1/files/{file}"))
        .await
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.bytes().await.expect("bytes").as_ref(),
        b"%PDF-1.4 scan"
    );
    let (status, _) = app
        .api_of("cd-member")
        .await
        .get(&format!("/api/v1/files/{file}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn sub_tasks_roll_up_by_weight_and_colours_follow_the_calendar(app: TestApp) {
    let p = programme(&app).await;
    let cq = app.api_of("cq-coord").await;
    let dz = app.api_of("dz-member").await;
    let parent = new_task(&cq, &p, "总任务").await;
    let mut children = Vec::new();
    for (title, weight) in [("子任务一", 1), ("子任务二", 3)] {
        let mut body = task_body(&p, title);
        body["parent_id"] = parent["id"].clone();
        body["weight"] = json!(weight);
        let (status, t) = cq.post("/api/v1/tasks", body).await;
        assert_eq!(status, StatusCode::OK, "{t}");
        step(&cq, &t["id"], "assign", None).await;
        step(&dz, &t["id"], "accept", None).await;
        children.push(t["id"].clone());
    }
    report(&dz, &children[0], 100).await;
    report(&dz, &children[1], 20).await;
    let (_, detail) = cq.get(&format!("/api/v1/tasks/{}", parent["id"])).await;
    assert_eq!(detail["task"]["progress"], 40, "(1×100 + 3×20) / 4");
    assert_eq!(detail["children"].as_array().expect("children").len(), 2);
    step(&cq, &parent["id"], "assign", None).await;
    step(&dz, &parent["id"], "accept", None).await;
    let (_, answer) = report(&dz, &parent["id"], 90).await;
    assert_eq!(field_code(&answer, "percent"), "has_subtasks");

    let mut colours = Vec::new();
    for (title, start, deadline) in [
        ("已逾期", -30, -1),
        ("临近时限", 0, 3),
        ("进度滞后", -60, 60),
        ("正常", -1, 200),
    ] {
        let mut body = task_body(&p, title);
        body["start_on"] = json!(days(start));
        body["deadline"] = json!(days(deadline));
        let (_, t) = cq.post("/api/v1/tasks", body).await;
        colours.push(t["colour"].as_str().expect("colour").to_owned());
    }
    assert_eq!(colours, vec!["red", "blue", "yellow", "green"]);
    let (_, red) = cq.get("/api/v1/tasks?colour=red").await;
    assert_eq!(red["items"][0]["title"], "已逾期");
    let (_, detail) = cq
        .get(&format!("/api/v1/tasks/{}", red["items"][0]["id"]))
        .await;
    assert_eq!(
        detail["assessment"]["days_left"], -1,
        "the page can say why it is red"
    );
    let (_, inbox) = app.api_of("wz-coord").await.get("/api/v1/inbox").await;
    assert!(
        inbox["overdue"]
            .as_array()
            .expect("overdue")
            .iter()
            .any(|t| t["title"] == "已逾期")
    );
    let (_, ranged) = cq
        .get(&format!(
            "/api/v1/tasks?deadline_from={}&deadline_to={}",
            days(0),
            days(10)
        ))
        .await;
    assert_eq!(ranged["total"], 1);
    let (status, answer) = cq.get("/api/v1/tasks?colour=purple").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "colour"), "unknown_value");
}

async fn a_plan_revision_carries_open_tasks_forward_or_closes_them(app: TestApp) {
    let p = programme(&app).await;
    let cq = app.api_of("cq-coord").await;
    let keep = new_task(&cq, &p, "继续推进").await;
    let drop_ = new_task(&cq, &p, "不再推进").await;
    let revision = json!({"agreement_id": p.agreement, "title": "2024 年度合作计划（修订）", "owner_org_id": p.wanzhou,
        "period_start": days(-30), "period_end": days(400), "cadence": "quarterly", "due_day": 20,
        "close": [drop_["id"]]});
    let (status, answer) = cq
        .post(
            &format!("/api/v1/plans/{}/revisions", p.plan),
            revision.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "change_note"), "required");
    let mut revision = revision;
    revision["change_note"] = json!("联席会议决定延长周期、改为按季度报送");
    let (status, new) = cq
        .post(&format!("/api/v1/plans/{}/revisions", p.plan), revision)
        .await;
    assert_eq!(status, StatusCode::OK, "{new}");
    assert_eq!(new["revision"], 2);
    let (_, old) = cq.get(&format!("/api/v1/plans/{}", p.plan)).await;
    assert_eq!(
        old["status"], "superseded",
        "the old revision stays readable"
    );
    let (_, kept) = cq.get(&format!("/api/v1/tasks/{}", keep["id"])).await;
    assert_eq!(kept["task"]["plan_id"], new["id"]);
    let (_, dropped) = cq.get(&format!("/api/v1/tasks/{}", drop_["id"])).await;
    assert_eq!(dropped["task"]["status"], "cancelled");
    let (_, history) = cq
        .get(&format!("/api/v1/plans/{}/history", new["id"]))
        .await;
    assert_eq!(history.as_array().expect("history").len(), 2);
    let (status, _) = cq.post("/api/v1/tasks", task_body(&p, "旧计划")).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a superseded plan takes no new tasks"
    );
}

async fn two_people_editing_one_task_get_a_conflict(app: TestApp) {
    let p = programme(&app).await;
    let cq = app.api_of("cq-coord").await;
    let wz = app.api_of("wz-coord").await;
    let t = new_task(&cq, &p, "并发编辑").await;
    let mut mine = task_body(&p, "并发编辑（甲）");
    mine["version"] = t["version"].clone();
    let mut theirs = task_body(&p, "并发编辑（乙）");
    theirs["version"] = t["version"].clone();
    let (status, _) = cq.put(&format!("/api/v1/tasks/{}", t["id"]), mine).await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = wz.put(&format!("/api/v1/tasks/{}", t["id"]), theirs).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["error"]["current_version"], 2);
    let (_, now) = cq.get(&format!("/api/v1/tasks/{}", t["id"])).await;
    assert_eq!(now["task"]["title"], "并发编辑（甲）");
}
