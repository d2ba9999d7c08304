//! The donation ledger through the API and pages, on both backends: gifts of money and
//! goods add up per campaign exactly as listed, bad input is refused with nothing
//! stored, and a donation is seen only within the recipient's subtree.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Api, TestApp, both, field_code, page, select_text};

both!(
    donations_of_money_and_goods_add_up_per_campaign_as_listed,
    bad_donations_are_refused_and_nothing_is_stored,
    steps_back_need_a_reason_and_allocations_never_exceed_the_donation,
    donations_are_seen_and_recorded_only_within_the_recipients_subtree,
    the_demo_epidemic_campaign_reads_2247_wan_on_the_ledger,
);

async fn coordinator(app: &TestApp) -> Api {
    app.load_demo().await;
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.api_of("cq-coord").await
}

fn gift(recipient: i64, receipt: &str, amount: &str) -> Value {
    json!({"donor_name": "泰国川渝总商会", "donor_country": "TH", "given_on": "2020-02-01", "form": "money",
           "amount": amount, "campaign": "2020年抗击新冠肺炎疫情捐赠", "purpose": "抗击疫情",
           "recipient_org_id": recipient, "receipt_no": receipt})
}

async fn count(api: &Api) -> i64 {
    let (status, listed) = api.get("/api/v1/donations").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    listed["total"].as_i64().expect("total")
}

async fn donations_of_money_and_goods_add_up_per_campaign_as_listed(app: TestApp) {
    let api = coordinator(&app).await;
    let (cq, wz) = (
        app.org_id("重庆市侨联").await.0,
        app.org_id("万州区侨联").await.0,
    );
    let (status, money) = api
        .post("/api/v1/donations", gift(cq, "CQ-001", "1,000,000.50"))
        .await;
    assert_eq!(status, StatusCode::OK, "{money}");
    assert_eq!(money["amount_fen"], 100_000_050_i64, "kept to the fen");
    assert_eq!(money["status"], "received");
    assert_eq!(money["campaign_name"], "2020年抗击新冠肺炎疫情捐赠");
    let mut goods = gift(wz, "WZ-001", "250000");
    goods["form"] = json!("goods");
    goods["goods_description"] = json!("医用防护服 1000 套");
    goods["donor_country"] = json!("my");
    let (status, goods) = api.post("/api/v1/donations", goods).await;
    assert_eq!(status, StatusCode::OK, "{goods}");
    assert_eq!(goods["donor_country_zh"], "马来西亚");
    let mut pledge = gift(cq, "CQ-002", "30000");
    pledge["status"] = json!("pledged");
    let (status, _) = api.post("/api/v1/donations", pledge).await;
    assert_eq!(status, StatusCode::OK);
    let mut other = gift(cq, "CQ-003", "8000");
    other["campaign"] = json!("2023年“侨爱助学”捐赠");
    other["given_on"] = json!("2023-09-01");
    api.post("/api/v1/donations", other).await;

    let (_, campaigns) = api.get("/api/v1/donation-campaigns").await;
    let epidemic = campaigns
        .as_array()
        .expect("campaigns")
        .iter()
        .find(|c| c["name"] == "2020年抗击新冠肺炎疫情捐赠")
        .expect("campaign created on first use")
        .clone();
    assert_eq!(epidemic["year"], 2020);
    assert_eq!(epidemic["count"], 3);
    assert_eq!(epidemic["money_fen"], 100_000_050_i64 + 3_000_000);
    assert_eq!(epidemic["goods_fen"], 25_000_000);
    assert_eq!(epidemic["received_fen"], 100_000_050_i64 + 25_000_000);
    // The campaign's figures are exactly the sum of the rows the same filter lists.
    let id = &epidemic["campaign_id"];
    let (_, listed) = api
        .get(&format!("/api/v1/donations?campaign={id}&per_page=500"))
        .await;
    let rows = listed["items"].as_array().expect("items");
    assert_eq!(listed["total"], epidemic["count"]);
    let sum: i64 = rows
        .iter()
        .map(|d| d["amount_fen"].as_i64().expect("fen"))
        .sum();
    assert_eq!(json!(sum), epidemic["total_fen"]);
    let (_, goods_only) = api
        .get(&format!("/api/v1/donations?campaign={id}&form=goods"))
        .await;
    assert_eq!(goods_only["total"], 1);
    let (_, in_2023) = api.get("/api/v1/donations?year=2023").await;
    assert_eq!(in_2023["total"], 1);
    let (_, wanzhou) = api.get(&format!("/api/v1/donations?org={wz}")).await;
    assert_eq!(wanzhou["total"], 1, "the recipient's subtree");
    let (_, cq_side) = api.get("/api/v1/donations?side=cq&status=pledged").await;
    assert_eq!(cq_side["total"], 1);

    // The ledger page shows the same figures for the same filter.
    let c = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let ledger = page(&c, &app.url(&format!("/donations?campaign={id}"))).await;
    assert_eq!(select_text(&ledger, "#donations tbody tr").len(), 3);
    assert_eq!(select_text(&ledger, "#ledger-total"), ["128 万元"]);
    assert_eq!(
        select_text(&ledger, &format!("#campaign-{id} .campaign-total")),
        ["128 万元"]
    );
}

