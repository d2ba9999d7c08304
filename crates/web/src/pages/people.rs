//! Directory pages: find people, record one with the legal basis for holding their
//! data, and a person's page with contacts masked until revealed (audited).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::access::{Action, Resource};
use qiaolian_core::audit::{self, Entry};
use qiaolian_core::money::Fen;
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::person::{
    self, AffiliationInput, Category, ContactInput, ContactKind, Duplicate, LegalBasis,
    MERGE_FIELDS, MergeInput, MergeRecord, Person, PersonFilter, PersonId, PersonInput, Sharing,
};
use qiaolian_core::reference::{self, Country};
use qiaolian_core::timeline::{TimelineItem, TimelineKind};
use qiaolian_core::{Db, Error};

use super::{FormErrors, PageResult, form_errors, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "people/list.html")]
struct ListPage {
    ctx: Ctx,
    page: Page<Person>,
    filter: PersonFilter,
    pager_href: String,
    countries: Vec<Country>,
    refused: bool,
    /// Whether the reader may record people, and so import them.
    may_create: bool,
    /// With `view=countries`: where the listed people live, most first (the figure of
    /// the countries the directory covers opens this).
    by_country: Option<Vec<person::PeopleCountry>>,
    /// The filter as a query string, to open one country's people.
    filter_q: String,
}

#[derive(Default, serde::Deserialize)]
#[serde(default)]
pub struct ListView {
    view: Option<String>,
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<PersonFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
    view: Result<Query<ListView>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page)), Ok(Query(view))) = (filter, page, view) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let actor = user.actor();
    let (filter, result, refused) = match person::list(&state.db, &actor, &filter, page).await {
        Ok(p) => (filter, p, false),
        Err(Error::Invalid(_)) => (
            PersonFilter::default(),
            person::list(&state.db, &actor, &PersonFilter::default(), page).await?,
            true,
        ),
        Err(e) => return Err(e.into()),
    };
    let filter_q = serde_urlencoded::to_string(&filter).unwrap_or_default();
    let pager_href = format!("/people?{filter_q}&");
    let by_country = match view.view.as_deref() {
        Some("countries") => Some(person::countries(&state.db, &actor, &filter).await?),
        _ => None,
    };
    Ok(render(&ListPage {
        ctx,
        page: result,
        filter,
        pager_href,
        by_country,
        filter_q,
        countries: reference::countries(&state.db).await?,
        refused,
        may_create: actor.may(Resource::Person, Action::Create, Some(&actor.org_path)),
    }))
}

#[derive(Template)]
#[template(path = "people/show.html")]
struct ShowPage {
    ctx: Ctx,
    p: Person,
    allowed: qiaolian_core::person::Allowed,
    trail: Vec<Entry>,
    timeline: Vec<TimelineItem>,
    merges: Vec<MergeRecord>,
    duplicates: Vec<Duplicate>,
    /// A message key: the record opened was merged here, or a merge was undone.
    notice: Option<&'static str>,
    /// Why an undo was refused.
    refused: Option<String>,
}

impl ShowPage {
    /// Where a record of the history is shown.
    fn href(&self, i: &TimelineItem) -> String {
        match i.kind {
            TimelineKind::Event => format!("/events/{}", i.id),
            TimelineKind::Exchange => format!("/exchanges?org={}", i.org_id),
            TimelineKind::Donation => format!("/donations/{}", i.id),
            TimelineKind::Project => format!("/projects/{}", i.id),
            TimelineKind::Talent => format!("/talents?org={}", i.org_id),
        }
    }

    fn detail(&self, i: &TimelineItem) -> String {
        let d = i.detail.clone().unwrap_or_default();
        match i.kind {
            TimelineKind::Exchange => self.ctx.label("exchange_kind.", d).to_owned(),
            TimelineKind::Project => self.ctx.label("project_status.", d).to_owned(),
            TimelineKind::Donation => d
                .parse::<i64>()
                .map(|f| self.ctx.money(&Fen(f)))
                .unwrap_or_default(),
            TimelineKind::Talent => self.ctx.label("talent_level.", d).to_owned(),
            TimelineKind::Event => d,
        }
    }
}

