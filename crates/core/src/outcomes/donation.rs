//! Donations (捐赠台账): money or goods given to a federation by overseas associations
//! and individuals, grouped in campaigns, followed from pledge to receipt to allocation.
//! Every figure of the ledger is summed from these rows with the same filter that lists
//! them, never typed in twice.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, FieldError, Result};
use crate::money::Fen;
use crate::org::OrgId;
use crate::outcome::tally;
use crate::page::{Page, PageRequest};
use crate::person::{self, PersonId};
use crate::sql::Sql;
use crate::{on, reference, settings, text};

id_type!(DonationId);
id_type!(CampaignId);

text_enum!(
    DonationForm { Money = "money", Goods = "goods" }
);

text_enum!(
    DonationStatus { Pledged = "pledged", Received = "received", Allocated = "allocated" }
);

impl DonationStatus {
    /// Position from pledge to use; a step to a lower one is a step back.
    fn rank(self) -> u8 {
        match self {
            DonationStatus::Pledged => 0,
            DonationStatus::Received => 1,
            DonationStatus::Allocated => 2,
        }
    }

    /// Whether the gift has arrived (and so counts as received).
    pub fn arrived(self) -> bool {
        self != DonationStatus::Pledged
    }
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DonationStep {
    #[sqlx(try_from = "String")]
    pub status: DonationStatus,
    pub happened_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Allocation {
    /// What the donation was used for.
    #[serde(rename = "use")]
    #[sqlx(rename = "use")]
    pub use_: String,
    pub amount_fen: Fen,
    pub allocated_on: NaiveDate,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Donation {
    pub id: DonationId,
    /// The donor's name; empty when `withheld`.
    pub donor_name: String,
    pub donor_org_id: Option<OrgId>,
    pub donor_country: Option<String>,
    pub donor_country_zh: Option<String>,
    pub donor_country_en: Option<String>,
    pub given_on: NaiveDate,
    #[sqlx(try_from = "String")]
    pub form: DonationForm,
    pub goods_description: Option<String>,
    /// In fen; for goods, their value.
    pub amount_fen: Fen,
    /// The part already allocated to uses.
    pub allocated_fen: Fen,
    pub campaign_id: Option<CampaignId>,
    pub campaign_name: Option<String>,
    pub purpose: Option<String>,
    pub recipient_org_id: OrgId,
    pub recipient_org_name: String,
    #[serde(skip)]
    pub recipient_org_path: String,
    pub receipt_no: String,
    #[sqlx(try_from = "String")]
    pub status: DonationStatus,
    /// The donor, when a person of the directory.
    pub person_id: Option<PersonId>,
    /// The record names a person this reader may not open: their id and name are left
    /// out (`person_id` is null, the name empty).
    #[sqlx(skip)]
    pub withheld: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub steps: Vec<DonationStep>,
    #[sqlx(skip)]
    pub allocations: Vec<Allocation>,
}

impl crate::person::NamesPerson for Donation {
    fn person(&self) -> Option<PersonId> {
        self.person_id
    }

    fn withhold(&mut self) {
        self.person_id = None;
        self.donor_name = String::new();
        self.withheld = true;
    }
}

/// What the actor may do with a donation, for showing only the forms that work.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = DonationAllowed)]
pub struct Allowed {
    /// Record a step (received, allocated…) or an allocation.
    pub update: bool,
    /// The statuses a step may move to now: any other than the current one, and
    /// `allocated` only once nothing is left to allocate.
    pub next: Vec<DonationStatus>,
    /// Allocate part of what arrived.
    pub allocate: bool,
}

impl Donation {
    pub fn allowed(&self, actor: &Actor) -> Allowed {
        let update = actor.may(
            Resource::Donation,
            Action::Update,
            Some(&self.recipient_org_path),
        );
        let left = self.unallocated_fen().0;
        Allowed {
            update,
            next: if update {
                DonationStatus::ALL
                    .iter()
                    .copied()
                    .filter(|s| *s != self.status)
                    .filter(|s| *s != DonationStatus::Allocated || left == 0)
                    .collect()
            } else {
                Vec::new()
            },
            allocate: update && self.status.arrived() && left > 0,
        }
    }

    /// What is left to allocate.
    pub fn unallocated_fen(&self) -> Fen {
        Fen(self.amount_fen.0 - self.allocated_fen.0)
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct DonationInput {
    /// An association, a company or a person.
    pub donor_name: String,
    /// The donor, when it is an organization of the platform.
    pub donor_org_id: Option<OrgId>,
    /// ISO 3166-1 alpha-2 of the donor's country or region.
    pub donor_country: Option<String>,
    /// `YYYY-MM-DD`
    pub given_on: String,
    /// `money` or `goods`.
    pub form: String,
    /// What the goods are; required for goods.
    pub goods_description: Option<String>,
    /// Yuan as typed, e.g. `"500000"` or `"1234.56"`; for goods, their value.
    pub amount: String,
    /// Name of the campaign; created on first use.
    pub campaign: Option<String>,
    pub purpose: Option<String>,
    /// The federation that received the gift and issues the receipt.
    pub recipient_org_id: Option<OrgId>,
    /// Unique per recipient.
    pub receipt_no: String,
    /// `pledged` or `received` (the default).
    pub status: Option<String>,
    /// The donor, when a person of the directory; fills a blank name and country.
    pub person_id: Option<PersonId>,
}

struct Fields {
    person: Option<PersonId>,
    donor_name: String,
    donor_country: Option<String>,
    given_on: NaiveDate,
    form: DonationForm,
    goods_description: Option<String>,
    amount: Fen,
    campaign: Option<String>,
    purpose: Option<String>,
    recipient: OrgId,
    recipient_path: String,
    receipt_no: String,
    status: DonationStatus,
}

/// A positive amount in yuan as typed.
fn positive_amount(s: &str) -> Result<Fen, FieldError> {
    match Fen::parse_yuan(s)? {
        Fen(0) => Err(FieldError::new("zero_amount")),
        f => Ok(f),
    }
}

async fn parse(tx: &mut Tx, actor: &Actor, input: &DonationInput) -> Result<Fields> {
    let mut check = Check::default();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let linked = person::linkable(tx, actor, &mut check, "person_id", input.person_id).await?;
    let donor_name = check.take(
        "donor_name",
        text::required(&person::or_linked(&input.donor_name, linked.as_ref()), 200),
    );
    let donor_country = check
        .take(
            "donor_country",
            reference::known_country(
                tx,
                &person::linked_country(&opt(&input.donor_country), linked.as_ref()),
            )
            .await?,
        )
        .flatten();
    if let Some(id) = input.donor_org_id
        && crate::org::path_of(tx, id).await?.is_none()
    {
        check.add("donor_org_id", "unknown_org");
    }
    let given_on = check.required("given_on", text::date(&input.given_on));
    if given_on.is_some_and(|d| d > settings::today()) {
        check.add("given_on", "date_in_future");
    }
    let form = check.take("form", DonationForm::parse(&input.form));
    let goods_description = check
        .take(
            "goods_description",
            text::optional(&opt(&input.goods_description), 500),
        )
        .flatten();
    if form == Some(DonationForm::Goods) && goods_description.is_none() {
        check.add("goods_description", "required");
    }
    let amount = check.take("amount", positive_amount(&input.amount));
    let campaign = check
        .take("campaign", text::optional(&opt(&input.campaign), 100))
        .flatten();
    let purpose = check
        .take("purpose", text::optional(&opt(&input.purpose), 500))
        .flatten();
    let recipient_path = match input.recipient_org_id {
        None => check.take("recipient_org_id", Err(FieldError::new("required"))),
        Some(id) => check.take(
            "recipient_org_id",
            crate::org::path_of(tx, id)
                .await?
                .ok_or(FieldError::new("unknown_org")),
        ),
    };
    let receipt_no = check.take("receipt_no", text::required(&input.receipt_no, 50));
    let status = match input.status.as_deref().map(str::trim) {
        None | Some("") => Some(DonationStatus::Received),
        Some(s) => match check.take("status", DonationStatus::parse(s)) {
            Some(DonationStatus::Allocated) => {
                check.add("status", "unknown_value");
                None
            }
            s => s,
        },
    };
    check.finish()?;
    match (
        donor_name,
        given_on,
        form,
        amount,
        recipient_path,
        input.recipient_org_id,
        receipt_no,
        status,
    ) {
        (
            Some(donor_name),
            Some(given_on),
            Some(form),
            Some(amount),
            Some(recipient_path),
            Some(recipient),
            Some(receipt_no),
            Some(status),
        ) => Ok(Fields {
            person: linked.map(|p| p.id),
            donor_name,
            donor_country,
            given_on,
            form,
            // Money carries no description of goods.
            goods_description: goods_description.filter(|_| form == DonationForm::Goods),
            amount,
            campaign,
            purpose,
            recipient,
            recipient_path,
            receipt_no,
            status,
        }),
        _ => Err(Error::Other(
            "donation parsed without errors yet incomplete".into(),
        )),
    }
}

/// The campaign of this name, created on first use in the year of its first gift.
async fn campaign_id(tx: &mut Tx, name: &str, year: i32) -> Result<CampaignId> {
    on!(&mut *tx, |c| {
        sqlx::query("insert into donation_campaign (name, year, created_at) values ($1, $2, $3) on conflict (name) do nothing")
            .bind(name)
            .bind(year)
            .bind(crate::now())
            .execute(c)
            .await?;
    });
    Ok(on!(tx, |c| {
        sqlx::query_scalar("select id from donation_campaign where name = $1")
            .bind(name)
            .fetch_one(c)
            .await?
    }))
}

fn duplicate_receipt(e: Error) -> Error {
    match e.unique_violation().as_deref() {
        Some("donation_recipient_org_id_receipt_no_key") => {
            Error::field("receipt_no", "duplicate_receipt")
        }
        _ => e,
    }
}

/// Records a donation for its recipient; the actor must be able to act for it.
pub async fn create(db: &Db, actor: &Actor, input: &DonationInput) -> Result<Donation> {
    let mut tx = db.write().await?;
    let f = parse(&mut tx, actor, input).await?;
    access::authorize(
        actor,
        Resource::Donation,
        Action::Create,
        Some(&f.recipient_path),
    )?;
    let campaign = match &f.campaign {
        Some(name) => Some(campaign_id(&mut tx, name, chrono::Datelike::year(&f.given_on)).await?),
        None => None,
    };
    let now = crate::now();
    let id: DonationId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into donation (donor_name, donor_org_id, donor_country, given_on, form, goods_description, amount_fen,
                campaign_id, purpose, recipient_org_id, receipt_no, status, created_by, created_at, updated_at, person_id)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15) returning id",
        )
        .bind(&f.donor_name)
        .bind(input.donor_org_id)
        .bind(&f.donor_country)
        .bind(f.given_on)
        .bind(f.form.as_str())
        .bind(&f.goods_description)
        .bind(f.amount)
        .bind(campaign)
        .bind(&f.purpose)
        .bind(f.recipient)
        .bind(&f.receipt_no)
        .bind(f.status.as_str())
        .bind(actor.account_id)
        .bind(now)
        .bind(f.person)
        .fetch_one(c)
        .await
        .map_err(|e| duplicate_receipt(e.into()))?
    });
    STEPS
        .record(&mut tx, actor, id.0, f.status.as_str(), f.given_on, None)
        .await?;
    tally::Change::added(tally::Records::donations([id.0]))
        .settle(&mut tx)
        .await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// The dated steps of a donation's life.
const STEPS: crate::step::Steps = crate::step::Steps {
    table: "donation_step",
    owner: "donation_id",
};

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = DonationStepInput)]
#[serde(default)]
pub struct StepInput {
    /// The new status.
    pub status: String,
    /// `YYYY-MM-DD`; today if left out.
    pub happened_on: String,
    /// What happened; required for a step back.
    pub note: Option<String>,
    pub version: Option<i64>,
}