async fn bad_donations_are_refused_and_nothing_is_stored(app: TestApp) {
    let api = coordinator(&app).await;
    let (cq, wz) = (
        app.org_id("重庆市侨联").await.0,
        app.org_id("万州区侨联").await.0,
    );
    let (status, _) = api
        .post("/api/v1/donations", gift(cq, "CQ-001", "1000"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let before = count(&api).await;
    let mut goods = gift(cq, "CQ-009", "1000");
    goods["form"] = json!("goods");
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("amount", json!("-100"), "amount", "negative_amount"),
        ("amount", json!("一百万"), "amount", "bad_amount"),
        ("amount", json!("100.001"), "amount", "too_many_decimals"),
        ("amount", json!("0"), "amount", "zero_amount"),
        (
            "donor_country",
            json!("XX"),
            "donor_country",
            "unknown_country",
        ),
        (
            "recipient_org_id",
            json!(999_999),
            "recipient_org_id",
            "unknown_org",
        ),
        (
            "given_on",
            json!("2999-01-01"),
            "given_on",
            "date_in_future",
        ),
        ("receipt_no", json!(" "), "receipt_no", "required"),
        ("form", json!("shares"), "form", "unknown_value"),
    ];
    for (key, value, field, code) in cases {
        let mut body = gift(cq, "CQ-010", "1000");
        body[key] = value;
        let (status, answer) = api.post("/api/v1/donations", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(field_code(&answer, field), code, "{body}");
    }
    let (status, answer) = api.post("/api/v1/donations", goods).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "goods_description"), "required");
    let mut new_campaign = gift(cq, "CQ-001", "1000");
    new_campaign["campaign"] = json!("一个不该留下的新项目");
    let (status, answer) = api.post("/api/v1/donations", new_campaign).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(field_code(&answer, "receipt_no"), "duplicate_receipt");
    assert_eq!(count(&api).await, before, "no refused donation was stored");
    let (_, campaigns) = api.get("/api/v1/donation-campaigns").await;
    assert!(
        !campaigns.to_string().contains("一个不该留下的新项目"),
        "the campaign of a refused donation is not kept"
    );
    let (status, other) = api
        .post("/api/v1/donations", gift(wz, "CQ-001", "1000"))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the same number for another recipient is fine: {other}"
    );
    assert_eq!(count(&api).await, before + 1);
}

