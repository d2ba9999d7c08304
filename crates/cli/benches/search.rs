//! How fast search is at national scale: a fresh database per engine with the demo
//! data and `BENCH_TASKS` synthetic tasks, then `search::rebuild`, query latency for an
//! administrator and a district coordinator, and the size of the index.
//!
//! `cargo bench -p qiaolian --bench search`; knobs `BENCH_TASKS` (default 100000) and
//! `BENCH_ENGINES` (default `sqlite,postgres`); `BENCH_KEEP=1` leaves the databases in
//! place to look at query plans. Tables go to stdout in Markdown, progress to stderr.
//! docs/BENCHMARKS.md explains how to read them.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use qiaolian_core::access::Actor;
use qiaolian_core::account::{self, NewAccount};
use qiaolian_core::db::{Db, Engine};
use qiaolian_core::search::{self, SearchInput};
use qiaolian_core::{demo, on, org, setup};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The scratch database, created and dropped by each run.
const DATABASE: &str = "qiaolian_bench_search";
/// Timed runs of each query for each reader.
const RUNS: usize = 30;
/// Synthetic tasks per `insert` statement (six parameters each, well under both
/// engines' limits).
const BATCH: usize = 500;
const PASSWORD: &str = "bench-password-not-secret";

/// What a user types, and why it is in the set.
const QUERIES: &[(&str, &str)] = &[
    ("侨联", "common word"),
    ("重庆", "place"),
    ("重庆 招商", "two words"),
    ("重慶市僑聯", "traditional characters"),
    ("陈", "one character"),
    ("志强", "given name"),
    ("chongqing", "pinyin"),
    ("寻根之旅", "rare word"),
    ("量子计算", "no match"),
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let tasks: usize = match std::env::var("BENCH_TASKS") {
        Ok(n) => n.parse().context("BENCH_TASKS must be a number")?,
        Err(_) => 100_000,
    };
    let keep = std::env::var("BENCH_KEEP").is_ok_and(|k| k == "1");
    let engines = std::env::var("BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
    for engine in engines.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let engine = match engine {
            "sqlite" => Engine::Sqlite,
            "postgres" => Engine::Postgres,
            other => bail!("BENCH_ENGINES: unknown engine {other} (sqlite, postgres)"),
        };
        let scratch = Scratch::create(engine).await?;
        let outcome = bench(&scratch.db, tasks).await;
        if keep {
            eprintln!("kept {}", scratch.url);
            scratch.db.close().await;
        } else {
            scratch.drop().await?;
        }
        outcome?;
    }
    Ok(())
}

/// A database that exists for one run (and after it with `BENCH_KEEP=1`).
struct Scratch {
    db: Db,
    engine: Engine,
    url: String,
}

impl Scratch {
    async fn create(engine: Engine) -> anyhow::Result<Scratch> {
        let url = match engine {
            Engine::Sqlite => {
                let dir = sqlite_dir();
                remove_dir(&dir)?;
                format!("sqlite://{}/qiaolian.db", dir.display())
            }
            Engine::Postgres => {
                let admin = Db::connect(&format!("{}/postgres", pg_server()))
                    .await
                    .context("PostgreSQL is not reachable")?;
                admin_sql(
                    &admin,
                    &format!("drop database if exists {DATABASE} with (force)"),
                )
                .await?;
                admin_sql(&admin, &format!("create database {DATABASE}")).await?;
                admin.close().await;
                format!("{}/{DATABASE}", pg_server())
            }
        };
        let db = Db::connect(&url)
            .await
            .with_context(|| format!("connect to {url}"))?;
        Ok(Scratch { db, engine, url })
    }

    async fn drop(self) -> anyhow::Result<()> {
        self.db.close().await;
        match self.engine {
            Engine::Sqlite => remove_dir(&sqlite_dir()),
            Engine::Postgres => {
                let admin = Db::connect(&format!("{}/postgres", pg_server()))
                    .await
                    .context("PostgreSQL is not reachable")?;
                admin_sql(
                    &admin,
                    &format!("drop database if exists {DATABASE} with (force)"),
                )
                .await?;
                admin.close().await;
                Ok(())
            }
        }
    }
}

