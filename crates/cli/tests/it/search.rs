//! Search across everything, on both backends: folding, segmentation, names by one or
//! two characters and by pinyin, the same best hit on both engines, and nothing the
//! reader may not see — neither a title nor a count.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Api, TestApp, both, field_code, page};

both!(
    traditional_characters_and_pinyin_find_simplified_records_best_hit_first,
    people_are_found_by_one_or_two_characters_of_their_name_and_by_pinyin,
    nothing_the_reader_may_not_see_is_listed_or_counted,
    bad_queries_get_clear_answers_and_never_an_error_page,
    the_results_page_groups_hits_by_kind_and_pages_through_one_kind,
    merged_people_are_found_once_and_an_undone_merge_finds_both_again,
    a_common_word_is_counted_up_to_a_thousand,
);

async fn setup(app: &TestApp) -> Api {
    app.load_demo().await;
    for (login, org, role) in [
        ("cq-coord", "重庆市侨联", "coordinator"),
        ("sc-coord", "四川省侨联", "coordinator"),
        ("cd-viewer", "成都市侨联", "viewer"),
        ("wz-admin", "万州区侨联", "org_admin"),
    ] {
        app.user(login, org, role).await;
    }
    app.api_of("cq-coord").await
}

fn person(name: &str, owner: i64, sharing: &str) -> Value {
    json!({"name": name, "gender": "male", "residence_country": "TH", "categories": ["overseas_leader"],
           "owner_org_id": owner, "sharing": sharing, "legal_basis": "consent", "basis_on": "2024-09-10",
           "basis_scope": "侨务联络", "basis_source": "本人签字的登记表", "confirm_new": true})
}

async fn search(api: &Api, q: &str) -> Value {
    let (status, body) = api.get(&format!("/api/v1/search?q={}", encode(q))).await;
    assert_eq!(status, StatusCode::OK, "{q}: {body}");
    body
}

/// Percent-encodes every byte but letters and digits, as a form would.
fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The group of one kind, or `Value::Null` when there is none.
fn group<'a>(results: &'a Value, kind: &str) -> &'a Value {
    results["groups"]
        .as_array()
        .and_then(|gs| gs.iter().find(|g| g["kind"] == kind))
        .unwrap_or(&Value::Null)
}

