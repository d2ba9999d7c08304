//! Overseas associations on both backends: where they are, when founded, how many
//! members, their visits and exchanges with the federations, and refusals of bad details.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{
    ADMIN_PASSWORD, Api, TestApp, both, csrf_of, field_code, html, page, select_text,
};

both!(
    an_associations_page_and_api_show_where_it_is_its_members_and_its_visits,
    bad_founding_dates_and_member_counts_are_refused_and_nothing_is_stored,
    the_association_list_shows_country_and_city_and_filters_by_country,
);

async fn an_associations_page_and_api_show_where_it_is_its_members_and_its_visits(app: TestApp) {
    app.load_demo().await;
    app.user("cd-viewer", "成都市侨联", "viewer").await;
    let admin = app.admin_api().await;
    let (thai, cq, sc) = (
        app.org_id("泰国川渝总商会").await.0,
        app.org_id("重庆市侨联").await.0,
        app.org_id("四川省侨联").await.0,
    );
    // The demo gives the named associations their city, founding day and members.
    let (status, a) = admin.get(&format!("/api/v1/orgs/{thai}")).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(
        (&a["city"], &a["founded_on"], &a["members_count"]),
        (&json!("曼谷"), &json!("2012-06-16"), &json!(860))
    );

    for (day, from, to, summary) in [
        ("2023-06-12", cq, vec![thai], "走访泰国川渝总商会"),
        ("2024-04-20", thai, vec![cq, sc], "商会代表团回访重庆、成都"),
        ("2024-05-01", cq, vec![sc], "川渝侨联座谈"),
    ] {
        let (status, e) = admin
            .post(
                "/api/v1/exchanges",
                json!({"happened_on": day, "kind": "visit", "from_org_id": from, "to_org_ids": to, "summary": summary}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{e}");
    }
    let (status, event) = admin
        .post(
            "/api/v1/events",
            json!({"kind": "liaison", "title": "东南亚侨团走访联谊", "starts_on": "2024-06-10", "ends_on": "2024-06-16",
                   "status": "held", "country_code": "TH",
                   "orgs": [{"org_id": cq, "role": "host"}, {"org_id": thai, "role": "supporter"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{event}");

    // A viewer on the other side reads the association's record, newest first.
    let viewer = app.api_of("cd-viewer").await;
    let (status, visits) = viewer.get(&format!("/api/v1/orgs/{thai}/visits")).await;
    assert_eq!(status, StatusCode::OK, "{visits}");
    let summaries: Vec<&str> = visits["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .map(|e| e["summary"].as_str().expect("summary"))
        .collect();
    assert_eq!(
        summaries,
        ["商会代表团回访重庆、成都", "走访泰国川渝总商会"],
        "the exchange between the two federations is not the association's"
    );
    assert_eq!(visits["events"][0]["id"], event["id"]);
    assert_eq!(visits["events"].as_array().map(Vec::len), Some(1));
    let (status, _) = viewer.get("/api/v1/orgs/999999/visits").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let c = app
        .sign_in("cd-viewer", &crate::harness::password_of("cd-viewer"))
        .await;
    let doc = page(&c, &app.url(&format!("/orgs/{thai}"))).await;
    assert_eq!(select_text(&doc, "#org-city"), ["曼谷"]);
    assert_eq!(select_text(&doc, "#org-founded"), ["2012-06-16"]);
    assert_eq!(select_text(&doc, "#org-members-count"), ["860"]);
    let exchanges = select_text(&doc, "#org-exchanges .list-group-item");
    assert_eq!(exchanges.len(), 2, "{exchanges:?}");
    assert!(
        exchanges[0].contains("商会代表团回访重庆、成都") && exchanges[0].contains("2024-04-20")
    );
    assert!(exchanges[1].contains("走访泰国川渝总商会"));
    let sel = scraper::Selector::parse("#org-events a.list-group-item").expect("css");
    let links: Vec<&str> = doc
        .select(&sel)
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(links, [format!("/events/{}", event["id"])]);
    assert!(
        select_text(&doc, "#org-events")
            .join("")
            .contains("东南亚侨团走访联谊")
    );

    // A federation without visits says so rather than showing an empty box.
    let quiet = page(
        &c,
        &app.url(&format!("/orgs/{}", app.org_id("乐山市侨联").await)),
    )
    .await;
    assert_eq!(
        select_text(&quiet, "#org-exchanges .card-body.text-secondary"),
        ["暂无交流记录。"]
    );
    assert!(
        select_text(&quiet, "#org-city").is_empty(),
        "a federation has no association details"
    );
}

async fn bad_founding_dates_and_member_counts_are_refused_and_nothing_is_stored(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let thai = app.org_id("泰国川渝总商会").await.0;
    let path = format!("/api/v1/orgs/{thai}");
    let (_, before) = api.get(&path).await;
    let version = before["version"].clone();
    for (body, field, code) in [
        (
            json!({"founded_on": "2999-01-01"}),
            "founded_on",
            "date_in_future",
        ),
        (
            json!({"founded_on": "2024-02-30"}),
            "founded_on",
            "bad_date",
        ),
        (json!({"members_count": -1}), "members_count", "bad_count"),
        (
            json!({"members_count": "很多"}),
            "members_count",
            "wrong_type",
        ),
        (json!({"city": "曼".repeat(61)}), "city", "too_long"),
    ] {
        let mut body = body;
        body["version"] = version.clone();
        let (status, answer) = api.patch(&path, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} → {answer}"
        );
        assert_eq!(field_code(&answer, field), code, "{body}");
    }
    let (status, answer) = api
        .post(
            "/api/v1/orgs",
            json!({"name": "新加坡川渝商会（演示）", "kind": "overseas_association", "level": "overseas", "side": "overseas",
                   "country_code": "SG", "founded_on": "2999-01-01", "members_count": -5}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "founded_on"), "date_in_future");
    assert_eq!(field_code(&answer, "members_count"), "bad_count");

    // The form answers in Chinese and keeps what was typed.
    let c = app.sign_in("admin", ADMIN_PASSWORD).await;
    let csrf = csrf_of(&c, &app.url(&format!("/orgs/{thai}/edit"))).await;
    let form = |founded: &'static str, members: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("name", "泰国川渝总商会".to_owned()),
            ("kind", "overseas_association".to_owned()),
            ("level", "overseas".to_owned()),
            ("side", "overseas".to_owned()),
            ("country_code", "TH".to_owned()),
            ("city", "曼谷".to_owned()),
            ("founded_on", founded.to_owned()),
            ("members_count", members.to_owned()),
            ("version", version.to_string()),
        ]
    };
    let resp = c
        .post(app.url(&format!("/orgs/{thai}")))
        .form(&form("2999-01-01", "-3"))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let doc = html(&resp.text().await.expect("text"));
    assert_eq!(
        select_text(&doc, ".invalid-feedback"),
        ["日期不能晚于今天", "数量应为不小于 0 的整数"]
    );
    let kept = scraper::Selector::parse("#members_count").expect("css");
    assert_eq!(
        doc.select(&kept)
            .next()
            .and_then(|e| e.value().attr("value")),
        Some("-3")
    );
    let resp = c
        .post(app.url(&format!("/orgs/{thai}")))
        .form(&form("2012-06-16", "约五百"))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let doc = html(&resp.text().await.expect("text"));
    assert_eq!(
        select_text(&doc, ".invalid-feedback"),
        ["数量应为不小于 0 的整数"]
    );

    let (_, after) = api.get(&path).await;
    assert_eq!(after, before, "nothing was stored");
    let (_, all) = api.get("/api/v1/orgs?kind=overseas_association").await;
    assert_eq!(all["total"], 3);

    // A good edit is stored against the version read; a second one on it conflicts.
    let edit = json!({"city": "清迈", "founded_on": "2012-06-18", "members_count": 900, "version": version});
    let (status, saved) = api.patch(&path, edit.clone()).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(
        (
            &saved["city"],
            &saved["founded_on"],
            &saved["members_count"]
        ),
        (&json!("清迈"), &json!("2012-06-18"), &json!(900))
    );
    assert_eq!(
        saved["version"],
        before["version"].as_i64().expect("version") + 1
    );
    let (status, _) = api.patch(&path, edit).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, cleared) = api
        .patch(
            &path,
            json!({"members_count": null, "version": saved["version"]}),
        )
        .await;
    assert_eq!(
        (status, &cleared["members_count"]),
        (StatusCode::OK, &Value::Null)
    );
}

async fn the_association_list_shows_country_and_city_and_filters_by_country(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let names = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|o| o["name"].as_str().expect("name").to_owned())
            .collect()
    };
    let (_, th) = api
        .get("/api/v1/orgs?kind=overseas_association&country=th")
        .await;
    assert_eq!(names(&th), ["泰国川渝总商会"]);
    let (_, none) = api.get("/api/v1/orgs?kind=federation&country=TH").await;
    assert_eq!(none["total"], 0);
    let (status, bad) = api.get("/api/v1/orgs?country=THA").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&bad, "country"), "unknown_country");

    let c = app.sign_in("admin", ADMIN_PASSWORD).await;
    let list = |q: &'static str| {
        let c = c.clone();
        let url = app.url(&format!("/orgs?{q}"));
        async move { page(&c, &url).await }
    };
    let doc = list("kind=overseas_association").await;
    assert_eq!(
        select_text(&doc, "#org-results thead th"),
        ["名称", "国家或地区", "所在城市", "成立时间", "会员数"]
    );
    assert_eq!(select_text(&doc, "#org-results tbody tr").len(), 3);
    let doc = list("kind=overseas_association&country=MM").await;
    assert_eq!(
        select_text(&doc, "#org-results tbody td"),
        ["缅甸川渝总商会", "缅甸", "仰光", "2015-09-20", "420"]
    );
    let doc = list("country=VN").await;
    assert!(
        select_text(&doc, "#org-results thead th").contains(&"层级".to_owned()),
        "other lists keep their columns"
    );
    assert_eq!(select_text(&doc, "#org-results tbody tr").len(), 1);

    crate::harness::switch_to_english(&c, &app).await;
    let doc = list("kind=overseas_association&country=TH").await;
    assert_eq!(
        select_text(&doc, "#org-results thead th"),
        ["Name", "Country or region", "City", "Founded", "Members"]
    );
    assert_eq!(
        select_text(&doc, "#org-results tbody td")[..3],
        ["泰国川渝总商会", "Thailand", "曼谷"]
    );
}

