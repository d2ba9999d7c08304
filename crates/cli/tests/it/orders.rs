//! Supervision orders: opened by a provincial coordinator on a district's task, seen
//! and answered by the district, returned, answered again and closed, every step in
//! the task's history and both sides' inboxes; refused input; numbering under parallel
//! issuers; an unanswered order going up to the district's parent by a job.

use qiaolian_core::job;
use qiaolian_core::sql::Sql;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, both, field_code};

both!(
    an_order_is_opened_answered_returned_and_closed_with_the_task_history,
    bad_orders_are_refused_and_numbers_stay_unique_under_parallel_issuers,
    an_unanswered_order_goes_up_to_the_parent_by_a_job,
);

/// A working task led by 万州区侨联, the reddest first.
async fn district_task(app: &TestApp) -> (i64, String) {
    let mut tx = app.db.read().await.expect("read");
    Sql::new(
        "select t.id, t.colour from task t join org o on o.id = t.lead_org_id
         where o.name = '万州区侨联' and t.status in ('assigned', 'accepted', 'in_progress')
           and not exists (select 1 from task k where k.parent_id = t.id)
         order by case t.colour when 'red' then 0 when 'yellow' then 1 else 2 end, t.id limit 1",
    )
    .all(&mut tx)
    .await
    .expect("task")
    .pop()
    .expect("the demo has a working task led by 万州区侨联")
}

/// How many orders 重庆市侨联 issued this year so far (the demo's own).
async fn issued(app: &TestApp) -> i64 {
    let mut tx = app.db.read().await.expect("read");
    let mut q = Sql::new(
        "select count(*) from supervision_order o join org g on g.id = o.issuer_org_id
         where g.name = '重庆市侨联' and o.year = ",
    );
    q.bind(i64::from(chrono::Datelike::year(
        &qiaolian_core::settings::today(),
    )))
    .scalar(&mut tx)
    .await
    .expect("count")
}

/// Runs the jobs already due (the demo's), so a test sees only its own.
async fn drain(app: &TestApp) {
    while job::run_due(&app.db, "drain").await.expect("run") > 0 {}
}

fn in_days(n: i64) -> String {
    (qiaolian_core::settings::today() + chrono::Duration::days(n)).to_string()
}

async fn inbox_texts(c: &reqwest::Client, app: &TestApp) -> Vec<String> {
    let doc = crate::harness::page(c, &app.url("/notifications?unread=1")).await;
    crate::harness::select_text(&doc, "#notifications button")
}

