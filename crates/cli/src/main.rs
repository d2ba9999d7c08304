//! The `qiaolian` command: serve, migrate, demo, user, token.

use std::io::Read;
use std::net::SocketAddr;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use qiaolian_core::account::{self, NewAccount};
use qiaolian_core::org::OrgId;
use qiaolian_core::{Db, auth, demo, setup, side};
use qiaolian_web::{AppState, WebConfig};

#[derive(Parser)]
#[command(
    name = "qiaolian",
    version,
    about = "侨联协作平台 — the federations' cooperation programme, recorded, supervised and reported"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

/// Settings shared by every command.
#[derive(Args)]
struct Config {
    /// sqlite://PATH or postgres://USER@HOST/DB
    #[arg(
        long,
        global = true,
        env = "QIAOLIAN_DATABASE_URL",
        default_value = "sqlite://./data/qiaolian.db"
    )]
    database_url: String,
    /// Log format: text or json.
    #[arg(
        long,
        global = true,
        env = "QIAOLIAN_LOG_FORMAT",
        default_value = "text"
    )]
    log_format: String,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrations are applied first).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "QIAOLIAN_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Fill an empty database with the demo data first.
        #[arg(long)]
        demo: bool,
        /// Served over https behind a proxy: mark cookies Secure.
        #[arg(long, env = "QIAOLIAN_HTTPS")]
        https: bool,
        /// An approved base map (标准地图) for the dashboard: GeoJSON of the member
        /// sides' regions, each feature's `code` property its GB/T 2260 code.
        #[arg(long, env = "QIAOLIAN_MAP_FILE")]
        map_file: Option<std::path::PathBuf>,
        /// The base map's review number (审图号), shown under the dashboard's map.
        #[arg(long, env = "QIAOLIAN_MAP_REVIEW")]
        map_review: Option<String>,
        /// The most rows an Excel export of a list writes (default and most: 200000).
        #[arg(long, env = "QIAOLIAN_EXPORT_ROWS")]
        export_rows: Option<usize>,
    },
    /// Apply pending database migrations and load reference data.
    Migrate,
    /// Fill an empty database with the demo data.
    Demo,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the sides of the programme (member regions, national, overseas).
    #[command(subcommand)]
    Side(SideCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Recount every maintained figure (who each task reaches, the colour tallies, the
    /// stored colours) from the records; exit 0 when all agree, 1 listing the differences.
    CheckFigures,
    /// Fill an empty database with a generated data set for the benchmarks: `small`
    /// (about a hundredth of national), `city` (a tenth) or `national` (a million tasks).
    /// The administrator and every generated coordinator (`coord<N>`) get the password
    /// in QIAOLIAN_ADMIN_PASSWORD.
    BenchData {
        #[arg(long, default_value = "small")]
        scale: String,
        /// Print nothing but the summary.
        #[arg(long)]
        quiet: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit 0 when intact, 1 naming the first bad entry.
    Verify,
}

#[derive(Subcommand)]
enum SideCommand {
    /// List the sides.
    List,
    /// Add a side, e.g. a province joining the programme.
    Add {
        /// Short code, e.g. gz.
        #[arg(long)]
        code: String,
        /// member, national or overseas.
        #[arg(long, default_value = "member")]
        kind: String,
        #[arg(long)]
        name_zh: String,
        #[arg(long)]
        name_en: String,
        /// Province code of a member side, e.g. 520000 (its regions must be loaded).
        #[arg(long)]
        region: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        #[arg(long)]
        login: String,
        /// Id of the user's organization.
        #[arg(long)]
        org: i64,
        /// admin, org_admin, coordinator, member or viewer.
        #[arg(long)]
        role: String,
        /// Display name (defaults to the login).
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it.
    Create {
        #[arg(long)]
        login: String,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until it expires (1–366).
        #[arg(long, default_value_t = qiaolian_core::auth::TOKEN_DAYS)]
        days: i64,
    },
}

/// Runs the generator on its own connection: the server's pool is not opened, so the
/// generator may take the SQLite file out of WAL while it loads.
async fn bench_data(url: &str, scale: &str, quiet: bool) -> Result<()> {
    let Some(scale) = qiaolian_core::bench_data::Scale::parse(scale) else {
        bail!("--scale is small, city or national, not {scale}");
    };
    let password = std::env::var("QIAOLIAN_ADMIN_PASSWORD")
        .ok()
        .filter(|p| p.len() >= 12)
        .context("set QIAOLIAN_ADMIN_PASSWORD (12 characters or more): the administrator and every generated account get it")?;
    let s = qiaolian_core::bench_data::generate(url, scale, &password, quiet)
        .await
        .with_context(|| format!("cannot generate into {}", redact(url)))?;
    println!(
        "generated {} rows in {:.1} s ({:.0} rows/s); district coordinator: {} ({})",
        s.rows,
        s.seconds,
        s.rows as f64 / s.seconds.max(1e-6),
        s.coordinator.0,
        s.coordinator.1
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logging(&cli.config.log_format);
    if let Command::BenchData { scale, quiet } = &cli.command {
        return bench_data(&cli.config.database_url, scale, *quiet).await;
    }
    let db = Db::connect(&cli.config.database_url)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                redact(&cli.config.database_url)
            )
        })?;
    let admin_password = std::env::var("QIAOLIAN_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let generated = setup::prepare(&db, admin_password.as_deref())
        .await
        .context("cannot prepare the database")?;
    if let Some(password) = generated {
        eprintln!(
            "\n  ==== 首次启动：已创建管理员账户 / first start: administrator created ====\n  \
             用户名 login: {}\n  密码 password: {password}\n  \
             (只显示这一次 / shown only this once)\n",
            setup::ADMIN_LOGIN
        );
    }
    match cli.command {
        Command::Serve {
            listen,
            demo,
            https,
            map_file,
            map_review,
            export_rows,
        } => {
            let base_map = match map_file {
                Some(path) => Some(qiaolian_web::read_base_map(&path).map_err(anyhow::Error::msg)?),
                None => None,
            };
            if demo {
                load_demo(&db).await?;
            }
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            tracing::info!(%listen, "qiaolian serving; open http://{listen}/");
            // Colours and search documents are brought up to date while the server
            // already answers; until then search answers from the documents it has.
            tokio::spawn(qiaolian_core::upkeep::run(db.clone()));
            let config = WebConfig {
                https,
                base_map,
                map_review,
                export_rows,
            };
            let state = AppState::new(db.clone(), config);
            qiaolian_web::serve(listener, state, shutdown_signal())
                .await
                .context("server failed")?;
            db.close().await;
            tracing::info!("stopped");
        }
        Command::Migrate => tracing::info!("database is up to date"),
        // Run before the pool is opened, above.
        Command::BenchData { .. } => {}
        Command::Demo => load_demo(&db).await?,
        Command::User(UserCommand::Add {
            login,
            org,
            role,
            name,
        }) => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let input = NewAccount {
                display_name: name.unwrap_or_else(|| login.clone()),
                login,
                org_id: Some(OrgId(org)),
                role,
                password,
            };
            match account::create(&db, None, &input).await {
                Ok(a) => println!("created user {} (id {}) in {}", a.login, a.id, a.org_name),
                Err(qiaolian_core::Error::Invalid(fields)) => {
                    for (field, e) in fields {
                        eprintln!(
                            "{field}: {}{}",
                            e.code,
                            e.limit.map(|n| format!(" ({n})")).unwrap_or_default()
                        );
                    }
                    bail!("user not created");
                }
                Err(e) => return Err(e).context("user not created"),
            }
        }
        Command::CheckFigures => {
            let found = qiaolian_core::task::reach::check(&db)
                .await
                .context("cannot recount the figures")?;
            let outcomes = qiaolian_core::outcome::tally::check(&db)
                .await
                .context("cannot recount the outcome figures")?;
            let people = qiaolian_core::person::tally::check(&db)
                .await
                .context("cannot recount the people")?;
            if found.is_empty() && outcomes.is_empty() && people.is_empty() {
                println!(
                    "figures agree with the records: {} tasks and every outcome recounted",
                    found.tasks_checked
                );
            } else {
                eprintln!(
                    "figures differ from the records ({} tasks recounted):",
                    found.tasks_checked
                );
                if !found.tasks_reach.is_empty() {
                    eprintln!("  who these tasks reach: {:?}", found.tasks_reach);
                }
                for ((org, side, lead, status, colour), stored, counted) in &found.tallies {
                    eprintln!(
                        "  tally org {org} side {side} lead {lead} {status} {colour}: stored {stored:?}, counted {counted:?}"
                    );
                }
                for ((org, top, colour), stored, counted) in &found.tops {
                    eprintln!(
                        "  tally org {org} under {top} {colour}: stored {stored:?}, counted {counted:?}"
                    );
                }
                if !found.colours.is_empty() {
                    eprintln!("  stored colour not today's: tasks {:?}", found.colours);
                }
                if !found.reports.is_empty() {
                    eprintln!(
                        "  stored report flag not today's: tasks {:?}",
                        found.reports
                    );
                }
                if !found.resolutions.is_empty() {
                    eprintln!("  resolution task counts: {:?}", found.resolutions);
                }
                if found.strays > 0 {
                    eprintln!("  rows of tasks that do not exist: {}", found.strays);
                }
                for ((key, series, year, measure, detail), stored, counted) in &outcomes {
                    eprintln!(
                        "  outcomes org {} side {} series {series} {year} {} {detail:?}: stored {stored:?}, counted {counted:?}",
                        key.org,
                        key.side,
                        measure.as_str()
                    );
                }
                for (table, (id, country, sharing), stored, counted) in &people {
                    eprintln!(
                        "  {table} {id} {country:?} {sharing}: stored {stored}, counted {counted}"
                    );
                }
                std::process::exit(1);
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let state = qiaolian_core::audit::chain_state(&db)
                .await
                .context("cannot read the audit trail")?;
            match state.first_bad {
                None => println!("audit chain intact: {} entries", state.entries),
                Some(id) => {
                    eprintln!(
                        "audit chain broken at entry {id} (of {}): it was altered, or an entry before it was removed",
                        state.entries
                    );
                    std::process::exit(1);
                }
            }
        }
        Command::Side(SideCommand::List) => {
            for s in side::list(&db).await? {
                println!(
                    "{:<10} {:<9} {:<8} {:<12} {}",
                    s.code,
                    s.kind,
                    s.name_zh,
                    s.name_en,
                    s.region_code.unwrap_or_default()
                );
            }
        }
        Command::Side(SideCommand::Add {
            code,
            kind,
            name_zh,
            name_en,
            region,
        }) => {
            let input = side::NewSide {
                code,
                kind,
                name_zh,
                name_en,
                region_code: region,
            };
            let s = refused(side::create(&db, &input).await, "side not added")?;
            println!("added side {} ({})", s.code, s.name_zh);
        }
        Command::Token(TokenCommand::Create { login, name, days }) => {
            let Some(a) = account::by_login(&db, &login).await? else {
                bail!("no user with login {login}");
            };
            let new = auth::NewToken {
                name,
                days: Some(days),
            };
            let (token, secret) = refused(
                auth::create_token(&db, &a.actor(), &new).await,
                "token not created",
            )?;
            if let Some(until) = token.expires_at {
                eprintln!("expires {}", until.format("%Y-%m-%d"));
            }
            println!("{secret}");
        }
    }
    Ok(())
}

/// Prints each refused field as `field: code` and fails, or passes the value on.
fn refused<T>(r: qiaolian_core::Result<T>, what: &'static str) -> Result<T> {
    match r {
        Ok(v) => Ok(v),
        Err(qiaolian_core::Error::Invalid(fields)) => {
            for (field, e) in fields {
                let limit = e.limit.map(|n| format!(" ({n})")).unwrap_or_default();
                eprintln!("{field}: {}{limit}", e.code);
            }
            bail!(what)
        }
        Err(e) => Err(e).context(what),
    }
}

async fn load_demo(db: &Db) -> Result<()> {
    match demo::load(db).await.context("cannot load the demo data")? {
        None => tracing::info!("demo data already present; nothing loaded"),
        Some(credentials) => {
            eprintln!(
                "\n  ==== 演示数据已载入 / demo data loaded — 演示账户 demo users (shown only this once) ===="
            );
            for (login, password) in credentials {
                eprintln!("  {login:<16} {password}");
            }
            eprintln!();
        }
    }
    Ok(())
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("QIAOLIAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => match url[scheme + 3..at].split_once(':') {
            Some((user, _)) => format!("{}://{user}:***@{}", &url[..scheme], &url[at + 1..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