fn titles(results: &Value, kind: &str) -> Vec<String> {
    group(results, kind)["hits"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .map(|h| h["title"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn traditional_characters_and_pinyin_find_simplified_records_best_hit_first(app: TestApp) {
    let api = setup(&app).await;
    for q in [
        "重慶市僑聯",
        "重庆市侨联",
        "  重慶市僑聯 ",
        "chongqingshiqiaolian",
    ] {
        let r = search(&api, q).await;
        assert_eq!(
            titles(&r, "org").first().map(String::as_str),
            Some("重庆市侨联"),
            "{q}: the exact name ranks first on both engines: {r}"
        );
    }
    let r = search(&api, "僑聯").await;
    let orgs = group(&r, "org");
    assert!(
        orgs["total"].as_i64() > Some(20),
        "every federation is a 侨联: {orgs}"
    );
    assert_eq!(
        orgs["hits"].as_array().map(Vec::len),
        Some(5),
        "five per group"
    );

    let r = search(&api, "ＣＨＯＮＧＱＩＮＧ").await;
    assert!(
        titles(&r, "org").contains(&"重庆市侨联".to_owned()),
        "full-width pinyin, and 重 read chong in 重庆: {r}"
    );
    let r = search(&api, "泰國川渝總商會").await;
    assert_eq!(titles(&r, "org"), vec!["泰国川渝总商会"], "{r}");
}

async fn people_are_found_by_one_or_two_characters_of_their_name_and_by_pinyin(app: TestApp) {
    let api = setup(&app).await;
    let owner = app.org_id("重庆市侨联").await.0;
    for name in ["陈志明", "陈志强", "李志明"] {
        let (status, p) = api.post("/api/v1/people", person(name, owner, "all")).await;
        assert_eq!(status, StatusCode::OK, "{p}");
    }
    let r = search(&api, "志明").await;
    assert_eq!(
        titles(&r, "person"),
        vec!["李志明", "陈志明"],
        "two characters: {r}"
    );
    let r = search(&api, "陳志明").await;
    assert_eq!(
        titles(&r, "person").first().map(String::as_str),
        Some("陈志明"),
        "{r}"
    );
    let r = search(&api, "陈").await;
    let found = titles(&r, "person");
    assert!(
        found.contains(&"陈志明".to_owned()) && found.contains(&"陈志强".to_owned()),
        "one character: {r}"
    );
    for q in ["chen zhiming", "chenzhiming", "zhiming", "Chen Zhi Ming"] {
        let r = search(&api, q).await;
        assert!(
            titles(&r, "person").contains(&"陈志明".to_owned()),
            "{q}: {r}"
        );
    }
    let r = search(&api, "chenzhiming").await;
    assert_eq!(
        titles(&r, "person").first().map(String::as_str),
        Some("陈志明"),
        "the full pinyin ranks its name first: {r}"
    );
}

async fn nothing_the_reader_may_not_see_is_listed_or_counted(app: TestApp) {
    let cq = setup(&app).await;
    let owner = app.org_id("重庆市侨联").await.0;
    let (status, hidden) = cq
        .post("/api/v1/people", person("欧阳秘密", owner, "own_org"))
        .await;
    assert_eq!(status, StatusCode::OK, "{hidden}");
    let (_, erased) = cq
        .post("/api/v1/people", person("欧阳已删", owner, "all"))
        .await;
    let admin = app.admin_api().await;
    let (status, _) = admin
        .post(&format!("/api/v1/people/{}/erase", erased["id"]), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);

    let wanzhou = app.org_id("万州区侨联").await.0;
    let kaizhou = app.org_id("开州区侨联").await.0;
    let wz = app.api_of("wz-admin").await;
    let (status, a) = wz
        .post(
            "/api/v1/agreements",
            json!({"kind": "framework", "title": "万开机密合作框架协议", "status": "draft",
                   "parties": [{"org_id": wanzhou, "role": "lead"}, {"org_id": kaizhou, "role": "signatory"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");

    let cd = app.api_of("cd-viewer").await;
    for q in ["欧阳", "秘密", "ouyang", "机密", "万开机密合作框架协议"] {
        let r = search(&cd, q).await;
        assert_eq!(
            r["groups"],
            json!([]),
            "{q}: a Chengdu viewer sees neither titles nor counts"
        );
    }
    let r = search(&cq, "欧阳").await;
    assert_eq!(
        titles(&r, "person"),
        vec!["欧阳秘密"],
        "its owner finds it; an erased person is found by nobody: {r}"
    );
    assert_eq!(group(&r, "person")["total"], 1);
    let r = search(&cq, "机密").await;
    assert_eq!(
        titles(&r, "agreement"),
        vec!["万开机密合作框架协议"],
        "the level above the parties sees their agreement"
    );
    let sc = app.api_of("sc-coord").await;
    assert_eq!(search(&sc, "机密").await["groups"], json!([]));
}

async fn bad_queries_get_clear_answers_and_never_an_error_page(app: TestApp) {
    let api = setup(&app).await;
    let (status, body) = api
        .post("/api/v1/search", json!({"q": "侨".repeat(10_000)}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_code(&body, "q"), "too_long");
    let (status, body) = api
        .get(&format!("/api/v1/search?q={}", "a".repeat(10_000)))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    for q in ["！？。，", "'\"%_;--", "   ", "<>&*()"] {
        let r = search(&api, q).await;
        assert_eq!(
            (r["searched"].as_bool(), r["groups"].clone()),
            (Some(false), json!([])),
            "{q:?} asks for nothing"
        );
    }
    for q in [
        "'; drop table org; --",
        "<script>alert(1)</script>",
        "\" OR 1=1 --",
        "侨联 AND NOT OR NEAR",
        "a:* & !b | c",
    ] {
        let r = search(&api, q).await;
        assert_eq!(r["searched"], true, "{q}");
    }
    assert!(titles(&search(&api, "重庆").await, "org").contains(&"重庆市侨联".to_owned()));

    let (status, body) = api.get("/api/v1/search?q=侨联&kind=secret").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_code(&body, "kind"), "unknown_value");
    let (status, _) = app.anonymous_api().get("/api/v1/search?q=侨联").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn the_results_page_groups_hits_by_kind_and_pages_through_one_kind(app: TestApp) {
    setup(&app).await;
    let c = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let doc = page(&c, &app.url("/search?q=僑聯")).await;
    let groups = crate::harness::select_text(&doc, "section.card h2");
    assert_eq!(
        groups.first().map(String::as_str),
        Some("组织"),
        "{groups:?}"
    );
    let more = crate::harness::select_text(&doc, "#group-org .search-more");
    assert!(
        more.first().is_some_and(|m| m.starts_with("查看全部")),
        "{more:?}"
    );
    let doc = page(&c, &app.url("/search?q=僑聯&kind=org&per_page=5&page=2")).await;
    assert_eq!(
        crate::harness::select_text(&doc, "#group-org .search-hit").len(),
        5,
        "page two of the organizations"
    );

    let doc = page(&c, &app.url(&format!("/search?q={}", "侨".repeat(300)))).await;
    let error = crate::harness::select_text(&doc, "#search-error");
    assert_eq!(error, vec!["不能超过 100 个字符"], "a clear message");
    let doc = page(&c, &app.url("/search?q=%E3%80%8A%E3%80%8B%E2%80%A6%3C%3E")).await;
    assert_eq!(
        crate::harness::select_text(&doc, "#search-nothing .empty-title"),
        vec!["请输入文字、字母或数字"]
    );
    let doc = page(&c, &app.url("/search?q=%3Cscript%3E")).await;
    assert!(
        doc.root_element().html().contains("&lt;script&gt;"),
        "the query is shown escaped"
    );
}

async fn merged_people_are_found_once_and_an_undone_merge_finds_both_again(app: TestApp) {
    let api = setup(&app).await;
    let owner = app.org_id("重庆市侨联").await.0;
    let (_, own) = api
        .post("/api/v1/people", person("司马志远", owner, "all"))
        .await;
    let (_, other) = api
        .post("/api/v1/people", person("司馬志遠", owner, "all"))
        .await;
    assert_eq!(titles(&search(&api, "司马").await, "person").len(), 2);

    let (status, merged) = api
        .post(
            &format!("/api/v1/people/{}/merge", own["id"]),
            json!({"with": other["id"], "version": own["version"], "other_version": other["version"],
                   "choose": {"name": "other"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    assert_eq!(
        titles(&search(&api, "司马").await, "person"),
        vec!["司馬志遠"],
        "the survivor under the name chosen, the merged record gone"
    );
    let (_, merges) = api
        .get(&format!("/api/v1/people/{}/merges", own["id"]))
        .await;
    let (status, undone) = api
        .post(
            &format!(
                "/api/v1/people/{}/merges/{}/undo",
                own["id"], merges[0]["id"]
            ),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{undone}");
    let mut found = titles(&search(&api, "司马志远").await, "person");
    found.sort();
    assert_eq!(found, vec!["司馬志遠", "司马志远"]);
}

async fn a_common_word_is_counted_up_to_a_thousand(app: TestApp) {
    let api = setup(&app).await;
    // 2,002 organizations in one statement (more than search filters by kind itself),
    // the oldest named exactly what will be searched for, then the documents rebuilt as
    // at start-up.
    let insert = "insert into org (name, kind, level, side_id, path, created_at, updated_at)
        with recursive n(i) as (select 1 union all select i + 1 from n where i < 2002)
        select case when i = 1 then '联络站' else '侨联联络站' || (i - 1) end, 'federation',
               'community', (select min(id) from side), '/0/',
               '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z' from n";
    match &app.db {
        qiaolian_core::Db::Sqlite(pool, ..) => sqlx::query(insert).execute(pool).await.map(|_| ()),
        qiaolian_core::Db::Postgres(pool, _) => sqlx::query(insert).execute(pool).await.map(|_| ()),
    }
    .expect("insert");
    qiaolian_core::search::rebuild(&app.db)
        .await
        .expect("rebuild");

    // Start-up's rebuild has stored the current format: the kind words are in use.
    let format = "select value from meta where key = 'search_format'";
    let stored: Option<String> = match &app.db {
        qiaolian_core::Db::Sqlite(pool, ..) => {
            sqlx::query_scalar(format).fetch_optional(pool).await
        }
        qiaolian_core::Db::Postgres(pool, _) => {
            sqlx::query_scalar(format).fetch_optional(pool).await
        }
    }
    .expect("format");
    assert_eq!(stored, Some(qiaolian_core::search::format_digest()));
    let r = search(&api, "联络站").await;
    let orgs = group(&r, "org");
    assert_eq!(
        (orgs["total"].as_i64(), orgs["more"].as_bool()),
        (Some(100), Some(true)),
        "all kinds together examine the newest hundred: {orgs}"
    );
    let (status, one_kind) = api
        .get(&format!("/api/v1/search?q={}&kind=org", encode("联络站")))
        .await;
    assert_eq!(status, StatusCode::OK, "{one_kind}");
    assert_eq!(
        (
            group(&one_kind, "org")["total"].as_i64(),
            group(&one_kind, "org")["more"].as_bool()
        ),
        (Some(1000), Some(true)),
        "one kind examines the newest thousand: {one_kind}"
    );
    assert_eq!(
        titles(&r, "org").first().map(String::as_str),
        Some("联络站"),
        "the exact name ranks first though two thousand newer matches come before it: {r}"
    );
    // While documents of an older format are being rebuilt, search filters kinds
    // itself and finds the same.
    let stale = "update meta set value = 'stale' where key = 'search_format'";
    match &app.db {
        qiaolian_core::Db::Sqlite(pool, ..) => sqlx::query(stale).execute(pool).await.map(|_| ()),
        qiaolian_core::Db::Postgres(pool, _) => sqlx::query(stale).execute(pool).await.map(|_| ()),
    }
    .expect("stale format");
    let again = search(&api, "联络站").await;
    assert_eq!(again, r, "the same answer without the kind words");
    let r = search(&api, "侨联联络站1001").await;
    assert_eq!(
        titles(&r, "org").first().map(String::as_str),
        Some("侨联联络站1001"),
        "the exact name still ranks first among a thousand and more: {r}"
    );
    let c = app
        .sign_in("cq-coord", &crate::harness::password_of("cq-coord"))
        .await;
    let doc = page(&c, &app.url("/search?q=联络站")).await;
    assert_eq!(
        crate::harness::select_text(&doc, "#group-org .group-total"),
        vec!["共 100+ 条"]
    );
    let doc = page(&c, &app.url("/search?q=联络站&kind=org")).await;
    assert_eq!(
        crate::harness::select_text(&doc, "#group-org .group-total"),
        vec!["共 1000+ 条"]
    );
}
