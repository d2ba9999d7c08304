//! Signed projects: the pipeline by status, landing rates by year, quarter, side, region
//! or series, the filtered list, and each project's page with its dated steps.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::event::SeriesId;
use qiaolian_core::money::Fen;
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::project::{
    self, LandingBy, LandingRow, Project, ProjectFilter, ProjectId, ProjectStatus, StatusFigure,
    StepInput, Totals,
};
use qiaolian_core::side::Side;
use qiaolian_core::{Error, FieldErrors};

use super::{FormErrors, PageResult, form_errors, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListQuery {
    by: Option<String>,
}

#[derive(Template)]
#[template(path = "projects/list.html")]
struct ListPage {
    ctx: Ctx,
    filter: ProjectFilter,
    errors: FormErrors,
    page: Page<Project>,
    pipeline: Vec<StatusFigure>,
    totals: Totals,
    by: LandingBy,
    rows: Vec<LandingRow>,
    chart: String,
    sides: Vec<Side>,
    series: Vec<(SeriesId, String)>,
    org_name: String,
    pager_href: String,
}

/// The filter as query pairs, blanks left out, in a fixed order.
fn pairs(f: &ProjectFilter) -> Vec<(&'static str, String)> {
    [
        ("year", &f.year),
        ("quarter", &f.quarter),
        ("series", &f.series),
        ("event", &f.event),
        ("side", &f.side),
        ("region", &f.region),
        ("org", &f.org),
        ("status", &f.status),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| (k, v.to_owned()))
    })
    .collect()
}

