//! Supervision order pages: the orders to answer, issued and all; one order with its
//! steps and the forms to answer, accept or return it; the form that opens one on a
//! task or a resolution.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::order::{
    self, AnswerInput, DecisionInput, Level, Order, OrderFilter, OrderId, OrderInput, OrderSource,
    Proposal, RecordKind,
};
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::{Error, settings};
use serde::Deserialize;

use super::{FormErrors, PageResult, form_errors, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

/// The class of an order's level badge: the colours of the battle map.
pub fn level_class(l: Level) -> &'static str {
    match l {
        Level::Red => "colour-red",
        Level::Yellow => "colour-yellow",
        Level::Blue => "colour-blue",
    }
}

#[derive(Template)]
#[template(path = "orders/list.html")]
struct ListPage {
    ctx: Ctx,
    page: Page<Order>,
    filter: OrderFilter,
    pager_href: String,
}

impl ListPage {
    fn mine(&self) -> &str {
        self.filter.mine.as_deref().unwrap_or("")
    }

    fn state(&self) -> &str {
        self.filter.state.as_deref().unwrap_or("")
    }

    fn level(&self) -> &str {
        self.filter.level.as_deref().unwrap_or("")
    }

    fn levels(&self) -> &'static [Level] {
        Level::ALL
    }

    fn tab_href(&self, mine: &str) -> String {
        format!(
            "/orders?mine={mine}&state={}&level={}",
            self.state(),
            self.level()
        )
    }
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<OrderFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let actor = user.actor();
    let (filter, result) = match order::list(&state.db, &actor, &filter, page).await {
        Ok(p) => (filter, p),
        // A filter typed into the address that means nothing shows every order.
        Err(Error::Invalid(_)) => (
            OrderFilter::default(),
            order::list(&state.db, &actor, &OrderFilter::default(), page).await?,
        ),
        Err(e) => return Err(e.into()),
    };
    let pager_href = format!(
        "/orders?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    Ok(render(&ListPage {
        ctx,
        page: result,
        filter,
        pager_href,
    }))
}

#[derive(Template)]
#[template(path = "orders/show.html")]
struct ShowPage {
    ctx: Ctx,
    o: Order,
    allowed: order::Allowed,
    errors: FormErrors,
    answer: AnswerForm,
    decision: DecisionForm,
    /// What was just saved (`open`, `answer`, `accept`, `return`), to say so.
    saved: &'static str,
}

impl ShowPage {
    fn default_due(&self) -> String {
        (settings::today() + chrono::Duration::days(7)).to_string()
    }
}

/// What an order's page shows back: a refused form as typed with its errors, or the
/// word on what was just saved.
#[derive(Default)]
struct Shown {
    errors: FormErrors,
    answer: AnswerForm,
    decision: DecisionForm,
    /// `open`, `answer`, `accept` or `return`; empty for none.
    saved: &'static str,
}

async fn show_page(
    ctx: Ctx,
    user: &User,
    state: &AppState,
    id: OrderId,
    shown: Shown,
) -> PageResult {
    let actor = user.actor();
    let o = order::get(&state.db, &actor, id).await?;
    let allowed = o.allowed(&actor);
    Ok(render_with(
        shown.errors.status(false),
        &ShowPage {
            ctx,
            o,
            allowed,
            errors: shown.errors,
            answer: shown.answer,
            decision: shown.decision,
            saved: shown.saved,
        },
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    saved: String,
}

pub async fn show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    q: Result<Query<ShowQuery>, QueryRejection>,
) -> PageResult {
    let saved = q.map(|Query(q)| q.saved).unwrap_or_default();
    let saved = ["open", "answer", "accept", "return"]
        .into_iter()
        .find(|s| *s == saved)
        .unwrap_or("");
    let shown = Shown {
        saved,
        ..Shown::default()
    };
    show_page(ctx, &user, &state, OrderId(id), shown).await
}

/// The answer as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    note: String,
    progress: String,
    version: String,
}

impl AnswerForm {
    fn input(&self) -> Result<AnswerInput, Error> {
        let progress = super::number("progress", &self.progress, "percent_range")?;
        Ok(AnswerInput {
            note: self.note.clone(),
            progress,
            version: self.version.trim().parse().ok(),
        })
    }
}

/// An answer from the form, with files (multipart).
pub async fn answer(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    form: Multipart,
) -> PageResult {
    let id = OrderId(id);
    let actor = user.actor();
    // Permission before the files are read.
    order::may_answer(&state.db, &actor, id).await?;
    let (files, f): (_, AnswerForm) = match crate::api::read_multipart(form).await {
        Ok(v) => v,
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            let shown = Shown {
                errors,
                ..Shown::default()
            };
            return show_page(ctx, &user, &state, id, shown).await;
        }
    };
    let result = match f.input() {
        Ok(input) => order::answer(&state.db, &actor, id, &input, &files).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/orders/{id}?saved=answer")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            let shown = Shown {
                errors,
                answer: f,
                ..Shown::default()
            };
            show_page(ctx, &user, &state, id, shown).await
        }
    }
}

