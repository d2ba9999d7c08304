//! Journeys in a real headless Chromium (Debian's chromium + chromedriver).
//! A failing journey leaves a screenshot in target/browser-failures/.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::harness::{ADMIN_PASSWORD, TestApp, both};

both!(
    an_admin_creates_an_organization_sees_it_in_the_tree_and_switches_language,
    two_federations_run_an_agreement_from_signature_to_a_closed_task,
    a_joint_meeting_is_recorded_and_a_resolution_becomes_a_task,
    a_coordinator_records_an_event_signs_a_project_and_sees_it_land,
    a_coordinator_records_a_donation_and_prints_its_receipt,
    a_person_is_recorded_a_duplicate_flagged_and_contacts_revealed_only_to_those_allowed,
    a_search_in_traditional_characters_finds_the_simplified_record,
    a_duplicate_saved_anyway_is_merged_with_its_history_and_the_merge_undone,
    a_clerk_imports_a_spreadsheet_and_decides_on_the_flagged_duplicate,
    a_leader_narrows_the_battle_map_to_a_district_and_opens_its_figures,
    a_leader_reviews_last_months_ledger_with_its_changes_and_exports_it,
    a_province_orders_a_late_task_the_district_answers_and_asks_for_more_time,
);

type Step<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver() -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let child =
        Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver not found: install Debian's chromium-driver (.ci/run does)");
    let driver = Driver { child, port };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

async fn browser(driver: &Driver) -> Client {
    let caps = json!({
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                     "--lang=zh-CN"]
        }
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("cannot start Chromium through chromedriver")
}

/// Runs a journey; on failure keeps a screenshot and the page source, then fails.
async fn journey<F, Fut>(name: &str, app: &TestApp, steps: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = Step<()>>,
{
    let driver = start_driver().await;
    let client = browser(&driver).await;
    client
        .set_window_size(1366, 768)
        .await
        .expect("window size");
    let result = steps(client.clone()).await;
    if let Err(e) = &result {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-failures");
        let _ = std::fs::create_dir_all(&dir);
        let file = format!("{name}-{:?}", app.backend).to_lowercase();
        if let Ok(png) = client.screenshot().await {
            let _ = std::fs::write(dir.join(format!("{file}.png")), png);
        }
        if let Ok(src) = client.source().await {
            let _ = std::fs::write(dir.join(format!("{file}.html")), src);
        }
        let _ = client.close().await;
        panic!("journey {name} failed: {e}");
    }
    let _ = client.close().await;
}

async fn wait_text(c: &Client, css: &str, expected: &str) -> Step<()> {
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Css(css)).await
            && el.text().await.unwrap_or_default().contains(expected)
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{css} never showed {expected:?}").into())
}

/// Picks an option once it is there; htmx may replace the select meanwhile, so
/// stale elements are looked up again.
async fn choose(c: &Client, css: &str, value: &str) -> Step<()> {
    let option = format!("{css} option[value='{value}']");
    let mut last = String::new();
    for _ in 0..100 {
        if c.find(Locator::Css(&option)).await.is_ok() {
            match c
                .find(Locator::Css(css))
                .await?
                .select_by_value(value)
                .await
            {
                Ok(()) => return Ok(()),
                Err(e) => last = e.to_string(),
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("could not choose {value} in {css}: {last}").into())
}

async fn wait_value(c: &Client, css: &str, expected: &str) -> Step<()> {
    for _ in 0..100 {
        if let Ok(el) = c.find(Locator::Css(css)).await
            && el.prop("value").await.ok().flatten().as_deref() == Some(expected)
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{css} never had the value {expected:?}").into())
}

/// Clicks an element after scrolling it into the middle of the window, as a person
/// would; looks it up again if the page replaced it meanwhile.
async fn click(c: &Client, css: &str) -> Step<()> {
    let mut last = String::new();
    for _ in 0..50 {
        let attempt = async {
            let el = c.wait().for_element(Locator::Css(css)).await?;
            c.execute(
                "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
                vec![serde_json::to_value(&el)?],
            )
            .await?;
            el.click().await?;
            Step::Ok(())
        };
        match attempt.await {
            Ok(()) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("could not click {css}: {last}").into())
}

/// Serious or critical accessibility problems axe-core finds on the current page.
async fn axe(c: &Client) -> Step<Vec<String>> {
    const AXE: &str = include_str!("../assets/axe.min.js");
    c.execute(AXE, vec![]).await?;
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']}).then(r => done(
               r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))));",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(found)?)
}