async fn show_page(ctx: Ctx, db: &Db, user: &User, p: Person) -> PageResult {
    show_page_with(ctx, db, user, p, None, None).await
}

async fn show_page_with(
    ctx: Ctx,
    db: &Db,
    user: &User,
    p: Person,
    notice: Option<&'static str>,
    refused: Option<String>,
) -> PageResult {
    let actor = user.actor();
    let allowed = p.allowed(&actor);
    let trail = if allowed.reveal {
        audit::of(db, "person", p.id.0).await?
    } else {
        Vec::new()
    };
    let duplicates = if allowed.edit {
        person::duplicates_of_person(db, &actor, p.id).await?
    } else {
        Vec::new()
    };
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render_with(
        status,
        &ShowPage {
            allowed,
            timeline: qiaolian_core::timeline::timeline(db, &actor, p.id).await?,
            merges: person::merges(db, &actor, p.id).await?,
            duplicates,
            ctx,
            p,
            trail,
            notice,
            refused,
        },
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    merged: Option<String>,
    undone: Option<String>,
}

pub async fn show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    q: Result<Query<ShowQuery>, QueryRejection>,
) -> PageResult {
    let p = person::get(&state.db, &user.actor(), PersonId(id)).await?;
    if let Some(survivor) = p.merged_into {
        return Ok(Redirect::to(&format!("/people/{survivor}?merged={id}")).into_response());
    }
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let notice = if q.merged.is_some() {
        Some("person.merged_notice")
    } else if q.undone.is_some() {
        Some("person.undone_notice")
    } else {
        None
    };
    show_page_with(ctx, &state.db, &user, p, notice, None).await
}

/// Shows the page with contacts in the clear; a POST, because it is written down.
pub async fn reveal(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let p = person::reveal(&state.db, &user.actor(), PersonId(id)).await?;
    show_page(ctx, &state.db, &user, p).await
}

/// The whole record as a JSON download, for the person's own data request.
pub async fn export(user: User, State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let p = person::export(&state.db, &user.actor(), PersonId(id)).await?;
    let body = serde_json::to_vec_pretty(&p).map_err(|e| Error::Other(e.to_string()))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"person-{id}.json\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EraseForm {
    confirm: String,
}

/// Erases the person once the user ticked that the request was checked.
pub async fn erase(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<EraseForm>,
) -> PageResult {
    if f.confirm != "yes" {
        return Ok(error_page(StatusCode::UNPROCESSABLE_ENTITY, "error.400"));
    }
    person::erase(&state.db, &user.actor(), PersonId(id)).await?;
    Ok(Redirect::to(&format!("/people/{id}")).into_response())
}

/// The name of the person picked on a form, to show the picker as it was sent when the
/// form comes back refused; blank if there is none the user may see.
pub async fn picked_name(db: &Db, user: &User, id: &str) -> String {
    match id.trim().parse::<i64>() {
        Ok(id) => person::get(db, &user.actor(), PersonId(id))
            .await
            .map(|p| p.name)
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[derive(Template)]
#[template(path = "people/coverage.html")]
struct CoveragePage {
    ctx: Ctx,
    coverage: person::Coverage,
    chart: String,
}

impl CoveragePage {
    fn share(&self) -> String {
        let p = self.coverage.permille();
        format!("{}.{}%", p / 10, p % 10)
    }
}

pub async fn coverage(ctx: Ctx, user: User, State(state): State<AppState>) -> PageResult {
    let coverage = person::coverage(&state.db, &user.actor()).await?;
    let english = ctx.en();
    let rows: Vec<serde_json::Value> = coverage
        .countries
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.numeric,
                "value": c.people + c.associations,
                "label": if english { &c.name_en } else { &c.name_zh },
                "href": format!("/people?country={}", c.alpha2),
            })
        })
        .collect();
    let max = coverage
        .countries
        .iter()
        .map(|c| c.people + c.associations)
        .max()
        .unwrap_or(1);
    let chart = serde_json::json!({
        "rows": rows,
        "max": max,
        "legend": [ctx.t("coverage.more"), ctx.t("coverage.fewer")],
    })
    .to_string();
    Ok(render(&CoveragePage {
        ctx,
        coverage,
        chart,
    }))
}

mod form;
pub mod import;
mod merge;

pub use form::*;
pub use merge::*;
