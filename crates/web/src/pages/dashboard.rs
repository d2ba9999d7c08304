//! The battle map (挂图作战): the figures of a scope and a period as cards, the 川渝
//! map coloured by a figure the reader picks, trends by year and each organization's
//! tasks by colour — every number a link to the page listing its records.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use qiaolian_core::Error;
use qiaolian_core::dashboard::{self, Dashboard, DashboardQuery};
use qiaolian_core::side::{self, Side};
use qiaolian_core::stats::{Figure, Value};
use qiaolian_core::supervision::Colour;
use serde::Deserialize;

use super::{PageResult, render};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;
use crate::i18n;

/// The figures' cards, in groups: a heading's key and the figures' keys.
const GROUPS: [(&str, &[&str]); 5] = [
    (
        "dashboard.group_tasks",
        &[
            "tasks",
            "tasks_red",
            "tasks_yellow",
            "tasks_blue",
            "tasks_green",
            "tasks_grey",
        ],
    ),
    (
        "dashboard.group_cooperation",
        &[
            "agreements_in_force",
            "resolutions",
            "resolutions_done",
            "pairings_active",
            "pairings_dormant",
        ],
    ),
    (
        "dashboard.group_exchanges",
        &[
            "exchanges",
            "exchanges_this_year",
            "exchanges_last_year",
            "events_held",
            "participants",
            "participant_countries",
        ],
    ),
    (
        "dashboard.group_projects",
        &[
            "projects_signed",
            "projects_signed_amount",
            "projects_landed",
            "projects_landed_amount",
            "landing_rate",
            "talents",
            "articles",
        ],
    ),
    (
        "dashboard.group_people",
        &[
            "donations",
            "donations_amount",
            "people",
            "people_countries",
        ],
    ),
];

/// A figure as a card: its label, its number for reading, and the page of its records.
pub struct Card {
    pub key: &'static str,
    pub label: &'static str,
    pub text: String,
    pub href: String,
    /// The badge class of a colour's count.
    pub colour: Option<&'static str>,
}

/// The page that lists what an API list answers: the same path without `/api/v1`; the
/// countries of a roll-up on the outcomes page, those of people on the people page.
pub fn page_href(api: &str) -> String {
    let path = api.strip_prefix("/api/v1").unwrap_or(api);
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let with = |p: &str| {
        if query.is_empty() {
            p.to_owned()
        } else {
            format!("{p}?{query}")
        }
    };
    match path {
        "/outcomes/countries" => format!("{}#countries", with("/outcomes")),
        "/people/countries" if query.is_empty() => "/people?view=countries#countries".into(),
        "/people/countries" => format!("/people?{query}&view=countries#countries"),
        _ => with(path),
    }
}