impl ListPage {
    /// This list with some filters set (an empty value clears one), from page one.
    fn href(&self, changes: &[(&'static str, &str)]) -> String {
        let mut p = pairs(&self.filter);
        for (k, v) in changes {
            p.retain(|(x, _)| x != k);
            if !v.is_empty() {
                p.push((k, (*v).to_owned()));
            }
        }
        if self.by != LandingBy::Year {
            p.push(("by", self.by.as_str().to_owned()));
        }
        format!(
            "/projects?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    }

    fn status_href(&self, s: &ProjectStatus) -> String {
        self.href(&[("status", s.as_str())])
    }

    fn by_href(&self, by: &LandingBy) -> String {
        let mut p = pairs(&self.filter);
        p.push(("by", by.as_str().to_owned()));
        format!(
            "/projects?{}#landing",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    }

    /// The list behind one figure of the landing table: that line, signed or landed.
    fn row_href(&self, row: &LandingRow, landed: bool) -> String {
        let status = if landed {
            project::LANDED
        } else {
            project::NOT_CANCELLED
        };
        let key = row.key.as_str();
        match self.by {
            LandingBy::Year => self.href(&[("year", key), ("quarter", ""), ("status", status)]),
            LandingBy::Quarter => {
                let (y, q) = key.split_once("-Q").unwrap_or((key, ""));
                self.href(&[("year", y), ("quarter", q), ("status", status)])
            }
            LandingBy::Side => self.href(&[("side", key), ("status", status)]),
            LandingBy::Region => self.href(&[("region", key), ("status", status)]),
            LandingBy::Series => self.href(&[("series", key), ("status", status)]),
        }
    }

    fn total_href(&self, landed: bool) -> String {
        let status = if landed {
            project::LANDED
        } else {
            project::NOT_CANCELLED
        };
        self.href(&[("status", status)])
    }

    fn row_label(&self, row: &LandingRow) -> String {
        let locale = self.ctx.info.locale;
        match self.by {
            LandingBy::Year => {
                crate::i18n::tv(locale, "project.year_label", &[("y", row.key.clone())])
            }
            LandingBy::Quarter => {
                let (y, q) = row.key.split_once("-Q").unwrap_or((&row.key, ""));
                crate::i18n::tv(
                    locale,
                    "project.quarter_label",
                    &[("y", y.to_owned()), ("q", q.to_owned())],
                )
            }
            _ if self.ctx.en() => row.label_en.clone(),
            _ => row.label.clone(),
        }
    }

    fn is_status(&self, s: &ProjectStatus) -> bool {
        self.filter.status.as_deref() == Some(s.as_str())
    }

    fn is_year(&self, y: &i32) -> bool {
        self.filter.year.as_deref().map(str::trim) == Some(y.to_string().as_str())
    }

    fn years(&self) -> Vec<i32> {
        use chrono::Datelike;
        let this = qiaolian_core::settings::today().year();
        (2015..=this).rev().collect()
    }

    fn filtered(&self) -> bool {
        !pairs(&self.filter).is_empty()
    }

    fn bys(&self) -> &'static [LandingBy] {
        LandingBy::ALL
    }

    fn pct(&self, rate: &Option<f64>) -> String {
        percent(*rate)
    }

    fn total_rate(&self, by_amount: bool) -> String {
        let t = &self.totals;
        percent(if by_amount {
            project::rate(t.landed_fen.0, t.signed_fen.0)
        } else {
            project::rate(t.landed, t.signed)
        })
    }

    fn badge(&self, s: &ProjectStatus) -> String {
        badge(*s)
    }
}

/// A landing rate as people read it: one decimal and a percent sign.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// Amount, rate and label series for the landing chart, in 亿元 (or 万元 when small).
fn chart_data(ctx: &Ctx, rows: &[LandingRow], page: &ListPage) -> String {
    let max = rows.iter().map(|r| r.signed_fen.0).max().unwrap_or(0);
    let (div, unit_key) = if max >= 10_000_000_000 {
        (10_000_000_000.0, "project.unit_yi")
    } else {
        (1_000_000.0, "project.unit_wan")
    };
    #[expect(clippy::cast_precision_loss, reason = "chart values, two decimals")]
    let amount = |f: Fen| (f.0 as f64 / div * 100.0).round() / 100.0;
    let rate = |r: Option<f64>| r.map(|r| (r * 1000.0).round() / 10.0);
    serde_json::json!({
        "labels": rows.iter().map(|r| page.row_label(r)).collect::<Vec<_>>(),
        "signed": rows.iter().map(|r| amount(r.signed_fen)).collect::<Vec<_>>(),
        "landed": rows.iter().map(|r| amount(r.landed_fen)).collect::<Vec<_>>(),
        "rate": rows.iter().map(|r| rate(r.rate_by_amount)).collect::<Vec<_>>(),
        "names": [
            format!("{}（{}）", ctx.t("project.signed_amount"), ctx.t(unit_key)),
            format!("{}（{}）", ctx.t("project.landed_amount"), ctx.t(unit_key)),
            ctx.t("project.rate_by_amount"),
        ],
    })
    .to_string()
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<ProjectFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page)), Ok(Query(q))) = (filter, page, q) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let db = &state.db;
    let mut fields = FieldErrors::new();
    let by = LandingBy::from_query(q.by.as_deref()).unwrap_or_else(|e| {
        if let Error::Invalid(f) = e {
            fields.extend(f);
        }
        LandingBy::Year
    });
    // A bad filter is shown on its field; the page then shows every project.
    let (filter, result) = match project::list(db, &user.actor(), &filter, page).await {
        Ok(p) => (filter, p),
        Err(Error::Invalid(f)) => {
            fields.extend(f);
            let all = ProjectFilter::default();
            let p = project::list(db, &user.actor(), &all, page).await?;
            (all, p)
        }
        Err(e) => return Err(e.into()),
    };
    let errors = form_errors(ctx.info.locale, Error::Invalid(fields))?;
    // The strip shows every status, whichever one the list is narrowed to.
    let pipeline = project::pipeline(
        db,
        &user.actor(),
        &ProjectFilter {
            status: None,
            ..filter.clone()
        },
    )
    .await?;
    let totals = project::totals_for(db, &user.actor(), &filter).await?;
    let rows = project::landing(db, &user.actor(), &filter, by).await?;
    let org_name = match filter.org.as_deref().and_then(|o| o.trim().parse().ok()) {
        Some(id) => qiaolian_core::org::get(db, &user.actor(), OrgId(id))
            .await
            .map(|o| o.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let mut pager = pairs(&filter);
    pager.push(("by", by.as_str().to_owned()));
    let pager_href = format!(
        "/projects?{}&",
        serde_urlencoded::to_string(&pager).unwrap_or_default()
    );
    let mut view = ListPage {
        ctx,
        filter,
        errors,
        page: result,
        pipeline,
        totals,
        by,
        rows,
        chart: String::new(),
        sides: qiaolian_core::side::list(db).await?,
        series: project::series_signed_at(db).await?,
        org_name,
        pager_href,
    };
    view.chart = chart_data(&view.ctx, &view.rows, &view);
    Ok(render(&view))
}

#[derive(Template)]
#[template(path = "projects/show.html")]
struct ShowPage {
    ctx: Ctx,
    p: Project,
    allowed: project::Allowed,
    form: StepForm,
    errors: FormErrors,
    conflict: bool,
}

impl ShowPage {
    fn statuses(&self) -> &'static [ProjectStatus] {
        ProjectStatus::ALL
    }

    /// Yuan to the fen with thousands separators, as in a ledger: `600,000,000.00`.
    fn yuan(&self, f: &Fen) -> String {
        let plain = f.yuan();
        let (whole, frac) = plain.split_once('.').unwrap_or((&plain, "00"));
        let digits = whole.trim_start_matches('-');
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        let sign = if whole.starts_with('-') { "-" } else { "" };
        format!("{sign}{grouped}.{frac}")
    }

    fn today(&self) -> String {
        qiaolian_core::settings::today().to_string()
    }

    fn badge(&self, s: &ProjectStatus) -> String {
        badge(*s)
    }
}

/// The colour class of a status (app.css): grey and blue before landing, greens once
/// landed, yellow and red off the way; all readable at WCAG AA.
pub fn badge(s: ProjectStatus) -> String {
    format!("stage-{s}")
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct StepForm {
    status: String,
    happened_on: String,
    note: String,
    version: String,
}

async fn show_page(
    ctx: Ctx,
    user: &User,
    db: &qiaolian_core::Db,
    id: ProjectId,
    form: Option<StepForm>,
    errors: FormErrors,
    conflict: bool,
) -> PageResult {
    let p = project::get(db, &user.actor(), id).await?;
    let allowed = p.allowed(&user.actor());
    let form = form.unwrap_or_else(|| StepForm {
        status: allowed.proposed.as_str().to_owned(),
        version: p.version.to_string(),
        ..StepForm::default()
    });
    Ok(render_with(
        errors.status(conflict),
        &ShowPage {
            ctx,
            p,
            allowed,
            form,
            errors,
            conflict,
        },
    ))
}

pub async fn show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    show_page(
        ctx,
        &user,
        &state.db,
        ProjectId(id),
        None,
        FormErrors::new(),
        false,
    )
    .await
}

/// Records a step; back on the project page either way.
pub async fn step(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(mut f): Form<StepForm>,
) -> PageResult {
    let id = ProjectId(id);
    let input = StepInput {
        status: f.status.clone(),
        happened_on: f.happened_on.clone(),
        note: Some(f.note.clone()).filter(|n| !n.trim().is_empty()),
        version: f.version.trim().parse().ok(),
    };
    match project::advance(&state.db, &user.actor(), id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/projects/{id}")).into_response()),
        Err(Error::Conflict { current_version }) => {
            f.version = current_version.to_string();
            show_page(ctx, &user, &state.db, id, Some(f), FormErrors::new(), true).await
        }
        Err(err) => {
            // The shared code speaks of a task's progress; a project goes back a stage.
            let back = matches!(&err, Error::Invalid(fields)
                if fields.get("note").is_some_and(|e| e.code == "backwards_without_reason"));
            let mut errors = form_errors(ctx.info.locale, err)?;
            if back {
                errors
                    .0
                    .insert("note", ctx.t("project.reason_needed").to_owned());
            }
            show_page(ctx, &user, &state.db, id, Some(f), errors, false).await
        }
    }
}
