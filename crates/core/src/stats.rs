//! The programme's figures for a scope and a period: the one source of every number the
//! dashboard, the exports and the work reports show. Each figure is counted by the
//! function that counts its list, for the reader who asks, and names that list (with
//! its filters) and, for a sum, the answer that adds it up — so every number can be
//! opened and traced to the records behind it.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::access::Actor;
use crate::db::Db;
use crate::error::{Check, Error, Result};
use crate::org::OrgId;
use crate::supervision::Colour;
use crate::task::TaskStatus;
use crate::{agreement, donation, exchange, meeting, outcome, pairing, person, settings};

/// What the figures cover: `scope` is `all` (or left out), a side code such as `cq`,
/// or `org:<id>` (that organization and everything below it); `from` and `to` bound the
/// period of dated records (`YYYY-MM-DD`, either open).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct StatsQuery {
    pub scope: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A scope once checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Side(String),
    Org(OrgId),
}

impl Scope {
    /// Reads `scope`; an organization must be one the reader may read (else not found,
    /// so no figure of it leaks) and a side must exist.
    pub async fn parse(db: &Db, actor: &Actor, text: Option<&str>) -> Result<Scope> {
        let text = text.map(str::trim).unwrap_or("");
        if text.is_empty() || text == "all" {
            return Ok(Scope::All);
        }
        if let Some(id) = text.strip_prefix("org:") {
            let id = id
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or(Error::field("scope", "unknown_scope"))?;
            let org = crate::org::get(db, actor, OrgId(id)).await?;
            return Ok(Scope::Org(org.id));
        }
        match crate::side::by_code(&mut db.read().await?, text).await? {
            Some(s) => Ok(Scope::Side(s.code)),
            None => Err(Error::field("scope", "unknown_scope")),
        }
    }

    /// The scope as the query string of `/api/v1/stats`.
    pub fn query(&self) -> String {
        match self {
            Scope::All => "all".into(),
            Scope::Side(code) => code.clone(),
            Scope::Org(id) => format!("org:{}", id.0),
        }
    }

    fn side(&self) -> Option<String> {
        match self {
            Scope::Side(code) => Some(code.clone()),
            _ => None,
        }
    }

    fn org(&self) -> Option<i64> {
        match self {
            Scope::Org(id) => Some(id.0),
            _ => None,
        }
    }
}

/// A figure's number: a count or a sum, or a ratio of two other figures (none when the
/// second is zero).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Value {
    Count(i64),
    Ratio(Option<f64>),
}

/// Where a figure's number is read back: `field` is a JSON pointer into the answer of
/// `url` (`/total` of a list, `/totals/signed_fen` of a pipeline).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReadBack {
    pub url: String,
    pub field: String,
}

/// One figure: its stable key, its number, the unit a sum or ratio is in, the list of
/// the records it counts, and the answer its number is read from.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figure {
    pub key: &'static str,
    pub value: Value,
    /// `fen` (amounts), `person_times` (participants) or `ratio` (0–1); none for counts.
    pub unit: Option<&'static str>,
    pub records: String,
    pub source: ReadBack,
    /// For a ratio: the keys of the figures it divides.
    pub ratio_of: Option<[&'static str; 2]>,
}

/// The figures of a scope and a period, in the order the dashboard shows them.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub scope: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The year "this year" means: the period's last year, or the current one.
    pub year: i32,
    pub figures: Vec<Figure>,
}

/// A list's URL with its filters, as the figure links to it.
struct Link {
    url: String,
    any: bool,
}

impl Link {
    fn to(path: &str) -> Link {
        Link {
            url: path.to_owned(),
            any: false,
        }
    }

    fn with(mut self, name: &str, value: impl ToString) -> Link {
        self.url.push(if self.any { '&' } else { '?' });
        self.any = true;
        self.url.push_str(name);
        self.url.push('=');
        self.url
            .push_str(&crate::text::url_component(&value.to_string()));
        self
    }

