//! Joint meeting pages: the list, a meeting with its resolutions and the tasks they became,
//! and the form that records a new meeting.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::Db;
use qiaolian_core::meeting::{self, Meeting, MeetingId, MeetingInput};
use qiaolian_core::org::OrgId;
use qiaolian_core::plan::{self, Plan};
use serde::Deserialize;

use super::{FormErrors, PageResult, filled, form_errors, num, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};

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
    allowed: meeting::Allowed,
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
    let allowed = m.allowed(&actor);
    let plans = plan::usable(db, &actor).await?;
    let status = errors.status(false);
    Ok(render_with(
        status,
        &MeetingPage {
            ctx,
            m,
            allowed,
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
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct MeetingForm {
    title: String,
    held_on: String,
    place: String,
    host_org_id: String,
    #[serde(skip)]
    host_org_name: String,
    mechanism_id: String,
    agenda: String,
    minutes: String,
    #[serde(rename = "participant_org_ids")]
    participants: Vec<String>,
    #[serde(rename = "resolution")]
    resolutions: Vec<String>,
}

impl MeetingForm {
    /// Drops the blank rows of the repeated fields.
    fn rows(mut self) -> MeetingForm {
        filled(&mut self.participants);
        filled(&mut self.resolutions);
        self
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
    Form(form): Form<MeetingForm>,
) -> PageResult {
    let mut form = form.rows();
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
#[template(path = "network/resolutions.html")]
struct ResolutionsPage {
    ctx: Ctx,
    page: qiaolian_core::page::Page<meeting::ResolutionRow>,
    filter: meeting::ResolutionFilter,
    pager_href: String,
    refused: bool,
}

impl ResolutionsPage {
    fn statuses(&self) -> &'static [meeting::ResolutionStatus] {
        meeting::ResolutionStatus::ALL
    }
}

/// Every resolution of the meetings the reader may read, with how far its tasks got:
/// the list the dashboard's resolution figures open.
pub async fn resolutions(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<
        axum::extract::Query<meeting::ResolutionFilter>,
        axum::extract::rejection::QueryRejection,
    >,
    page: Result<
        axum::extract::Query<qiaolian_core::page::PageRequest>,
        axum::extract::rejection::QueryRejection,
    >,
) -> PageResult {
    let (Ok(axum::extract::Query(filter)), Ok(axum::extract::Query(page))) = (filter, page) else {
        return Ok(crate::error::error_page(
            axum::http::StatusCode::BAD_REQUEST,
            "error.400",
        ));
    };
    let actor = user.actor();
    let (filter, refused, result) =
        match meeting::resolutions(&state.db, &actor, &filter, page).await {
            Ok(p) => (filter, false, p),
            Err(qiaolian_core::Error::Invalid(_)) => {
                let all = meeting::ResolutionFilter::default();
                let p = meeting::resolutions(&state.db, &actor, &all, page).await?;
                (all, true, p)
            }
            Err(e) => return Err(e.into()),
        };
    let pager_href = format!(
        "/resolutions?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    Ok(render(&ResolutionsPage {
        ctx,
        page: result,
        filter,
        pager_href,
        refused,
    }))
}
