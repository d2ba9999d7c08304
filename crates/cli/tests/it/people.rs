//! The directory of people on both backends: consent recorded, contacts masked unless
//! revealed, sharing levels, audited reveal/export/edit/erase, and a verifiable trail.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Api, TestApp, both, field_code};

both!(
    contacts_are_masked_until_an_authorized_user_reveals_them_and_the_audit_shows_it,
    sharing_decides_who_may_find_a_person,
    bad_people_are_refused_with_field_errors_and_nothing_is_stored,
    edits_exports_and_erasure_are_audited_and_the_chain_verifies,
    likely_duplicates_are_flagged_and_can_be_confirmed_as_different_people,
    coverage_counts_countries_with_someone_the_reader_may_see,
    a_person_is_edited_on_the_page_and_keeps_the_links_of_their_affiliations,
    the_directory_names_countries_in_the_language_of_the_interface,
);

async fn setup(app: &TestApp) -> (Api, i64) {
    app.load_demo().await;
    for (login, org, role) in [
        ("cq-coord", "重庆市侨联", "coordinator"),
        ("cq-admin", "重庆市侨联", "org_admin"),
        ("sc-coord", "四川省侨联", "coordinator"),
        ("cd-viewer", "成都市侨联", "viewer"),
        ("wz-member", "万州区侨联", "member"),
    ] {
        app.user(login, org, role).await;
    }
    (
        app.api_of("cq-coord").await,
        app.org_id("重庆市侨联").await.0,
    )
}

fn leader(owner: i64, sharing: &str) -> Value {
    json!({"name": "陈志明", "foreign_name": "Chen Chee Meng", "gender": "male", "residence_country": "TH", "nationality": "TH",
           "origin_region": "500101", "categories": ["overseas_leader", "businessperson"], "tags": ["泰国川渝总商会"],
           "contacts": [{"kind": "phone", "value": "+66 81 234 5678"}, {"kind": "email", "value": "chen@example.org"}],
           "affiliations": [{"org_name": "泰国川渝总商会", "position": "会长", "from_on": "2018-01-01"}],
           "owner_org_id": owner, "sharing": sharing, "legal_basis": "consent", "basis_on": "2024-09-10",
           "basis_scope": "侨务联络与活动邀请", "basis_source": "2024 侨商大会签到表（本人签字同意）"})
}