/// The same server the integration tests use.
fn pg_server() -> String {
    std::env::var("QIAOLIAN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn sqlite_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(DATABASE)
}

fn remove_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// CREATE and DROP DATABASE, which cannot run inside a transaction (`Db::begin`).
async fn admin_sql(admin: &Db, sql: &str) -> anyhow::Result<()> {
    let Db::Postgres(pool, _) = admin else {
        bail!("databases are created on PostgreSQL only");
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .with_context(|| sql.to_owned())?;
    Ok(())
}

async fn bench(db: &Db, tasks: usize) -> anyhow::Result<()> {
    let engine = db.engine();
    let name = match engine {
        Engine::Sqlite => "SQLite",
        Engine::Postgres => "PostgreSQL",
    };
    println!(
        "\n## {name} {}, {tasks} synthetic tasks\n",
        version(db).await?
    );

    let started = Instant::now();
    setup::prepare(db, Some(PASSWORD))
        .await
        .context("prepare")?;
    demo::load(db).await.context("demo data")?;
    eprintln!("prepared with demo data in {:.1?}", started.elapsed());
    let admin = account::by_login(db, setup::ADMIN_LOGIN)
        .await?
        .context("the admin account is missing")?
        .actor();
    let district = district_coordinator(db).await?;

    let started = Instant::now();
    let inserted = insert_tasks(db, tasks).await?;
    let insert = started.elapsed();
    if engine == Engine::Postgres {
        // What autovacuum does within a minute of a bulk load; done here so the plans
        // do not depend on whether it ran yet.
        sql(db, "analyze").await?;
    }

    let started = Instant::now();
    let documents = search::rebuild(db).await.context("rebuild")?;
    let rebuild = started.elapsed();

    println!("| step | rows | time | rows/s |\n|---|---:|---:|---:|");
    for (step, rows, time) in [
        ("insert synthetic tasks", inserted, insert),
        ("`search::rebuild`", documents, rebuild),
    ] {
        println!(
            "| {step} | {rows} | {:.1} s | {:.0} |",
            time.as_secs_f64(),
            rows as f64 / time.as_secs_f64()
        );
    }

    println!(
        "\nLatency of `search::search` over {RUNS} runs after one warm-up, in ms; \
         totals are the groups' `total` (kind: matches).\n"
    );
    println!("| query | what | reader | median | p95 | totals |\n|---|---|---|---:|---:|---|");
    for (q, what) in QUERIES {
        for (reader, actor) in [("admin", &admin), ("万州区 coordinator", &district)] {
            let m = measure(db, actor, q).await?;
            println!(
                "| {q} | {what} | {reader} | {:.1} | {:.1} | {} |",
                ms(m.median),
                ms(m.p95),
                m.totals
            );
        }
    }

    println!("\n{}", size(db).await?);
    Ok(())
}

/// A coordinator of 万州区侨联, who sees that district's subtree and what it takes part in.
async fn district_coordinator(db: &Db) -> anyhow::Result<Actor> {
    let org = org::find_by_name(db, "万州区侨联")
        .await?
        .context("the demo organization 万州区侨联 is missing")?;
    let account = account::create(
        db,
        None,
        &NewAccount {
            login: "bench-wanzhou".into(),
            display_name: "万州区侨联联络员".into(),
            org_id: Some(org.id),
            role: "coordinator".into(),
            password: PASSWORD.into(),
        },
    )
    .await
    .context("create the district coordinator")?;
    Ok(account.actor())
}

async fn version(db: &Db) -> anyhow::Result<String> {
    let sql = match db.engine() {
        Engine::Sqlite => "select sqlite_version()",
        Engine::Postgres => "select current_setting('server_version')",
    };
    let mut tx = db.read().await?;
    Ok(on!(&mut tx, |c| sqlx::query_scalar(sql)
        .fetch_one(c)
        .await?))
}

async fn sql(db: &Db, sql: &'static str) -> anyhow::Result<()> {
    let mut tx = db.write().await?;
    on!(&mut tx, |c| {
        sqlx::query(sql).execute(c).await.context(sql)?;
    });
    tx.commit().await?;
    Ok(())
}

/// Inserts `n` tasks with plain SQL, each a copy of a demo task (plan, dates, status,
/// assigner) with new text and a lead organization drawn from the demo organizations.
/// No search documents are written: that is what the rebuild is timed for.
async fn insert_tasks(db: &Db, n: usize) -> anyhow::Result<u64> {
    let mut tx = db.write().await?;
    let templates: Vec<i64> = on!(&mut tx, |c| {
        sqlx::query_scalar("select id from task where parent_id is null order by id")
            .fetch_all(c)
            .await?
    });
    let orgs: Vec<i64> = on!(&mut tx, |c| {
        sqlx::query_scalar("select id from org where name <> $1 order by id")
            .bind(setup::SYSTEM_ORG)
            .fetch_all(c)
            .await?
    });
    let regions: Vec<String> = on!(&mut tx, |c| {
        sqlx::query_scalar("select name from region order by code")
            .fetch_all(c)
            .await?
    });
    drop(tx);
    if templates.is_empty() || orgs.is_empty() || regions.is_empty() {
        bail!("the demo data has no tasks, organizations or regions to copy");
    }
    let mut words = Words {
        rng: StdRng::seed_from_u64(2026),
        regions,
    };
    let mut inserted = 0;
    for start in (0..n).step_by(BATCH) {
        let rows = BATCH.min(n - start);
        let values: Vec<String> = (0..rows)
            .map(|r| {
                let p = r * 6;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${})",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4,
                    p + 5,
                    p + 6
                )
            })
            .collect();
        // VALUES columns are column1…column6 on both engines.
        let insert = format!(
            "insert into task (plan_id, area_id, parent_id, title, goal, standard, requirement,
                start_on, deadline, lead_org_id, assigner_org_id, responsible, weight, status,
                progress, colour, colour_until, last_report_on, carried_from_id, version,
                created_at, updated_at)
             select t.plan_id, t.area_id, t.parent_id, v.column1, v.column2, v.column3,
                v.column4, t.start_on, t.deadline, v.column5, t.assigner_org_id, t.responsible,
                t.weight, t.status, t.progress, t.colour, t.colour_until, t.last_report_on,
                t.carried_from_id, t.version, t.created_at, t.updated_at
             from (values {}) as v join task t on t.id = v.column6",
            values.join(", ")
        );
        let batch: Vec<(Task, i64, i64)> = (start..start + rows)
            .map(|i| {
                let lead = orgs[words.rng.random_range(0..orgs.len())];
                (words.task(), lead, templates[i % templates.len()])
            })
            .collect();
        let mut tx = db.write().await?;
        let done = on!(&mut tx, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(insert));
            for (task, lead, template) in &batch {
                q = q
                    .bind(&task.title)
                    .bind(&task.goal)
                    .bind(&task.standard)
                    .bind(&task.requirement)
                    .bind(*lead)
                    .bind(*template);
            }
            q.execute(c).await?.rows_affected()
        });
        tx.commit().await?;
        inserted += done;
        if (start / BATCH) % 200 == 199 {
            eprintln!("inserted {inserted} tasks");
        }
    }
    Ok(inserted)
}

