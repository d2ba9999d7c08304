//! Network pages: pairings, mechanisms, joint meetings with resolutions, and the
//! exchange log with its yearly trend.

use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use qiaolian_core::access::{Action, Resource};
use qiaolian_core::exchange::{self, Exchange, ExchangeFilter, ExchangeInput, ExchangeKind};
use qiaolian_core::mechanism::{self, ConvenorInput, Mechanism};
use qiaolian_core::meeting::{self, Meeting, MeetingId, MeetingInput};
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::pairing::{self, Pairing, PairingFilter, PairingId, PairingInput, PairingLevel};
use qiaolian_core::person::PersonId;
use qiaolian_core::plan::{self, Plan};
use qiaolian_core::{Db, Error};
use serde::Deserialize;

use super::{FormErrors, PageResult, form_errors, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

fn num(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

#[derive(Template)]
#[template(path = "network/pairings.html")]
struct PairingsPage {
    ctx: Ctx,
    page: Page<Pairing>,
    filter: PairingFilter,
    pager_href: String,
    form: PairingForm,
    errors: FormErrors,
}

impl PairingsPage {
    fn levels(&self) -> &'static [PairingLevel] {
        PairingLevel::ALL
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PairingForm {
    org_a_id: String,
    org_b_id: String,
    level: String,
    since: String,
}

async fn pairings_page(
    ctx: Ctx,
    db: &Db,
    filter: PairingFilter,
    page: PageRequest,
    form: PairingForm,
    errors: FormErrors,
) -> PageResult {
    let actor = ctx
        .user()
        .map(qiaolian_core::account::Account::actor)
        .ok_or(Error::Unauthorized)?;
    let result = match pairing::list(db, &actor, &filter, page).await {
        Ok(p) => p,
        Err(Error::Invalid(_)) => {
            pairing::list(db, &actor, &PairingFilter::default(), page).await?
        }
        Err(e) => return Err(e.into()),
    };
    let pager_href = format!(
        "/pairings?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    let status = errors.status(false);
    Ok(render_with(
        status,
        &PairingsPage {
            ctx,
            page: result,
            filter,
            pager_href,
            form,
            errors,
        },
    ))
}

pub async fn pairings(
    ctx: Ctx,
    _: User,
    State(state): State<AppState>,
    filter: Result<Query<PairingFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let form = PairingForm {
        level: "district".into(),
        since: qiaolian_core::settings::today().to_string(),
        ..PairingForm::default()
    };
    pairings_page(ctx, &state.db, filter, page, form, FormErrors::new()).await
}

pub async fn create_pairing(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(form): Form<PairingForm>,
) -> PageResult {
    let input = PairingInput {
        org_a_id: num(&form.org_a_id).map(OrgId),
        org_b_id: num(&form.org_b_id).map(OrgId),
        level: form.level.clone(),
        since: form.since.clone(),
        ..PairingInput::default()
    };
    match pairing::create(&state.db, &user.actor(), &input).await {
        Ok(p) => Ok(Redirect::to(&format!("/pairings/{}", p.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            pairings_page(
                ctx,
                &state.db,
                PairingFilter::default(),
                PageRequest::default(),
                form,
                errors,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "network/pairing.html")]
struct PairingPage {
    ctx: Ctx,
    p: Pairing,
    exchanges: Vec<Exchange>,
    /// Tasks under the pairing's agreement that the viewer may see.
    tasks: Vec<qiaolian_core::task::Task>,
}

pub async fn pairing_show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let p = pairing::get(&state.db, &user.actor(), PairingId(id)).await?;
    let filter = ExchangeFilter {
        org: Some(p.org_a_id.0),
        ..ExchangeFilter::default()
    };
    let exchanges = exchange::list(
        &state.db,
        &user.actor(),
        &filter,
        PageRequest {
            page: 1,
            per_page: 500,
        },
    )
    .await?
    .items
    .into_iter()
    .filter(|e| {
        let ends = |o: OrgId| e.from_org_id == o || e.to_orgs.iter().any(|t| t.org_id == o);
        e.pairing_id == Some(p.id) || (ends(p.org_a_id) && ends(p.org_b_id))
    })
    .collect();
    let tasks = match p.agreement_id {
        Some(a) => {
            let f = qiaolian_core::task::TaskFilter {
                agreement: Some(a.0),
                ..Default::default()
            };
            qiaolian_core::task::list(
                &state.db,
                &user.actor(),
                &f,
                PageRequest {
                    page: 1,
                    per_page: 200,
                },
            )
            .await?
            .items
        }
        None => Vec::new(),
    };
    Ok(render(&PairingPage {
        ctx,
        p,
        exchanges,
        tasks,
    }))
}

#[derive(Template)]
#[template(path = "network/mechanisms.html")]
struct MechanismsPage {
    ctx: Ctx,
    items: Vec<Mechanism>,
}

pub async fn mechanisms(ctx: Ctx, user: User, State(state): State<AppState>) -> PageResult {
    let items = mechanism::list(&state.db, &user.actor()).await?;
    Ok(render(&MechanismsPage { ctx, items }))
}

#[derive(Template)]
#[template(path = "network/mechanism.html")]
struct MechanismPage {
    ctx: Ctx,
    m: Mechanism,
    meetings: Vec<Meeting>,
    may_edit: bool,
    errors: FormErrors,
}

async fn mechanism_page(
    ctx: Ctx,
    user: &User,
    db: &Db,
    id: OrgId,
    errors: FormErrors,
) -> PageResult {
    let m = mechanism::get(db, &user.actor(), id).await?;
    let meetings = meeting::list(db, &user.actor(), Some(id)).await?;
    let may_edit = user
        .actor()
        .may(Resource::Mechanism, Action::Update, Some(&m.org.path));
    let status = errors.status(false);
    Ok(render_with(
        status,
        &MechanismPage {
            ctx,
            m,
            meetings,
            may_edit,
            errors,
        },
    ))
}

pub async fn mechanism_show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    mechanism_page(ctx, &user, &state.db, OrgId(id), FormErrors::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConvenorForm {
    org_id: String,
    from_on: String,
}

pub async fn rotate(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<ConvenorForm>,
) -> PageResult {
    let input = ConvenorInput {
        org_id: num(&f.org_id).map(OrgId),
        from_on: f.from_on,
    };
    match mechanism::rotate_convenor(&state.db, &user.actor(), OrgId(id), &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/mechanisms/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            mechanism_page(ctx, &user, &state.db, OrgId(id), errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "network/meetings.html")]
struct MeetingsPage {
    ctx: Ctx,
    items: Vec<Meeting>,
}

pub async fn meetings(ctx: Ctx, user: User, State(state): State<AppState>) -> PageResult {
    let items = meeting::list(&state.db, &user.actor(), None).await?;
    Ok(render(&MeetingsPage { ctx, items }))
}

#[derive(Template)]
#[template(path = "network/meeting.html")]
struct MeetingPage {
    ctx: Ctx,
    m: Meeting,
    may_edit: bool,
    /// Active plans the user may add tasks to, for turning a resolution into a task.
    plans: Vec<Plan>,
    errors: FormErrors,
}

async fn meeting_page(
    ctx: Ctx,
    user: &User,
    db: &Db,
    id: MeetingId,
    errors: FormErrors,
) -> PageResult {
    let m = meeting::get(db, &user.actor(), id).await?;
    let actor = user.actor();
    let may_edit = actor.may(Resource::Meeting, Action::Update, Some(&m.host_org_path));
    let plans = plan::usable(db, &actor).await?;
    let status = errors.status(false);
    Ok(render_with(
        status,
        &MeetingPage {
            ctx,
            m,
            may_edit,
            plans,
            errors,
        },
    ))
}

pub async fn meeting_show(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    meeting_page(ctx, &user, &state.db, MeetingId(id), FormErrors::new()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResolutionForm {
    text: String,
}

pub async fn add_resolution(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<ResolutionForm>,
) -> PageResult {
    match meeting::add_resolution(&state.db, &user.actor(), MeetingId(id), &f.text).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{id}#resolutions")).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            meeting_page(ctx, &user, &state.db, MeetingId(id), errors).await
        }
    }
}

/// The meeting form as typed; participants and resolutions are repeated fields.
#[derive(Clone, Debug, Default)]
pub struct MeetingForm {
    title: String,
    held_on: String,
    place: String,
    host_org_id: String,
    host_org_name: String,
    mechanism_id: String,
    agenda: String,
    minutes: String,
    participants: Vec<String>,
    resolutions: Vec<String>,
}

impl MeetingForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> MeetingForm {
        let mut f = MeetingForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "title" => f.title = v,
                "held_on" => f.held_on = v,
                "place" => f.place = v,
                "host_org_id" => f.host_org_id = v,
                "mechanism_id" => f.mechanism_id = v,
                "agenda" => f.agenda = v,
                "minutes" => f.minutes = v,
                "participant_org_ids" if !v.trim().is_empty() => f.participants.push(v),
                "resolution" if !v.trim().is_empty() => f.resolutions.push(v),
                _ => {}
            }
        }
        f
    }

    fn input(&self) -> MeetingInput {
        let some = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
        MeetingInput {
            seq: None,
            title: self.title.clone(),
            held_on: self.held_on.clone(),
            place: some(&self.place),
            host_org_id: num(&self.host_org_id).map(OrgId),
            mechanism_id: num(&self.mechanism_id).map(OrgId),
            participant_org_ids: self
                .participants
                .iter()
                .filter_map(|p| num(p))
                .map(OrgId)
                .collect(),
            agenda: some(&self.agenda),
            minutes: some(&self.minutes),
            resolutions: self.resolutions.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "network/meeting_form.html")]
struct MeetingFormPage {
    ctx: Ctx,
    form: MeetingForm,
    errors: FormErrors,
    spare: usize,
}

fn meeting_form(ctx: Ctx, form: MeetingForm, errors: FormErrors) -> axum::response::Response {
    let status = errors.status(false);
    let spare = 6usize.saturating_sub(form.resolutions.len()).max(2);
    render_with(
        status,
        &MeetingFormPage {
            ctx,
            form,
            errors,
            spare,
        },
    )
}

pub async fn new_meeting(ctx: Ctx, user: User) -> PageResult {
    let form = MeetingForm {
        held_on: qiaolian_core::settings::today().to_string(),
        host_org_id: user.0.org_id.to_string(),
        host_org_name: user.0.org_name.clone(),
        ..MeetingForm::default()
    };
    Ok(meeting_form(ctx, form, FormErrors::new()))
}

pub async fn create_meeting(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut form = MeetingForm::from_pairs(pairs);
    match meeting::create(&state.db, &user.actor(), &form.input()).await {
        Ok(m) => Ok(Redirect::to(&format!("/meetings/{}", m.id)).into_response()),
        Err(e) => {
            let errors = form_errors(ctx.info.locale, e)?;
            if let Some(id) = num(&form.host_org_id) {
                form.host_org_name = qiaolian_core::org::get(&state.db, &user.actor(), OrgId(id))
                    .await
                    .map(|o| o.name)
                    .unwrap_or_default();
            }
            Ok(meeting_form(ctx, form, errors))
        }
    }
}

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

#[derive(Clone, Debug, Default)]
pub struct ExchangeForm {
    happened_on: String,
    kind: String,
    from_org_id: String,
    from_org_name: String,
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
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut form = ExchangeForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "happened_on" => form.happened_on = v,
            "kind" => form.kind = v,
            "from_org_id" => form.from_org_id = v,
            "to_org_ids" if !v.trim().is_empty() => form.to.push(v),
            "summary" => form.summary = v,
            "participants" => form.participants = v,
            "people" if !v.trim().is_empty() => form.people.push(v),
            _ => {}
        }
    }
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