/// The update of a donation the actor may edit, read with its version.
async fn editable(
    tx: &mut Tx,
    actor: &Actor,
    id: DonationId,
    version: Option<i64>,
) -> Result<Donation> {
    let d = get_in(tx, actor, id).await?;
    access::authorize(
        actor,
        Resource::Donation,
        Action::Update,
        Some(&d.recipient_org_path),
    )?;
    if version.is_some_and(|v| v != d.version) {
        return Err(Error::Conflict {
            current_version: d.version,
        });
    }
    Ok(d)
}

/// Bumps the version (and sets the status) if nobody saved meanwhile.
async fn bump(tx: &mut Tx, d: &Donation, status: DonationStatus) -> Result<()> {
    crate::db::claim(tx, "donation", d.id.0, d.version).await?;
    on!(tx, |c| {
        sqlx::query("update donation set status = $1 where id = $2")
            .bind(status.as_str())
            .bind(d.id)
            .execute(c)
            .await?;
    });
    Ok(())
}

/// Moves a donation to another status, dated; a step back needs a reason, and only
/// allocations make a donation fully allocated.
pub async fn advance(
    db: &Db,
    actor: &Actor,
    id: DonationId,
    input: &StepInput,
) -> Result<Donation> {
    let mut tx = db.write().await?;
    let d = editable(&mut tx, actor, id, input.version).await?;
    let mut check = Check::default();
    let to = check.take("status", DonationStatus::parse(&input.status));
    let day = text::step_day(
        &mut check,
        "happened_on",
        &input.happened_on,
        d.given_on,
        "before_donation",
    );
    let note = check
        .take(
            "note",
            text::optional(&input.note.clone().unwrap_or_default(), text::LONG),
        )
        .flatten();
    if let Some(to) = to {
        if to == d.status {
            check.add("status", "status_unchanged");
        } else if to == DonationStatus::Allocated && d.unallocated_fen().0 > 0 {
            check.add("status", "not_fully_allocated");
        } else if to.rank() < d.status.rank() && note.is_none() {
            check.add("note", "backwards_without_reason");
        }
    }
    check.finish()?;
    let (Some(to), Some(day)) = (to, day) else {
        return Err(Error::Other(
            "donation step parsed without errors yet incomplete".into(),
        ));
    };
    let change = tally::Change::of(&mut tx, tally::Records::donations([id.0])).await?;
    bump(&mut tx, &d, to).await?;
    change.settle(&mut tx).await?;
    STEPS
        .record(&mut tx, actor, id.0, to.as_str(), day, note.as_deref())
        .await?;
    let d = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(d)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AllocationInput {
    /// What the donation is used for, e.g. `医疗物资采购`.
    #[serde(rename = "use")]
    pub use_: String,
    /// Yuan as typed.
    pub amount: String,
    /// `YYYY-MM-DD`; today if left out.
    pub allocated_on: String,
    pub version: Option<i64>,
}

/// Allocates part of a received donation to a use; allocations together never exceed
/// the donation, and the last one that uses it up makes it allocated.
pub async fn allocate(
    db: &Db,
    actor: &Actor,
    id: DonationId,
    input: &AllocationInput,
) -> Result<Donation> {
    let mut tx = db.write().await?;
    let d = editable(&mut tx, actor, id, input.version).await?;
    let mut check = Check::default();
    let use_ = check.take("use", text::required(&input.use_, 200));
    let amount = check.take("amount", positive_amount(&input.amount));
    let day = text::step_day(
        &mut check,
        "allocated_on",
        &input.allocated_on,
        d.given_on,
        "before_donation",
    );
    if !d.status.arrived() {
        check.add("amount", "not_received");
    } else if amount.is_some_and(|a| a > d.unallocated_fen()) {
        check.add("amount", "over_allocation");
    }
    check.finish()?;
    let (Some(use_), Some(amount), Some(day)) = (use_, amount, day) else {
        return Err(Error::Other(
            "allocation parsed without errors yet incomplete".into(),
        ));
    };
    let full = amount == d.unallocated_fen();
    let change = tally::Change::of(&mut tx, tally::Records::donations([id.0])).await?;
    bump(
        &mut tx,
        &d,
        if full {
            DonationStatus::Allocated
        } else {
            d.status
        },
    )
    .await?;
    on!(&mut tx, |c| {
        sqlx::query(
            "insert into donation_allocation (donation_id, use, amount_fen, allocated_on, account_id, created_at)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(&use_)
        .bind(amount)
        .bind(day)
        .bind(actor.account_id)
        .bind(crate::now())
        .execute(c)
        .await?;
    });
    change.settle(&mut tx).await?;
    if full && d.status != DonationStatus::Allocated {
        STEPS
            .record(
                &mut tx,
                actor,
                id.0,
                DonationStatus::Allocated.as_str(),
                day,
                None,
            )
            .await?;
    }
    let d = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(d)
}

const SELECT: &str = "select d.id, d.donor_name, d.donor_org_id, d.donor_country, k.name_zh as donor_country_zh,
    k.name_en as donor_country_en, d.given_on, d.form, d.goods_description, d.amount_fen,
    -- PostgreSQL sums bigints as numeric; the cast keeps one integer type on both engines.
    (select cast(coalesce(sum(a.amount_fen), 0) as bigint) from donation_allocation a where a.donation_id = d.id) as allocated_fen,
    d.campaign_id, c.name as campaign_name, d.purpose, d.recipient_org_id, r.name as recipient_org_name,
    r.path as recipient_org_path, d.receipt_no, d.status, d.person_id, d.version, d.created_at
    from donation d join org r on r.id = d.recipient_org_id
    left join country k on k.alpha2 = d.donor_country
    left join donation_campaign c on c.id = d.campaign_id";

/// Who may read a donation: its recipient and those above it.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Donation,
    orgs: &[OrgOf::Column("d.recipient_org_id")],
    also: None,
    reached: None,
};

/// One donation with its history and allocations, if the actor may read it
/// (otherwise `NotFound`, so its existence does not leak).
pub async fn get(db: &Db, actor: &Actor, id: DonationId) -> Result<Donation> {
    get_in(&mut db.read().await?, actor, id).await
}

pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: DonationId) -> Result<Donation> {
    let mut q = Sql::new(&format!("{SELECT} where d.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    let mut d: Donation = q.optional(tx).await?.ok_or(Error::NotFound)?;
    person::withhold(tx, actor, std::slice::from_mut(&mut d)).await?;
    d.steps = STEPS.of(tx, id.0).await?;
    d.allocations = on!(tx, |c| {
        sqlx::query_as(
            "select use, amount_fen, allocated_on from donation_allocation where donation_id = $1 order by id",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    });
    Ok(d)
}

/// Filters of the ledger; the same filter lists the rows and sums them.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct DonationFilter {
    #[serde(
        deserialize_with = "crate::text::blank_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    #[param(value_type = Option<i64>)]
    pub campaign: Option<i64>,
    /// Year the gift was made.
    #[serde(
        deserialize_with = "crate::text::blank_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    #[param(value_type = Option<i32>)]
    pub year: Option<i32>,
    /// Recipient organization and everything below it.
    #[serde(
        deserialize_with = "crate::text::blank_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    #[param(value_type = Option<i64>)]
    pub org: Option<i64>,
    /// Code of the recipient's side, e.g. `cq`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<String>,
    /// `pledged`, `received` or `allocated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `money` or `goods`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
    /// Given on or after, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Given on or before, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A `DonationFilter` once checked.
struct Parsed {
    campaign: Option<i64>,
    status: Option<DonationStatus>,
    form: Option<DonationForm>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    /// The recipient's subtree: its id and path.
    org: Option<(i64, String)>,
    side: Option<i64>,
}

async fn parse_filter(tx: &mut Tx, filter: &DonationFilter) -> Result<Parsed> {
    let mut check = Check::default();
    let status = blank(&filter.status).and_then(|s| check.take("status", DonationStatus::parse(s)));
    let form = blank(&filter.form).and_then(|s| check.take("form", DonationForm::parse(s)));
    let (from, to) = crate::text::period(
        &mut check,
        filter.year,
        blank(&filter.from),
        blank(&filter.to),
    );
    let org = match filter.org {
        Some(id) => match crate::org::path_of(tx, OrgId(id)).await? {
            Some(path) => Some((id, path)),
            None => {
                check.add("org", "unknown_org");
                None
            }
        },
        None => None,
    };
    let side = match blank(&filter.side) {
        Some(code) => match crate::side::by_code(tx, code).await? {
            Some(s) => Some(s.id.0),
            None => {
                check.add("side", "unknown_side");
                None
            }
        },
        None => None,
    };
    check.finish()?;
    Ok(Parsed {
        campaign: filter.campaign,
        status,
        form,
        from,
        to,
        org,
        side,
    })
}

impl Parsed {
    /// The read rule and every filter, as one condition over `d`.
    fn sql(&self, actor: &Actor) -> Sql {
        let mut w = READ.sql(actor);
        if let Some(v) = self.campaign {
            w.push(" and d.campaign_id = ").bind(v);
        }
        if let Some(v) = self.from {
            w.push(" and d.given_on >= ").bind(v);
        }
        if let Some(v) = self.to {
            w.push(" and d.given_on <= ").bind(v);
        }
        // The recipient's subtree and side as one list of organizations, which the
        // index on the recipient walks (narrowed to the reader's subtree when that is
        // all they see) instead of judging every donation.
        if self.org.is_some() || self.side.is_some() {
            w.push(" and d.recipient_org_id in (select fo.id from org fo where 1 = 1");
            if let Some((_, path)) = &self.org {
                w.push(" and fo.path like ").bind(format!("{path}%"));
            }
            if let Some(v) = self.side {
                w.push(" and fo.side_id = ").bind(v);
            }
            if access::reach(actor.role, Resource::Donation, Action::Read)
                == crate::access::Reach::SUBTREE
            {
                w.push(" and fo.path like ")
                    .bind(format!("{}%", actor.org_path));
            }
            w.push(")");
        }
        if let Some(v) = self.status {
            w.push(" and d.status = ").bind(v.as_str());
        }
        if let Some(v) = self.form {
            w.push(" and d.form = ").bind(v.as_str());
        }
        w
    }

    /// Where the kept figures hold exactly the donations this filter finds for this
    /// reader: `Some(None)` when it finds none at all, none when the rows must be summed
    /// (a campaign, a period that cuts a year, an organization and a side together, or
    /// a side for a reader whose subtree spans sides).
    async fn kept(&self, tx: &mut Tx, actor: &Actor) -> Result<Option<Option<tally::Key>>> {
        use crate::access::Reach;
        let whole = tally::whole_years(self.from, self.to).is_some();
        if self.campaign.is_some() || !whole || (self.org.is_some() && self.side.is_some()) {
            return Ok(None);
        }
        let key = |org: i64, side: i64| Some(Some(tally::Key { org, side }));
        let reach = access::reach(actor.role, Resource::Donation, Action::Read);
        if reach == Reach::ALL {
            return Ok(match (&self.org, self.side) {
                (Some((id, _)), _) => key(*id, tally::EVERYONE),
                (None, side) => key(tally::EVERYONE, side.unwrap_or(tally::EVERYONE)),
            });
        }
        if reach != Reach::SUBTREE {
            return Ok(None);
        }
        if let Some(side) = self.side {
            // A side within the reader's subtree: all of the subtree when all of it is on
            // that side, nothing when none of it is; a subtree across sides is summed.
            let mut q = Sql::new("select distinct side_id from org where path like ");
            q.bind(format!("{}%", actor.org_path));
            let sides: Vec<i64> = q.column(tx).await?;
            return Ok(if sides.iter().all(|s| *s == side) {
                key(actor.org_id.0, tally::EVERYONE)
            } else if !sides.contains(&side) {
                Some(None)
            } else {
                None
            });
        }
        // The reader's subtree and the filter's: the smaller holds the other, or they
        // share nothing.
        Ok(match &self.org {
            None => key(actor.org_id.0, tally::EVERYONE),
            Some((id, path)) if path.starts_with(&actor.org_path) => key(*id, tally::EVERYONE),
            Some((_, path)) if actor.org_path.starts_with(path.as_str()) => {
                key(actor.org_id.0, tally::EVERYONE)
            }
            Some(_) => Some(None),
        })
    }
}

/// The read rule and every filter of `DonationFilter`, checked, as one condition over `d`.
async fn condition(tx: &mut Tx, actor: &Actor, filter: &DonationFilter) -> Result<Sql> {
    Ok(parse_filter(tx, filter).await?.sql(actor))
}

/// The donations the actor may read, newest gift first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &DonationFilter,
    page: PageRequest,
) -> Result<Page<Donation>> {
    let mut tx = db.read().await?;
    let mut found: Page<Donation> = condition(&mut tx, actor, filter)
        .await?
        .page(
            &mut tx,
            SELECT,
            "from donation d",
            "d.given_on desc, d.id desc",
            page,
        )
        .await?;
    person::withhold(&mut tx, actor, &mut found.items).await?;
    Ok(found)
}

/// Counts and amounts of a set of donations.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, sqlx::FromRow, utoipa::ToSchema,
)]
#[schema(as = DonationTotals)]
pub struct Totals {
    pub count: i64,
    pub money_fen: Fen,
    /// The value of the goods.
    pub goods_fen: Fen,
    pub total_fen: Fen,
    /// Received or already allocated.
    pub received_fen: Fen,
    pub allocated_fen: Fen,
}