    fn maybe(self, name: &str, value: Option<impl ToString>) -> Link {
        match value {
            Some(v) => self.with(name, v),
            None => self,
        }
    }
}

/// The scope and period as list parameters: the organization parameter is named as the
/// list names it (`lead`, `party`, `org`).
struct Params<'a> {
    scope: &'a Scope,
    from: Option<String>,
    to: Option<String>,
}

impl Params<'_> {
    fn link(&self, path: &str, org_param: &str, dated: bool) -> Link {
        let l = Link::to(path)
            .maybe(org_param, self.scope.org())
            .maybe("side", self.scope.side());
        if dated {
            l.maybe("from", self.from.as_deref())
                .maybe("to", self.to.as_deref())
        } else {
            l
        }
    }
}

/// The list of the records a figure counts, for the keys the battle map also shows by
/// region and year: one place, so a region's or a year's number opens the same list as
/// the card's.
fn records(p: &Params, key: &str) -> Option<Link> {
    let link = match key {
        "tasks" => p.link("/api/v1/tasks", "lead", false),
        "events_held" | "participants" => {
            p.link("/api/v1/events", "org", true).with("status", "held")
        }
        "projects_signed" | "projects_signed_amount" => p
            .link("/api/v1/projects", "org", true)
            .with("status", "not_cancelled"),
        "projects_landed" | "projects_landed_amount" => p
            .link("/api/v1/projects", "org", true)
            .with("status", "landed"),
        "talents" => p.link("/api/v1/talents", "org", true),
        "exchanges" => p.link("/api/v1/exchanges", "org", true),
        _ => {
            return Colour::ALL
                .iter()
                .find(|c| colour_key(**c) == key)
                .map(|c| {
                    p.link("/api/v1/tasks", "lead", false)
                        .with("colour", c.as_str())
                });
        }
    };
    Some(link)
}