/// The text of a synthetic task.
struct Task {
    title: String,
    goal: String,
    standard: String,
    requirement: String,
}

/// Task text in the programme's own words, placed in every region of the country.
struct Words {
    rng: StdRng,
    regions: Vec<String>,
}

const ACTIONS: &[&str] = &[
    "联合举办",
    "共同开展",
    "推动",
    "组织",
    "深化",
    "建立",
    "完善",
    "协助办好",
    "持续推进",
    "积极参与",
    "牵头开展",
    "配合做好",
];
const SUBJECTS: &[&str] = &[
    "侨商投资对接会",
    "招商引资推介会",
    "海外侨团联谊活动",
    "侨界人才交流",
    "华文教育合作",
    "归侨侨眷关爱行动",
    "侨企考察对接",
    "侨情调研",
    "侨法宣传进社区",
    "海外华文媒体采访行",
    "侨资企业座谈会",
    "侨青创新创业大赛",
    "侨界文化交流活动",
    "侨界代表人士培训",
    "侨务资源共享",
    "侨胞权益维护",
    "基层侨联结对共建",
    "侨智建言献策",
    "经贸活动",
    "海外联谊联络",
];
const PARTNERS: &[&str] = &[
    "重庆",
    "四川",
    "成渝地区",
    "川渝两地",
    "万达开",
    "泛涪江流域",
    "东南亚",
    "泰国",
    "缅甸",
    "越南",
    "马来西亚",
    "新加坡",
];
const UNITS: &[(&str, &str)] = &[
    ("对接侨企", "家"),
    ("签约项目", "个"),
    ("参与侨界群众", "人"),
    ("邀请海外侨领", "名"),
    ("走访侨团", "家"),
    ("形成侨情专报", "篇"),
    ("引进人才", "名"),
    ("举办活动", "场"),
];
const REQUIREMENTS: &[&str] = &[
    "每月 28 日前报送进展，重要事项及时报告",
    "按月报送进展，完成后提交佐证材料",
    "按季度报送进展，报上级侨联备案",
    "挂图作战、打表推进，按序时进度报送台账",
    "完成后报区县侨联销号，佐证材料归档",
];