/// The sums of `Totals`, over `d` (donations) and `al` (their allocations).
const SUMS: &str = "count(d.id) as count,
    cast(coalesce(sum(case when d.form = 'money' then d.amount_fen else 0 end), 0) as bigint) as money_fen,
    cast(coalesce(sum(case when d.form = 'goods' then d.amount_fen else 0 end), 0) as bigint) as goods_fen,
    cast(coalesce(sum(d.amount_fen), 0) as bigint) as total_fen,
    cast(coalesce(sum(case when d.status <> 'pledged' then d.amount_fen else 0 end), 0) as bigint) as received_fen,
    cast(coalesce(sum(al.fen), 0) as bigint) as allocated_fen";

const ALLOCATED: &str =
    "left join (select donation_id, sum(amount_fen) as fen from donation_allocation
    group by donation_id) al on al.donation_id = d.id";

/// The figures of exactly the donations `list` shows for this filter, all pages.
/// Read from the kept figures (`outcome_tally`) where they answer the filter, else
/// summed from the rows; the two agree (tests compare them).
pub async fn totals(db: &Db, actor: &Actor, filter: &DonationFilter) -> Result<Totals> {
    let mut tx = db.read().await?;
    let parsed = parse_filter(&mut tx, filter).await?;
    match parsed.kept(&mut tx, actor).await? {
        Some(None) => Ok(Totals::default()),
        Some(Some(key)) => kept_totals(&mut tx, key, &parsed).await,
        None => totals_in(&mut tx, &parsed.sql(actor)).await,
    }
}