/// Accept or return, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    /// `accept` or `return`.
    decision: String,
    note: String,
    answer_due: String,
    version: String,
}

pub async fn decide(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> PageResult {
    let id = OrderId(id);
    let actor = user.actor();
    let input = DecisionInput {
        note: Some(f.note.clone()),
        answer_due: Some(f.answer_due.clone()),
        version: f.version.trim().parse().ok(),
    };
    let result = match f.decision.as_str() {
        "accept" => order::accept(&state.db, &actor, id, &input).await,
        "return" => order::send_back(&state.db, &actor, id, &input).await,
        _ => Err(Error::field("decision", "unknown_value")),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/orders/{id}?saved={}", f.decision)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            let shown = Shown {
                errors,
                decision: f,
                ..Shown::default()
            };
            show_page(ctx, &user, &state, id, shown).await
        }
    }
}

#[derive(Template)]
#[template(path = "orders/form.html")]
struct FormPage {
    ctx: Ctx,
    kind: RecordKind,
    record_id: i64,
    proposal: Proposal,
    f: OrderForm,
    errors: FormErrors,
}

impl FormPage {
    fn sources(&self) -> &'static [OrderSource] {
        OrderSource::ALL
    }

    fn levels(&self) -> &'static [Level] {
        Level::ALL
    }

    fn level_chosen(&self, l: &Level) -> bool {
        match self.f.level.trim() {
            "" => *l == self.proposal.level,
            chosen => chosen == l.as_str(),
        }
    }
}

/// The order as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderForm {
    record_kind: String,
    record_id: String,
    source: String,
    source_note: String,
    reason: String,
    level: String,
    responsible_org_id: String,
    answer_due: String,
    escalate_after_days: String,
}

impl OrderForm {
    fn input(&self) -> Result<OrderInput, Error> {
        let some = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
        let escalate = super::number(
            "escalate_after_days",
            &self.escalate_after_days,
            "escalate_days_range",
        )?;
        Ok(OrderInput {
            record_kind: self.record_kind.clone(),
            record_id: self.record_id.trim().parse().ok(),
            source: self.source.clone(),
            source_note: some(&self.source_note),
            reason: self.reason.clone(),
            level: some(&self.level),
            responsible_org_id: self.responsible_org_id.trim().parse().ok().map(OrgId),
            answer_due: self.answer_due.clone(),
            escalate_after_days: escalate,
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    kind: String,
    id: String,
}

async fn form_page(
    ctx: Ctx,
    user: &User,
    state: &AppState,
    f: OrderForm,
    errors: FormErrors,
) -> PageResult {
    let (Ok(kind), Ok(id)) = (
        RecordKind::parse(&f.record_kind),
        f.record_id.trim().parse::<i64>(),
    ) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let Some(proposal) = order::proposal(&state.db, &user.actor(), kind, id).await? else {
        return Ok(error_page(StatusCode::FORBIDDEN, "error.403"));
    };
    Ok(render_with(
        errors.status(false),
        &FormPage {
            ctx,
            kind,
            record_id: id,
            proposal,
            f,
            errors,
        },
    ))
}

pub async fn new(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    q: Result<Query<NewQuery>, QueryRejection>,
) -> PageResult {
    let Ok(Query(q)) = q else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let f = OrderForm {
        record_kind: q.kind,
        record_id: q.id,
        source: OrderSource::Superior.as_str().to_owned(),
        answer_due: (settings::today() + chrono::Duration::days(7)).to_string(),
        escalate_after_days: order::ESCALATE_AFTER_DAYS.to_string(),
        ..OrderForm::default()
    };
    form_page(ctx, &user, &state, f, FormErrors::new()).await
}

pub async fn create(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(f): Form<OrderForm>,
) -> PageResult {
    let actor = user.actor();
    let result = match f.input() {
        Ok(input) => order::open(&state.db, &actor, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(o) => Ok(Redirect::to(&format!("/orders/{}?saved=open", o.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            form_page(ctx, &user, &state, f, errors).await
        }
    }
}

/// A resolution's place: its meeting's page, at the resolution.
pub async fn resolution(
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let (meeting, number) = qiaolian_core::meeting::place_of(
        &state.db,
        &user.actor(),
        qiaolian_core::meeting::ResolutionId(id),
    )
    .await?;
    Ok(Redirect::to(&format!("/meetings/{meeting}#resolution-{number}")).into_response())
}