impl Words {
    fn pick<'a>(&mut self, from: &'a [&'a str]) -> &'a str {
        from[self.rng.random_range(0..from.len())]
    }

    fn region(&mut self) -> String {
        self.regions[self.rng.random_range(0..self.regions.len())].clone()
    }

    fn task(&mut self) -> Task {
        let place = self.region();
        let action = self.pick(ACTIONS);
        let subject = self.pick(SUBJECTS);
        let title = match self.rng.random_range(0..3) {
            0 => format!("{place}{action}{subject}"),
            1 => format!("{action}{place}{subject}"),
            _ => format!("{action}与{}{subject}", self.pick(PARTNERS)),
        };
        let goal = format!(
            "{}{}，覆盖{}、{}等地",
            self.pick(ACTIONS),
            self.pick(SUBJECTS),
            self.region(),
            self.region()
        );
        let (what, unit) = UNITS[self.rng.random_range(0..UNITS.len())];
        let standard = format!(
            "{what}不少于 {} {unit}，{}侨联参与",
            self.rng.random_range(2..200),
            self.pick(PARTNERS)
        );
        let requirement = self.pick(REQUIREMENTS).to_owned();
        Task {
            title,
            goal,
            standard,
            requirement,
        }
    }
}

struct Measured {
    median: Duration,
    p95: Duration,
    totals: String,
}

async fn measure(db: &Db, actor: &Actor, q: &str) -> anyhow::Result<Measured> {
    let input = SearchInput {
        q: q.into(),
        ..SearchInput::default()
    };
    let warm = qiaolian_core::kinds::search(db, actor, &input)
        .await
        .with_context(|| format!("search {q}"))?;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        qiaolian_core::kinds::search(db, actor, &input)
            .await
            .with_context(|| format!("search {q}"))?;
        times.push(started.elapsed());
    }
    times.sort();
    let totals: Vec<String> = warm
        .groups
        .iter()
        .map(|g| format!("{}: {}", g.kind.as_str(), g.total))
        .collect();
    Ok(Measured {
        median: times[RUNS / 2],
        // Nearest rank: the 29th of 30.
        p95: times[(RUNS * 95).div_ceil(100) - 1],
        totals: if totals.is_empty() {
            "none".into()
        } else {
            totals.join(", ")
        },
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The index's share of the database, as each engine can tell it.
async fn size(db: &Db) -> anyhow::Result<String> {
    let mut tx = db.read().await?;
    Ok(match db.engine() {
        Engine::Sqlite => {
            let (pages, page_size): (i64, i64) = on!(&mut tx, |c| {
                sqlx::query_as(
                    "select page_count, page_size from pragma_page_count(), pragma_page_size()",
                )
                .fetch_one(c)
                .await?
            });
            let index: Vec<(String, i64, i64)> = on!(&mut tx, |c| {
                sqlx::query_as(
                    "select name, count(*), sum(pgsize) from dbstat
                     where name like 'search%' group by name order by name",
                )
                .fetch_all(c)
                .await?
            });
            let mut out = format!(
                "| SQLite object | pages | MiB |\n|---|---:|---:|\n| whole file | {pages} | {:.1} |\n",
                mib(pages * page_size)
            );
            for (name, pages, bytes) in index {
                out.push_str(&format!("| {name} | {pages} | {:.1} |\n", mib(bytes)));
            }
            out
        }
        Engine::Postgres => {
            let (doc, total, gin, database): (i64, i64, i64, i64) = on!(&mut tx, |c| {
                sqlx::query_as(
                    "select pg_relation_size('search_doc'), pg_total_relation_size('search_doc'),
                        pg_relation_size('search_doc_tsv_idx'), pg_database_size(current_database())",
                )
                .fetch_one(c)
                .await?
            });
            format!(
                "| PostgreSQL relation | MiB |\n|---|---:|\n| search_doc heap | {:.1} |\n\
                 | search_doc_tsv_idx (GIN) | {:.1} |\n\
                 | pg_total_relation_size('search_doc') | {:.1} |\n| whole database | {:.1} |\n",
                mib(doc),
                mib(gin),
                mib(total),
                mib(database)
            )
        }
    })
}

fn mib(bytes: i64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
