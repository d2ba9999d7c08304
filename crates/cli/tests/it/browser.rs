//! Journeys in a real headless Chromium (Debian's chromium + chromedriver).
//! A failing journey leaves a screenshot in target/browser-failures/.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::harness::{ADMIN_PASSWORD, TestApp, both};

both!(an_admin_creates_an_organization_sees_it_in_the_tree_and_switches_language);

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

/// Clicks an element after scrolling it into the middle of the window, as a person would.
async fn click(c: &Client, css: &str) -> Step<()> {
    let el = c.wait().for_element(Locator::Css(css)).await?;
    c.execute(
        "arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});",
        vec![serde_json::to_value(&el)?],
    )
    .await?;
    el.click().await?;
    Ok(())
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
