//! Organizations through the JSON API: lists, filters, creation, edits and every refusal.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{TestApp, both, field_code};

both!(
    the_demo_organizations_list_with_the_paging_shape_and_filters,
    an_admin_creates_an_organization_with_a_region,
    bad_organizations_are_refused_with_field_errors_and_nothing_changes,
    a_move_under_its_own_descendant_is_refused,
    a_duplicate_name_under_the_same_parent_is_refused,
    malformed_and_oversized_bodies_get_clear_errors,
    the_second_of_two_concurrent_edits_gets_a_conflict,
    archiving_keeps_the_record_and_needs_no_active_children,
    a_federation_changes_only_its_own_subtree,
    viewers_and_anonymous_callers_cannot_write,
    users_are_listed_and_created_within_reach,
    regions_and_countries_are_served,
);

async fn total(app: &TestApp) -> i64 {
    let (_, body) = app
        .admin_api()
        .await
        .get("/api/v1/orgs?archived=true&per_page=1")
        .await;
    body["total"].as_i64().expect("total")
}

fn names(body: &Value) -> Vec<&str> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["name"].as_str().expect("name"))
        .collect()
}

async fn the_demo_organizations_list_with_the_paging_shape_and_filters(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;

    let (status, body) = api.get("/api/v1/orgs?per_page=5&page=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["page"], 2);
    assert_eq!(body["per_page"], 5);
    assert_eq!(body["items"].as_array().expect("items").len(), 5);
    // 27 demo organizations plus the system organization.
    assert_eq!(body["total"], 28);

    let (_, body) = api
        .get("/api/v1/orgs?side=sc&level=prefecture&per_page=100")
        .await;
    assert_eq!(body["total"], 7);
    assert!(names(&body).contains(&"成都市侨联"));

    let cq = app.org_id("重庆市侨联").await;
    let (_, body) = api
        .get(&format!("/api/v1/orgs?under={cq}&per_page=100"))
        .await;
    let under = names(&body);
    assert!(under.contains(&"重庆市侨联") && under.contains(&"万达开侨商联盟"));
    assert!(!under.contains(&"成都市侨联"));

    let (_, body) = api
        .get(&format!("/api/v1/orgs?parent={cq}&per_page=100"))
        .await;
    assert!(
        !names(&body).contains(&"重庆市侨联"),
        "parent= lists only children"
    );

    let (_, body) = api.get("/api/v1/orgs?kind=overseas_association").await;
    assert_eq!(body["total"], 3);
    assert_eq!(body["items"][0]["level"], "overseas");

    let (_, body) = api.get("/api/v1/orgs?q=%E4%B8%87%E5%B7%9E").await; // 万州
    assert_eq!(names(&body), vec!["万州区侨联"]);

    let (_, body) = api.get("/api/v1/orgs?q=100%25").await;
    assert_eq!(body["total"], 0, "a typed % is not a wildcard");

    let (status, body) = api.get("/api/v1/orgs?kind=castle").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&body, "kind"), "unknown_value");

    let (status, body) = api.get("/api/v1/orgs?under=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_query");
}

