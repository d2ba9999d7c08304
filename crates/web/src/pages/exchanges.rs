//! Exchange pages: the list of visits and exchanges with their yearly trend, and the form
//! that records one.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::Error;
use qiaolian_core::exchange::{self, Exchange, ExchangeFilter, ExchangeInput, ExchangeKind};
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::person::PersonId;

use super::{FormErrors, PageResult, filled, form_errors, num, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "network/exchanges.html")]
struct ExchangesPage {
    ctx: Ctx,
    page: Page<Exchange>,
    filter: ExchangeFilter,
    pager_href: String,
    /// `{"years": [...], "counts": [...]}` for the trend chart.
    trend: String,
    per_side: Vec<(String, String, i64)>,
}

impl ExchangesPage {
    fn kinds(&self) -> &'static [ExchangeKind] {
        ExchangeKind::ALL
    }
}

pub async fn exchanges(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<ExchangeFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    // A bad filter in a hand-edited URL shows the whole log rather than an error.
    let (filter, result) = match exchange::list(&state.db, &user.actor(), &filter, page).await {
        Ok(r) => (filter, r),
        Err(Error::Invalid(_)) => (
            ExchangeFilter::default(),
            exchange::list(&state.db, &user.actor(), &ExchangeFilter::default(), page).await?,
        ),
        Err(e) => return Err(e.into()),
    };
    let years = fill_years(exchange::per_year(&state.db, &user.actor(), &filter).await?);
    let trend = serde_json::json!({
        "years": years.iter().map(|(y, _)| y).collect::<Vec<_>>(),
        "counts": years.iter().map(|(_, n)| n).collect::<Vec<_>>(),
    })
    .to_string();
    let per_side = exchange::per_side(&state.db, &user.actor(), &filter).await?;
    let pager_href = format!(
        "/exchanges?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    Ok(render(&ExchangesPage {
        ctx,
        page: result,
        filter,
        pager_href,
        trend,
        per_side,
    }))
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ExchangeForm {
    happened_on: String,
    kind: String,
    from_org_id: String,
    #[serde(skip)]
    from_org_name: String,
    #[serde(rename = "to_org_ids")]
    to: Vec<String>,
    summary: String,
    participants: String,
    people: Vec<String>,
}

#[derive(Template)]
#[template(path = "network/exchange_form.html")]
struct ExchangeFormPage {
    ctx: Ctx,
    form: ExchangeForm,
    errors: FormErrors,
}

impl ExchangeFormPage {
    fn kinds(&self) -> &'static [ExchangeKind] {
        ExchangeKind::ALL
    }
}

pub async fn new_exchange(ctx: Ctx, user: User) -> PageResult {
    let form = ExchangeForm {
        happened_on: qiaolian_core::settings::today().to_string(),
        kind: "visit".into(),
        from_org_id: user.0.org_id.to_string(),
        from_org_name: user.0.org_name.clone(),
        ..ExchangeForm::default()
    };
    Ok(render(&ExchangeFormPage {
        ctx,
        form,
        errors: FormErrors::new(),
    }))
}

pub async fn create_exchange(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(mut form): Form<ExchangeForm>,
) -> PageResult {
    filled(&mut form.to);
    filled(&mut form.people);
    let participants = match form.participants.trim() {
        "" => None,
        p => Some(p.parse().unwrap_or(-1)),
    };
    let input = ExchangeInput {
        happened_on: form.happened_on.clone(),
        kind: form.kind.clone(),
        from_org_id: num(&form.from_org_id).map(OrgId),
        to_org_ids: form.to.iter().filter_map(|t| num(t)).map(OrgId).collect(),
        summary: form.summary.clone(),
        participants,
        people: form
            .people
            .iter()
            .filter_map(|p| num(p))
            .map(PersonId)
            .collect(),
        ..ExchangeInput::default()
    };
    match exchange::create(&state.db, &user.actor(), &input).await {
        Ok(_) => Ok(Redirect::to("/exchanges").into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            form.from_org_name = user.0.org_name.clone();
            Ok(render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ExchangeFormPage { ctx, form, errors },
            ))
        }
    }
}

/// Adds the years with no exchange between the first and the last, so the trend has no
/// silent gaps.
fn fill_years(counts: Vec<(String, i64)>) -> Vec<(String, i64)> {
    let parsed: Vec<(i32, i64)> = counts
        .iter()
        .filter_map(|(y, n)| y.parse().ok().map(|y| (y, *n)))
        .collect();
    let (Some(first), Some(last)) = (parsed.first().map(|p| p.0), parsed.last().map(|p| p.0))
    else {
        return counts;
    };
    (first..=last)
        .map(|y| {
            (
                y.to_string(),
                parsed.iter().find(|p| p.0 == y).map_or(0, |p| p.1),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn years_without_exchanges_show_as_zero() {
        let filled = super::fill_years(vec![("2023".into(), 5), ("2025".into(), 2)]);
        assert_eq!(
            filled,
            vec![("2023".into(), 5), ("2024".into(), 0), ("2025".into(), 2)]
        );
        assert!(super::fill_years(Vec::new()).is_empty());
    }
}
