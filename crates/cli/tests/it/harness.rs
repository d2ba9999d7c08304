//! Test harness: a real server on a loopback port over a fresh database — a new
//! SQLite file or a new PostgreSQL database — dropped when the test ends.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use qiaolian_core::account::{self, NewAccount};
use qiaolian_core::org::{self, OrgId};
use qiaolian_core::{Db, demo, setup};
use qiaolian_web::{AppState, WebConfig};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "admin-test-password";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `test` once for each backend: `both!(name)` makes `name::sqlite` and `name::postgres`.
macro_rules! both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::harness::run($crate::harness::Backend::Sqlite, super::$name).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::harness::run($crate::harness::Backend::Postgres, super::$name).await
            }
        }
    )+};
}
pub(crate) use both;

fn pg_server() -> String {
    std::env::var("QIAOLIAN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn unique() -> String {
    format!("{}_{:08x}", std::process::id(), rand_u32())
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish() as u32
}

/// A running application under test.
pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub url: String,
    pub backend: Backend,
}

/// Creates the database, starts the server, runs the test, and always cleans up.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    run_on(backend, |_| {}, test).await
}

/// As `run`, with `fill` given the URL of the new, empty database before the server
/// opens it (to fill it as a command would).
pub async fn run_on<F, Fut>(backend: Backend, fill: impl FnOnce(&str), test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    // Server logs go to the test's output, shown when it fails.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("QIAOLIAN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx=error")),
        )
        .with_test_writer()
        .try_init();
    let name = format!("qiaolian_test_{}", unique());
    let (url, dir) = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(&name);
            (format!("sqlite://{}/qiaolian.db", dir.display()), Some(dir))
        }
        Backend::Postgres => {
            let admin = Db::connect(&format!("{}/postgres", pg_server()))
                .await
                .expect("PostgreSQL is not reachable");
            if let Db::Postgres(pool, _) = &admin {
                sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
                    .execute(pool)
                    .await
                    .expect("create database");
            }
            admin.close().await;
            (format!("{}/{name}", pg_server()), None)
        }
    };
    fill(&url);
    let (db, server) = Server::start(&url).await;
    let app = TestApp {
        base: server.base.clone(),
        db: db.clone(),
        url: url.clone(),
        backend,
    };
    let outcome = AssertUnwindSafe(test(app)).catch_unwind().await;
    server.stop().await;
    db.close().await;
    match backend {
        Backend::Sqlite => {
            if let Some(dir) = dir {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
        Backend::Postgres => {
            let admin = Db::connect(&format!("{}/postgres", pg_server()))
                .await
                .expect("PostgreSQL is not reachable");
            if let Db::Postgres(pool, _) = &admin {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "drop database if exists {name} with (force)"
                )))
                .execute(pool)
                .await
                .expect("drop database");
            }
            admin.close().await;
        }
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// The real server on a loopback port over a prepared database.
pub struct Server {
    pub base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Connects to `url`, applies migrations and the first-start set-up, and serves.
    pub async fn start(url: &str) -> (Db, Server) {
        Server::start_with(url, WebConfig::default()).await
    }

    /// As `start`, with the web layer's settings given.
    pub async fn start_with(url: &str, config: WebConfig) -> (Db, Server) {
        let db = Db::connect(url).await.expect("connect");
        setup::prepare(&db, Some(ADMIN_PASSWORD))
            .await
            .expect("prepare");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(qiaolian_web::serve(
            listener,
            AppState::new(db.clone(), config),
            async move {
                let _ = stopped.await;
            },
        ));
        (db, Server { base, stop, task })
    }