async fn an_admin_creates_an_organization_with_a_region(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let wanzhou = app.org_id("万州区侨联").await;
    let (status, body) = api
        .post(
            "/api/v1/orgs",
            json!({"name": "万州区高笋塘街道侨联", "kind": "federation", "level": "township", "side": "cq",
                   "region_code": "500101001", "parent_id": wanzhou.0, "phone": "+86 23 5812 3456"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["region_code"], "500101001");
    assert_eq!(body["parent_name"], "万州区侨联");
    assert_eq!(body["side_code"], "cq");
    assert_eq!(body["version"], 1);
    let id = body["id"].as_i64().expect("id");
    assert!(
        body["path"]
            .as_str()
            .expect("path")
            .ends_with(&format!("/{}/{id}/", wanzhou.0))
    );

    let (status, fetched) = api.get(&format!("/api/v1/orgs/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["region_name"], body["region_name"]);

    let cq = app.org_id("重庆市侨联").await;
    let (_, under) = api
        .get(&format!("/api/v1/orgs?under={cq}&level=township"))
        .await;
    assert_eq!(names(&under), vec!["万州区高笋塘街道侨联"]);
}

async fn bad_organizations_are_refused_with_field_errors_and_nothing_changes(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let before = total(&app).await;
    let sc = app.org_id("四川省侨联").await;

    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"kind": "federation", "level": "county", "side": "cq", "region_code": "500101"}),
            "name",
            "required",
        ),
        (
            json!({"name": "x", "level": "county", "side": "cq", "region_code": "500101"}),
            "kind",
            "required",
        ),
        (
            json!({"name": "x", "kind": "castle", "level": "county", "side": "cq", "region_code": "500101"}),
            "kind",
            "unknown_value",
        ),
        (
            json!({"name": "x", "kind": "federation", "level": "county", "side": "mars", "region_code": "500101"}),
            "side",
            "unknown_side",
        ),
        (
            json!({"name": "x", "kind": "federation", "level": "county", "side": "cq", "region_code": "509999"}),
            "region_code",
            "unknown_region",
        ),
        (
            json!({"name": "x", "kind": "federation", "level": "county", "side": "cq", "region_code": "50ab"}),
            "region_code",
            "bad_region_code",
        ),
        (
            json!({"name": "x", "kind": "federation", "level": "county", "side": "cq"}),
            "region_code",
            "required",
        ),
        (
            json!({"name": "x", "kind": "federation", "level": "prefecture", "side": "cq", "region_code": "510100"}),
            "region_code",
            "region_outside_side",
        ),
        (
            json!({"name": "x", "kind": "overseas_association", "level": "overseas", "side": "overseas"}),
            "country_code",
            "required",
        ),
        (
            json!({"name": "x", "kind": "overseas_association", "level": "overseas", "side": "overseas", "country_code": "QQ"}),
            "country_code",
            "unknown_country",
        ),
        (
            json!({"name": "x", "kind": "overseas_association", "level": "overseas", "side": "cq", "country_code": "TH"}),
            "side",
            "side_level_mismatch",
        ),
        (
            json!({"name": "x".repeat(101), "kind": "federation", "level": "prefecture", "side": "sc", "region_code": "510100"}),
            "name",
            "too_long",
        ),
        (
            json!({"name": "x", "kind": "federation", "level": "prefecture", "side": "sc", "region_code": "510100", "phone": "call me"}),
            "phone",
            "bad_phone",
        ),
        (
            json!({"name": "x", "kind": "federation", "level": "prefecture", "side": "sc", "region_code": "510100", "parent_id": 999_999}),
            "parent_id",
            "unknown_org",
        ),
        (
            json!({"name": "x", "kind": "federation", "level": "prefecture", "side": "sc", "region_code": "510100", "notes": "a\u{0}b", "parent_id": sc.0}),
            "notes",
            "control_chars",
        ),
    ];
    for (body, field, code) in cases {
        let (status, answer) = api.post("/api/v1/orgs", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} → {answer}"
        );
        assert_eq!(answer["error"]["code"], "invalid");
        assert_eq!(field_code(&answer, field), code, "{body}");
        assert!(
            !answer["error"]["fields"][field]["message"]
                .as_str()
                .expect("message")
                .is_empty()
        );
    }
    // Several problems are reported at once.
    let (_, answer) = api.post("/api/v1/orgs", json!({})).await;
    for field in ["name", "kind", "level", "side"] {
        assert_eq!(field_code(&answer, field), "required");
    }
    assert_eq!(
        total(&app).await,
        before,
        "no refused organization was stored"
    );
}