/// [`totals`] summed from the rows, whatever the filter: what the kept figures are
/// checked against.
pub async fn totals_from_records(
    db: &Db,
    actor: &Actor,
    filter: &DonationFilter,
) -> Result<Totals> {
    let mut tx = db.read().await?;
    let w = condition(&mut tx, actor, filter).await?;
    totals_in(&mut tx, &w).await
}

async fn totals_in(tx: &mut Tx, w: &Sql) -> Result<Totals> {
    let mut q = Sql::new(&format!("select {SUMS} from donation d {ALLOCATED} where "));
    q.append(w);
    q.optional(tx).await?.ok_or(Error::NotFound)
}

/// The totals of one key of the kept figures, for the years and the status and form
/// the filter names.
async fn kept_totals(tx: &mut Tx, key: tally::Key, f: &Parsed) -> Result<Totals> {
    let mut q = Sql::new(
        "select t.measure, t.detail, cast(sum(t.n) as bigint), cast(sum(t.amount) as bigint)
         from outcome_tally t where t.measure in ('donation', 'allocation') and t.org_id = ",
    );
    q.bind(key.org)
        .push(" and t.side_id = ")
        .bind(key.side)
        .push(" and t.series_id = ")
        .bind(tally::ANY_SERIES);
    // Only whole years are kept (`Parsed::kept`), so the period is theirs.
    let (first, last) = tally::whole_years(f.from, f.to).unwrap_or_default();
    tally::of_years(&mut q, first, last);
    q.push(" group by t.measure, t.detail");
    let rows: Vec<(String, String, i64, i64)> = q.all(tx).await?;
    let mut t = Totals::default();
    for (measure, detail, n, amount) in rows {
        let (form, status) = detail.split_once(':').unwrap_or((detail.as_str(), ""));
        let (Ok(form), Ok(status)) = (DonationForm::parse(form), DonationStatus::parse(status))
        else {
            continue;
        };
        if f.form.is_some_and(|x| x != form) || f.status.is_some_and(|x| x != status) {
            continue;
        }
        if measure == tally::Measure::Allocation.as_str() {
            t.allocated_fen.0 += amount;
            continue;
        }
        t.count += n;
        t.total_fen.0 += amount;
        match form {
            DonationForm::Money => t.money_fen.0 += amount,
            DonationForm::Goods => t.goods_fen.0 += amount,
        }
        if status != DonationStatus::Pledged {
            t.received_fen.0 += amount;
        }
    }
    Ok(t)
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CampaignTotals {
    pub campaign_id: CampaignId,
    pub name: String,
    pub year: i32,
    pub description: Option<String>,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub totals: Totals,
}

/// Every campaign with the figures of the donations the actor may read, newest first;
/// one grouped query.
pub async fn campaign_totals(db: &Db, actor: &Actor) -> Result<Vec<CampaignTotals>> {
    let mut q = Sql::new(&format!(
        "select k.id as campaign_id, k.name, k.year, k.description, {SUMS}
         from donation_campaign k left join donation d on d.campaign_id = k.id and ("
    ));
    q.append(&READ.sql(actor)).push(&format!(
        ") {ALLOCATED} group by k.id, k.name, k.year, k.description order by k.year desc, k.name"
    ));
    q.all(&mut db.read().await?).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_of_gifts_are_positive_yuan() {
        assert_eq!(positive_amount("100.5"), Ok(Fen(10_050)));
        assert_eq!(positive_amount("0"), Err(FieldError::new("zero_amount")));
        assert_eq!(
            positive_amount("-3"),
            Err(FieldError::new("negative_amount"))
        );
        assert_eq!(
            positive_amount("1.005"),
            Err(FieldError::new("too_many_decimals"))
        );
    }

    #[test]
    fn a_step_back_is_a_lower_rank() {
        use DonationStatus::*;
        assert!(Received.rank() < Allocated.rank());
        assert!(Pledged.rank() < Received.rank());
        assert!(!Pledged.arrived() && Received.arrived() && Allocated.arrived());
    }
}
