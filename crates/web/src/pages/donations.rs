//! Donation pages: the ledger with each campaign's figures, recording a donation, the
//! donation with its history and allocations, and its printable receipt (捐赠收据).

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use qiaolian_core::access::{Action, Resource};
use qiaolian_core::donation::{
    self, AllocationInput, CampaignId, CampaignTotals, Donation, DonationFilter, DonationForm,
    DonationId, DonationInput, DonationStatus, StepInput, Totals,
};
use qiaolian_core::money::Fen;
use qiaolian_core::org::OrgId;
use qiaolian_core::page::{Page, PageRequest};
use qiaolian_core::person::PersonId;
use qiaolian_core::reference::{self, Country};
use qiaolian_core::{Db, Error};

use super::{FormErrors, PageResult, form_errors, render, render_with};
use crate::AppState;
use crate::ctx::{Ctx, User};
use crate::error::error_page;

#[derive(Template)]
#[template(path = "donations/list.html")]
struct ListPage {
    ctx: Ctx,
    page: Page<Donation>,
    filter: DonationFilter,
    totals: Totals,
    /// Campaigns with donations the user may read.
    campaigns: Vec<CampaignTotals>,
    years: Vec<i32>,
    may_create: bool,
    pager_href: String,
}

impl ListPage {
    fn statuses(&self) -> &'static [DonationStatus] {
        DonationStatus::ALL
    }

    fn forms(&self) -> &'static [DonationForm] {
        DonationForm::ALL
    }

    fn is_campaign(&self, id: &CampaignId) -> bool {
        self.filter.campaign == Some(id.0)
    }

    fn is_year(&self, y: &i32) -> bool {
        self.filter.year == Some(*y)
    }

    fn filtered(&self) -> bool {
        self.filter.campaign.is_some()
            || self.filter.year.is_some()
            || self.filter.status.as_deref().is_some_and(|s| !s.is_empty())
            || self.filter.form.as_deref().is_some_and(|s| !s.is_empty())
    }
}

pub async fn list(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    filter: Result<Query<DonationFilter>, QueryRejection>,
    page: Result<Query<PageRequest>, QueryRejection>,
) -> PageResult {
    let (Ok(Query(filter)), Ok(Query(page))) = (filter, page) else {
        return Ok(error_page(StatusCode::BAD_REQUEST, "error.400"));
    };
    let actor = user.actor();
    let (filter, result) = match donation::list(&state.db, &actor, &filter, page).await {
        Ok(p) => (filter, p),
        Err(Error::Invalid(_)) => (
            DonationFilter::default(),
            donation::list(&state.db, &actor, &DonationFilter::default(), page).await?,
        ),
        Err(e) => return Err(e.into()),
    };
    let totals = donation::totals(&state.db, &actor, &filter).await?;
    let campaigns: Vec<CampaignTotals> = donation::campaign_totals(&state.db, &actor)
        .await?
        .into_iter()
        .filter(|c| c.totals.count > 0)
        .collect();
    let this_year = chrono::Datelike::year(&qiaolian_core::settings::today());
    let years = (2015..=this_year).rev().collect();
    let pager_href = format!(
        "/donations?{}&",
        serde_urlencoded::to_string(&filter).unwrap_or_default()
    );
    let may_create = actor.may(Resource::Donation, Action::Create, Some(&actor.org_path));
    Ok(render(&ListPage {
        ctx,
        page: result,
        filter,
        totals,
        campaigns,
        years,
        may_create,
        pager_href,
    }))
}

/// The donation form as typed.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DonationFormData {
    donor_name: String,
    donor_country: String,
    given_on: String,
    form: String,
    goods_description: String,
    amount: String,
    campaign: String,
    purpose: String,
    recipient_org_id: String,
    #[serde(skip)]
    recipient_org_name: String,
    receipt_no: String,
    status: String,
    person_id: String,
    #[serde(skip)]
    person_name: String,
}

impl DonationFormData {
    fn input(&self) -> DonationInput {
        let some = |s: &String| Some(s.clone()).filter(|s| !s.trim().is_empty());
        DonationInput {
            donor_name: self.donor_name.clone(),
            donor_org_id: None,
            donor_country: some(&self.donor_country),
            given_on: self.given_on.clone(),
            form: self.form.clone(),
            goods_description: some(&self.goods_description),
            amount: self.amount.clone(),
            campaign: some(&self.campaign),
            purpose: some(&self.purpose),
            recipient_org_id: self.recipient_org_id.trim().parse().ok().map(OrgId),
            receipt_no: self.receipt_no.clone(),
            status: some(&self.status),
            person_id: self.person_id.trim().parse().ok().map(PersonId),
        }
    }
}

#[derive(Template)]
#[template(path = "donations/form.html")]
struct FormPage {
    ctx: Ctx,
    form: DonationFormData,
    errors: FormErrors,
    countries: Vec<Country>,
    campaigns: Vec<CampaignTotals>,
}

impl FormPage {
    fn forms(&self) -> &'static [DonationForm] {
        DonationForm::ALL
    }
}