async fn a_move_under_its_own_descendant_is_refused(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let cq = app.org_id("重庆市侨联").await;
    let wanzhou = app.org_id("万州区侨联").await;
    let (_, org) = api.get(&format!("/api/v1/orgs/{cq}")).await;
    let mut input = org.clone();
    input["side"] = org["side_code"].clone();
    for (parent, code) in [(wanzhou.0, "parent_cycle"), (cq.0, "parent_cycle")] {
        input["parent_id"] = json!(parent);
        let (status, answer) = api
            .patch(&format!("/api/v1/orgs/{cq}"), input.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(field_code(&answer, "parent_id"), code);
    }
    let (_, after) = api.get(&format!("/api/v1/orgs/{cq}")).await;
    assert_eq!(after["parent_id"], org["parent_id"]);
    assert_eq!(after["version"], org["version"]);

    // A legitimate move re-roots the organization and everything below it.
    let alliance = app.org_id("万达开侨商联盟").await;
    let (_, child) = api
        .post(
            "/api/v1/orgs",
            json!({"name": "联盟秘书处", "kind": "other", "level": "county", "side": "cq",
                   "region_code": "500101", "parent_id": alliance.0}),
        )
        .await;
    let (_, a) = api.get(&format!("/api/v1/orgs/{alliance}")).await;
    let mut mv = a.clone();
    mv["side"] = a["side_code"].clone();
    mv["parent_id"] = json!(cq.0);
    let (status, moved) = api.patch(&format!("/api/v1/orgs/{alliance}"), mv).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert!(
        moved["path"]
            .as_str()
            .expect("path")
            .ends_with(&format!("/{}/{}/", cq.0, alliance.0))
    );
    let (_, c) = api.get(&format!("/api/v1/orgs/{}", child["id"])).await;
    assert!(
        c["path"]
            .as_str()
            .expect("path")
            .ends_with(&format!("/{}/{}/{}/", cq.0, alliance.0, child["id"]))
    );
    let _ = wanzhou;
}

async fn a_duplicate_name_under_the_same_parent_is_refused(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let cq = app.org_id("重庆市侨联").await;
    let before = total(&app).await;
    let (status, answer) = api
        .post(
            "/api/v1/orgs",
            json!({"name": "万州区侨联", "kind": "federation", "level": "county", "side": "cq",
                   "region_code": "500101", "parent_id": cq.0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(field_code(&answer, "name"), "duplicate_name");
    assert_eq!(total(&app).await, before);

    // The same name under another parent is fine.
    let sc = app.org_id("四川省侨联").await;
    let (status, _) = api
        .post(
            "/api/v1/orgs",
            json!({"name": "万州区侨联", "kind": "other", "level": "province", "side": "sc",
                   "region_code": "510000", "parent_id": sc.0}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn malformed_and_oversized_bodies_get_clear_errors(app: TestApp) {
    let api = app.admin_api().await;
    let before = total(&app).await;
    let resp = api
        .raw(reqwest::Method::POST, "/api/v1/orgs")
        .await
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("send");
    let (status, body) = crate::harness::json_of(resp).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_json");

    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let resp = api
        .raw(reqwest::Method::POST, "/api/v1/orgs")
        .await
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("send");
    let (status, body) = crate::harness::json_of(resp).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "too_large");

    // The server closes a connection whose body it refused; start afresh.
    let api = app.admin_api().await;
    let (status, body) = api.get("/api/v1/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(total(&app).await, before);
}

async fn the_second_of_two_concurrent_edits_gets_a_conflict(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let id = app.org_id("铜梁区侨联").await;
    let (_, org) = api.get(&format!("/api/v1/orgs/{id}")).await;
    let mut first = org.clone();
    first["side"] = org["side_code"].clone();
    first["phone"] = json!("023-45671234");
    let mut second = first.clone();
    second["phone"] = json!("023-45679999");

    let (status, saved) = api.patch(&format!("/api/v1/orgs/{id}"), first).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(saved["version"], 2);
    let (status, answer) = api.patch(&format!("/api/v1/orgs/{id}"), second).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["error"]["code"], "conflict");
    assert_eq!(answer["error"]["current_version"], 2);
    let (_, now) = api.get(&format!("/api/v1/orgs/{id}")).await;
    assert_eq!(now["phone"], "023-45671234", "the first save is kept");

    let (status, answer) = api
        .patch(&format!("/api/v1/orgs/{id}"), json!({"phone": "023-1"}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an edit must say which version it read"
    );
    assert_eq!(field_code(&answer, "version"), "required");

    // A partial edit keeps every field it leaves out; null clears an optional one.
    let (status, saved) = api
        .patch(
            &format!("/api/v1/orgs/{id}"),
            json!({"version": 2, "short_name": "铜梁侨联", "phone": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["short_name"], "铜梁侨联");
    assert_eq!(saved["phone"], Value::Null);
    assert_eq!(saved["name"], now["name"]);
    assert_eq!(saved["region_code"], now["region_code"]);
    let (status, answer) = api
        .patch(
            &format!("/api/v1/orgs/{id}"),
            json!({"version": 3, "name": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "name"), "wrong_type");
}

async fn archiving_keeps_the_record_and_needs_no_active_children(app: TestApp) {
    app.load_demo().await;
    let api = app.admin_api().await;
    let wanzhou = app.org_id("万州区侨联").await;
    let (status, answer) = api
        .post(&format!("/api/v1/orgs/{wanzhou}/archive"), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "archived"), "has_active_children");

    let alliance = app.org_id("万达开侨商联盟").await;
    let (status, archived) = api
        .post(&format!("/api/v1/orgs/{alliance}/archive"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(archived["archived_at"].is_string());
    let (_, listed) = api.get("/api/v1/orgs?q=%E4%B8%87%E8%BE%BE%E5%BC%80").await; // 万达开
    assert_eq!(listed["total"], 0);
    let (_, listed) = api
        .get("/api/v1/orgs?q=%E4%B8%87%E8%BE%BE%E5%BC%80&archived=true")
        .await;
    assert_eq!(listed["total"], 1);
    let (status, _) = api.get(&format!("/api/v1/orgs/{alliance}")).await;
    assert_eq!(status, StatusCode::OK, "archived records stay readable");

    // Its name is free again while it is archived, so restoring a clash is refused.
    let (status, _) = api
        .post(
            "/api/v1/orgs",
            json!({"name": "万达开侨商联盟", "kind": "alliance", "level": "county", "side": "cq",
                   "region_code": "500101", "parent_id": wanzhou.0}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = api
        .post(&format!("/api/v1/orgs/{alliance}/restore"), json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "name"), "duplicate_name");
}

async fn a_federation_changes_only_its_own_subtree(app: TestApp) {
    app.load_demo().await;
    app.user("sc-coord", "四川省侨联", "coordinator").await;
    app.user("sc-admin", "四川省侨联", "org_admin").await;
    let coord = app.api_of("sc-coord").await;
    let cq = app.org_id("重庆市侨联").await;
    let chengdu = app.org_id("成都市侨联").await;
    let sc = app.org_id("四川省侨联").await;

    let (_, cq_org) = coord.get(&format!("/api/v1/orgs/{cq}")).await;
    let mut edit = cq_org.clone();
    edit["side"] = cq_org["side_code"].clone();
    edit["notes"] = json!("不应保存");
    let (status, answer) = coord.patch(&format!("/api/v1/orgs/{cq}"), edit).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a Sichuan coordinator cannot edit Chongqing"
    );
    assert_eq!(answer["error"]["code"], "forbidden");

    let (_, cd) = coord.get(&format!("/api/v1/orgs/{chengdu}")).await;
    let mut edit = cd.clone();
    edit["side"] = cd["side_code"].clone();
    edit["address"] = json!("成都市青羊区");
    let (status, _) = coord.patch(&format!("/api/v1/orgs/{chengdu}"), edit).await;
    assert_eq!(status, StatusCode::OK, "a descendant is within reach");

    // Not even its own side: a coordinator cannot make Sichuan national.
    let (_, own) = coord.get(&format!("/api/v1/orgs/{sc}")).await;
    let mut edit = own.clone();
    edit["side"] = json!("national");
    let (status, answer) = coord.patch(&format!("/api/v1/orgs/{sc}"), edit).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(field_code(&answer, "side"), "side_change_not_allowed");
    let (_, still) = coord.get(&format!("/api/v1/orgs/{sc}")).await;
    assert_eq!(still["side_code"], own["side_code"]);

    let (status, _) = coord
        .post(&format!("/api/v1/orgs/{chengdu}/archive"), json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "coordinators do not archive");

    let admin = app.api_of("sc-admin").await;
    let (status, _) = admin
        .post(&format!("/api/v1/orgs/{sc}/archive"), json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an organization admin cannot archive their own organization"
    );
    let (status, _) = admin
        .post(
            "/api/v1/orgs",
            json!({"name": "新侨联", "kind": "federation", "level": "county", "side": "cq",
                   "region_code": "500101", "parent_id": cq.0}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "nor create under the other side"
    );
    let (status, _) = admin
        .post(
            "/api/v1/orgs",
            json!({"name": "顶级", "kind": "other", "level": "national", "side": "national"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only admins create top-level organizations"
    );
}

async fn viewers_and_anonymous_callers_cannot_write(app: TestApp) {
    app.load_demo().await;
    app.user("cd-viewer", "成都市侨联", "viewer").await;
    let viewer = app.api_of("cd-viewer").await;
    let chengdu = app.org_id("成都市侨联").await;
    let (status, _) = viewer.get("/api/v1/orgs").await;
    assert_eq!(status, StatusCode::OK, "viewers read the directory");
    let (status, _) = viewer
        .post(
            "/api/v1/orgs",
            json!({"name": "锦江区侨联", "kind": "federation", "level": "county", "side": "sc",
                   "region_code": "510104", "parent_id": chengdu.0}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let anon = app.anonymous_api();
    for path in [
        "/api/v1/orgs",
        "/api/v1/me",
        "/api/v1/regions",
        "/api/v1/users",
    ] {
        let (status, body) = anon.get(path).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    let (status, _) = anon.post("/api/v1/orgs", json!({"name": "x"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn users_are_listed_and_created_within_reach(app: TestApp) {
    app.load_demo().await;
    app.user("cq-admin", "重庆市侨联", "org_admin").await;
    app.user("wz-member", "万州区侨联", "member").await;
    let admin = app.admin_api().await;
    let (status, body) = admin.get("/api/v1/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["total"].as_i64().expect("total") >= 3);
    assert!(body["items"][0].get("password_hash").is_none());

    let member = app.api_of("wz-member").await;
    let (status, _) = member.get("/api/v1/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let cq_admin = app.api_of("cq-admin").await;
    let (_, mine) = cq_admin.get("/api/v1/users?per_page=100").await;
    let logins: Vec<&str> = mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["login"].as_str().expect("login"))
        .collect();
    assert!(
        logins.contains(&"wz-member") && !logins.contains(&"admin"),
        "{logins:?}"
    );

    let wanzhou = app.org_id("万州区侨联").await;
    let chengdu = app.org_id("成都市侨联").await;
    let (status, answer) = cq_admin
        .post("/api/v1/users", json!({"login": "boss", "display_name": "x", "org_id": wanzhou.0, "role": "admin", "password": "long-enough-pw"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "role"), "role_too_high");
    let (status, _) = cq_admin
        .post("/api/v1/users", json!({"login": "cd-user", "display_name": "x", "org_id": chengdu.0, "role": "member", "password": "long-enough-pw"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, created) = cq_admin
        .post("/api/v1/users", json!({"login": "WZ-Clerk", "display_name": "万州办事员", "org_id": wanzhou.0, "role": "coordinator", "password": "long-enough-pw"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    assert_eq!(created["login"], "wz-clerk");
    let (status, answer) = cq_admin
        .post("/api/v1/users", json!({"login": "wz-clerk", "display_name": "重复", "org_id": wanzhou.0, "role": "member", "password": "short"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&answer, "password"), "password_too_short");
    let (_, answer) = cq_admin
        .post("/api/v1/users", json!({"login": "wz-clerk", "display_name": "重复", "org_id": wanzhou.0, "role": "member", "password": "long-enough-pw"}))
        .await;
    assert_eq!(field_code(&answer, "login"), "login_taken");
}

async fn regions_and_countries_are_served(app: TestApp) {
    let api = app.admin_api().await;
    let (_, provinces) = api.get("/api/v1/regions").await;
    let codes: Vec<&str> = provinces
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, vec!["500000", "510000"]);

    let (_, cq) = api.get("/api/v1/regions?parent=500000").await;
    let cq = cq.as_array().expect("list");
    assert_eq!(
        cq.len(),
        38,
        "Chongqing has 38 districts and counties, without pseudo prefectures"
    );
    assert!(
        cq.iter()
            .any(|r| r["code"] == "500101" && r["name"] == "万州区" && r["level"] == "county")
    );

    let (_, chengdu) = api.get("/api/v1/regions?parent=510100").await;
    assert!(
        chengdu
            .as_array()
            .expect("list")
            .iter()
            .any(|r| r["code"] == "510104" && r["name"] == "锦江区")
    );
    let (_, towns) = api.get("/api/v1/regions?parent=500101").await;
    assert!(
        towns
            .as_array()
            .expect("list")
            .iter()
            .all(|r| r["level"] == "township")
    );

    let (_, found) = api.get("/api/v1/regions?q=%E5%A5%89%E8%8A%82").await; // 奉节
    assert_eq!(found[0]["code"], "500236");

    let (_, countries) = api.get("/api/v1/countries").await;
    let countries = countries.as_array().expect("list");
    assert_eq!(countries.len(), 249);
    assert!(
        countries
            .iter()
            .any(|c| c["alpha2"] == "TH" && c["name_zh"] == "泰国" && c["name_en"] == "Thailand")
    );
    assert!(
        countries
            .iter()
            .any(|c| c["alpha2"] == "TW" && c["name_zh"] == "中国台湾")
    );

    let (_, sides) = api.get("/api/v1/sides").await;
    let codes: Vec<&str> = sides
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, vec!["cq", "sc", "national", "overseas"]);
}