    /// Stops accepting, lets open requests finish.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub async fn load_demo(&self) {
        demo::load_organizations(&self.db).await.expect("demo");
    }

    /// The built-in administrator as core sees them.
    pub async fn admin_actor(&self) -> qiaolian_core::access::Actor {
        account::by_login(&self.db, "admin")
            .await
            .expect("admin")
            .expect("admin exists")
            .actor()
    }

    /// A user made with [`TestApp::user`], as core sees them.
    pub async fn actor_of(&self, login: &str) -> qiaolian_core::access::Actor {
        account::by_login(&self.db, login)
            .await
            .expect("account")
            .unwrap_or_else(|| panic!("no account {login}"))
            .actor()
    }

    /// Every federation, by id: (id, path).
    pub async fn federations(&self) -> Vec<(OrgId, String)> {
        let mut tx = self.db.read().await.expect("read");
        let rows: Vec<(i64, String)> = qiaolian_core::sql::Sql::new(
            "select id, path from org where kind = 'federation' order by id",
        )
        .all(&mut tx)
        .await
        .expect("federations");
        rows.into_iter().map(|(id, p)| (OrgId(id), p)).collect()
    }

    pub async fn org_id(&self, name: &str) -> OrgId {
        org::find_by_name(&self.db, name)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("no org {name}"))
            .id
    }

    /// Adds a user with a known password; returns the login.
    pub async fn user(&self, login: &str, org_name: &str, role: &str) -> String {
        let org = self.org_id(org_name).await;
        account::create(
            &self.db,
            None,
            &NewAccount {
                login: login.into(),
                display_name: format!("测试{login}"),
                org_id: Some(org),
                role: role.into(),
                password: password_of(login),
            },
        )
        .await
        .expect("create user");
        login.to_owned()
    }

    /// Signs in through the API and returns a client for it.
    pub async fn api_as(&self, login: &str, password: &str) -> Api {
        let resp = Client::new()
            .post(self.url("/api/v1/session"))
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .expect("send");
        assert_eq!(resp.status(), StatusCode::OK, "sign-in of {login} failed");
        let token = resp.json::<Value>().await.expect("json")["token"]
            .as_str()
            .expect("token")
            .to_owned();
        Api {
            base: self.base.clone(),
            token: Some(token),
            client: Client::new(),
        }
    }

    pub async fn admin_api(&self) -> Api {
        self.api_as("admin", ADMIN_PASSWORD).await
    }

    pub async fn api_of(&self, login: &str) -> Api {
        self.api_as(login, &password_of(login)).await
    }

    pub fn anonymous_api(&self) -> Api {
        Api {
            base: self.base.clone(),
            token: None,
            client: Client::new(),
        }
    }

    /// Signs in through the login page; returns the browser-like client.
    pub async fn sign_in(&self, login: &str, password: &str) -> Client {
        let client = self.browser();
        let csrf = csrf_of(&client, &self.url("/login")).await;
        let resp = client
            .post(self.url("/login"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("login", login),
                ("password", password),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("send");
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {login} failed"
        );
        client
    }
}

pub fn password_of(login: &str) -> String {
    format!("{login}-secret-pw")
}

/// The CSRF token of the form on a page.
pub async fn csrf_of(client: &Client, url: &str) -> String {
    let html = client
        .get(url)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse("input[name=_csrf]").expect("selector");
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_else(|| panic!("no CSRF field on {url}"))
        .to_owned()
}

/// Switches a signed-in browser's interface to English, as the language button does.
pub async fn switch_to_english(client: &Client, app: &TestApp) {
    let csrf = csrf_of(client, &app.url("/")).await;
    let resp = client
        .post(app.url("/locale"))
        .form(&[("_csrf", csrf.as_str()), ("lang", "en"), ("next", "/")])
        .send()
        .await
        .expect("send");
    assert_eq!(
        resp.status(),
        StatusCode::SEE_OTHER,
        "language switch failed"
    );
}

/// A JSON API client with a bearer token.
#[derive(Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
    pub client: Client,
}

impl Api {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        json_of(
            self.req(reqwest::Method::GET, path)
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        json_of(
            self.req(reqwest::Method::POST, path)
                .json(&body)
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        json_of(
            self.req(reqwest::Method::PATCH, path)
                .json(&body)
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        json_of(
            self.req(reqwest::Method::PUT, path)
                .json(&body)
                .send()
                .await
                .expect("send"),
        )
        .await
    }

    /// The same reader's client for another server (over the same database).
    pub fn at(&self, base: &str) -> Api {
        Api {
            base: base.to_owned(),
            token: self.token.clone(),
            client: Client::new(),
        }
    }

    /// The bearer token this client signs its requests with.
    pub fn token(&self) -> &str {
        self.token.as_deref().unwrap_or_default()
    }

    pub async fn raw(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.req(method, path)
    }
}

pub async fn json_of(resp: Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

/// Every item of a list API, all its pages (`per_page` each, at most 50 pages), and
/// the answer of its first page.
pub async fn all_pages(api: &Api, path: &str, query: &str, per_page: u32) -> (Vec<Value>, Value) {
    let mut items = Vec::new();
    let mut first = Value::Null;
    for n in 1..=50 {
        let (status, body) = api
            .get(&format!("{path}?{query}&per_page={per_page}&page={n}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{path}?{query}: {body}");
        let page = body["items"].as_array().expect("items").clone();
        if n == 1 {
            first = body.clone();
        }
        if page.is_empty() {
            break;
        }
        items.extend(page);
    }
    (items, first)
}

/// The field error code of an API error answer.
pub fn field_code<'a>(body: &'a Value, field: &str) -> &'a str {
    body["error"]["fields"][field]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error for field {field} in {body}"))
}

/// Fetches a page with a signed-in client and parses it.
pub async fn page(c: &Client, url: &str) -> scraper::Html {
    html(
        &c.get(url)
            .send()
            .await
            .expect("send")
            .text()
            .await
            .expect("text"),
    )
}

/// Parses HTML for CSS-selector assertions.
pub fn html(text: &str) -> scraper::Html {
    scraper::Html::parse_document(text)
}

pub fn select_text(doc: &scraper::Html, css: &str) -> Vec<String> {
    let sel = scraper::Selector::parse(css).expect("selector");
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}