async fn steps_back_need_a_reason_and_allocations_never_exceed_the_donation(app: TestApp) {
    let api = coordinator(&app).await;
    let cq = app.org_id("重庆市侨联").await.0;
    let mut pledge = gift(cq, "CQ-001", "1000");
    pledge["status"] = json!("pledged");
    let (_, d) = api.post("/api/v1/donations", pledge).await;
    let id = d["id"].clone();
    let (_, answer) = api
        .post(
            &format!("/api/v1/donations/{id}/allocations"),
            json!({"use": "医疗物资采购", "amount": "100"}),
        )
        .await;
    assert_eq!(field_code(&answer, "amount"), "not_received");
    let (status, d) = api
        .post(
            &format!("/api/v1/donations/{id}/steps"),
            json!({"status": "received", "happened_on": "2020-02-10"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let (_, answer) = api
        .post(
            &format!("/api/v1/donations/{id}/steps"),
            json!({"status": "pledged", "happened_on": "2020-02-11"}),
        )
        .await;
    assert_eq!(field_code(&answer, "note"), "backwards_without_reason");
    let (_, answer) = api
        .post(
            &format!("/api/v1/donations/{id}/steps"),
            json!({"status": "allocated"}),
        )
        .await;
    assert_eq!(field_code(&answer, "status"), "not_fully_allocated");
    let (status, answer) = api
        .post(
            &format!("/api/v1/donations/{id}/steps"),
            json!({"status": "received", "version": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");

    let (status, d) = api
        .post(
            &format!("/api/v1/donations/{id}/allocations"),
            json!({"use": "医疗物资采购", "amount": "600", "allocated_on": "2020-02-15"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    assert_eq!(d["status"], "received");
    let (status, answer) = api
        .post(
            &format!("/api/v1/donations/{id}/allocations"),
            json!({"use": "一线医护慰问", "amount": "400.01", "allocated_on": "2020-02-16"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "amount"), "over_allocation");
    let (_, unchanged) = api.get(&format!("/api/v1/donations/{id}")).await;
    assert_eq!(unchanged["allocations"].as_array().map(Vec::len), Some(1));
    assert_eq!(unchanged["allocated_fen"], 60_000);
    let (status, d) = api
        .post(
            &format!("/api/v1/donations/{id}/allocations"),
            json!({"use": "一线医护慰问", "amount": "400", "allocated_on": "2020-02-16"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        d["status"], "allocated",
        "fully allocated in the same write"
    );
    let steps: Vec<&str> = d["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["status"].as_str().expect("status"))
        .collect();
    assert_eq!(steps, ["pledged", "received", "allocated"]);
    let (_, campaigns) = api.get("/api/v1/donation-campaigns").await;
    assert_eq!(campaigns[0]["allocated_fen"], 100_000);
}

async fn donations_are_seen_and_recorded_only_within_the_recipients_subtree(app: TestApp) {
    let api = coordinator(&app).await;
    let (wz, sc) = (
        app.org_id("万州区侨联").await.0,
        app.org_id("四川省侨联").await.0,
    );
    let (_, d) = api
        .post("/api/v1/donations", gift(wz, "WZ-001", "5000"))
        .await;
    let id = d["id"].clone();
    let (status, _) = api
        .post("/api/v1/donations", gift(sc, "SC-001", "5000"))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "Chongqing does not record for Sichuan"
    );

    app.user("wz-viewer", "万州区侨联", "viewer").await;
    let viewer = app.api_of("wz-viewer").await;
    let (status, seen) = viewer.get(&format!("/api/v1/donations/{id}")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a viewer reads its own federation's"
    );
    assert_eq!(seen["receipt_no"], "WZ-001");
    let (status, _) = viewer
        .post("/api/v1/donations", gift(wz, "WZ-002", "100"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a viewer cannot record");

    app.user("sc-coord", "四川省侨联", "coordinator").await;
    let sichuan = app.api_of("sc-coord").await;
    let (status, _) = sichuan.get(&format!("/api/v1/donations/{id}")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "outside the recipient's subtree the donation does not exist"
    );
    let (status, _) = sichuan
        .post(
            &format!("/api/v1/donations/{id}/allocations"),
            json!({"use": "x", "amount": "1"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(count(&sichuan).await, 0);
    let (_, campaigns) = sichuan.get("/api/v1/donation-campaigns").await;
    assert_eq!(
        campaigns[0]["count"], 0,
        "totals only over what one may read"
    );
    let c = app
        .sign_in("sc-coord", &crate::harness::password_of("sc-coord"))
        .await;
    let resp = c
        .get(app.url(&format!("/donations/{id}/receipt")))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(count(&api).await, 1, "Chongqing sees the district's");
}

async fn the_demo_epidemic_campaign_reads_2247_wan_on_the_ledger(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let api = app.admin_api().await;
    let (_, campaigns) = api.get("/api/v1/donation-campaigns").await;
    let epidemic = campaigns
        .as_array()
        .expect("campaigns")
        .iter()
        .find(|c| c["name"] == "2020年抗击新冠肺炎疫情捐赠")
        .expect("the epidemic campaign")
        .clone();
    let total = epidemic["total_fen"].as_i64().expect("fen");
    assert!(
        (total - 2_247_000_000).abs() <= 100_000,
        "about 22.47 million yuan, got {total}"
    );
    assert!(epidemic["count"].as_i64().expect("count") >= 35);
    assert!(epidemic["goods_fen"].as_i64().expect("goods") > 0);

    let c = app.sign_in("admin", crate::harness::ADMIN_PASSWORD).await;
    let ledger = page(&c, &app.url("/donations")).await;
    let id = epidemic["campaign_id"].clone();
    assert_eq!(
        select_text(&ledger, &format!("#campaign-{id} .campaign-total")),
        ["2247 万元"]
    );
    let (_, listed) = api.get(&format!("/api/v1/donations?campaign={id}")).await;
    let first = &listed["items"][0];
    let receipt = page(&c, &app.url(&format!("/donations/{}/receipt", first["id"]))).await;
    assert_eq!(
        select_text(&receipt, "#receipt-no"),
        [first["receipt_no"].as_str().expect("receipt no")]
    );
    assert!(select_text(&receipt, "#receipt-upper")[0].starts_with("人民币"));
}