async fn an_admin_creates_an_organization_sees_it_in_the_tree_and_switches_language(app: TestApp) {
    app.load_demo().await;
    let cq = app.org_id("重庆市侨联").await;
    let base = app.base.clone();
    journey("create-org", &app, |c| async move {
        c.goto(&format!("{base}/")).await?;
        c.wait()
            .for_element(Locator::Css("#login"))
            .await?
            .send_keys("admin")
            .await?;
        c.find(Locator::Css("#password"))
            .await?
            .send_keys(ADMIN_PASSWORD)
            .await?;
        let problems = axe(&c).await?;
        if !problems.is_empty() {
            return Err(format!("accessibility problems on the sign-in page: {problems:?}").into());
        }
        click(&c, "#login-submit").await?;
        wait_text(&c, "h1.page-title", "欢迎").await?;

        c.goto(&format!("{base}/orgs/new?parent={cq}")).await?;
        c.wait()
            .for_element(Locator::Css("#name"))
            .await?
            .send_keys("万州区龙都街道侨联")
            .await?;
        c.find(Locator::Css("#level"))
            .await?
            .select_by_value("township")
            .await?;
        // The region picker reloads itself after each choice.
        choose(&c, "#region-level-1", "500000").await?;
        choose(&c, "#region-level-2", "500101").await?;
        choose(&c, "#region-level-3", "500101020").await?;
        wait_value(&c, "#region_code", "500101020").await?;
        let problems = axe(&c).await?;
        if !problems.is_empty() {
            return Err(format!("accessibility problems on the form: {problems:?}").into());
        }
        click(&c, "#org-save").await?;
        wait_text(&c, "h1.page-title", "万州区龙都街道侨联").await?;
        wait_text(&c, "dl", "重庆市 / 万州区").await?;

        click(&c, ".breadcrumb-item a").await?;
        wait_text(&c, ".org-node-highlight", "万州区龙都街道侨联").await?;
        let problems = axe(&c).await?;
        if !problems.is_empty() {
            return Err(format!("accessibility problems on the tree: {problems:?}").into());
        }

        click(&c, "#lang-switch").await?;
        wait_text(&c, "h1.page-title", "Organization tree").await?;
        click(&c, "#lang-switch").await?;
        wait_text(&c, "h1.page-title", "组织树").await?;

        click(&c, "#user-menu").await?;
        click(&c, "#logout").await?;
        c.wait().for_element(Locator::Css("#login-submit")).await?;
        Ok(())
    })
    .await;
}

async fn sign_in(c: &Client, base: &str, login: &str, password: &str) -> Step<()> {
    c.goto(&format!("{base}/login")).await?;
    c.wait()
        .for_element(Locator::Css("#login"))
        .await?
        .send_keys(login)
        .await?;
    c.find(Locator::Css("#password"))
        .await?
        .send_keys(password)
        .await?;
    click(c, "#login-submit").await?;
    wait_text(c, "h1.page-title", "欢迎").await
}

async fn sign_out(c: &Client) -> Step<()> {
    click(c, "#user-menu").await?;
    click(c, "#logout").await?;
    c.wait().for_element(Locator::Css("#login-submit")).await?;
    Ok(())
}