async fn an_order_is_opened_answered_returned_and_closed_with_the_task_history(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("wz-coord", "万州区侨联", "coordinator").await;
    let (task, colour) = district_task(&app).await;
    let cq = app.api_of("cq-coord").await;
    let wz = app.api_of("wz-coord").await;
    let before = issued(&app).await;

    // The province opens an order, its level proposed from the task's colour.
    let (status, o) = cq
        .post(
            "/api/v1/orders",
            json!({"record_kind": "task", "record_id": task, "source": "instruction",
                   "source_note": "市侨联主席 2026 年 11 月 30 日批示", "reason": "进度滞后，请说明原因并加快推进",
                   "answer_due": in_days(5)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{o}");
    let year = qiaolian_core::settings::today().format("%Y").to_string();
    assert_eq!(o["number"], format!("渝侨督〔{year}〕{}号", before + 1));
    let proposed = match colour.as_str() {
        "red" => "red",
        "yellow" => "yellow",
        _ => "blue",
    };
    assert_eq!(o["level"], proposed);
    assert_eq!(o["state"], "open");
    assert_eq!(o["responsible_org_name"], "万州区侨联");
    let id = o["id"].as_i64().expect("id");

    // The district sees it in its list and its inbox, in Chinese, naming the task.
    let (_, mine) = wz.get("/api/v1/orders?mine=answer&state=open").await;
    assert!(
        mine["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["id"] == o["id"]),
        "{mine}"
    );
    let c = app
        .sign_in("wz-coord", &crate::harness::password_of("wz-coord"))
        .await;
    let texts = inbox_texts(&c, &app).await;
    let title = o["record_title"].as_str().expect("title");
    assert!(
        texts.iter().any(|t| t.contains("重庆市侨联发出")
            && t.contains(title)
            && t.contains(&format!("请于 {} 前答复", in_days(5)))),
        "{texts:?}"
    );
    // The issuer's side cannot answer; the district cannot accept.
    let (status, _) = cq
        .post(&format!("/api/v1/orders/{id}/answer"), json!({"note": "x"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, refused) = wz
        .post(&format!("/api/v1/orders/{id}/accept"), json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");

    // The district answers with new progress: the task's ledger has it too.
    let (_, t) = wz.get(&format!("/api/v1/tasks/{task}")).await;
    let progress = (t["task"]["progress"].as_i64().expect("progress") + 10).min(100);
    let (status, answered) = wz
        .post(
            &format!("/api/v1/orders/{id}/answer"),
            json!({"note": "已约谈项目方，完成签约前置审批", "progress": progress}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["state"], "answered");
    let (_, t) = wz.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(t["task"]["progress"], progress, "{t}");
    // Answered once: a second answer is refused, in Chinese.
    let (status, again) = wz
        .post(
            &format!("/api/v1/orders/{id}/answer"),
            json!({"note": "再答"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&again, "state"), "order_not_open");

    // The province returns it: a reason and a new day are required.
    let (status, refused) = cq
        .post(&format!("/api/v1/orders/{id}/return"), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(field_code(&refused, "note"), "required");
    assert_eq!(field_code(&refused, "answer_due"), "required");
    let (status, returned) = cq
        .post(
            &format!("/api/v1/orders/{id}/return"),
            json!({"note": "请附签约文本", "answer_due": in_days(3)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{returned}");
    assert_eq!(returned["state"], "open");
    assert_eq!(returned["answer_due"], in_days(3));
    let texts = inbox_texts(&c, &app).await;
    assert!(
        texts.iter().any(|t| t.contains("被退回：请附签约文本")),
        "{texts:?}"
    );

    // Answered again through the page, with a file; accepted and closed on the page.
    let doc = crate::harness::page(&c, &app.url(&format!("/orders/{id}"))).await;
    let action = doc
        .select(&scraper::Selector::parse("#answer-form").expect("selector"))
        .next()
        .and_then(|f| f.value().attr("action"))
        .expect("the answer form")
        .to_owned();
    let form = reqwest::multipart::Form::new()
        .text("note", "已补充签约文本")
        .text("progress", "")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 signed".to_vec())
                .file_name("签约文本.pdf")
                .mime_str("application/pdf")
                .expect("mime"),
        );
    let sent = c
        .post(app.url(&action))
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let province = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let doc = crate::harness::page(&province, &app.url(&format!("/orders/{id}"))).await;
    let history = crate::harness::select_text(&doc, ".order-event").join(" | ");
    assert!(history.contains("签约文本.pdf"), "{history}");
    let csrf = crate::harness::csrf_of(&province, &app.url(&format!("/orders/{id}"))).await;
    let version = returned["version"].as_i64().expect("version") + 1;
    let closed = province
        .post(app.url(&format!("/orders/{id}/decision")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("decision", "accept"),
            ("note", "同意办结"),
            ("version", &version.to_string()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    let doc =
        crate::harness::page(&province, &app.url(&format!("/orders/{id}?saved=accept"))).await;
    assert_eq!(
        crate::harness::select_text(&doc, "#order-state"),
        vec!["已办结"]
    );
    assert_eq!(
        crate::harness::select_text(&doc, "#saved"),
        vec!["已同意办结。"]
    );
    let texts = inbox_texts(&c, &app).await;
    assert!(texts.iter().any(|t| t.contains("已同意办结")), "{texts:?}");

    // The task's page shows the order and its history every step.
    let doc = crate::harness::page(&c, &app.url(&format!("/tasks/{task}"))).await;
    let orders = crate::harness::select_text(&doc, "#task-orders a").join(" ");
    assert!(
        orders.contains(&format!("渝侨督〔{year}〕1号")) && orders.contains("已办结"),
        "{orders}"
    );
    let history = crate::harness::select_text(&doc, "#history").join(" ");
    for step in ["发出督办单", "答复督办", "督办答复被退回", "督办办结"] {
        assert!(history.contains(step), "{step} in {history}");
    }
    // The province's coordinator may open another; the district may order only those
    // below it that support the task, never itself.
    let doc = crate::harness::page(&province, &app.url(&format!("/tasks/{task}"))).await;
    assert_eq!(
        crate::harness::select_text(&doc, "#supervise"),
        vec!["督办"]
    );
    let form = crate::harness::page(
        &province,
        &app.url(&format!("/orders/new?kind=task&id={task}")),
    )
    .await;
    assert_eq!(
        crate::harness::select_text(&form, "#responsible_org_id option")
            .first()
            .map(String::as_str),
        Some("万州区侨联"),
        "the lead first"
    );
    let form = c
        .get(app.url(&format!("/orders/new?kind=task&id={task}")))
        .send()
        .await
        .expect("send");
    if form.status() == StatusCode::OK {
        let doc = crate::harness::html(&form.text().await.expect("text"));
        let offered = crate::harness::select_text(&doc, "#responsible_org_id option");
        assert!(!offered.iter().any(|o| o == "万州区侨联"), "{offered:?}");
    } else {
        assert_eq!(form.status(), StatusCode::FORBIDDEN);
    }
}

async fn bad_orders_are_refused_and_numbers_stay_unique_under_parallel_issuers(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("wz-coord", "万州区侨联", "coordinator").await;
    app.user("cq-member", "重庆市侨联", "member").await;
    let (task, _) = district_task(&app).await;
    let cq = app.api_of("cq-coord").await;
    let before = issued(&app).await;
    let good = json!({"record_kind": "task", "record_id": task, "source": "superior",
                      "reason": "请加快推进", "answer_due": in_days(7)});
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    for (body, field, code) in [
        (
            with("record_id", json!(999_999_999)),
            "record_id",
            "unknown_record",
        ),
        (
            with("record_kind", json!("person")),
            "record_kind",
            "unknown_value",
        ),
        (
            with("answer_due", json!("2020-01-01")),
            "answer_due",
            "date_in_past",
        ),
        (
            with("answer_due", json!(in_days(400))),
            "answer_due",
            "date_too_late",
        ),
        (with("level", json!("purple")), "level", "unknown_value"),
        (with("source", json!("meeting")), "source_note", "required"),
        (
            with("escalate_after_days", json!(0)),
            "escalate_after_days",
            "escalate_days_range",
        ),
        (
            with("responsible_org_id", json!(1)),
            "responsible_org_id",
            "not_involved",
        ),
        (with("reason", json!("")), "reason", "required"),
    ] {
        let (status, e) = cq.post("/api/v1/orders", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {e}");
        assert_eq!(field_code(&e, field), code, "{body} → {e}");
    }
    // The district cannot order its own task; a member cannot order at all.
    let (status, e) = app
        .api_of("wz-coord")
        .await
        .post("/api/v1/orders", good.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "record_id"), "not_supervisable");
    assert_eq!(
        e["error"]["fields"]["record_id"]["message"],
        "你的单位不能督办这项事项：只有责任单位的上级、任务的交办单位或会议的主办单位可以发出督办单"
    );
    let (status, _) = app
        .api_of("cq-member")
        .await
        .post("/api/v1/orders", good.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Nothing was stored by any of them.
    assert_eq!(issued(&app).await, before);

    // Eight orders at once from two clients of the same issuer: eight numbers.
    let other = app.api_of("cq-coord").await;
    let mut calls = Vec::new();
    for i in 0..8 {
        let api = if i % 2 == 0 {
            cq.clone()
        } else {
            other.clone()
        };
        let body = good.clone();
        calls.push(tokio::spawn(async move {
            api.post("/api/v1/orders", body).await
        }));
    }
    let mut numbers = std::collections::BTreeSet::new();
    for c in calls {
        let (status, o) = c.await.expect("join");
        assert_eq!(status, StatusCode::OK, "{o}");
        numbers.insert(o["number"].as_str().expect("number").to_owned());
    }
    let year = qiaolian_core::settings::today().format("%Y").to_string();
    let wanted: std::collections::BTreeSet<String> = (before + 1..=before + 8)
        .map(|n| format!("渝侨督〔{year}〕{n}号"))
        .collect();
    assert_eq!(numbers, wanted);
    // Each told 万州区侨联 once per account.
    let mut tx = app.db.read().await.expect("read");
    let told: i64 = Sql::new(
        "select count(*) from notification n join account a on a.id = n.account_id
         where a.login = 'wz-coord' and n.kind = 'order_opened'",
    )
    .scalar(&mut tx)
    .await
    .expect("count");
    assert_eq!(told, 8);
    drop(tx);

    // Two clerks of 万州 answer the same order at once: one answer is kept, the other
    // is told the order was answered already.
    let number = numbers.iter().next().expect("an order").clone();
    let (_, found) = cq
        .get("/api/v1/orders?mine=issued&state=open&per_page=100")
        .await;
    let id = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|o| o["number"] == number.as_str())
        .and_then(|o| o["id"].as_i64())
        .expect("the order");
    app.user("wz-coord2", "万州区侨联", "coordinator").await;
    let (a, b) = (app.api_of("wz-coord").await, app.api_of("wz-coord2").await);
    let path = format!("/api/v1/orders/{id}/answer");
    let (ra, rb) = tokio::join!(
        a.post(&path, json!({"note": "甲的答复"})),
        b.post(&path, json!({"note": "乙的答复"}))
    );
    let mut statuses = [ra.0, rb.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY]);
    let refused = if ra.0 == StatusCode::OK { rb.1 } else { ra.1 };
    assert_eq!(field_code(&refused, "state"), "order_not_open");
    let (_, o) = cq.get(&format!("/api/v1/orders/{id}")).await;
    let answers = o["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "answer")
        .count();
    assert_eq!(answers, 1, "{o}");
}

async fn an_unanswered_order_goes_up_to_the_parent_by_a_job(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let (task, _) = district_task(&app).await;
    let cq = app.api_of("cq-coord").await;
    drain(&app).await;
    let (status, o) = cq
        .post(
            "/api/v1/orders",
            json!({"record_kind": "task", "record_id": task, "source": "superior", "level": "red",
                   "reason": "逾期未报", "answer_due": in_days(0), "escalate_after_days": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{o}");
    let id = o["id"].as_i64().expect("id");
    // Its job waits for the second day after the answer's day.
    let mut tx = app.db.read().await.expect("read");
    let (key, run_at): (String, chrono::DateTime<chrono::Utc>) = {
        let mut q = Sql::new("select key, run_at from job where kind = 'escalate' and key like ");
        q.bind(format!("escalate:order:{id}:%"))
            .all(&mut tx)
            .await
            .expect("job")
            .remove(0)
    };
    drop(tx);
    assert_eq!(key, format!("escalate:order:{id}:{}", in_days(0)));
    let day = qiaolian_core::settings::today() + chrono::Duration::days(2);
    assert_eq!(run_at, qiaolian_core::settings::start_of(day));
    assert_eq!(job::run_due(&app.db, "a").await.expect("run"), 0, "not yet");

    // The day comes (the job's time, brought forward here).
    let mut tx = app.db.write().await.expect("write");
    let mut q = Sql::new("update job set run_at = ");
    q.bind(qiaolian_core::now())
        .push(" where key = ")
        .bind(key.as_str());
    q.execute(&mut tx).await.expect("due");
    tx.commit().await.expect("commit");
    let parent = app
        .user("cq-wanzhou-parent", "重庆市侨联", "coordinator")
        .await;
    let other = qiaolian_core::Db::connect(&app.url).await.expect("connect");
    let (a, b) = tokio::join!(job::run_due(&app.db, "a"), job::run_due(&other, "b"));
    assert_eq!(a.expect("run") + b.expect("run"), 1, "run once");

    let (_, o) = cq.get(&format!("/api/v1/orders/{id}")).await;
    // 万州区侨联's parent in the demo is 重庆市侨联 itself.
    assert_eq!(o["escalated_org_name"], "重庆市侨联", "{o}");
    assert_eq!(o["events"][1]["kind"], "escalate");
    assert!(o["events"][1]["author_name"].is_null());
    let c = app
        .sign_in(&parent, &crate::harness::password_of(&parent))
        .await;
    let texts = inbox_texts(&c, &app).await;
    assert!(
        texts
            .iter()
            .any(|t| t.contains("万州区侨联未按期答复督办单") && t.contains("请督促办理")),
        "{texts:?}"
    );
    // Run again: it went up once.
    let mut tx = app.db.write().await.expect("write");
    job::enqueue(
        &mut tx,
        "escalate",
        &format!("escalate:order:{id}:again"),
        &json!({"order": id, "due": in_days(0)}),
        qiaolian_core::now(),
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    assert_eq!(job::run_due(&app.db, "a").await.expect("run"), 1);
    let (_, o) = cq.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(o["events"].as_array().map(Vec::len), Some(2), "{o}");
}

both!(a_task_is_urged_extended_and_handed_back);

async fn a_task_is_urged_extended_and_handed_back(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("wz-coord", "万州区侨联", "coordinator").await;
    let (task, _) = district_task(&app).await;
    let mut tx = app.db.read().await.expect("read");
    let (assigner, deadline, plan_end): (i64, chrono::NaiveDate, chrono::NaiveDate) = {
        let mut q = Sql::new(
            "select t.assigner_org_id, t.deadline, p.period_end from task t join plan p on p.id = t.plan_id
             where t.id = ",
        );
        q.bind(task).all(&mut tx).await.expect("task").remove(0)
    };
    drop(tx);
    // Someone on the assigning side (万州区侨联 itself for some demo tasks).
    let decider = {
        let login = "assigner-coord";
        qiaolian_core::account::create(
            &app.db,
            None,
            &qiaolian_core::account::NewAccount {
                login: login.into(),
                display_name: "交办单位联络员".into(),
                org_id: Some(qiaolian_core::org::OrgId(assigner)),
                role: "coordinator".into(),
                password: crate::harness::password_of(login),
            },
        )
        .await
        .expect("account");
        login
    };
    let cq = app.api_of("cq-coord").await;
    let wz = app.api_of("wz-coord").await;
    let wz_page = app
        .sign_in("wz-coord", &crate::harness::password_of("wz-coord"))
        .await;

    // Urging: a reply day in the past is refused; the district hears of it and replies.
    let urge = json!({"record_kind": "task", "record_id": task, "message": "请于本周内报送最新进展",
                      "reply_by": "2020-01-01"});
    let (status, e) = cq.post("/api/v1/urgings", urge.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "reply_by"), "date_in_past");
    let mut urge = urge;
    urge["reply_by"] = json!(in_days(3));
    let (status, u) = cq.post("/api/v1/urgings", urge).await;
    assert_eq!(status, StatusCode::OK, "{u}");
    assert_eq!(u["to_org_name"], "万州区侨联");
    let texts = inbox_texts(&wz_page, &app).await;
    assert!(
        texts.iter().any(|t| t.starts_with("重庆市侨联催办《")
            && t.contains(&format!("请于 {} 前回复", in_days(3)))),
        "{texts:?}"
    );
    let doc = crate::harness::page(&wz_page, &app.url(&format!("/tasks/{task}"))).await;
    let action = doc
        .select(&scraper::Selector::parse(".urging-reply-form").expect("selector"))
        .next()
        .and_then(|f| f.value().attr("action"))
        .expect("the reply form")
        .to_owned();
    let csrf = crate::harness::csrf_of(&wz_page, &app.url(&format!("/tasks/{task}"))).await;
    let sent = wz_page
        .post(app.url(&action))
        .form(&[("_csrf", csrf.as_str()), ("reply", "已报送，见进展台账")])
        .send()
        .await
        .expect("send");
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let id = u["id"].as_i64().expect("id");
    let (status, e) = wz
        .post(
            &format!("/api/v1/urgings/{id}/reply"),
            json!({"reply": "再次回复"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "reply"), "already_replied");
    let (_, list) = cq
        .get(&format!(
            "/api/v1/urgings?record_kind=task&record_id={task}"
        ))
        .await;
    assert_eq!(list[0]["reply"], "已报送，见进展台账", "{list}");

    // An extension: refused before today, not later than now, past the plan's end; then
    // asked, and a second one waits for the first.
    let today = qiaolian_core::settings::today();
    let floor = deadline.max(today);
    assert!(plan_end > floor, "the demo plan runs past {floor}");
    let new = (floor + chrono::Duration::days(30)).min(plan_end);
    let path = format!("/api/v1/tasks/{task}/extensions");
    for (day, code) in [
        ("2020-01-01".to_owned(), "date_in_past"),
        (
            (plan_end + chrono::Duration::days(1)).to_string(),
            "after_plan_end",
        ),
    ] {
        let (status, e) = wz
            .post(
                &path,
                json!({"reason": "外方日程调整", "new_deadline": day}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(field_code(&e, "new_deadline"), code, "{day}");
    }
    if deadline >= today {
        let (_, e) = wz
            .post(
                &path,
                json!({"reason": "x", "new_deadline": deadline.to_string()}),
            )
            .await;
        assert_eq!(field_code(&e, "new_deadline"), "extension_not_later");
    }
    // Asked twice at once (two clerks, or a double click): one request waits, the
    // other is refused.
    let body = json!({"reason": "外方代表团来访推迟至明年", "new_deadline": new.to_string()});
    let other = app.api_of("wz-coord").await;
    let (first, second) = tokio::join!(wz.post(&path, body.clone()), other.post(&path, body));
    let ((status, x), (_, refused)) = if first.0 == StatusCode::OK {
        (first, second)
    } else {
        (second, first)
    };
    assert_eq!(status, StatusCode::OK, "{x}");
    assert_eq!(field_code(&refused, "new_deadline"), "extension_pending");
    assert_eq!(x["state"], "pending");
    let (_, e) = wz
        .post(
            &path,
            json!({"reason": "再申请", "new_deadline": new.to_string()}),
        )
        .await;
    assert_eq!(field_code(&e, "new_deadline"), "extension_pending");
    // The lead cannot decide its own request unless it assigned the task itself.
    let decider_page = app
        .sign_in(decider, &crate::harness::password_of(decider))
        .await;
    let texts = inbox_texts(&decider_page, &app).await;
    assert!(
        texts
            .iter()
            .any(|t| t.contains(&format!("由 {deadline} 延至 {new}"))),
        "{texts:?}"
    );
    // Approved on the page: the deadline moves, the first one stays in the ledger.
    let csrf = crate::harness::csrf_of(&decider_page, &app.url(&format!("/tasks/{task}"))).await;
    let approved = decider_page
        .post(app.url(&format!("/tasks/{task}/extensions/decision")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("decision", "approve"),
            ("note", ""),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);
    let (_, t) = wz.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(t["task"]["deadline"], new.to_string(), "{t}");
    assert_eq!(t["task"]["first_deadline"], deadline.to_string());
    let ledger = crate::harness::page(&wz_page, &app.url("/ledger")).await;
    let row = crate::harness::select_text(&ledger, &format!("tr[data-task=\"{task}\"]")).join(" ");
    assert!(row.contains(&format!("原定 {deadline}")), "{row}");
    let texts = inbox_texts(&wz_page, &app).await;
    assert!(
        texts.iter().any(|t| t.contains(&format!("延至 {new}"))),
        "{texts:?}"
    );
    let (status, e) = wz
        .post(&format!("{path}/decision"), json!({"approve": true}))
        .await;
    assert!(
        status == StatusCode::FORBIDDEN || field_code(&e, "status") == "no_pending_extension",
        "{status} {e}"
    );

    // Handed back: a reason is required; then a draft again, and the assigner hears.
    let (_, t) = wz.get(&format!("/api/v1/tasks/{task}")).await;
    let version = t["task"]["version"].clone();
    let (status, e) = wz
        .post(
            &format!("/api/v1/tasks/{task}/steps"),
            json!({"step": "hand_back", "version": version}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "reason"), "required");
    let (status, t) = wz
        .post(
            &format!("/api/v1/tasks/{task}/steps"),
            json!({"step": "hand_back", "reason": "本单位无对口外方资源，建议改由涪陵区侨联牵头", "version": version}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["status"], "draft");
    let texts = inbox_texts(&decider_page, &app).await;
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("万州区侨联退回了任务《")),
        "{texts:?}"
    );
    let doc = crate::harness::page(&wz_page, &app.url(&format!("/tasks/{task}"))).await;
    let history = crate::harness::select_text(&doc, "#history").join(" ");
    for step in ["催办", "回复催办", "申请延期", "同意延期", "退办"] {
        assert!(history.contains(step), "{step} in {history}");
    }
}

both!(a_meeting_host_orders_a_resolution_followed_up_by_a_task_lead);

/// A joint meeting's host orders one of its resolutions followed up: the organization
/// named must lead one of its tasks or have been at the meeting; the host's page offers
/// the order.
async fn a_meeting_host_orders_a_resolution_followed_up_by_a_task_lead(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let mut tx = app.db.read().await.expect("read");
    // A resolution still to be carried out (no task yet, or one open) of a meeting with
    // another organization at it.
    let (resolution, meeting, host, lead): (i64, i64, i64, i64) = Sql::new(
        "select r.id, m.id, m.host_org_id, p.org_id from resolution r
         join meeting m on m.id = r.meeting_id
         join meeting_participant p on p.meeting_id = m.id and p.org_id <> m.host_org_id
         where not exists (select 1 from resolution_task rt join task t on t.id = rt.task_id
                           where rt.resolution_id = r.id and t.status in ('closed', 'cancelled'))
         order by r.id, p.org_id limit 1",
    )
    .all(&mut tx)
    .await
    .expect("resolutions")
    .pop()
    .expect("a demo resolution to be carried out");
    drop(tx);
    qiaolian_core::account::create(
        &app.db,
        None,
        &qiaolian_core::account::NewAccount {
            login: "host-coord".into(),
            display_name: "主办单位联络员".into(),
            org_id: Some(qiaolian_core::org::OrgId(host)),
            role: "coordinator".into(),
            password: crate::harness::password_of("host-coord"),
        },
    )
    .await
    .expect("account");
    let api = app.api_of("host-coord").await;
    let body = json!({"record_kind": "resolution", "record_id": resolution, "source": "meeting",
                      "source_note": "联席会议议定事项", "reason": "请按议定事项抓好落实",
                      "answer_due": in_days(10)});
    let (status, e) = api.post("/api/v1/orders", body.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(field_code(&e, "responsible_org_id"), "required");
    let mut named = body;
    named["responsible_org_id"] = json!(lead);
    let (status, o) = api.post("/api/v1/orders", named).await;
    assert_eq!(status, StatusCode::OK, "{o}");
    assert_eq!(o["record_kind"], "resolution");
    assert!(
        o["record_title"].as_str().is_some_and(|t| !t.is_empty()),
        "{o}"
    );
    // The order's record opens the meeting at the resolution.
    let c = app
        .sign_in("host-coord", &crate::harness::password_of("host-coord"))
        .await;
    let resp = c
        .get(app.url(&format!("/resolutions/{resolution}")))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let to = resp.headers()["location"].to_str().expect("location");
    assert!(
        to.starts_with(&format!("/meetings/{meeting}#resolution-")),
        "{to}"
    );
    let doc = crate::harness::page(&c, &app.url(&format!("/meetings/{meeting}"))).await;
    let offered = crate::harness::select_text(&doc, "a[id^='supervise-']");
    assert!(
        !offered.is_empty(),
        "the host's page offers an order on a live resolution"
    );
}