/// The full demo: the federations have visited 30+ associations, each with its place,
/// founding day and members; the three named ones also have an event to show.
pub(crate) async fn demo_associations_have_visits(api: &Api) {
    let (_, list) = api
        .get("/api/v1/orgs?kind=overseas_association&per_page=100")
        .await;
    let all = list["items"].as_array().expect("items");
    assert!(all.len() >= 30, "30+ associations: {}", all.len());
    for a in all {
        assert!(
            a["city"].is_string() && a["founded_on"].is_string() && a["members_count"].is_i64(),
            "{a}"
        );
        let (_, v) = api.get(&format!("/api/v1/orgs/{}/visits", a["id"])).await;
        assert!(
            !v["exchanges"].as_array().expect("exchanges").is_empty(),
            "{} was never visited: {v}",
            a["name"]
        );
        let named = ["泰国川渝总商会", "缅甸川渝总商会", "越南川渝企业联合会"];
        if named.contains(&a["name"].as_str().expect("name")) {
            assert!(!v["events"].as_array().expect("events").is_empty(), "{v}");
        }
    }
    let (_, gifts) = api.get("/api/v1/donations?per_page=100").await;
    assert!(
        gifts["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|d| d["donor_name"] == "新加坡川渝商会（演示）" && d["donor_org_id"].is_i64()),
        "a demo association's gift links to it"
    );
}