/// The query of the dashboard as a form sends it: an organization picked overrides the
/// scope chosen in the list.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DashboardForm {
    scope: Option<String>,
    org: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl DashboardForm {
    fn query(&self) -> DashboardQuery {
        let org = self.org.as_deref().map(str::trim).filter(|o| !o.is_empty());
        DashboardQuery {
            scope: match org {
                Some(o) => Some(format!("org:{o}")),
                None => self.scope.clone(),
            },
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/index.html")]
struct DashboardPage {
    ctx: Ctx,
    d: Dashboard,
    groups: Vec<(&'static str, Vec<Card>)>,
    sides: Vec<Side>,
    /// The organization of the scope, when it is one: id and name.
    org: Option<(i64, String)>,
    /// What was wrong with the query, in the reader's language; the page then shows
    /// everything for all years.
    refused: Vec<String>,
    map: String,
    trend: String,
    years: Vec<i32>,
    /// The review number of an approved base map, when the deployment has one.
    map_review: Option<String>,
}

impl DashboardPage {
    fn colours(&self) -> &'static [Colour] {
        Colour::ALL
    }

    fn scope_is(&self, value: &str) -> bool {
        self.d.stats.scope == value
    }

    fn mix_href(&self, org: &qiaolian_core::org::OrgId, colour: Option<&Colour>) -> String {
        match colour {
            Some(c) => format!("/tasks?lead={}&colour={c}", org.0),
            None => format!("/tasks?lead={}", org.0),
        }
    }

    /// The region table's cells: overdue tasks, events held and projects landed, each
    /// with its page.
    fn area_cells(&self, a: &dashboard::Area) -> Vec<(i64, String)> {
        ["tasks_red", "events_held", "projects_landed"]
            .iter()
            .filter_map(|k| {
                let i = qiaolian_core::stats::MAP_KEYS.iter().position(|m| m == k)?;
                Some((*a.values.get(i)?, page_href(a.records.get(i)?)))
            })
            .collect()
    }

    fn mix_cells(&self, row: &dashboard::MixRow) -> Vec<(Colour, i64)> {
        Colour::ALL.iter().copied().zip(row.colours).collect()
    }

    /// The overdue rate in tenths of a percent, for sorting.
    fn rate_key(&self, row: &dashboard::MixRow) -> i64 {
        row.colours[colour_index(Colour::Red)] * 1000 / row.total.max(1)
    }

    fn rate(&self, row: &dashboard::MixRow) -> String {
        let red = row.colours[colour_index(Colour::Red)];
        if row.total == 0 {
            "—".into()
        } else {
            format!("{:.1}%", red as f64 * 100.0 / row.total as f64)
        }
    }
}

fn colour_index(c: Colour) -> usize {
    Colour::ALL.iter().position(|x| *x == c).unwrap_or(0)
}

pub async fn show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    form: Result<Query<DashboardForm>, QueryRejection>,
) -> PageResult {
    let Ok(Query(form)) = form else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let actor = user.actor();
    let locale = ctx.info.locale;
    let (d, refused) = match dashboard::dashboard(&state.db, &actor, &form.query()).await {
        Ok(d) => (d, Vec::new()),
        Err(Error::Invalid(fields)) => {
            let refused = fields
                .values()
                .map(|e| i18n::field_message(locale, e))
                .collect();
            let d = dashboard::dashboard(&state.db, &actor, &DashboardQuery::default()).await?;
            (d, refused)
        }
        Err(Error::NotFound) => {
            let refused = vec![i18n::t(locale, "err.unknown_scope").to_owned()];
            let d = dashboard::dashboard(&state.db, &actor, &DashboardQuery::default()).await?;
            (d, refused)
        }
        Err(e) => return Err(e.into()),
    };
    let org = match d
        .stats
        .scope
        .strip_prefix("org:")
        .and_then(|id| id.parse().ok())
    {
        Some(id) => qiaolian_core::org::get(&state.db, &actor, qiaolian_core::org::OrgId(id))
            .await
            .ok()
            .map(|o| (id, o.name)),
        None => None,
    };
    let groups = GROUPS
        .iter()
        .map(|(heading, keys)| {
            let cards = keys
                .iter()
                .filter_map(|k| d.stats.figures.iter().find(|f| f.key == *k))
                .map(|f| card(&ctx, f))
                .collect();
            (*heading, cards)
        })
        .collect();
    let map = map_json(&ctx, &d);
    let trend = trend_json(&ctx, &d);
    let this_year = chrono::Datelike::year(&qiaolian_core::settings::today());
    let years = (dashboard::FIRST_YEAR.max(this_year - 15)..=this_year)
        .rev()
        .collect();
    Ok(render(&DashboardPage {
        ctx,
        groups,
        sides: side::list(&state.db).await?,
        org,
        refused,
        map,
        trend,
        years,
        map_review: state.config.map_review.clone(),
        d,
    }))
}

fn card(ctx: &Ctx, f: &Figure) -> Card {
    let text = match (f.value, f.unit) {
        (Value::Count(n), Some("fen")) => ctx.money(&qiaolian_core::money::Fen(n)),
        (Value::Count(n), _) => n.to_string(),
        (Value::Ratio(Some(r)), _) => format!("{:.1}%", r * 100.0),
        (Value::Ratio(None), _) => "—".into(),
    };
    let colour = Colour::ALL
        .iter()
        .find(|c| qiaolian_core::stats::colour_key(**c) == f.key)
        .map(|c| ctx.colour_class(c));
    Card {
        key: f.key,
        label: ctx.t(&format!("stats.{}", f.key)),
        text,
        href: page_href(&f.records),
        colour,
    }
}

/// What the map script draws: the figures it can colour by, the regions with their
/// values and pages, the pairing lines and the mechanisms.
fn map_json(ctx: &Ctx, d: &Dashboard) -> String {
    let keys: Vec<serde_json::Value> = qiaolian_core::stats::MAP_KEYS
        .iter()
        .map(|k| {
            serde_json::json!({
                "key": k,
                "label": ctx.t(&format!("stats.{k}")),
                "money": *k == "projects_signed_amount",
            })
        })
        .collect();
    let areas: Vec<serde_json::Value> = d
        .areas
        .iter()
        .map(|a| {
            let money: Vec<String> = a
                .values
                .iter()
                .map(|v| ctx.money(&qiaolian_core::money::Fen(*v)))
                .collect();
            serde_json::json!({
                "code": a.code,
                "name": a.name,
                "org": a.org_name,
                "org_id": a.org_id.map(|o| o.0),
                "in_scope": a.in_scope,
                "values": a.values,
                "money": money,
                "hrefs": a.records.iter().map(|r| page_href(r)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let lines: Vec<serde_json::Value> = d
        .lines
        .iter()
        .map(|l| {
            serde_json::json!({
                "from": l.from, "to": l.to, "n": l.pairings, "href": page_href(&l.records),
                "label": ctx.tn("dashboard.pairings_n", l.pairings),
            })
        })
        .collect();
    let spans: Vec<serde_json::Value> = d
        .spans
        .iter()
        .map(|s| serde_json::json!({"id": s.id.0, "name": s.name, "areas": s.areas}))
        .collect();
    serde_json::json!({
        "geo": format!("/dashboard/map.geo.json?v={}", ctx.asset_version()),
        "keys": keys,
        "areas": areas,
        "lines": lines,
        "spans": spans,
        "none": ctx.t("dashboard.no_federation"),
        "out_of_scope": ctx.t("dashboard.out_of_scope"),
        "open": ctx.t("dashboard.open_region"),
    })
    .to_string()
}

/// What the trend charts draw: a series per figure, each year's bar a page.
fn trend_json(ctx: &Ctx, d: &Dashboard) -> String {
    let series: Vec<serde_json::Value> = dashboard::TREND_KEYS
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let money = *k == "projects_signed_amount";
            serde_json::json!({
                "key": k,
                "label": ctx.t(&format!("stats.{k}")),
                // Amounts in 万元, the unit the federations' tables use.
                "values": d.trend.iter().map(|y| {
                    let v = y.values.get(i).copied().unwrap_or(0);
                    if money { serde_json::json!((v as f64 / 1_000_000.0 * 100.0).round() / 100.0) } else { serde_json::json!(v) }
                }).collect::<Vec<_>>(),
                "hrefs": d.trend.iter().map(|y| page_href(y.records.get(i).map_or("", String::as_str))).collect::<Vec<_>>(),
                "unit": if money { ctx.t("dashboard.unit_wan") } else { "" },
            })
        })
        .collect();
    serde_json::json!({
        "years": d.trend.iter().map(|y| y.year.to_string()).collect::<Vec<_>>(),
        "series": series,
    })
    .to_string()
}

/// The map's shapes: the deployment's approved base map when it has one, else the
/// schematic map built into the binary.
pub async fn geo(State(state): State<AppState>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let body: axum::body::Bytes = match &state.config.base_map {
        Some(bytes) => axum::body::Bytes::from(bytes.clone()),
        None => match crate::assets::file("vendor/chuanyu/chuanyu.geo.json") {
            Some(data) => data,
            None => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    (
        [
            (header::CONTENT_TYPE, "application/geo+json"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}
