//! The programme's figures for a scope and a period, each with the list it counts.

use std::collections::BTreeMap;

use axum::extract::State;
use chrono::NaiveDate;
use qiaolian_core::dashboard::{Dashboard, DashboardQuery};
use qiaolian_core::stats::{self, ReadBack, StatsQuery, Value};
use serde::Serialize;

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::ctx::User;
use crate::error::{ApiError, ErrorBody};
use crate::i18n;

/// One figure as the API answers it: its label in the reader's language.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FigureOut {
    pub label: &'static str,
    pub value: Value,
    /// `fen` (amounts), `person_times` (participants) or `ratio` (0–1); none for counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
    /// The API list of the records counted, with its filters.
    pub records: String,
    /// Where the value is read back: for a count the list's `/total`.
    pub source: ReadBack,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio_of: Option<[&'static str; 2]>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StatsOut {
    /// `all`, a side code or `org:<id>`.
    pub scope: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The year "this year" means: the period's last, or the current one.
    pub year: i32,
    pub figures: BTreeMap<&'static str, FigureOut>,
    /// The keys in the order the dashboard shows them.
    pub order: Vec<&'static str>,
}

/// Figures of the scope (both sides, one side, or an organization's subtree) and the
/// period, each counted as its list counts it for the caller.
#[utoipa::path(get, path = "/api/v1/stats", tag = "outcomes", params(StatsQuery), security(("bearer" = [])),
    responses((status = 200, body = StatsOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    user: User,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<ApiJson<StatsOut>, ApiError> {
    let s = stats::stats(&state.db, &user.actor(), &q).await?;
    let locale = i18n::current();
    let order = s.figures.iter().map(|f| f.key).collect();
    let figures = s
        .figures
        .into_iter()
        .map(|f| {
            (
                f.key,
                FigureOut {
                    label: i18n::t(locale, &format!("stats.{}", f.key)),
                    value: f.value,
                    unit: f.unit,
                    records: f.records,
                    source: f.source,
                    ratio_of: f.ratio_of,
                },
            )
        })
        .collect();
    Ok(ApiJson(StatsOut {
        scope: s.scope,
        from: s.from,
        to: s.to,
        year: s.year,
        figures,
        order,
    }))
}

/// The battle map of a scope and whole years: the figures, each region's federation's
/// figures for the map, pairings between regions, mechanisms spanning them, the
/// figures year by year and each organization's tasks by colour — each number with the
/// API list (`records`) that counts it.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "outcomes", params(DashboardQuery), security(("bearer" = [])),
    responses((status = 200, body = Dashboard), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dashboard(
    user: User,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> Result<ApiJson<Dashboard>, ApiError> {
    Ok(ApiJson(
        qiaolian_core::dashboard::dashboard(&state.db, &user.actor(), &q).await?,
    ))
}
