//! HTML pages over HTTP: sign-in, CSRF, forms with field errors, language, errors.

use reqwest::StatusCode;

use crate::harness::{ADMIN_PASSWORD, TestApp, both, csrf_of, html, select_text};

both!(
    the_sign_in_page_refuses_wrong_passwords_and_forged_forms,
    anonymous_visitors_are_sent_to_sign_in,
    the_organization_form_shows_field_errors_and_keeps_what_was_typed,
    the_interface_switches_between_chinese_and_english,
    a_password_change_signs_out_other_sessions,
    unknown_pages_and_forbidden_actions_get_friendly_pages,
    the_tree_list_and_detail_pages_show_the_demo_organizations,
);

async fn the_sign_in_page_refuses_wrong_passwords_and_forged_forms(app: TestApp) {
    let c = app.browser();
    let csrf = csrf_of(&c, &app.url("/login")).await;

    let forged = c
        .post(app.url("/login"))
        .form(&[
            ("_csrf", "0".repeat(64).as_str()),
            ("login", "admin"),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "a form without the right CSRF token is refused"
    );
    let page = html(&forged.text().await.expect("text"));
    assert_eq!(select_text(&page, ".empty-title"), vec!["页面已过期"]);

    let wrong = c
        .post(app.url("/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "admin"),
            ("password", "not-the-password"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let page = html(&wrong.text().await.expect("text"));
    assert_eq!(
        select_text(&page, "#login-error"),
        vec!["用户名或密码不正确。"]
    );
    let kept = scraper::Selector::parse("#login").expect("selector");
    assert_eq!(
        page.select(&kept)
            .next()
            .and_then(|e| e.value().attr("value")),
        Some("admin"),
        "the login stays typed"
    );

    let ok = c
        .post(app.url("/login"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("login", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "/orgs"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.headers()["location"], "/orgs");
    let cookie = ok.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    // An outside address in `next` is not followed.
    let c2 = app.browser();
    let csrf2 = csrf_of(&c2, &app.url("/login")).await;
    let resp = c2
        .post(app.url("/login"))
        .form(&[
            ("_csrf", csrf2.as_str()),
            ("login", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.headers()["location"], "/");
}

async fn anonymous_visitors_are_sent_to_sign_in(app: TestApp) {
    let c = app.browser();
    let resp = c.get(app.url("/orgs?side=cq")).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()["location"],
        "/login?next=%2Forgs%3Fside%3Dcq"
    );
}

async fn the_organization_form_shows_field_errors_and_keeps_what_was_typed(app: TestApp) {
    app.load_demo().await;
    let c = app.sign_in("admin", ADMIN_PASSWORD).await;
    let cq = app.org_id("重庆市侨联").await;
    let csrf = csrf_of(&c, &app.url(&format!("/orgs/new?parent={cq}"))).await;
    let parent = cq.to_string();
    let long_name = "长".repeat(101);
    let resp = c
        .post(app.url("/orgs"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", long_name.as_str()),
            ("kind", "federation"),
            ("level", "county"),
            ("side", "cq"),
            ("region_code", "509999"),
            ("parent_id", parent.as_str()),
            ("phone", "电话"),
            ("address", "重庆市渝中区<script>alert(1)</script>"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = resp.text().await.expect("text");
    assert!(
        !text.contains("<script>alert(1)</script>"),
        "typed HTML is escaped"
    );
    let page = html(&text);
    let errors = select_text(&page, ".invalid-feedback");
    assert!(
        errors.contains(&"不能超过 100 个字符".to_owned()),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("电话号码格式不正确")),
        "{errors:?}"
    );
    assert_eq!(
        select_text(&page, "#region-error"),
        vec!["没有这个行政区划代码"]
    );
    let address = scraper::Selector::parse("#address").expect("selector");
    assert_eq!(
        page.select(&address)
            .next()
            .and_then(|e| e.value().attr("value")),
        Some("重庆市渝中区<script>alert(1)</script>")
    );
    assert!(org_count(&app).await == 28, "nothing was stored");

    let resp = c
        .post(app.url("/orgs"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "渝中区解放碑街道侨联"),
            ("kind", "federation"),
            ("level", "township"),
            ("side", "cq"),
            ("region_code", "500103001"),
            (
                "parent_id",
                app.org_id("渝中区侨联").await.to_string().as_str(),
            ),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let detail = crate::harness::page(&c, &app.url(&location)).await;
    assert_eq!(
        select_text(&detail, "h1.page-title")
            .first()
            .map(|t| t.starts_with("渝中区解放碑街道侨联")),
        Some(true)
    );
    assert_eq!(
        select_text(&detail, ".breadcrumb-item a")[1..],
        ["中国侨联", "重庆市侨联", "渝中区侨联"]
    );
}

async fn org_count(app: &TestApp) -> i64 {
    let (_, body) = app
        .admin_api()
        .await
        .get("/api/v1/orgs?archived=true&per_page=1")
        .await;
    body["total"].as_i64().expect("total")
}

async fn the_interface_switches_between_chinese_and_english(app: TestApp) {
    let c = app.sign_in("admin", ADMIN_PASSWORD).await;
    let home = crate::harness::page(&c, &app.url("/")).await;
    assert_eq!(select_text(&home, "#navbar-menu .nav-link")[0], "首页");
    let csrf = csrf_of(&c, &app.url("/")).await;
    let resp = c
        .post(app.url("/locale"))
        .form(&[("_csrf", csrf.as_str()), ("lang", "en"), ("next", "/orgs")])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.headers()["location"], "/orgs");
    let orgs = crate::harness::page(&c, &app.url("/orgs")).await;
    assert_eq!(select_text(&orgs, "h1.page-title"), vec!["Organizations"]);
    let me = app.admin_api().await.get("/api/v1/me").await.1;
    assert_eq!(me["locale"], "en", "the choice is saved on the account");
    c.post(app.url("/locale"))
        .form(&[("_csrf", csrf.as_str()), ("lang", "zh-CN"), ("next", "/")])
        .send()
        .await
        .expect("send");
    let home = crate::harness::page(&c, &app.url("/")).await;
    assert_eq!(select_text(&home, "#navbar-menu .nav-link")[0], "首页");
}

async fn a_password_change_signs_out_other_sessions(app: TestApp) {
    let first = app.sign_in("admin", ADMIN_PASSWORD).await;
    let second = app.sign_in("admin", ADMIN_PASSWORD).await;
    let csrf = csrf_of(&first, &app.url("/account")).await;
    let resp = first
        .post(app.url("/account/password"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current_password", "wrong"),
            ("new_password", "short"),
            ("confirm_password", "x"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(&resp.text().await.expect("text"));
    let errors = select_text(&page, ".invalid-feedback");
    assert!(
        errors.contains(&"当前密码不正确".to_owned())
            && errors.contains(&"密码至少需要 10 个字符".to_owned()),
        "{errors:?}"
    );

    let resp = first
        .post(app.url("/account/password"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("current_password", ADMIN_PASSWORD),
            ("new_password", "a-brand-new-pw"),
            ("confirm_password", "a-brand-new-pw"),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        first
            .get(app.url("/account"))
            .send()
            .await
            .expect("send")
            .status(),
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        second
            .get(app.url("/account"))
            .send()
            .await
            .expect("send")
            .status(),
        StatusCode::SEE_OTHER,
        "other sessions end"
    );
    app.api_as("admin", "a-brand-new-pw").await;
}

async fn unknown_pages_and_forbidden_actions_get_friendly_pages(app: TestApp) {
    app.load_demo().await;
    app.user("lookonly", "成都市侨联", "viewer").await;
    let c = app
        .sign_in("lookonly", &crate::harness::password_of("lookonly"))
        .await;
    let resp = c.get(app.url("/no/such/page")).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let page = html(&resp.text().await.expect("text"));
    assert_eq!(select_text(&page, ".empty-title"), vec!["页面不存在"]);

    let resp = c.get(app.url("/orgs/999999")).send().await.expect("send");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    let cd = app.org_id("成都市侨联").await;
    let resp = c
        .get(app.url(&format!("/orgs/{cd}/edit")))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let page = html(&resp.text().await.expect("text"));
    assert_eq!(select_text(&page, ".empty-title"), vec!["没有权限"]);
    let detail = crate::harness::page(&c, &app.url(&format!("/orgs/{cd}"))).await;
    assert!(
        select_text(&detail, "#edit-org").is_empty(),
        "no edit button for a viewer"
    );
    assert_eq!(
        c.get(app.url("/users"))
            .send()
            .await
            .expect("send")
            .status(),
        StatusCode::FORBIDDEN
    );
}

async fn the_tree_list_and_detail_pages_show_the_demo_organizations(app: TestApp) {
    app.load_demo().await;
    let c = app.sign_in("admin", ADMIN_PASSWORD).await;
    let tree = crate::harness::page(&c, &app.url("/orgs/tree")).await;
    let top = select_text(&tree, "#org-tree > li > .org-row > a");
    assert_eq!(
        top,
        vec![
            "中国侨联",
            "平台管理",
            "缅甸川渝总商会",
            "泰国川渝总商会",
            "越南川渝企业联合会"
        ]
    );
    let second = select_text(&tree, "#org-tree > li > ul > li > .org-row > a");
    assert_eq!(second, vec!["重庆市侨联", "四川省侨联"]);
    let closed = select_text(&tree, "#org-tree > li > ul > li > ul[hidden] > li");
    assert!(closed.is_empty(), "the third level loads when opened");

    let cq = app.org_id("重庆市侨联").await;
    let children = c
        .get(app.url(&format!("/orgs/tree/children?parent={cq}")))
        .header("hx-request", "true")
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(!children.contains("<html"), "htmx gets a partial");
    assert!(children.contains("万州区侨联") && children.contains("重庆市侨联特聘专家委员会"));

    let list = crate::harness::page(&c, &app.url("/orgs?side=overseas")).await;
    assert_eq!(select_text(&list, "#org-total"), vec!["共 3 个"]);
    let partial = c
        .get(app.url("/orgs?side=overseas"))
        .header("hx-request", "true")
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(partial.trim_start().starts_with("<div id=\"org-results\""));

    let paged = crate::harness::page(&c, &app.url("/orgs?side=cq&per_page=5&page=2")).await;
    assert_eq!(select_text(&paged, ".card-footer p"), vec!["第 2 页 / 3"]);
    let next = scraper::Selector::parse(".pagination .page-link").expect("selector");
    let hrefs: Vec<&str> = paged
        .select(&next)
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(
        hrefs,
        vec![
            "/orgs?side=cq&page=1&per_page=5",
            "/orgs?side=cq&page=3&per_page=5"
        ]
    );

    let th = app.org_id("泰国川渝总商会").await;
    let detail = crate::harness::page(&c, &app.url(&format!("/orgs/{th}"))).await;
    assert!(select_text(&detail, "dd").iter().any(|t| t == "泰国"));
}