async fn form_page(
    ctx: Ctx,
    db: &Db,
    user: &User,
    form: DonationFormData,
    errors: FormErrors,
) -> PageResult {
    let countries = reference::countries(db).await?;
    let campaigns = donation::campaign_totals(db, &user.actor()).await?;
    Ok(render_with(
        errors.status(false),
        &FormPage {
            ctx,
            form,
            errors,
            countries,
            campaigns,
        },
    ))
}

pub async fn new(ctx: Ctx, user: User, State(state): State<AppState>) -> PageResult {
    let form = DonationFormData {
        form: "money".into(),
        status: "received".into(),
        given_on: qiaolian_core::settings::today().to_string(),
        recipient_org_id: user.0.org_id.to_string(),
        recipient_org_name: user.0.org_name.clone(),
        ..DonationFormData::default()
    };
    form_page(ctx, &state.db, &user, form, FormErrors::new()).await
}

pub async fn create(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Form(mut form): Form<DonationFormData>,
) -> PageResult {
    match donation::create(&state.db, &user.actor(), &form.input()).await {
        Ok(d) => Ok(Redirect::to(&format!("/donations/{}", d.id)).into_response()),
        Err(err) => {
            let errors = form_errors(ctx.info.locale, err)?;
            form.person_name = super::people::picked_name(&state.db, &user, &form.person_id).await;
            form.recipient_org_name = match form.recipient_org_id.trim().parse::<i64>() {
                Ok(id) => qiaolian_core::org::get(&state.db, &user.actor(), OrgId(id))
                    .await
                    .map(|o| o.name)
                    .unwrap_or_default(),
                Err(_) => String::new(),
            };
            form_page(ctx, &state.db, &user, form, errors).await
        }
    }
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct StepForm {
    status: String,
    happened_on: String,
    note: String,
    version: String,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AllocationForm {
    #[serde(rename = "use")]
    use_: String,
    amount: String,
    allocated_on: String,
    version: String,
}

#[derive(Template)]
#[template(path = "donations/show.html")]
struct ShowPage {
    ctx: Ctx,
    d: Donation,
    unallocated: Fen,
    allowed: qiaolian_core::donation::Allowed,
    errors: FormErrors,
    step: StepForm,
    allocation: AllocationForm,
}

impl ShowPage {
    /// The statuses a clerk may move to: not the current one, and "allocated" only
    /// once allocations have used the donation up.
    fn today(&self) -> String {
        qiaolian_core::settings::today().to_string()
    }

    fn figures(&self, f: &Fen) -> String {
        f.figures()
    }
}

/// Yuan in figures as receipts write them: thousands separated, two decimals.
async fn show_page(
    ctx: Ctx,
    db: &Db,
    user: &User,
    id: DonationId,
    errors: FormErrors,
    step: StepForm,
    allocation: AllocationForm,
) -> PageResult {
    let actor = user.actor();
    let d = donation::get(db, &actor, id).await?;
    Ok(render_with(
        errors.status(false),
        &ShowPage {
            ctx,
            unallocated: d.unallocated_fen(),
            allowed: d.allowed(&actor),
            d,
            errors,
            step,
            allocation,
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
        &state.db,
        &user,
        DonationId(id),
        FormErrors::new(),
        StepForm::default(),
        AllocationForm::default(),
    )
    .await
}

pub async fn step(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<StepForm>,
) -> PageResult {
    let input = StepInput {
        status: f.status.clone(),
        happened_on: f.happened_on.clone(),
        note: Some(f.note.clone()).filter(|n| !n.trim().is_empty()),
        version: f.version.trim().parse().ok(),
    };
    match donation::advance(&state.db, &user.actor(), DonationId(id), &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/donations/{id}#steps")).into_response()),
        Err(err) => {
            let errors = form_errors(ctx.info.locale, err)?;
            let allocation = AllocationForm::default();
            show_page(ctx, &state.db, &user, DonationId(id), errors, f, allocation).await
        }
    }
}

pub async fn allocate(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<AllocationForm>,
) -> PageResult {
    let input = AllocationInput {
        use_: f.use_.clone(),
        amount: f.amount.clone(),
        allocated_on: f.allocated_on.clone(),
        version: f.version.trim().parse().ok(),
    };
    match donation::allocate(&state.db, &user.actor(), DonationId(id), &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/donations/{id}#allocations")).into_response()),
        Err(err) => {
            let errors = form_errors(ctx.info.locale, err)?;
            let step = StepForm::default();
            show_page(ctx, &state.db, &user, DonationId(id), errors, step, f).await
        }
    }
}

#[derive(Template)]
#[template(path = "donations/receipt.html")]
struct ReceiptPage {
    ctx: Ctx,
    d: Donation,
}

impl ReceiptPage {
    fn figures(&self, f: &Fen) -> String {
        f.figures()
    }
}

/// The receipt to print and hand to the donor.
pub async fn receipt(
    ctx: Ctx,
    user: User,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> PageResult {
    let d = donation::get(&state.db, &user.actor(), DonationId(id)).await?;
    Ok(render(&ReceiptPage { ctx, d }))
}