/// Picks an organization in a searchable picker by typing part of its name, and waits
/// until the underlying select really holds it (the dropdown re-renders as results load).
async fn pick_org(c: &Client, select_id: &str, typed: &str, name: &str) -> Step<()> {
    let chosen = async || -> bool {
        let js = "return Array.from(document.getElementById(arguments[0]).selectedOptions).some(o => o.text.startsWith(arguments[1]));";
        c.execute(js, vec![json!(select_id), json!(name)])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    };
    // The control is looked up again if it went between the click and the typing: a
    // CI run once found it gone there on a loaded machine (the page replaced meanwhile).
    let control = format!("#{select_id}-ts-control");
    let mut typed_in = Err(String::new());
    for _ in 0..20 {
        click(c, &control).await?;
        typed_in = match c.find(Locator::Css(&control)).await {
            Ok(input) => input.send_keys(typed).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if typed_in.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    typed_in.map_err(|e| format!("could not type into {control}: {e}"))?;
    // Up to 30 s: the options come from a search request, which on two loaded cores
    // (a build beside the tests) once took longer than 10 s.
    for i in 0..300 {
        // Every 5 s without the option, the query typed again (a space and its
        // deletion): a search that failed is searched anew, a closed dropdown reopens.
        if i > 0 && i % 50 == 0 {
            let input = c
                .find(Locator::Css(&format!("#{select_id}-ts-control")))
                .await?;
            input.send_keys(" ").await?;
            input.send_keys("\u{E003}").await?;
        }
        // Every picker on the page has a dropdown; only this one's options count.
        for option in c
            .find_all(Locator::Css(&format!("#{select_id}-ts-dropdown .option")))
            .await?
        {
            if option.text().await.unwrap_or_default().starts_with(name)
                && option.is_displayed().await.unwrap_or(false)
            {
                let _ = option.click().await;
            }
        }
        if chosen().await {
            // Leave the picker, so its closing does not move the page under the next click.
            c.execute(
                "document.activeElement && document.activeElement.blur();",
                vec![],
            )
            .await?;
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{name} was never chosen in #{select_id}").into())
}

/// Sets a native date input, whose typing rules depend on the browser's locale.
async fn set_value(c: &Client, css: &str, value: &str) -> Step<()> {
    let el = c.wait().for_element(Locator::Css(css)).await?;
    c.execute(
        "arguments[0].value = arguments[1];",
        vec![serde_json::to_value(&el)?, json!(value)],
    )
    .await?;
    Ok(())
}

async fn type_into(c: &Client, css: &str, text: &str) -> Step<()> {
    let el = c.wait().for_element(Locator::Css(css)).await?;
    el.clear().await?;
    el.send_keys(text).await?;
    Ok(())
}

async fn two_federations_run_an_agreement_from_signature_to_a_closed_task(app: TestApp) {
    app.load_demo().await;
    let wz = app.user("wz-coord", "万州区侨联", "coordinator").await;
    let dz = app.user("dz-member", "达州市侨联", "member").await;
    let (wz_pw, dz_pw) = (
        crate::harness::password_of(&wz),
        crate::harness::password_of(&dz),
    );
    let base = app.base.clone();
    let evidence = std::env::temp_dir().join(format!("evidence-{}.txt", std::process::id()));
    std::fs::write(&evidence, "签约文本").expect("evidence file");
    let evidence_path = evidence.display().to_string();
    journey("agreement-to-closed-task", &app, |c| async move {
        sign_in(&c, &base, &wz, &wz_pw).await?;
        c.goto(&format!("{base}/agreements/new")).await?;
        type_into(&c, "#title", "万州达州侨商合作框架协议").await?;
        set_value(&c, "#signed_on", "2024-03-01").await?;
        pick_org(&c, "party-1", "达州", "达州市侨联").await?;
        type_into(&c, "#area-name-0", "经贸合作").await?;
        type_into(&c, "#area-name-1", "文化交流").await?;
        click(&c, "#agreement-save").await?;
        wait_text(&c, "h1.page-title", "万州达州侨商合作框架协议").await?;
        wait_text(&c, "#parties", "达州市侨联").await?;

        click(&c, "#new-plan").await?;
        type_into(&c, "#title", "万达合作年度计划").await?;
        click(&c, "#plan-save").await?;
        wait_text(&c, "h1.page-title", "万达合作年度计划").await?;

        click(&c, "#new-task").await?;
        type_into(&c, "#title", "组织侨企互访考察").await?;
        type_into(&c, "#goal", "组织 10 家侨企互访").await?;
        type_into(&c, "#standard", "达成合作意向不少于 2 项").await?;
        type_into(&c, "#requirement", "每月 28 日前报送进展").await?;
        pick_org(&c, "lead_org_id", "达州", "达州市侨联").await?;
        c.find(Locator::Css("#area_id"))
            .await?
            .select_by_label("1. 经贸合作")
            .await?;
        click(&c, "#task-save").await?;
        wait_text(&c, "h1.page-title", "组织侨企互访考察").await?;
        let task_url = c.current_url().await?.to_string();
        click(&c, "#step-assign").await?;
        wait_text(&c, "#task-status", "已交办").await?;
        sign_out(&c).await?;

        sign_in(&c, &base, &dz, &dz_pw).await?;
        c.goto(&format!("{base}/inbox")).await?;
        wait_text(&c, "#inbox-to_accept", "组织侨企互访考察").await?;
        c.goto(&task_url).await?;
        click(&c, "#step-accept").await?;
        wait_text(&c, "#task-status", "已接收").await?;
        type_into(&c, "#percent", "100").await?;
        type_into(&c, "#done", "已组织 12 家侨企互访，达成意向 3 项").await?;
        c.find(Locator::Css("#evidence"))
            .await?
            .send_keys(&evidence_path)
            .await?;
        let problems = axe(&c).await?;
        if !problems.is_empty() {
            return Err(format!("accessibility problems on the task page: {problems:?}").into());
        }
        click(&c, "#report-submit").await?;
        wait_text(&c, "#ledger", "已组织 12 家侨企互访").await?;
        wait_text(&c, "#ledger", "evidence-").await?;
        click(&c, "#step-report_done").await?;
        wait_text(&c, "#task-status", "待核验").await?;
        sign_out(&c).await?;

        sign_in(&c, &base, &wz, &wz_pw).await?;
        c.goto(&task_url).await?;
        click(&c, "#step-close").await?;
        wait_text(&c, "#task-status", "已销号").await?;
        wait_text(&c, "#task-colour", "已结束").await?;
        Ok(())
    })
    .await;
    let _ = std::fs::remove_file(evidence);
}

async fn a_joint_meeting_is_recorded_and_a_resolution_becomes_a_task(app: TestApp) {
    app.load_demo().await;
    let cq = app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let password = crate::harness::password_of(&cq);
    let base = app.base.clone();
    journey("meeting-resolution-task", &app, |c| async move {
        sign_in(&c, &base, &cq, &password).await?;
        // A plan to put the resolution's task in.
        c.goto(&format!("{base}/plans/new")).await?;
        type_into(&c, "#title", "联席会议议定事项落实计划").await?;
        click(&c, "#plan-save").await?;
        wait_text(&c, "h1.page-title", "联席会议议定事项落实计划").await?;

        c.goto(&format!("{base}/meetings")).await?;
        click(&c, "#new-meeting").await?;
        type_into(&c, "#title", "川渝侨联第五次联席会议").await?;
        type_into(&c, "#place", "重庆").await?;
        pick_org(&c, "participant_org_ids", "四川", "四川省侨联").await?;
        type_into(&c, "#resolution-0", "联合举办侨商合作发展大会").await?;
        type_into(&c, "#resolution-1", "推动基层侨联结对全覆盖").await?;
        click(&c, "#meeting-save").await?;
        wait_text(&c, "h1.page-title", "川渝侨联第五次联席会议").await?;
        wait_text(&c, "#resolution-2", "推动基层侨联结对全覆盖").await?;
        wait_text(&c, "#resolutions-done", "0 / 2").await?;
        let meeting_url = c.current_url().await?.to_string();
        let problems = axe(&c).await?;
        if !problems.is_empty() {
            return Err(format!("accessibility problems on the meeting page: {problems:?}").into());
        }

        click(&c, "#to-task-1").await?;
        wait_text(&c, "h1.page-title", "新建任务").await?;
        type_into(&c, "#title", "联合举办侨商合作发展大会").await?;
        type_into(&c, "#goal", "邀请 80 个国家和地区侨商参会").await?;
        type_into(&c, "#standard", "签约项目不少于 40 个").await?;
        type_into(&c, "#requirement", "按月报送筹备进展").await?;
        pick_org(&c, "lead_org_id", "重庆市", "重庆市侨联").await?;
        click(&c, "#task-save").await?;
        wait_text(&c, "h1.page-title", "联合举办侨商合作发展大会").await?;
        wait_text(&c, "#task-source", "川渝侨联第五次联席会议").await?;

        c.goto(&meeting_url).await?;
        wait_text(&c, "#resolution-1", "落实中").await?;
        wait_text(&c, "#resolution-1", "联合举办侨商合作发展大会").await?;
        Ok(())
    })
    .await;
}

/// Fails the journey with the serious accessibility problems of the current page.
async fn accessible(c: &Client, what: &str) -> Step<()> {
    let problems = axe(c).await?;
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("accessibility problems on {what}: {problems:?}").into())
    }
}

async fn a_coordinator_records_an_event_signs_a_project_and_sees_it_land(app: TestApp) {
    app.load_demo().await;
    let cq = app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let password = crate::harness::password_of(&cq);
    let base = app.base.clone();
    journey("event-project-landing", &app, |c| async move {
        sign_in(&c, &base, &cq, &password).await?;
        c.goto(&format!("{base}/events/new")).await?;
        type_into(&c, "#title", "2025川渝侨商投资洽谈会").await?;
        choose(&c, "#kind", "economic").await?;
        type_into(&c, "#series", "川渝侨商投资洽谈会").await?;
        set_value(&c, "#starts_on", "2025-06-18").await?;
        set_value(&c, "#ends_on", "2025-06-19").await?;
        type_into(&c, "#place", "重庆悦来").await?;
        // The host is the coordinator's own federation; Sichuan supports.
        pick_org(&c, "supporter_org_ids", "四川", "四川省侨联").await?;
        for (i, (country, n)) in [("TH", "25"), ("MY", "18"), ("US", "12")]
            .iter()
            .enumerate()
        {
            choose(&c, &format!("#country-{i}"), country).await?;
            type_into(&c, &format!("#participants-{i}"), n).await?;
        }
        click(&c, "#event-save").await?;
        wait_text(&c, "h1.page-title", "2025川渝侨商投资洽谈会").await?;
        wait_text(&c, "#event-outcomes", "55").await?;
        wait_text(&c, "#by-country", "泰国").await?;

        type_into(&c, "#p-title", "智能网联汽车零部件项目").await?;
        type_into(&c, "#p-amount", "1200000000").await?;
        type_into(&c, "#p-investor", "泰国某侨资集团").await?;
        type_into(&c, "#p-region", "500112").await?;
        click(&c, "#project-save").await?;
        wait_text(&c, "#projects", "智能网联汽车零部件项目").await?;
        wait_text(&c, "#event-outcomes", "12 亿元").await?;
        accessible(&c, "the event page").await?;

        click(&c, "#projects td a[href^='/projects/']").await?;
        wait_text(&c, "h1.page-title", "智能网联汽车零部件项目").await?;
        wait_text(&c, "#project-status", "已签约").await?;
        choose(&c, "#step-status", "started").await?;
        set_value(&c, "#step-date", "2025-09-01").await?;
        type_into(&c, "#step-note", "一期厂房开工建设").await?;
        click(&c, "#step-save").await?;
        wait_text(&c, "#project-status", "已开工").await?;
        wait_text(&c, "#project-steps", "一期厂房开工建设").await?;
        accessible(&c, "the project page").await?;

        click(&c, "#project-event").await?;
        wait_text(&c, "h1.page-title", "2025川渝侨商投资洽谈会").await?;
        wait_text(&c, "#event-outcomes .col-lg:nth-child(4) .h2", "1").await?;
        wait_text(&c, "#projects", "已开工").await?;

        click(&c, "#nav-events").await?;
        click(&c, "#nav-projects").await?;
        wait_text(&c, "h1.page-title", "签约项目").await?;
        wait_text(&c, "#total-landed", "1").await?;
        wait_text(&c, "#rate-count", "100.0%").await?;
        accessible(&c, "the projects page").await?;
        Ok(())
    })
    .await;
}

async fn a_coordinator_records_a_donation_and_prints_its_receipt(app: TestApp) {
    app.load_demo().await;
    let cq = app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let password = crate::harness::password_of(&cq);
    let base = app.base.clone();
    journey("donation-receipt", &app, |c| async move {
        sign_in(&c, &base, &cq, &password).await?;
        c.goto(&format!("{base}/donations")).await?;
        click(&c, "#new-donation").await?;
        wait_text(&c, "h1.page-title", "登记捐赠").await?;
        type_into(&c, "#donor_name", "泰国川渝总商会").await?;
        // The country select is searchable; its native select is what the form sends.
        set_value(&c, "#donor_country", "TH").await?;
        set_value(&c, "#given_on", "2020-02-03").await?;
        type_into(&c, "#amount", "12345.6").await?;
        // The form proposes the clerk's own federation; open the picker to change it.
        click(&c, "#recipient_org_id + .ts-wrapper .ts-control").await?;
        pick_org(&c, "recipient_org_id", "万州", "万州区侨联").await?;
        type_into(&c, "#receipt_no", "万侨捐〔2020〕088号").await?;
        type_into(&c, "#campaign", "2020年抗击新冠肺炎疫情捐赠").await?;
        type_into(&c, "#purpose", "抗击新冠肺炎疫情").await?;
        let problems = axe(&c).await?;
        if !problems.is_empty() {
            return Err(
                format!("accessibility problems on the donation form: {problems:?}").into(),
            );
        }
        click(&c, "#donation-save").await?;
        wait_text(&c, "h1.page-title", "泰国川渝总商会").await?;
        wait_text(&c, ".donation-details", "万州区侨联").await?;

        c.goto(&format!("{base}/donations")).await?;
        wait_text(&c, "#donations", "万侨捐〔2020〕088号").await?;
        wait_text(&c, "#campaigns", "2020年抗击新冠肺炎疫情捐赠").await?;
        let problems = axe(&c).await?;
        if !problems.is_empty() {
            return Err(format!("accessibility problems on the ledger: {problems:?}").into());
        }
        click(&c, "#donations tbody a").await?;
        click(&c, "#open-receipt").await?;
        wait_text(&c, "#receipt-no", "万侨捐〔2020〕088号").await?;
        wait_text(&c, "#receipt-upper", "壹万贰仟叁佰肆拾伍元陆角整").await?;
        wait_text(&c, "#receipt-issuer", "万州区侨联").await?;
        let problems = axe(&c).await?;
        if !problems.is_empty() {
            return Err(format!("accessibility problems on the receipt: {problems:?}").into());
        }
        Ok(())
    })
    .await;
}

async fn a_person_is_recorded_a_duplicate_flagged_and_contacts_revealed_only_to_those_allowed(
    app: TestApp,
) {
    app.load_demo().await;
    let cq = app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let sc = app.user("sc-coord", "四川省侨联", "coordinator").await;
    let viewer = app.user("cd-viewer", "成都市侨联", "viewer").await;
    let base = app.base.clone();
    journey("person-duplicate-reveal", &app, |c| async move {
        let pw = crate::harness::password_of;
        sign_in(&c, &base, &cq, &pw(&cq)).await?;
        let record = async |name: &str| -> Step<()> {
            c.goto(&format!("{base}/people/new")).await?;
            type_into(&c, "#name", name).await?;
            choose(&c, "#residence_country", "TH").await?;
            type_into(&c, "#contact-value-0", "+66 81 234 5678").await?;
            choose(&c, "#sharing", "all").await?;
            type_into(&c, "#basis_scope", "侨务联络与活动邀请").await?;
            type_into(&c, "#basis_source", "本人签字的登记表").await?;
            click(&c, "#person-save").await
        };
        record("陈志明").await?;
        wait_text(&c, "#person-name", "陈志明").await?;
        let person = c.current_url().await?.to_string();
        accessible(&c, "the person page").await?;

        // The same leader written in traditional characters, with the same phone.
        record("陳志明").await?;
        wait_text(&c, "#duplicates", "陈志明").await?;
        accessible(&c, "the duplicate warning").await?;
        click(&c, "#confirm_new").await?;
        click(&c, "#person-save").await?;
        wait_text(&c, "#person-name", "陳志明").await?;
        sign_out(&c).await?;

        sign_in(&c, &base, &viewer, &pw(&viewer)).await?;
        c.goto(&person).await?;
        wait_text(&c, "#contacts", "+66 ****5678").await?;
        if c.find(Locator::Css("#reveal")).await.is_ok() {
            return Err("a viewer is offered to unmask".into());
        }
        sign_out(&c).await?;

        sign_in(&c, &base, &sc, &pw(&sc)).await?;
        c.goto(&person).await?;
        click(&c, "#reveal").await?;
        wait_text(&c, "#contacts", "+66 81 234 5678").await?;
        wait_text(&c, "#audit", "查看了完整联系方式").await?;
        accessible(&c, "the revealed person page").await?;
        Ok(())
    })
    .await;
}

async fn a_search_in_traditional_characters_finds_the_simplified_record(app: TestApp) {
    app.load_demo().await;
    let sc = app.user("sc-coord", "四川省侨联", "coordinator").await;
    let base = app.base.clone();
    journey("search-traditional", &app, |c| async move {
        sign_in(&c, &base, &sc, &crate::harness::password_of(&sc)).await?;
        type_into(&c, "#header-search", "重慶市僑聯\n").await?;
        wait_text(&c, "#group-org .search-hit", "重庆市侨联").await?;
        accessible(&c, "the search results").await?;
        click(&c, "#group-org .search-hit").await?;
        wait_text(&c, "h1.page-title", "重庆市侨联").await?;
        Ok(())
    })
    .await;
}

async fn a_duplicate_saved_anyway_is_merged_with_its_history_and_the_merge_undone(app: TestApp) {
    app.load_demo().await;
    let cq = app.user("cq-coord", "重庆市侨联", "coordinator").await;
    let api = app.api_of(&cq).await;
    let host = app.org_id("重庆市侨联").await.0;
    let (_, programme) = api
        .post(
            "/api/v1/events",
            json!({"kind": "study_programme", "title": "2024 海外侨领研修班", "starts_on": "2024-05-10",
                   "ends_on": "2024-05-12", "status": "held", "orgs": [{"org_id": host, "role": "host"}], "countries": []}),
        )
        .await;
    let programme = format!("{}/events/{}", app.base, programme["id"]);
    let base = app.base.clone();
    journey("person-merge-undo", &app, |c| async move {
        sign_in(&c, &base, &cq, &crate::harness::password_of(&cq)).await?;
        let record = async |name: &str, contact: &str| -> Step<()> {
            c.goto(&format!("{base}/people/new")).await?;
            type_into(&c, "#name", name).await?;
            choose(&c, "#residence_country", "TH").await?;
            type_into(&c, "#contact-value-0", contact).await?;
            choose(
                &c,
                "#contact-kind-0",
                if contact.contains('@') {
                    "email"
                } else {
                    "phone"
                },
            )
            .await?;
            choose(&c, "#sharing", "all").await?;
            type_into(&c, "#basis_scope", "侨务联络与活动邀请").await?;
            type_into(&c, "#basis_source", "本人签字的登记表").await?;
            click(&c, "#person-save").await
        };
        record("陈志明", "+66 81 234 5678").await?;
        wait_text(&c, "#person-name", "陈志明").await?;
        let first = c.current_url().await?.to_string();
        let first_id = first.rsplit('/').next().unwrap_or_default().to_owned();

        // The same leader in traditional characters, known by e-mail: flagged, saved anyway.
        record("陳志明", "chen@example.org").await?;
        wait_text(&c, "#duplicates", "陈志明").await?;
        click(&c, "#confirm_new").await?;
        click(&c, "#person-save").await?;
        wait_text(&c, "#person-name", "陳志明").await?;
        let second = c.current_url().await?.to_string();

        // The second record attended a programme: picked from the directory, name left blank.
        c.goto(&programme).await?;
        click(&c, "#participants summary").await?;
        pick_org(&c, "r-person", "陳志明", "陳志明").await?;
        click(&c, "#participant-save").await?;
        // The picker shows the name too: wait for the register's own table.
        wait_text(&c, "#participants table", "陳志明").await?;

        c.goto(&second).await?;
        wait_text(&c, "#timeline", "2024 海外侨领研修班").await?;
        click(&c, &format!("#merge-{first_id}")).await?;
        wait_text(&c, "h1.page-title", "合并重复记录").await?;
        accessible(&c, "the merge screen").await?;
        click(&c, "#choose-name-other").await?;
        click(&c, "#merge-submit").await?;
        c.accept_alert().await?;
        wait_text(&c, "#person-name", "陈志明").await?;
        wait_text(&c, "#contacts", "+66 ****5678").await?;
        wait_text(&c, "#contacts", "c***@example.org").await?;
        wait_text(&c, "#timeline", "2024 海外侨领研修班").await?;
        wait_text(&c, "#merges", "陈志明").await?;
        accessible(&c, "the survivor's page").await?;

        // The merged record leads to the survivor.
        c.goto(&first).await?;
        wait_text(&c, "#notice", "已合并到这里").await?;

        click(&c, "#merges button").await?;
        c.accept_alert().await?;
        wait_text(&c, "#notice", "合并已撤销").await?;
        wait_text(&c, "#person-name", "陳志明").await?;
        if c.find(Locator::Css("#contacts"))
            .await?
            .text()
            .await?
            .contains("+66")
        {
            return Err("the undone merge left the other's phone".into());
        }
        wait_text(&c, "#timeline", "2024 海外侨领研修班").await?;
        c.goto(&first).await?;
        wait_text(&c, "#person-name", "陈志明").await?;
        wait_text(&c, "#timeline-empty", "还没有").await?;
        Ok(())
    })
    .await;
}

async fn a_clerk_imports_a_spreadsheet_and_decides_on_the_flagged_duplicate(app: TestApp) {
    app.load_demo().await;
    let cq = app.user("cq-coord", "重庆市侨联", "coordinator").await;
    // One file per server: both backends run at once.
    let port = app.base.rsplit(':').next().unwrap_or("0").to_owned();
    let file = std::env::temp_dir().join(format!("import-{}-{port}.csv", std::process::id()));
    std::fs::write(
        &file,
        "\u{feff}姓名,居住国家,电话\n黄德华,泰国,+66 81 555 0001\n黄德華,泰国,\n陆晓云,新加坡,\n",
    )
    .expect("write the file");
    let path = file.to_string_lossy().into_owned();
    let base = app.base.clone();
    journey("people-import", &app, |c| async move {
        sign_in(&c, &base, &cq, &crate::harness::password_of(&cq)).await?;
        c.goto(&format!("{base}/people")).await?;
        click(&c, "#import-link").await?;
        c.find(Locator::Css("#file"))
            .await?
            .send_keys(&path)
            .await?;
        type_into(&c, "#basis_scope", "侨务联络").await?;
        type_into(&c, "#basis_source", "2024 侨商座谈会签到表").await?;
        accessible(&c, "the import form").await?;
        click(&c, "#import-upload").await?;
        wait_text(&c, "#row-3 .import-status", "第 2 行").await?;
        accessible(&c, "the import preview").await?;
        let ticked = async |css: &str| -> Step<bool> {
            Ok(c.find(Locator::Css(css)).await?.is_selected().await?)
        };
        if !ticked("#pick-2").await? || ticked("#pick-3").await? || !ticked("#pick-4").await? {
            return Err("fine rows ticked, the duplicate not".into());
        }
        // The clerk knows row 4 is someone to add later, and row 3 is a different 黄德華.
        click(&c, "#pick-4").await?;
        click(&c, "#pick-3").await?;
        click(&c, "#import-confirm-submit").await?;
        wait_text(&c, "#import-done", "已导入 2 人").await?;
        click(&c, "#imported a").await?;
        wait_text(&c, "#person-name", "黄德华").await?;
        c.goto(&format!("{base}/people?q=%E9%99%86%E6%99%93%E4%BA%91"))
            .await?;
        wait_text(&c, "#person-total", "共 0 人").await?;
        Ok(())
    })
    .await;
    let _ = std::fs::remove_file(file);
}

async fn a_leader_narrows_the_battle_map_to_a_district_and_opens_its_figures(app: TestApp) {
    app.load_demo().await;
    let base = app.base.clone();
    let wanzhou = app.org_id("万州区侨联").await.0;
    // A name with markup, as a user may type it, shows as text in the map's tooltip.
    let admin = app.admin_api().await;
    let (status, body) = admin
        .patch(
            &format!("/api/v1/orgs/{wanzhou}"),
            json!({"name": "万州区侨联<img src=x onerror=window.pwned=1>", "version": 1}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    journey("battle-map", &app, |c| async move {
        sign_in(&c, &base, "admin", ADMIN_PASSWORD).await?;
        click(&c, "#nav-dashboard").await?;
        wait_text(&c, "h1.page-title", "挂图作战").await?;
        c.wait().for_element(Locator::Css("#chuanyu-map canvas")).await?;
        accessible(&c, "the battle map").await?;

        // The scope narrowed to one district: its own figures.
        pick_org(&c, "f-org", "万州", "万州区侨联").await?;
        click(&c, "#dashboard-scope button[type=submit]").await?;
        c.wait()
            .for_element(Locator::Css(&format!(
                "#f-org option[value='{wanzhou}'][selected]"
            )))
            .await?;
        let tasks = c.find(Locator::Css("#fig-tasks .figure-value")).await?.text().await?;
        click(&c, "#fig-tasks").await?;
        wait_text(&c, "#task-total", &tasks).await?;
        if !c.current_url().await?.as_str().contains(&format!("lead={wanzhou}")) {
            return Err("the tasks card opens the district's tasks".into());
        }

        // A region on the map opens that region's own battle map.
        c.goto(&format!("{base}/dashboard")).await?;
        c.wait().for_element(Locator::Css("#chuanyu-map canvas")).await?;
        let mut opened = false;
        for _ in 0..50 {
            // 万州区's label point, a little off the pairing lines that start there.
            c.execute(
                "const el = document.getElementById('chuanyu-map');
                 const chart = echarts.getInstanceByDom(el);
                 if (!chart || !chart.getOption().series || !chart.getOption().series.length) { return; }
                 const p = chart.convertToPixel({geoIndex: 0}, [108.38, 30.70]);
                 const r = el.getBoundingClientRect();
                 const target = el.querySelector('div') || el;
                 for (const t of ['mousemove', 'mousedown', 'mouseup', 'click']) {
                   target.dispatchEvent(new MouseEvent(t, {clientX: r.left + p[0], clientY: r.top + p[1], bubbles: true}));
                 }",
                vec![],
            )
            .await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
            if c.current_url().await?.as_str().contains(&format!("org={wanzhou}")) {
                opened = true;
                break;
            }
        }
        if !opened {
            return Err("clicking 万州区 on the map did not open its battle map".into());
        }
        wait_text(&c, "#area-table", "万州区").await?;

        let mut tip = json!([false, ""]);
        for _ in 0..30 {
            tip = c
            .execute(
                "const c = echarts.getInstanceByDom(document.getElementById('chuanyu-map'));
                 const i = c.getOption().series[0].data.findIndex(d => d.name === '500101');
                 c.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: i});
                 const t = [...document.querySelectorAll('#chuanyu-map div')].find(d => d.textContent.includes('万州区侨联'));
                 return [window.pwned === undefined, t ? t.textContent : ''];",
                vec![],
            )
            .await?;
            if tip[1].as_str().is_some_and(|t| !t.is_empty()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if tip[0] != true || !tip[1].as_str().unwrap_or("").contains("<img src=x") {
            return Err(format!("the tooltip runs or hides the name: {tip}").into());
        }
        Ok(())
    })
    .await;
}

async fn a_leader_reviews_last_months_ledger_with_its_changes_and_exports_it(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let base = app.base.clone();
    let today = qiaolian_core::settings::today();
    let last_month = today - chrono::Duration::days(30);
    let before = today - chrono::Duration::days(90);
    journey("ledger-export", &app, |c| async move {
        sign_in(&c, &base, "admin", ADMIN_PASSWORD).await?;
        click(&c, "#nav-tasks").await?;
        click(&c, "#nav-ledger").await?;
        wait_text(&c, "h1.page-title", "打表推进台账").await?;

        // The ledger as it stood a month ago, and what changed in the quarter before.
        set_value(&c, "#f-as-of", &last_month.to_string()).await?;
        set_value(&c, "#f-since", &before.to_string()).await?;
        click(&c, "#ledger-submit").await?;
        wait_text(&c, "#ledger-past", "历史台账").await?;
        wait_text(&c, "#ledger-caption", &format!("截至 {last_month}")).await?;
        wait_text(&c, "#changes-total", &format!("{before} → {last_month}")).await?;
        let changed = c
            .find_all(Locator::Css("#ledger-changes tr[data-change]"))
            .await?
            .len();
        if changed == 0 {
            return Err("the demo's quarter before last month shows no change".into());
        }
        accessible(&c, "the past ledger").await?;
        let mut shown = Vec::new();
        for a in c
            .find_all(Locator::Css(
                "#ledger-table tr[data-task] td:nth-child(2) > a",
            ))
            .await?
        {
            shown.push(a.text().await?);
        }

        // The export of the same ledger holds the same rows in the same order.
        let href = c
            .find(Locator::Css("#export-xlsx"))
            .await?
            .attr("href")
            .await?
            .ok_or("no export link")?;
        if !href.contains(&format!("as_of={last_month}")) {
            return Err(format!("the export does not keep the day: {href}").into());
        }
        let cookies: Vec<String> = c
            .get_all_cookies()
            .await?
            .iter()
            .map(|k| format!("{}={}", k.name(), k.value()))
            .collect();
        let bytes = reqwest::Client::new()
            .get(format!("{base}{href}"))
            .header("cookie", cookies.join("; "))
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> =
            calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec()))?;
        let name = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&name)?;
        let rows: Vec<Vec<calamine::Data>> = range.rows().map(<[calamine::Data]>::to_vec).collect();
        let cell = |d: &calamine::Data| d.to_string();
        if !rows
            .iter()
            .take(4)
            .any(|r| cell(&r[0]).contains(&format!("截至 {last_month}")))
        {
            return Err("the workbook does not say which day it stands on".into());
        }
        let titles: Vec<String> = rows
            .iter()
            .filter(|r| matches!(r[0], calamine::Data::Float(_)))
            .map(|r| cell(&r[1]).trim_start_matches("└ ").to_owned())
            .collect();
        let shown: Vec<String> = shown
            .iter()
            .map(|t| t.trim_start_matches("└ ").to_owned())
            .collect();
        if shown.is_empty() || titles.len() < shown.len() || titles[..shown.len()] != shown[..] {
            return Err(
                format!("the workbook's rows {titles:?} are not the page's {shown:?}").into(),
            );
        }
        Ok(())
    })
    .await;
}

/// The supervision loop in the browser: the province opens a red order on one of
/// 万州's late tasks; 万州 finds it in its messages and answers with new progress; the
/// province accepts it; the task's history shows it all. Then 万州 asks for a later
/// deadline and the assigning side approves it.
async fn a_province_orders_a_late_task_the_district_answers_and_asks_for_more_time(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    app.user("cq-coord", "重庆市侨联", "coordinator").await;
    app.user("wz-coord", "万州区侨联", "coordinator").await;
    let mut tx = app.db.read().await.expect("read");
    let (task, progress, deadline, plan_end, assigner): (i64, i64, chrono::NaiveDate, chrono::NaiveDate, i64) =
        qiaolian_core::sql::Sql::new(
            "select t.id, t.progress, t.deadline, p.period_end, t.assigner_org_id from task t
             join org o on o.id = t.lead_org_id join plan p on p.id = t.plan_id
             where o.name = '万州区侨联' and t.status in ('accepted', 'in_progress')
               and not exists (select 1 from task k where k.parent_id = t.id)
             order by case t.colour when 'red' then 0 when 'yellow' then 1 else 2 end, t.id limit 1",
        )
        .all(&mut tx)
        .await
        .expect("task")
        .remove(0);
    drop(tx);
    // Someone on the assigning side decides the extension.
    qiaolian_core::account::create(
        &app.db,
        None,
        &qiaolian_core::account::NewAccount {
            login: "assigner-coord".into(),
            display_name: "交办单位联络员".into(),
            org_id: Some(qiaolian_core::org::OrgId(assigner)),
            role: "coordinator".into(),
            password: crate::harness::password_of("assigner-coord"),
        },
    )
    .await
    .expect("account");
    let today = qiaolian_core::settings::today();
    let due = (today + chrono::Duration::days(5)).to_string();
    let new_deadline = (deadline.max(today) + chrono::Duration::days(30)).min(plan_end);
    let progress = (progress + 10).min(100).to_string();
    let base = app.base.clone();
    let pw = crate::harness::password_of;
    journey("supervision-order", &app, |c| async move {
        sign_in(&c, &base, "cq-coord", &pw("cq-coord")).await?;
        c.goto(&format!("{base}/tasks/{task}")).await?;
        click(&c, "#supervise").await?;
        wait_text(&c, "h1.page-title", "发出督办单").await?;
        click(&c, "label[for='level-red']").await?;
        type_into(
            &c,
            "#reason",
            "该项任务已超过完成时限，请说明原因并限期整改。",
        )
        .await?;
        set_value(&c, "#answer_due", &due).await?;
        click(&c, "#order-submit").await?;
        wait_text(&c, "#saved", "督办单已发出").await?;
        wait_text(&c, "#order-level", "红色督办").await?;
        let number = c.find(Locator::Css("#order-number")).await?.text().await?;
        accessible(&c, "an order").await?;
        sign_out(&c).await?;

        // 万州 finds it among its messages and answers with new progress.
        sign_in(&c, &base, "wz-coord", &pw("wz-coord")).await?;
        click(&c, "#nav-notifications").await?;
        wait_text(&c, "#notifications", &number).await?;
        let button = c.find_all(Locator::Css("#notifications button")).await?;
        let mut opened = false;
        for b in button {
            if b.text().await?.contains(&number) {
                b.click().await?;
                opened = true;
                break;
            }
        }
        if !opened {
            return Err(format!("no message names {number}").into());
        }
        wait_text(&c, "#order-number", &number).await?;
        type_into(
            &c,
            "#note",
            "已召开专题会议，与外方重新确定日程，相关工作已恢复推进。",
        )
        .await?;
        type_into(&c, "#progress", &progress).await?;
        click(&c, "#answer-submit").await?;
        wait_text(&c, "#saved", "答复已提交").await?;
        sign_out(&c).await?;

        // The province accepts it; the task's history holds every step.
        sign_in(&c, &base, "cq-coord", &pw("cq-coord")).await?;
        c.goto(&format!("{base}/orders?mine=issued")).await?;
        wait_text(&c, "#orders", &number).await?;
        c.find(Locator::LinkText(&number)).await?.click().await?;
        type_into(&c, "#decision-note", "整改措施具体，同意办结。").await?;
        click(&c, "#accept-submit").await?;
        wait_text(&c, "#order-state", "已办结").await?;
        c.goto(&format!("{base}/tasks/{task}")).await?;
        wait_text(&c, "#task-orders", "已办结").await?;
        wait_text(&c, "#history", "督办办结").await?;
        wait_text(&c, "#ledger", &format!("{progress}%")).await?;
        sign_out(&c).await?;

        // 万州 asks for a later deadline; the assigning side approves it.
        sign_in(&c, &base, "wz-coord", &pw("wz-coord")).await?;
        c.goto(&format!("{base}/tasks/{task}")).await?;
        set_value(&c, "#new_deadline", &new_deadline.to_string()).await?;
        type_into(
            &c,
            "#extension-reason",
            "外方代表团来访推迟，对接活动顺延。",
        )
        .await?;
        click(&c, "#extension-submit").await?;
        wait_text(&c, "#saved", "延期申请已提交").await?;
        sign_out(&c).await?;
        sign_in(&c, &base, "assigner-coord", &pw("assigner-coord")).await?;
        c.goto(&format!("{base}/tasks/{task}")).await?;
        click(&c, "#extension-approve").await?;
        wait_text(&c, "#saved", "已同意延期").await?;
        wait_text(&c, ".fixes", &new_deadline.to_string()).await?;
        Ok(())
    })
    .await;
}