/// The API list a figure of an organization's subtree and a period counts, for the keys
/// of [`MAP_KEYS`] and the year trends.
pub fn records_of(
    key: &str,
    scope: &Scope,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Option<String> {
    let p = Params {
        scope,
        from: from.map(|d| d.to_string()),
        to: to.map(|d| d.to_string()),
    };
    records(&p, key).map(|l| l.url)
}

/// The figures the battle map can colour its regions by, each counted for the region's
/// federation's subtree as the card of that scope counts it.
pub const MAP_KEYS: [&str; 7] = [
    "tasks_red",
    "tasks_yellow",
    "events_held",
    "participants",
    "projects_landed",
    "projects_signed_amount",
    "talents",
];

fn count(key: &'static str, value: i64, records: Link) -> Figure {
    let url = records.url;
    Figure {
        key,
        value: Value::Count(value),
        unit: None,
        source: ReadBack {
            url: url.clone(),
            field: "/total".into(),
        },
        records: url,
        ratio_of: None,
    }
}

fn sum(
    key: &'static str,
    value: i64,
    unit: &'static str,
    records: &Link,
    source: Link,
    field: &str,
) -> Figure {
    Figure {
        key,
        value: Value::Count(value),
        unit: Some(unit),
        records: records.url.clone(),
        source: ReadBack {
            url: source.url,
            field: field.into(),
        },
        ratio_of: None,
    }
}

/// Every figure of the scope and period for this reader, kept until the database
/// changes ([`crate::memo`]).
pub async fn stats(db: &Db, actor: &Actor, q: &StatsQuery) -> Result<Stats> {
    db.kept(format!("stats {actor:?} {q:?}"), || count_all(db, actor, q))
        .await
}

async fn count_all(db: &Db, actor: &Actor, q: &StatsQuery) -> Result<Stats> {
    let mut check = Check::default();
    let blank = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (from, to) = crate::text::period(
        &mut check,
        None,
        blank(&q.from).as_deref(),
        blank(&q.to).as_deref(),
    );
    check.finish()?;
    let scope = Scope::parse(db, actor, q.scope.as_deref()).await?;
    let p = Params {
        scope: &scope,
        from: from.map(|d| d.to_string()),
        to: to.map(|d| d.to_string()),
    };
    let year = to.unwrap_or_else(settings::today).year();
    let mut figures = Vec::new();

    // Agreements, tasks and pairings are counted as they stand now.
    let in_force = agreement::AgreementFilter {
        party: scope.org(),
        side: scope.side(),
        status: Some("in_force".into()),
        ..Default::default()
    };
    figures.push(count(
        "agreements_in_force",
        agreement::count(db, actor, &in_force).await?,
        p.link("/api/v1/agreements", "party", false)
            .with("status", "in_force"),
    ));

    let tasks = crate::task::TaskFilter {
        lead: scope.org(),
        side: scope.side(),
        ..Default::default()
    };
    let counts = crate::task::counts(db, actor, &tasks).await?;
    figures.push(count(
        "tasks",
        counts.iter().map(|(_, _, n)| n).sum(),
        listed(&p, "tasks")?,
    ));
    for colour in Colour::ALL {
        figures.push(count(
            colour_key(*colour),
            counts
                .iter()
                .filter(|(_, c, _)| c == colour)
                .map(|(_, _, n)| n)
                .sum(),
            listed(&p, colour_key(*colour))?,
        ));
    }
    for status in TaskStatus::ALL {
        figures.push(count(
            status_key(*status),
            counts
                .iter()
                .filter(|(s, _, _)| s == status)
                .map(|(_, _, n)| n)
                .sum(),
            p.link("/api/v1/tasks", "lead", false)
                .with("status", status.as_str()),
        ));
    }

    for (key, status) in [("resolutions", None), ("resolutions_done", Some("done"))] {
        let f = meeting::ResolutionFilter {
            status: status.map(str::to_owned),
            org: scope.org(),
            side: scope.side(),
            from: p.from.clone(),
            to: p.to.clone(),
            ..Default::default()
        };
        figures.push(count(
            key,
            meeting::count_resolutions(db, actor, &f).await?,
            p.link("/api/v1/resolutions", "org", true)
                .maybe("status", status),
        ));
    }

    for (key, status) in [
        ("pairings_active", "active"),
        ("pairings_dormant", "dormant"),
    ] {
        let f = pairing::PairingFilter {
            org: scope.org(),
            side: scope.side(),
            status: Some(status.into()),
            ..Default::default()
        };
        figures.push(count(
            key,
            pairing::count(db, actor, &f).await?,
            p.link("/api/v1/pairings", "org", false)
                .with("status", status),
        ));
    }

    let exchanges = exchange::ExchangeFilter {
        org: scope.org(),
        side: scope.side(),
        ..Default::default()
    };
    figures.push(count(
        "exchanges",
        exchange::count(
            db,
            actor,
            &exchange::ExchangeFilter {
                from: p.from.clone(),
                to: p.to.clone(),
                ..exchanges.clone()
            },
        )
        .await?,
        listed(&p, "exchanges")?,
    ));
    for (key, y) in [
        ("exchanges_this_year", year),
        ("exchanges_last_year", year - 1),
    ] {
        let f = exchange::ExchangeFilter {
            year: Some(y),
            ..exchanges.clone()
        };
        figures.push(count(
            key,
            exchange::count(db, actor, &f).await?,
            p.link("/api/v1/exchanges", "org", false).with("year", y),
        ));
    }

    // Events, projects, talents and articles: the roll-up, read from the kept figures
    // where they answer the scope and period, as the outcome pages read it.
    let oscope = outcome::Scope {
        org: scope.org(),
        side: scope.side(),
        from: p.from.clone(),
        to: p.to.clone(),
        ..Default::default()
    };
    let rollup = outcome::rollup(db, actor, &oscope).await?.total;
    let roll = p.link("/api/v1/outcomes", "org", true);
    let events = listed(&p, "events_held")?;
    figures.push(sum(
        "participants",
        rollup.events.participants,
        "person_times",
        &events,
        p.link("/api/v1/outcomes", "org", true),
        "/total/events/participants",
    ));
    figures.push(count("events_held", rollup.events.events, events));
    figures.push(count(
        "participant_countries",
        rollup.events.countries,
        p.link("/api/v1/outcomes/countries", "org", true),
    ));
    let signed = listed(&p, "projects_signed")?;
    let landed = listed(&p, "projects_landed")?;
    let pipeline = |status: &str| {
        p.link("/api/v1/projects/pipeline", "org", true)
            .with("status", status)
    };
    let t = rollup.projects;
    figures.push(sum(
        "projects_signed_amount",
        t.signed_fen.0,
        "fen",
        &signed,
        pipeline("not_cancelled"),
        "/totals/signed_fen",
    ));
    figures.push(sum(
        "projects_landed_amount",
        t.landed_fen.0,
        "fen",
        &landed,
        pipeline("landed"),
        "/totals/landed_fen",
    ));
    figures.push(Figure {
        key: "landing_rate",
        value: Value::Ratio(crate::project::rate(t.landed, t.signed)),
        unit: Some("ratio"),
        records: landed.url.clone(),
        source: ReadBack {
            url: roll.url.clone(),
            field: "/total/projects".into(),
        },
        ratio_of: Some(["projects_landed", "projects_signed"]),
    });
    figures.push(count("projects_signed", t.signed, signed));
    figures.push(count("projects_landed", t.landed, landed));
    figures.push(count("talents", rollup.talents, listed(&p, "talents")?));
    figures.push(count(
        "articles",
        rollup.articles.articles,
        p.link("/api/v1/articles", "org", true),
    ));

    let gifts = donation::DonationFilter {
        org: scope.org(),
        side: scope.side(),
        from: p.from.clone(),
        to: p.to.clone(),
        ..Default::default()
    };
    let given = donation::totals(db, actor, &gifts).await?;
    let list = p.link("/api/v1/donations", "org", true);
    figures.push(sum(
        "donations_amount",
        given.total_fen.0,
        "fen",
        &list,
        p.link("/api/v1/donations/totals", "org", true),
        "/total_fen",
    ));
    figures.push(count("donations", given.count, list));

    let people = person::PersonFilter {
        org: scope.org(),
        side: scope.side(),
        ..Default::default()
    };
    figures.push(count(
        "people",
        person::count(db, actor, &people).await?,
        p.link("/api/v1/people", "org", false),
    ));
    let countries = person::countries(db, actor, &people).await?;
    figures.push(count(
        "people_countries",
        i64::try_from(countries.len()).unwrap_or(i64::MAX),
        p.link("/api/v1/people/countries", "org", false),
    ));

    Ok(Stats {
        scope: scope.query(),
        from,
        to,
        year,
        figures,
    })
}

/// The list of a key [`records`] must know.
fn listed(p: &Params, key: &str) -> Result<Link> {
    records(p, key).ok_or_else(|| Error::Other(format!("no list for the figure {key}")))
}

/// The key of the count of tasks of one colour.
pub fn colour_key(c: Colour) -> &'static str {
    match c {
        Colour::Red => "tasks_red",
        Colour::Yellow => "tasks_yellow",
        Colour::Blue => "tasks_blue",
        Colour::Green => "tasks_green",
        Colour::Grey => "tasks_grey",
    }
}

/// The key of the count of tasks at one status.
pub fn status_key(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Draft => "tasks_draft",
        TaskStatus::Assigned => "tasks_assigned",
        TaskStatus::Accepted => "tasks_accepted",
        TaskStatus::InProgress => "tasks_in_progress",
        TaskStatus::ReportedDone => "tasks_reported_done",
        TaskStatus::Closed => "tasks_closed",
        TaskStatus::Cancelled => "tasks_cancelled",
    }
}