async fn contacts_are_masked_until_an_authorized_user_reveals_them_and_the_audit_shows_it(
    app: TestApp,
) {
    let (cq, owner) = setup(&app).await;
    let (status, p) = cq.post("/api/v1/people", leader(owner, "all")).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["pinyin"], "chen zhi ming", "pinyin is derived");
    assert_eq!(
        p["contacts"][0]["value"], "+66 ****5678",
        "even its author reads it masked until revealing"
    );
    let path = format!("/api/v1/people/{}", p["id"]);

    let viewer = app.api_of("cd-viewer").await;
    let (status, seen) = viewer.get(&path).await;
    assert_eq!(status, StatusCode::OK, "shared with all federations");
    assert_eq!(
        (
            seen["masked"].as_bool(),
            seen["contacts"][1]["value"].as_str()
        ),
        (Some(true), Some("c***@example.org"))
    );
    let (status, _) = viewer.post(&format!("{path}/reveal"), json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a viewer may not unmask");

    let sc = app.api_of("sc-coord").await;
    let (status, clear) = sc.post(&format!("{path}/reveal"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{clear}");
    assert_eq!(clear["contacts"][0]["value"], "+66 81 234 5678");
    let (_, trail) = cq.get(&format!("{path}/audit")).await;
    assert_eq!(trail[0]["action"], "view_contacts");
    assert_eq!(trail[0]["account_name"], "测试sc-coord");
    assert_eq!(trail[1]["action"], "create");

    for q in [
        "陈志",
        "陳志",
        "chen",
        "chenzhi",
        "Chee Meng",
        "志",
        "ＣＨＥＮ",
    ] {
        let (_, found) = viewer.get(&format!("/api/v1/people?q={q}")).await;
        assert_eq!(found["total"], 1, "{q}");
        assert!(
            found["items"][0]["contacts"]
                .as_array()
                .is_none_or(Vec::is_empty),
            "lists carry no contacts"
        );
    }
    let (_, none) = viewer.get("/api/v1/people?q=%25%25%25").await;
    assert_eq!(none["total"], 0, "LIKE wildcards are matched literally");
}

async fn sharing_decides_who_may_find_a_person(app: TestApp) {
    let (cq, owner) = setup(&app).await;
    let mut ids = Vec::new();
    for sharing in ["own_org", "own_side", "all"] {
        let mut body = leader(owner, sharing);
        body["name"] = json!(format!("侨领{sharing}"));
        body["confirm_new"] = json!(true);
        let (status, p) = cq.post("/api/v1/people", body).await;
        assert_eq!(status, StatusCode::OK, "{p}");
        ids.push(p["id"].clone());
    }
    let counts = async |login: &str| {
        let api = app.api_of(login).await;
        let (_, page) = api.get("/api/v1/people").await;
        let mut visible = Vec::new();
        for id in &ids {
            let (status, _) = api.get(&format!("/api/v1/people/{id}")).await;
            visible.push(status == StatusCode::OK);
        }
        (page["total"].as_i64(), visible)
    };
    assert_eq!(
        counts("wz-member").await,
        (Some(3), vec![true, true, true]),
        "below the owner: everything"
    );
    assert_eq!(
        counts("sc-coord").await,
        (Some(1), vec![false, false, true]),
        "the other side: only what is shared with all"
    );
    let (_, all) = app.admin_api().await.get("/api/v1/people").await;
    assert_eq!(all["total"], 3, "administrators see everyone");
}

async fn bad_people_are_refused_with_field_errors_and_nothing_is_stored(app: TestApp) {
    let (cq, owner) = setup(&app).await;
    let cases = [
        (
            "contacts",
            json!([{"kind": "phone", "value": "call me maybe"}]),
            "bad_phone",
        ),
        (
            "contacts",
            json!([{"kind": "email", "value": "chen@"}]),
            "bad_email",
        ),
        ("residence_country", json!("XX"), "unknown_country"),
        ("origin_region", json!("999999"), "unknown_region"),
        (
            "affiliations",
            json!([{"org_name": "某商会", "from_on": "2020-01-01", "to_on": "2019-01-01"}]),
            "ends_before_start",
        ),
        ("legal_basis", json!("because"), "unknown_value"),
        ("basis_source", json!(""), "required"),
        ("basis_on", json!("2999-01-01"), "date_in_future"),
        ("categories", json!(["spy"]), "unknown_value"),
        ("name", json!(""), "required"),
    ];
    for (field, value, code) in cases {
        let mut body = leader(owner, "all");
        body[field] = value;
        let (status, answer) = cq.post("/api/v1/people", body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {answer}"
        );
        assert_eq!(field_code(&answer, field), code, "{field}");
    }
    let (status, _) = app
        .api_of("cd-viewer")
        .await
        .post(
            "/api/v1/people",
            leader(app.org_id("成都市侨联").await.0, "all"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a viewer records no one");
    let (status, _) = app
        .api_of("sc-coord")
        .await
        .post("/api/v1/people", leader(owner, "all"))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "nor for another side's organization"
    );
    let (_, all) = app.admin_api().await.get("/api/v1/people").await;
    assert_eq!(all["total"], 0, "nothing was stored");

    let (status, answer) = cq
        .get(&format!("/api/v1/people?q={}", "侨".repeat(2_000)))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let mut html = leader(owner, "all");
    html["name"] = json!("<script>alert(1)</script>");
    let (status, p) = cq.post("/api/v1/people", html).await;
    assert_eq!(status, StatusCode::OK);
    let c = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let body = c
        .get(app.url(&format!("/people/{}", p["id"])))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(
        !body.contains("<script>alert(1)</script>") && body.contains("&#60;script&#62;"),
        "names are escaped on pages: {body}"
    );
}

async fn edits_exports_and_erasure_are_audited_and_the_chain_verifies(app: TestApp) {
    let (cq, owner) = setup(&app).await;
    let (_, p) = cq.post("/api/v1/people", leader(owner, "own_side")).await;
    let path = format!("/api/v1/people/{}", p["id"]);
    let mut edit = leader(owner, "all");
    edit["version"] = p["version"].clone();
    edit["contacts"] = json!([{"kind": "phone", "value": "13812345678"}]);
    let (status, saved) = cq.put(&path, edit.clone()).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (status, _) = cq.put(&path, edit).await;
    assert_eq!(status, StatusCode::CONFLICT, "a stale version is refused");

    let (status, _) = cq.post(&format!("{path}/export"), json!({})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "exports are for the owner's administrators"
    );
    let admin = app.api_of("cq-admin").await;
    let (status, full) = admin.post(&format!("{path}/export"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(full["contacts"][0]["value"], "13812345678");
    let (status, erased) = admin.post(&format!("{path}/erase"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    assert!(
        erased["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("已删除"))
    );
    assert_eq!(erased["contacts"], json!([]));
    assert!(erased["erased_at"].is_string());

    let (_, trail) = cq.get(&format!("{path}/audit")).await;
    let actions: Vec<&str> = trail
        .as_array()
        .expect("trail")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions, ["erase", "export", "update", "create"]);
    assert_eq!(
        trail[2]["detail"], "contacts,sharing",
        "the update names what changed, not the values"
    );
    assert_eq!(
        qiaolian_core::audit::verify(&app.db).await.expect("verify"),
        None
    );
    // Altering an entry breaks the chain from there on.
    let mut tx = app.db.write().await.expect("tx");
    qiaolian_core::on!(&mut tx, |c| {
        sqlx::query("update audit set detail = 'nothing to see' where action = 'update'")
            .execute(c)
            .await
            .expect("tamper");
    });
    tx.commit().await.expect("commit");
    assert!(
        qiaolian_core::audit::verify(&app.db)
            .await
            .expect("verify")
            .is_some(),
        "tampering shows"
    );
}

async fn likely_duplicates_are_flagged_and_can_be_confirmed_as_different_people(app: TestApp) {
    let (cq, owner) = setup(&app).await;
    let (status, first) = cq.post("/api/v1/people", leader(owner, "all")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let mut lin = leader(owner, "all");
    lin["name"] = json!("林美玲");
    lin["foreign_name"] = Value::Null;
    lin["contacts"] = json!([]);
    let (status, _) = cq.post("/api/v1/people", lin).await;
    assert_eq!(status, StatusCode::OK);

    let variant = |name: &str, country: &str, contacts: Value| {
        let mut body = leader(owner, "all");
        body["name"] = json!(name);
        body["foreign_name"] = Value::Null;
        body["residence_country"] = json!(country);
        body["contacts"] = contacts;
        body
    };
    for (body, reason) in [
        (variant("陳志明", "TH", json!([])), "same_name"),
        (
            variant(
                "王五",
                "US",
                json!([{"kind": "phone", "value": "+66-81-234-5678"}]),
            ),
            "same_phone",
        ),
        (
            variant(
                "王五",
                "US",
                json!([{"kind": "email", "value": "CHEN@example.org"}]),
            ),
            "same_email",
        ),
        (variant("Meiling Lin", "US", json!([])), "romanized_name"),
    ] {
        let (status, refused) = cq.post("/api/v1/people", body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(field_code(&refused, "duplicates"), "likely_duplicate");
        let (_, found) = cq.post("/api/v1/people/duplicates", body).await;
        assert_eq!(found[0]["reason"], reason, "{found}");
    }
    let mut confirmed = variant("陳志明", "TH", json!([]));
    confirmed["confirm_new"] = json!(true);
    let (status, _) = cq.post("/api/v1/people", confirmed).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a user who checked may record them anyway"
    );

    // Someone the user may not see is never offered as a duplicate: that would leak them.
    let sc = app.api_of("sc-coord").await;
    let mut hidden = variant(
        "赵六",
        "FR",
        json!([{"kind": "phone", "value": "+33 6 12 34 56 78"}]),
    );
    hidden["owner_org_id"] = json!(app.org_id("四川省侨联").await.0);
    hidden["sharing"] = json!("own_org");
    let (status, _) = sc.post("/api/v1/people", hidden).await;
    assert_eq!(status, StatusCode::OK);
    let probe = variant(
        "赵六",
        "FR",
        json!([{"kind": "phone", "value": "+33 6 12 34 56 78"}]),
    );
    let (_, found) = cq.post("/api/v1/people/duplicates", probe).await;
    assert_eq!(found, json!([]));
}

async fn coverage_counts_countries_with_someone_the_reader_may_see(app: TestApp) {
    let (cq, owner) = setup(&app).await;
    for (name, country, sharing) in [
        ("甲", "DE", "all"),
        ("乙", "DE", "all"),
        ("丙", "FR", "own_org"),
    ] {
        let mut body = leader(owner, sharing);
        body["name"] = json!(name);
        body["residence_country"] = json!(country);
        body["contacts"] = json!([]);
        body["foreign_name"] = Value::Null;
        let (status, p) = cq.post("/api/v1/people", body).await;
        assert_eq!(status, StatusCode::OK, "{p}");
    }
    let (_, mine) = cq.get("/api/v1/people/coverage").await;
    let countries: Vec<(&str, i64, i64)> = mine["countries"]
        .as_array()
        .expect("countries")
        .iter()
        .map(|c| {
            (
                c["alpha2"].as_str().unwrap_or(""),
                c["people"].as_i64().unwrap_or(0),
                c["associations"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    // The demo organizations include associations in Thailand, Myanmar and Vietnam.
    assert_eq!(countries[0], ("DE", 2, 0), "{countries:?}");
    assert!(countries.contains(&("FR", 1, 0)) && countries.contains(&("TH", 0, 1)));
    assert_eq!(mine["covered"], 5);
    assert_eq!(mine["total"], 248, "every country and region but China");
    let (_, theirs) = app
        .api_of("sc-coord")
        .await
        .get("/api/v1/people/coverage")
        .await;
    assert_eq!(
        theirs["covered"], 4,
        "a person not shared with the reader does not count for them"
    );
    let c = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let page = crate::harness::page(&c, &app.url("/people/coverage")).await;
    assert_eq!(crate::harness::select_text(&page, "#covered"), ["5"]);
    assert_eq!(crate::harness::select_text(&page, "#share"), ["2.0%"]);
}

/// The demo directory reaches the article's 80%+ of countries and regions.
pub(crate) async fn demo_directory_covers_the_article(api: &Api) {
    let (_, c) = api.get("/api/v1/people/coverage").await;
    let (covered, total) = (
        c["covered"].as_i64().expect("covered"),
        c["total"].as_i64().expect("total"),
    );
    assert!(covered * 100 >= total * 80, "{covered} of {total}");
    for code in ["TH", "MM", "VN"] {
        let (_, found) = api
            .get(&format!(
                "/api/v1/people?country={code}&category=overseas_leader"
            ))
            .await;
        assert!(found["total"].as_i64() >= Some(1), "a leader in {code}");
    }
}

async fn a_person_is_edited_on_the_page_and_keeps_the_links_of_their_affiliations(app: TestApp) {
    let (cq, owner) = setup(&app).await;
    let mut body = leader(owner, "all");
    body["affiliations"] = json!([{"org_id": app.org_id("泰国川渝总商会").await.0, "position": "会长", "from_on": "2018-01-01"}]);
    let (status, p) = cq.post("/api/v1/people", body).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let c = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let edit_url = app.url(&format!("/people/{}/edit", p["id"]));
    let form = crate::harness::page(&c, &edit_url).await;
    let value = |css: &str| {
        let sel = scraper::Selector::parse(css).expect("css");
        form.select(&sel)
            .next()
            .and_then(|e| e.value().attr("value"))
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        value("#contact-value-0"),
        "+66 81 234 5678",
        "the edit form shows contacts in the clear"
    );
    let (_, trail) = cq.get(&format!("/api/v1/people/{}/audit", p["id"])).await;
    assert_eq!(
        trail[0]["action"], "view_contacts",
        "so opening it is recorded"
    );

    let csrf = crate::harness::csrf_of(&c, &edit_url).await;
    let owner_s = owner.to_string();
    let send = async |version: &str| {
        c.post(app.url(&format!("/people/{}", p["id"])))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("version", version),
                ("name", "陈志明"),
                ("gender", "male"),
                ("residence_country", "MY"),
                ("contact_kind", "phone"),
                ("contact_value", "+60 12 345 6789"),
                ("aff_org_id", value("input[name=aff_org_id]").as_str()),
                ("aff_org", "泰国川渝总商会"),
                ("aff_position", "名誉会长"),
                ("aff_from", "2018-01-01"),
                ("owner_org_id", owner_s.as_str()),
                ("sharing", "all"),
                ("legal_basis", "consent"),
                ("basis_on", "2024-09-10"),
                ("basis_scope", "侨务联络"),
                ("basis_source", "登记表"),
            ])
            .send()
            .await
            .expect("send")
    };
    let resp = send("1").await;
    assert!(
        resp.status().is_redirection() || resp.status() == StatusCode::OK,
        "{}",
        resp.status()
    );
    let (_, after) = app
        .admin_api()
        .await
        .get(&format!("/api/v1/people/{}", p["id"]))
        .await;
    assert_eq!(after["residence_country"], "MY");
    assert_eq!(after["affiliations"][0]["position"], "名誉会长");
    assert!(
        after["affiliations"][0]["org_id"].is_i64(),
        "the link to the association is kept: {after}"
    );
    let assoc = crate::harness::page(
        &c,
        &app.url(&format!("/orgs/{}", app.org_id("泰国川渝总商会").await.0)),
    )
    .await;
    assert!(
        crate::harness::select_text(&assoc, "#org-members")
            .join("")
            .contains("名誉会长"),
        "the association's page lists its leaders and their terms"
    );
    let stale = send("1").await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let doc = crate::harness::html(&stale.text().await.expect("text"));
    assert!(!crate::harness::select_text(&doc, "#conflict").is_empty());
}

async fn the_directory_names_countries_in_the_language_of_the_interface(app: TestApp) {
    let (cq, owner) = setup(&app).await;
    let (status, p) = cq.post("/api/v1/people", leader(owner, "all")).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let c = app
        .sign_in("sc-coord", &crate::harness::password_of("sc-coord"))
        .await;
    let (list, person) = (app.url("/people"), app.url(&format!("/people/{}", p["id"])));
    let country = |doc: &scraper::Html| {
        crate::harness::select_text(doc, "#people-list tbody td:nth-child(3)")
    };
    assert_eq!(country(&crate::harness::page(&c, &list).await), ["泰国"]);

    crate::harness::switch_to_english(&c, &app).await;
    assert_eq!(
        country(&crate::harness::page(&c, &list).await),
        ["Thailand"],
        "an English reader gets the English name"
    );
    let shown = crate::harness::select_text(&crate::harness::page(&c, &person).await, "dd");
    assert!(shown.iter().any(|d| d == "Thailand"), "{shown:?}");
    assert!(!shown.iter().any(|d| d == "泰国"), "{shown:?}");
}
