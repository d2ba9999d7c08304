//! Agreements between organizations (strategic, framework, cooperation, mechanism
//! charters): parties with roles, ordered areas of cooperation, attached scans.
//! Visible to the parties, the organizations above them and the national level;
//! edited by the parties' organization admins.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, FieldError, Result};
use crate::file::{self, Attachment, Upload};
use crate::org::OrgId;
use crate::page::{Page, PageRequest};
use crate::sql::{self, Sql};
use crate::{on, text};

id_type!(AgreementId);
id_type!(AreaId);

text_enum!(
    AgreementKind {
        Strategic = "strategic",
        Framework = "framework",
        Cooperation = "cooperation",
        MechanismCharter = "mechanism_charter",
    }
);

text_enum!(
    /// Stored status; `expired` is never stored but read off `valid_until`.
    AgreementStatus { Draft = "draft", InForce = "in_force", Expired = "expired", Terminated = "terminated" }
);

text_enum!(
    PartyRole { Signatory = "signatory", Lead = "lead", Member = "member" }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Party {
    pub org_id: OrgId,
    pub org_name: String,
    #[serde(skip)]
    pub org_path: String,
    #[sqlx(try_from = "String")]
    pub role: PartyRole,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Area {
    pub id: AreaId,
    pub position: i64,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Agreement {
    pub id: AgreementId,
    #[sqlx(try_from = "String")]
    pub kind: AgreementKind,
    pub title: String,
    pub signed_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    pub summary: Option<String>,
    /// The status as it stands today: an agreement in force past its end date is expired.
    #[sqlx(try_from = "String")]
    pub status: AgreementStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub parties: Vec<Party>,
    #[sqlx(skip)]
    pub areas: Vec<Area>,
    #[sqlx(skip)]
    pub attachments: Vec<Attachment>,
}

/// What the actor may do with an agreement.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = AgreementAllowed)]
pub struct Allowed {
    pub edit: bool,
    /// Add scans: whoever may record an agreement for a party.
    pub attach: bool,
}

impl Agreement {
    pub fn allowed(&self, actor: &Actor) -> Allowed {
        Allowed {
            edit: actor.may_any(Resource::Agreement, Action::Update, self.party_paths()),
            attach: actor.may_any(Resource::Agreement, Action::Create, self.party_paths()),
        }
    }

    fn settle_status(&mut self, today: NaiveDate) {
        if self.status == AgreementStatus::InForce && self.valid_until.is_some_and(|d| d < today) {
            self.status = AgreementStatus::Expired;
        }
    }

    pub fn party_paths(&self) -> impl Iterator<Item = &str> {
        self.parties.iter().map(|p| p.org_path.as_str())
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PartyInput {
    pub org_id: Option<OrgId>,
    /// `signatory`, `lead` or `member`.
    pub role: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AreaInput {
    /// Existing area when editing; absent for a new one.
    pub id: Option<AreaId>,
    pub name: String,
    pub description: Option<String>,
}

/// An agreement as submitted.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AgreementInput {
    /// `strategic`, `framework`, `cooperation` or `mechanism_charter`.
    pub kind: String,
    pub title: String,
    /// `YYYY-MM-DD`; required once in force.
    pub signed_on: Option<String>,
    pub valid_until: Option<String>,
    pub summary: Option<String>,
    /// `draft`, `in_force` or `terminated`.
    pub status: String,
    /// Two or more organizations.
    pub parties: Vec<PartyInput>,
    /// Areas of cooperation in order.
    pub areas: Vec<AreaInput>,
    /// The version read, when editing.
    pub version: Option<i64>,
}

struct Fields {
    kind: AgreementKind,
    title: String,
    signed_on: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    summary: Option<String>,
    status: AgreementStatus,
    parties: Vec<(OrgId, PartyRole, String)>,
    areas: Vec<(Option<AreaId>, String, Option<String>)>,
}

async fn parse(tx: &mut Tx, input: &AgreementInput) -> Result<Fields> {
    let mut check = Check::default();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let kind = check.take("kind", AgreementKind::parse(&input.kind));
    let title = check.take("title", text::required(&input.title, 200));
    let signed_on = check
        .take("signed_on", text::date(&opt(&input.signed_on)))
        .flatten();
    let valid_until = check
        .take("valid_until", text::date(&opt(&input.valid_until)))
        .flatten();
    let summary = check
        .take("summary", text::optional(&opt(&input.summary), text::LONG))
        .flatten();
    let status = check.take(
        "status",
        AgreementStatus::parse(&input.status).and_then(|s| {
            if s == AgreementStatus::Expired {
                Err(FieldError::new("unknown_value"))
            } else {
                Ok(s)
            }
        }),
    );
    if let (Some(from), Some(to)) = (signed_on, valid_until)
        && to < from
    {
        check.add("valid_until", "ends_before_start");
    }
    if status == Some(AgreementStatus::InForce) && signed_on.is_none() {
        check.add("signed_on", "required");
    }
    let mut parties = Vec::new();
    for p in &input.parties {
        let Some(id) = p.org_id else {
            check.add("parties", "unknown_org");
            continue;
        };
        let role = check.take("parties", PartyRole::parse(&p.role));
        match crate::org::path_of(tx, id).await? {
            None => check.add("parties", "unknown_org"),
            Some(path) => {
                if parties.iter().any(|(o, _, _)| *o == id) {
                    check.add("parties", "duplicate_party");
                }
                if let Some(role) = role {
                    parties.push((id, role, path));
                }
            }
        }
    }
    if input.parties.len() < 2 {
        check.add("parties", "too_few_parties");
    }
    let mut areas = Vec::new();
    for a in &input.areas {
        let name = check.take("areas", text::required(&a.name, 100));
        let description = check
            .take("areas", text::optional(&opt(&a.description), text::LONG))
            .flatten();
        if let Some(name) = name {
            areas.push((a.id, name, description));
        }
    }
    check.finish()?;
    match (kind, title, status) {
        (Some(kind), Some(title), Some(status)) => Ok(Fields {
            kind,
            title,
            signed_on,
            valid_until,
            summary,
            status,
            parties,
            areas,
        }),
        _ => Err(Error::Other(
            "agreement parsed without errors yet incomplete".into(),
        )),
    }
}

/// Records an agreement; the actor must be able to act for one of its parties.
pub async fn create(db: &Db, actor: &Actor, input: &AgreementInput) -> Result<Agreement> {
    let mut tx = db.write().await?;
    let f = parse(&mut tx, input).await?;
    access::authorize_any(
        actor,
        Resource::Agreement,
        Action::Create,
        f.parties.iter().map(|p| p.2.as_str()),
    )?;
    let now = crate::now();
    let id: AgreementId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into agreement (kind, title, signed_on, valid_until, summary, status, created_by, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning id",
        )
        .bind(f.kind.as_str())
        .bind(&f.title)
        .bind(f.signed_on)
        .bind(f.valid_until)
        .bind(&f.summary)
        .bind(f.status.as_str())
        .bind(actor.account_id)
        .bind(now)
        .fetch_one(c)
        .await?
    });
    write_parties_and_areas(&mut tx, id, &f).await?;
    crate::search::refresh(&mut tx, crate::search::Kind::Agreement, id.0).await?;
    tx.commit().await?;
    tracing::info!(agreement = %id, by = %actor.login, "agreement recorded");
    get(db, actor, id).await
}

/// Refuses an edit that drops an area tasks still belong to — before anything is
/// written, so a refused edit leaves no half-done transaction behind.
async fn check_dropped_areas(tx: &mut Tx, id: AgreementId, f: &Fields) -> Result<()> {
    let used: Vec<AreaId> = on!(&mut *tx, |c| {
        sqlx::query_scalar(
            "select distinct a.id from agreement_area a join task t on t.area_id = a.id where a.agreement_id = $1",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    });
    if used
        .iter()
        .any(|u| !f.areas.iter().any(|a| a.0 == Some(*u)))
    {
        return Err(Error::field("areas", "area_in_use"));
    }
    Ok(())
}

/// Replaces the parties and areas; dropped areas must have been checked unused.
async fn write_parties_and_areas(tx: &mut Tx, id: AgreementId, f: &Fields) -> Result<()> {
    on!(&mut *tx, |c| {
        sqlx::query("delete from agreement_party where agreement_id = $1")
            .bind(id)
            .execute(c)
            .await?;
    });
    for (org, role, _) in &f.parties {
        on!(&mut *tx, |c| {
            sqlx::query(
                "insert into agreement_party (agreement_id, org_id, role) values ($1, $2, $3)",
            )
            .bind(id)
            .bind(org)
            .bind(role.as_str())
            .execute(c)
            .await?;
        });
    }
    let existing: Vec<AreaId> = on!(&mut *tx, |c| {
        sqlx::query_scalar("select id from agreement_area where agreement_id = $1")
            .bind(id)
            .fetch_all(c)
            .await?
    });
    for old in existing
        .iter()
        .filter(|old| !f.areas.iter().any(|a| a.0 == Some(**old)))
    {
        on!(&mut *tx, |c| {
            sqlx::query("delete from agreement_area where id = $1")
                .bind(old)
                .execute(c)
                .await?;
        });
    }
    for (position, (area, name, description)) in f.areas.iter().enumerate() {
        let position = i64::try_from(position).unwrap_or(i64::MAX) + 1;
        match area.filter(|a| existing.contains(a)) {
            Some(area) => on!(&mut *tx, |c| {
                sqlx::query("update agreement_area set position = $1, name = $2, description = $3 where id = $4")
                    .bind(position)
                    .bind(name)
                    .bind(description)
                    .bind(area)
                    .execute(c)
                    .await?;
            }),
            None => on!(&mut *tx, |c| {
                sqlx::query("insert into agreement_area (agreement_id, position, name, description) values ($1, $2, $3, $4)")
                    .bind(id)
                    .bind(position)
                    .bind(name)
                    .bind(description)
                    .execute(c)
                    .await?;
            }),
        }
    }
    Ok(())
}

/// Saves an edit made on `input.version` by an admin of one of the parties.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: AgreementId,
    input: &AgreementInput,
) -> Result<Agreement> {
    let mut tx = db.write().await?;
    let current = get_in(&mut tx, actor, id).await?;
    access::authorize_any(
        actor,
        Resource::Agreement,
        Action::Update,
        current.party_paths(),
    )?;
    let Some(version) = input.version else {
        return Err(Error::field("version", "required"));
    };
    crate::db::claim(&mut tx, "agreement", id.0, version).await?;
    let f = parse(&mut tx, input).await?;
    // The editor must still be able to act for the agreement after the edit.
    access::authorize_any(
        actor,
        Resource::Agreement,
        Action::Update,
        f.parties.iter().map(|p| p.2.as_str()),
    )?;
    check_dropped_areas(&mut tx, id, &f).await?;
    on!(&mut tx, |c| {
        sqlx::query(
            "update agreement set kind = $1, title = $2, signed_on = $3, valid_until = $4, summary = $5,
                status = $6 where id = $7",
        )
        .bind(f.kind.as_str())
        .bind(&f.title)
        .bind(f.signed_on)
        .bind(f.valid_until)
        .bind(&f.summary)
        .bind(f.status.as_str())
        .bind(id)
        .execute(c)
        .await?;
    });
    write_parties_and_areas(&mut tx, id, &f).await?;
    let mut before: Vec<OrgId> = current.parties.iter().map(|p| p.org_id).collect();
    let mut after: Vec<OrgId> = f.parties.iter().map(|p| p.0).collect();
    before.sort_unstable();
    after.sort_unstable();
    if before != after {
        // The parties are readers of every task of the agreement's plans.
        let tasks = crate::task::reach::tasks_of_agreement(&mut tx, id).await?;
        crate::task::reach::sync(&mut tx, &tasks).await?;
    }
    crate::search::refresh(&mut tx, crate::search::Kind::Agreement, id.0).await?;
    let a = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(a)
}

const COLUMNS: &str = "a.id, a.kind, a.title, a.signed_on, a.valid_until, a.summary, a.status, a.version, a.created_at, a.updated_at";

/// Who may read an agreement: its parties, those above them and the national level.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Agreement,
    orgs: &[OrgOf::Link {
        id: "a.id",
        table: "agreement_party",
        key: "agreement_id",
        org: "org_id",
    }],
    also: None,
    reached: None,
};

/// Fills in the parties, areas and scans of a page of agreements, one query each.
async fn complete(
    tx: &mut Tx,
    mut items: Vec<Agreement>,
    today: NaiveDate,
) -> Result<Vec<Agreement>> {
    let ids: Vec<i64> = items.iter().map(|a| a.id.0).collect();
    let mut parties = sql::by_owner(
        tx,
        "select p.agreement_id as owner, p.org_id, o.name as org_name, o.path as org_path, p.role
         from agreement_party p join org o on o.id = p.org_id where p.agreement_id in ",
        &ids,
        &Sql::new(
            " order by case p.role when 'lead' then 0 when 'signatory' then 1 else 2 end, o.path",
        ),
    )
    .await?;
    let mut areas = sql::by_owner(
        tx,
        "select agreement_id as owner, id, position, name, description from agreement_area
         where agreement_id in ",
        &ids,
        &Sql::new(" order by position"),
    )
    .await?;
    let files = file::list(tx, "agreement", &ids).await?;
    for a in &mut items {
        a.settle_status(today);
        a.parties = parties.remove(&a.id.0).unwrap_or_default();
        a.areas = areas.remove(&a.id.0).unwrap_or_default();
        a.attachments = files
            .iter()
            .filter(|(owner, _)| *owner == a.id.0)
            .map(|(_, f)| f.clone())
            .collect();
    }
    Ok(items)
}

/// One agreement, if the actor may see it (otherwise `NotFound`, so its existence does not leak).
pub async fn get(db: &Db, actor: &Actor, id: AgreementId) -> Result<Agreement> {
    get_in(&mut db.read().await?, actor, id).await
}

/// The list's rule filtered by id.
pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: AgreementId) -> Result<Agreement> {
    let mut q = Sql::new(&format!("select {COLUMNS} from agreement a where a.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    let found = q.all(tx).await?;
    complete(tx, found, crate::settings::today())
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// Filters of the agreement list.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AgreementFilter {
    /// Kind, e.g. `framework`.
    pub kind: Option<String>,
    /// Only agreements with this party (or a party below it).
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub party: Option<i64>,
    /// Text in the title.
    pub q: Option<String>,
    /// `draft`, `in_force`, `expired` (in force until a day now past) or `terminated`.
    pub status: Option<String>,
    /// Only agreements with a party of this side (code), e.g. `cq`.
    pub side: Option<String>,
}

/// The read rule and every filter of `AgreementFilter`, checked, as one condition over `a`.
async fn condition(tx: &mut Tx, actor: &Actor, filter: &AgreementFilter) -> Result<Sql> {
    let mut check = Check::default();
    let blank = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let kind = blank(&filter.kind).and_then(|k| check.take("kind", AgreementKind::parse(&k)));
    let status =
        blank(&filter.status).and_then(|s| check.take("status", AgreementStatus::parse(&s)));
    let party_like = match filter.party {
        Some(id) => match crate::org::path_of(tx, OrgId(id)).await? {
            Some(p) => Some(format!("{p}%")),
            None => {
                check.add("party", "unknown_org");
                None
            }
        },
        None => None,
    };
    let side = match blank(&filter.side) {
        Some(code) => match crate::side::by_code(tx, &code).await? {
            Some(s) => Some(s.id.0),
            None => {
                check.add("side", "unknown_side");
                None
            }
        },
        None => None,
    };
    check.finish()?;
    let mut w = READ.sql(actor);
    if let Some(p) = party_like {
        w.push(" and exists (select 1 from agreement_party p join org o on o.id = p.org_id where p.agreement_id = a.id and o.path like ")
            .bind(p)
            .push(")");
    }
    if let Some(v) = side {
        w.push(" and exists (select 1 from agreement_party p join org o on o.id = p.org_id where p.agreement_id = a.id and o.side_id = ")
            .bind(v)
            .push(")");
    }
    if let Some(k) = kind {
        w.push(" and a.kind = ").bind(k.as_str());
    }
    // An agreement in force until a day now past reads as expired (see `settle_status`).
    let today = crate::settings::today();
    match status {
        Some(AgreementStatus::InForce) => {
            w.push(" and a.status = 'in_force' and (a.valid_until is null or a.valid_until >= ")
                .bind(today)
                .push(")");
        }
        Some(AgreementStatus::Expired) => {
            w.push(" and a.status = 'in_force' and a.valid_until < ")
                .bind(today);
        }
        Some(s) => {
            w.push(" and a.status = ").bind(s.as_str());
        }
        None => {}
    }
    if let Some(q) = blank(&filter.q) {
        w.push(" and a.title like ")
            .bind(format!(
                "%{}%",
                crate::org::escape_like(&q.chars().take(100).collect::<String>())
            ))
            .push(" escape '\\'");
    }
    Ok(w)
}

/// How many agreements the list shows for this filter, all pages.
pub async fn count(db: &Db, actor: &Actor, filter: &AgreementFilter) -> Result<i64> {
    let mut tx = db.read().await?;
    let mut q = Sql::new("select count(*) from agreement a where ");
    q.append(&condition(&mut tx, actor, filter).await?);
    q.scalar(&mut tx).await
}

/// The agreements the actor may see, newest signature first.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &AgreementFilter,
    page: PageRequest,
) -> Result<Page<Agreement>> {
    let page = page.clamped();
    let mut tx = db.read().await?;
    let w = condition(&mut tx, actor, filter).await?;
    let found: Page<Agreement> = w
        .page(
            &mut tx,
            &format!("select {COLUMNS} from agreement a"),
            "from agreement a",
            "a.signed_on desc, a.id desc",
            page,
        )
        .await?;
    let items = complete(&mut tx, found.items, crate::settings::today()).await?;
    Ok(Page { items, ..found })
}

/// Attaches a scan or other file to an agreement: whoever may record an agreement for
/// a party may add its scans.
pub async fn attach(db: &Db, actor: &Actor, id: AgreementId, upload: &Upload) -> Result<Agreement> {
    let mut tx = db.write().await?;
    may_attach_in(&mut tx, actor, id).await?;
    file::attach(&mut tx, "agreement", id.0, upload, actor.account_id).await?;
    let a = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(a)
}

/// Whether the actor may add scans to an agreement: asked before an upload is read.
pub async fn may_attach(db: &Db, actor: &Actor, id: AgreementId) -> Result<()> {
    may_attach_in(&mut db.read().await?, actor, id).await
}

async fn may_attach_in(tx: &mut Tx, actor: &Actor, id: AgreementId) -> Result<()> {
    let a = get_in(tx, actor, id).await?;
    access::authorize_any(actor, Resource::Agreement, Action::Create, a.party_paths())
}
