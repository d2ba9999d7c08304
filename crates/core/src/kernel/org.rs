//! Organizations: federations at every level, chambers, alliances, mechanisms,
//! committees, overseas associations… in one tree with a materialized path.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, FieldError, Result};
use crate::page::{Page, PageRequest};
use crate::side::{self, SideKind};
use crate::sql::Sql;
use crate::{on, reference, text};

id_type!(OrgId);

text_enum!(
    OrgKind {
        Federation = "federation",
        Chamber = "chamber",
        Alliance = "alliance",
        Mechanism = "mechanism",
        ExpertCommittee = "expert_committee",
        OverseasAssociation = "overseas_association",
        UniversityFederation = "university_federation",
        AlumniAssociation = "alumni_association",
        MediaOutlet = "media_outlet",
        GovernmentBody = "government_body",
        Other = "other",
    }
);

text_enum!(
    OrgLevel {
        National = "national",
        Province = "province",
        Prefecture = "prefecture",
        County = "county",
        Township = "township",
        Community = "community",
        Overseas = "overseas",
    }
);

impl OrgKind {
    /// Associations (overseas associations, chambers, alumni associations): the kinds
    /// whose pages show city, founding date, members and visits.
    pub fn is_association(self) -> bool {
        matches!(
            self,
            OrgKind::OverseasAssociation | OrgKind::Chamber | OrgKind::AlumniAssociation
        )
    }
}

/// The association kinds of [`OrgKind::is_association`], for SQL: `o.kind in …`.
pub const ASSOCIATION_KINDS: &str = "('overseas_association', 'chamber', 'alumni_association')";

impl OrgLevel {
    /// The usual level of a sub-organization, to pre-fill forms.
    pub fn below(self) -> OrgLevel {
        match self {
            OrgLevel::National => OrgLevel::Province,
            OrgLevel::Province => OrgLevel::Prefecture,
            OrgLevel::Prefecture => OrgLevel::County,
            OrgLevel::County => OrgLevel::Township,
            OrgLevel::Township | OrgLevel::Community => OrgLevel::Community,
            OrgLevel::Overseas => OrgLevel::Overseas,
        }
    }

    /// Levels tied to a place in China need its region code.
    pub fn needs_region(self) -> bool {
        matches!(
            self,
            OrgLevel::Province | OrgLevel::Prefecture | OrgLevel::County | OrgLevel::Township
        )
    }
}

/// An organization with the names of what it refers to, as every page shows it.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Org {
    pub id: OrgId,
    pub name: String,
    pub short_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub kind: OrgKind,
    #[sqlx(try_from = "String")]
    pub level: OrgLevel,
    pub side_id: side::SideId,
    pub side_code: String,
    pub side_name_zh: String,
    pub side_name_en: String,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub country_code: Option<String>,
    pub country_name_zh: Option<String>,
    pub country_name_en: Option<String>,
    pub parent_id: Option<OrgId>,
    pub parent_name: Option<String>,
    /// Ids from the root down to this organization, e.g. `/1/5/23/`.
    pub path: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    /// City abroad (or in China) where an association sits, e.g. 曼谷.
    pub city: Option<String>,
    pub founded_on: Option<NaiveDate>,
    /// Members as the association reports them.
    pub members_count: Option<i64>,
    pub archived_at: Option<DateTime<Utc>>,
    /// Optimistic-locking version: send it back when saving.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Org {
    pub fn depth(&self) -> usize {
        self.path.matches('/').count().saturating_sub(2)
    }
}

/// What a user submits to create or edit an organization, before it is checked.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OrgInput {
    pub name: String,
    pub short_name: Option<String>,
    /// One of the `OrgKind` values, e.g. `federation`.
    pub kind: String,
    /// One of the `OrgLevel` values, e.g. `county`.
    pub level: String,
    /// Side code, e.g. `cq`, `sc`, `national`, `overseas`.
    pub side: String,
    /// GB/T 2260 code; required for province to township levels.
    pub region_code: Option<String>,
    /// ISO 3166-1 alpha-2; required for overseas organizations.
    pub country_code: Option<String>,
    pub parent_id: Option<OrgId>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    pub city: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    pub founded_on: Option<String>,
    /// 0 or more.
    pub members_count: Option<i64>,
    /// The version that was read; required when editing.
    pub version: Option<i64>,
}

impl From<&Org> for OrgInput {
    /// The input that would save `org` unchanged; the base of partial edits.
    fn from(o: &Org) -> OrgInput {
        OrgInput {
            name: o.name.clone(),
            short_name: o.short_name.clone(),
            kind: o.kind.as_str().into(),
            level: o.level.as_str().into(),
            side: o.side_code.clone(),
            region_code: o.region_code.clone(),
            country_code: o.country_code.clone(),
            parent_id: o.parent_id,
            address: o.address.clone(),
            phone: o.phone.clone(),
            notes: o.notes.clone(),
            city: o.city.clone(),
            founded_on: o.founded_on.map(|d| d.to_string()),
            members_count: o.members_count,
            version: Some(o.version),
        }
    }
}

/// Checked fields, ready to store.
#[derive(Debug)]
struct OrgFields {
    name: String,
    short_name: Option<String>,
    kind: OrgKind,
    level: OrgLevel,
    side_id: side::SideId,
    region_code: Option<String>,
    country_code: Option<String>,
    parent: Option<Org>,
    address: Option<String>,
    phone: Option<String>,
    notes: Option<String>,
    city: Option<String>,
    founded_on: Option<NaiveDate>,
    members_count: Option<i64>,
}

pub const NAME_MAX: usize = 100;
pub const CITY_MAX: usize = 60;
/// More members than any association has; a typo beyond it is refused.
pub const MEMBERS_MAX: i64 = 10_000_000;
pub const SHORT_NAME_MAX: usize = 30;
pub const ADDRESS_MAX: usize = 300;

async fn parse(tx: &mut Tx, input: &OrgInput) -> Result<OrgFields> {
    let mut check = Check::default();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let name = check.take("name", text::required(&input.name, NAME_MAX));
    let short_name = check.take(
        "short_name",
        text::optional(&opt(&input.short_name), SHORT_NAME_MAX),
    );
    let kind = check.take("kind", OrgKind::parse(&input.kind));
    let level = check.take("level", OrgLevel::parse(&input.level));
    let address = check.take("address", text::optional(&opt(&input.address), ADDRESS_MAX));
    let phone = check.take("phone", text::phone(&opt(&input.phone)));
    let notes = check.take("notes", text::optional(&opt(&input.notes), text::LONG));
    let city = check.take("city", text::optional(&opt(&input.city), CITY_MAX));
    let founded_on = check
        .take("founded_on", text::date(&opt(&input.founded_on)))
        .flatten();
    if founded_on.is_some_and(|d| d > crate::settings::today()) {
        check.add("founded_on", "date_in_future");
    }
    if input
        .members_count
        .is_some_and(|n| !(0..=MEMBERS_MAX).contains(&n))
    {
        check.add("members_count", "bad_count");
    }

    let side = match input.side.trim() {
        "" => check.take("side", Err(FieldError::new("required"))),
        code => check.take(
            "side",
            side::by_code(tx, code)
                .await?
                .ok_or(FieldError::new("unknown_side")),
        ),
    };

    let region_code = check
        .take(
            "region_code",
            reference::parse_region_code(&opt(&input.region_code)),
        )
        .flatten();
    let mut province = None;
    if let Some(code) = &region_code {
        let chain = reference::region_chain(tx, code).await?;
        if chain.is_empty() {
            check.add("region_code", "unknown_region");
        }
        province = chain.first().map(|r| r.code.clone());
    }

    let country_code = check
        .take(
            "country_code",
            reference::known_country(tx, &opt(&input.country_code)).await?,
        )
        .flatten();

    if let Some(level) = level {
        if level.needs_region() && region_code.is_none() {
            check.add("region_code", "required");
        }
        if level == OrgLevel::Overseas {
            if country_code.is_none() {
                check.add("country_code", "required");
            }
            if region_code.is_some() {
                check.add("region_code", "region_not_for_overseas");
            }
        }
    }
    if let Some(side) = &side {
        if side.kind == SideKind::Member && province.is_some() && side.region_code != province {
            check.add("region_code", "region_outside_side");
        }
        if (side.kind == SideKind::Overseas) != (level == Some(OrgLevel::Overseas))
            && level.is_some()
        {
            check.add("side", "side_level_mismatch");
        }
    }

    let parent = match input.parent_id {
        None => None,
        Some(id) => match get_in(tx, id).await? {
            None => {
                check.add("parent_id", "unknown_org");
                None
            }
            Some(p) if p.archived_at.is_some() => {
                check.add("parent_id", "parent_archived");
                None
            }
            Some(p) => Some(p),
        },
    };

    check.finish()?;
    match (name, kind, level, side) {
        (Some(name), Some(kind), Some(level), Some(side)) => Ok(OrgFields {
            name,
            short_name: short_name.flatten(),
            kind,
            level,
            side_id: side.id,
            region_code,
            country_code,
            parent,
            address: address.flatten(),
            phone: phone.flatten(),
            notes: notes.flatten(),
            city: city.flatten(),
            founded_on,
            members_count: input.members_count,
        }),
        _ => Err(Error::Other(
            "org fields parsed without errors yet missing".into(),
        )),
    }
}

fn duplicate_name(e: Error) -> Error {
    match e.unique_violation().as_deref() {
        Some("org_parent_name_key") => Error::field("name", "duplicate_name"),
        _ => e,
    }
}

/// What the actor may do with an organization.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = OrgAllowed)]
pub struct Allowed {
    pub edit: bool,
    /// Create an organization below it (not below an archived one).
    pub add_child: bool,
    pub archive: bool,
}

impl Org {
    pub fn allowed(&self, actor: &Actor) -> Allowed {
        let path = Some(self.path.as_str());
        Allowed {
            edit: actor.may(Resource::Org, Action::Update, path),
            add_child: self.archived_at.is_none() && actor.may(Resource::Org, Action::Create, path),
            archive: actor.may(Resource::Org, Action::Archive, path),
        }
    }
}

/// Who may read an organization: judged against the organization itself (`POLICY`),
/// written over `o`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Org,
    orgs: &[OrgOf::Column("o.id")],
    also: None,
    reached: None,
};

/// Creates an organization under `input.parent_id` (or at the top, for admins).
pub async fn create(db: &Db, actor: &Actor, input: &OrgInput) -> Result<Org> {
    insert(db, Some(actor), input).await
}

/// Creates an organization for the system itself (first start), with no actor.
pub(crate) async fn create_unchecked(db: &Db, input: &OrgInput) -> Result<Org> {
    insert(db, None, input).await
}

async fn insert(db: &Db, actor: Option<&Actor>, input: &OrgInput) -> Result<Org> {
    let mut tx = db.write().await?;
    let f = parse(&mut tx, input).await?;
    if let Some(actor) = actor {
        access::authorize(
            actor,
            Resource::Org,
            Action::Create,
            f.parent.as_ref().map(|p| p.path.as_str()),
        )?;
        // A new organization is on its parent's side unless an administrator says
        // otherwise: choosing the side would choose what its people see.
        if let Some(parent) = &f.parent
            && parent.side_id != f.side_id
            && !may_change_side(actor)
        {
            return Err(Error::field("side", "side_of_parent"));
        }
    }
    let now = crate::now();
    let id: OrgId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into org (name, short_name, kind, level, side_id, region_code, country_code,
                parent_id, path, address, phone, notes, city, founded_on, members_count, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $10, $11, $12, $13, $14, $15, $15) returning id",
        )
        .bind(&f.name)
        .bind(&f.short_name)
        .bind(f.kind.as_str())
        .bind(f.level.as_str())
        .bind(f.side_id)
        .bind(&f.region_code)
        .bind(&f.country_code)
        .bind(f.parent.as_ref().map(|p| p.id))
        .bind(&f.address)
        .bind(&f.phone)
        .bind(&f.notes)
        .bind(&f.city)
        .bind(f.founded_on)
        .bind(f.members_count)
        .bind(now)
        .fetch_one(c)
        .await
        .map_err(|e| duplicate_name(e.into()))?
    });
    let path = format!(
        "{}{id}/",
        f.parent.as_ref().map_or("/", |p| p.path.as_str())
    );
    on!(&mut tx, |c| {
        sqlx::query("update org set path = $1 where id = $2")
            .bind(&path)
            .bind(id)
            .execute(c)
            .await?;
    });
    crate::search::refresh(&mut tx, crate::search::Kind::Org, id.0).await?;
    let org = get_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
    tx.commit().await?;
    tracing::info!(org = %id, by = actor.map_or("system", |a| a.login.as_str()), "organization created");
    Ok(org)
}

/// Whether the actor may move an organization to another side. The side decides what
/// everyone in the organization sees (the national side sees every record), so only
/// administrators change it, never an organization itself or those above it.
pub fn may_change_side(actor: &Actor) -> bool {
    actor.role == crate::account::Role::Admin
}

/// What other areas derive from organization paths and sides, kept in step inside the
/// write that moves an organization in the tree or changes its side (see
/// `kinds::OrgFollows`). The kernel knows no area, so every caller of [`update`] names it.
pub trait Follows: Send {
    /// Before `org` (as it stands) moves or changes side (`side_changes`).
    fn before<'a>(
        &'a mut self,
        tx: &'a mut Tx,
        org: &'a Org,
        side_changes: bool,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;
    /// After it did; `moved` when its path changed.
    fn after<'a>(
        &'a mut self,
        tx: &'a mut Tx,
        org: OrgId,
        moved: bool,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;
}

/// Saves an edit made on `input.version`; moves the subtree if the parent changed.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: OrgId,
    input: &OrgInput,
    follows: &mut dyn Follows,
) -> Result<Org> {
    let mut tx = db.write().await?;
    let old = get_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
    access::authorize(actor, Resource::Org, Action::Update, Some(&old.path))?;
    let Some(version) = input.version else {
        return Err(Error::field("version", "required"));
    };
    let f = parse(&mut tx, input).await?;
    if let Some(p) = &f.parent
        && p.path.starts_with(&old.path)
    {
        return Err(Error::field("parent_id", "parent_cycle"));
    }
    if f.parent.as_ref().map(|p| p.id) != old.parent_id {
        // Moving also needs the right to create under the new parent.
        access::authorize(
            actor,
            Resource::Org,
            Action::Create,
            f.parent.as_ref().map(|p| p.path.as_str()),
        )?;
    }
    if f.side_id != old.side_id && !may_change_side(actor) {
        return Err(Error::field("side", "side_change_not_allowed"));
    }
    crate::db::claim(&mut tx, "org", id.0, version).await?;
    let follow = f.parent.as_ref().map(|p| p.id) != old.parent_id || f.side_id != old.side_id;
    if follow {
        follows
            .before(&mut tx, &old, f.side_id != old.side_id)
            .await?;
    }
    on!(&mut tx, |c| {
        sqlx::query(
            "update org set name = $1, short_name = $2, kind = $3, level = $4, side_id = $5,
                region_code = $6, country_code = $7, parent_id = $8, address = $9, phone = $10,
                notes = $11, city = $12, founded_on = $13, members_count = $14
             where id = $15",
        )
        .bind(&f.name)
        .bind(&f.short_name)
        .bind(f.kind.as_str())
        .bind(f.level.as_str())
        .bind(f.side_id)
        .bind(&f.region_code)
        .bind(&f.country_code)
        .bind(f.parent.as_ref().map(|p| p.id))
        .bind(&f.address)
        .bind(&f.phone)
        .bind(&f.notes)
        .bind(&f.city)
        .bind(f.founded_on)
        .bind(f.members_count)
        .bind(id)
        .execute(c)
        .await
        .map_err(|e| duplicate_name(e.into()))?;
    });
    let new_path = format!(
        "{}{id}/",
        f.parent.as_ref().map_or("/", |p| p.path.as_str())
    );
    // Reach cannot be widened from inside: the organization stays within what the
    // actor may edit after the move, as it was before.
    if !actor.may(Resource::Org, Action::Update, Some(&new_path)) {
        return Err(Error::field("parent_id", "move_out_of_reach"));
    }
    if new_path != old.path {
        on!(&mut tx, |c| {
            sqlx::query(
                "update org set path = $1 || substr(path, cast($2 as integer)) where path like $3",
            )
            .bind(&new_path)
            .bind(i64::try_from(old.path.len() + 1).unwrap_or(i64::MAX))
            .bind(format!("{}%", old.path))
            .execute(c)
            .await?;
        });
    }
    if follow {
        follows.after(&mut tx, id, new_path != old.path).await?;
    }
    crate::search::refresh(&mut tx, crate::search::Kind::Org, id.0).await?;
    let org = get_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
    // Side and parent decide who sees what: their changes go into the audit trail.
    let mut moved = Vec::new();
    if org.side_id != old.side_id {
        moved.push(format!("side: {} → {}", old.side_code, org.side_code));
    }
    if org.parent_id != old.parent_id {
        let name = |n: &Option<String>| n.clone().unwrap_or_else(|| "—".into());
        moved.push(format!(
            "parent: {} → {}",
            name(&old.parent_name),
            name(&org.parent_name)
        ));
    }
    if !moved.is_empty() {
        crate::audit::record(
            &mut tx,
            actor,
            crate::audit::AuditAction::Update,
            "org",
            id.0,
            &moved.join(", "),
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(org = %id, by = %actor.login, "organization updated");
    Ok(org)
}

/// Archives (never deletes) an organization that has no active children.
pub async fn archive(db: &Db, actor: &Actor, id: OrgId) -> Result<Org> {
    set_archived(db, actor, id, true).await
}

pub async fn restore(db: &Db, actor: &Actor, id: OrgId) -> Result<Org> {
    set_archived(db, actor, id, false).await
}

async fn set_archived(db: &Db, actor: &Actor, id: OrgId, archive: bool) -> Result<Org> {
    let mut tx = db.write().await?;
    let org = get_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
    access::authorize(actor, Resource::Org, Action::Archive, Some(&org.path))?;
    if archive {
        let children: i64 = on!(&mut tx, |c| {
            sqlx::query_scalar(
                "select count(*) from org where parent_id = $1 and archived_at is null",
            )
            .bind(id)
            .fetch_one(c)
            .await?
        });
        if children > 0 {
            return Err(Error::field("archived", "has_active_children"));
        }
        let users: i64 = on!(&mut tx, |c| {
            sqlx::query_scalar("select count(*) from account where org_id = $1 and active")
                .bind(id)
                .fetch_one(c)
                .await?
        });
        if users > 0 {
            return Err(Error::field("archived", "has_active_users"));
        }
    } else if let Some(parent) = org.parent_id {
        let parent = get_in(&mut tx, parent).await?.ok_or(Error::NotFound)?;
        if parent.archived_at.is_some() {
            return Err(Error::field("archived", "parent_archived"));
        }
    }
    let at = archive.then(crate::now);
    on!(&mut tx, |c| {
        sqlx::query(
            "update org set archived_at = $1, updated_at = $2, version = version + 1 where id = $3",
        )
        .bind(at)
        .bind(crate::now())
        .bind(id)
        .execute(c)
        .await
        .map_err(|e| duplicate_name(e.into()))?;
    });
    crate::search::refresh(&mut tx, crate::search::Kind::Org, id.0).await?;
    let org = get_in(&mut tx, id).await?.ok_or(Error::NotFound)?;
    tx.commit().await?;
    tracing::info!(org = %id, by = %actor.login, archive, "organization archive state changed");
    Ok(org)
}

const SELECT: &str = "select o.id, o.name, o.short_name, o.kind, o.level, o.side_id, s.code as side_code,
    s.name_zh as side_name_zh, s.name_en as side_name_en, o.region_code,
    r.name as region_name, o.country_code, c.name_zh as country_name_zh,
    c.name_en as country_name_en, o.parent_id, p.name as parent_name, o.path,
    o.address, o.phone, o.notes, o.city, o.founded_on, o.members_count, o.archived_at, o.version, o.created_at, o.updated_at";

const FROM: &str = "from org o join side s on s.id = o.side_id
    left join region r on r.code = o.region_code left join country c on c.alpha2 = o.country_code
    left join org p on p.id = o.parent_id";

/// `select … from …` of every organization query; a `where` follows.
fn select() -> Sql {
    Sql::new(&format!("{SELECT} {FROM} where "))
}

pub(crate) async fn get_in(tx: &mut Tx, id: OrgId) -> Result<Option<Org>> {
    let mut q = select();
    q.push("o.id = ").bind(id.0);
    q.optional(tx).await
}

/// One organization; every signed-in user may read the directory of organizations.
pub async fn get(db: &Db, actor: &Actor, id: OrgId) -> Result<Org> {
    let mut q = select();
    q.push("o.id = ").bind(id.0).and(&READ.sql(actor));
    q.optional(&mut db.read().await?)
        .await?
        .ok_or(Error::NotFound)
}

/// Filters of the organization list; all optional.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct OrgFilter {
    /// Kind, e.g. `federation`.
    pub kind: Option<String>,
    /// Side code, e.g. `cq`.
    pub side: Option<String>,
    /// Level, e.g. `county`.
    pub level: Option<String>,
    /// Country or region (ISO 3166-1 alpha-2), e.g. `TH`.
    pub country: Option<String>,
    /// Only this organization and everything below it.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub under: Option<i64>,
    /// Only the direct children of this organization.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub parent: Option<i64>,
    /// Only top-level organizations (those without a parent).
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<bool>)]
    pub top: Option<bool>,
    /// Text in the name, short name, address or city.
    pub q: Option<String>,
    /// Include archived organizations.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<bool>)]
    pub archived: Option<bool>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl OrgFilter {
    /// The read rule and every filter, checked, as one condition over `o` and `s`.
    async fn condition(&self, tx: &mut Tx, actor: &Actor) -> Result<Sql> {
        let mut check = Check::default();
        let mut w = READ.sql(actor);
        if let Some(k) = blank(&self.kind)
            && let Some(k) = check.take("kind", OrgKind::parse(k))
        {
            w.push(" and o.kind = ").bind(k.as_str());
        }
        if let Some(l) = blank(&self.level)
            && let Some(l) = check.take("level", OrgLevel::parse(l))
        {
            w.push(" and o.level = ").bind(l.as_str());
        }
        if let Some(s) = blank(&self.side) {
            w.push(" and s.code = ").bind(s);
        }
        if let Some(c) = blank(&self.country)
            && let Some(c) = check
                .take("country", reference::parse_country_code(c))
                .flatten()
        {
            w.push(" and o.country_code = ").bind(c);
        }
        if let Some(under) = self.under {
            match path_of(tx, OrgId(under)).await? {
                Some(path) => {
                    w.push(" and o.path like ").bind(format!("{path}%"));
                }
                None => check.add("under", "unknown_org"),
            }
        }
        if let Some(parent) = self.parent {
            w.push(" and o.parent_id = ").bind(parent);
        }
        if self.top == Some(true) {
            w.push(" and o.parent_id is null");
        }
        if let Some(q) = blank(&self.q) {
            let q: String = q.chars().take(100).collect();
            let pattern = format!("%{}%", escape_like(&q));
            w.push(" and (");
            for (i, col) in ["name", "short_name", "address", "city"].iter().enumerate() {
                if i > 0 {
                    w.push(" or ");
                }
                w.push(&format!("o.{col} like "))
                    .bind(pattern.as_str())
                    .push(" escape '\\'");
            }
            w.push(")");
        }
        if self.archived != Some(true) {
            w.push(" and o.archived_at is null");
        }
        check.finish()?;
        Ok(w)
    }
}

/// Escapes LIKE wildcards so a typed `%` or `_` matches itself.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A page of organizations, ordered by side, then level, then region and name.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &OrgFilter,
    page: PageRequest,
) -> Result<Page<Org>> {
    let mut tx = db.read().await?;
    filter
        .condition(&mut tx, actor)
        .await?
        .page(
            &mut tx,
            &format!("{SELECT} {FROM}"),
            "from org o join side s on s.id = o.side_id",
            ORDER,
            page,
        )
        .await
}

/// Side, then level, then region or country, then name: how federations list a tree.
const ORDER: &str = "s.sort_order, case o.level when 'national' then 0 when 'province' then 1
    when 'prefecture' then 2 when 'county' then 3 when 'township' then 4
    when 'community' then 5 else 6 end, coalesce(o.region_code, o.country_code, ''), o.name";

/// Children of `parent` (or the top level) with how many active children each has,
/// for the tree view, which opens one level at a time so it stays fast on big trees.
pub async fn children(db: &Db, actor: &Actor, parent: Option<OrgId>) -> Result<Vec<(Org, i64)>> {
    let mut q = Sql::new(&format!(
        "{SELECT}, (select count(*) from org k where k.parent_id = o.id and k.archived_at is null) as child_count
         {FROM} where o.archived_at is null and "
    ));
    match parent {
        Some(p) => q.push("o.parent_id = ").bind(p.0),
        None => q.push("o.parent_id is null"),
    };
    q.and(&READ.sql(actor)).push(&format!(" order by {ORDER}"));
    let rows: Vec<OrgWithCount> = q.all(&mut db.read().await?).await?;
    Ok(rows.into_iter().map(|r| (r.org, r.child_count)).collect())
}

#[derive(sqlx::FromRow)]
struct OrgWithCount {
    #[sqlx(flatten)]
    org: Org,
    child_count: i64,
}

/// The chain from the top-level organization down to `org`, for breadcrumbs.
pub async fn ancestors(db: &Db, org: &Org) -> Result<Vec<Org>> {
    let ids: Vec<i64> = org
        .path
        .split('/')
        .filter_map(|s| s.parse().ok())
        .filter(|id| *id != org.id.0)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = select();
    q.push("o.id in ")
        .bind_list(ids)
        .push(" order by length(o.path)");
    q.all(&mut db.read().await?).await
}

/// Organization id by exact name (and parent), for the CLI and demo data.
pub async fn find_by_name(db: &Db, name: &str) -> Result<Option<Org>> {
    let mut q = select();
    q.push("o.name = ")
        .bind(name)
        .push(" and o.archived_at is null order by length(o.path) limit 1");
    q.optional(&mut db.read().await?).await
}

/// Path of an organization, for access checks of records that belong to it.
pub async fn path_of(tx: &mut Tx, id: OrgId) -> Result<Option<String>> {
    Ok(on!(tx, |c| {
        sqlx::query_scalar("select path from org where id = $1")
            .bind(id)
            .fetch_optional(c)
            .await?
    }))
}

/// `path%` of an organization's subtree, or a field error on `org` if there is none.
pub async fn subtree_like(
    tx: &mut Tx,
    check: &mut Check,
    org: Option<i64>,
) -> Result<Option<String>> {
    let Some(id) = org else { return Ok(None) };
    match path_of(tx, OrgId(id)).await? {
        Some(p) => Ok(Some(format!("{p}%"))),
        None => {
            check.add("org", "unknown_org");
            Ok(None)
        }
    }
}

/// Active organizations per side, in the sides' order (sides without any included).
pub async fn count_by_side(db: &Db) -> Result<Vec<(side::Side, i64)>> {
    let sides = side::list(db).await?;
    let mut tx = db.read().await?;
    let counts: Vec<(side::SideId, i64)> = on!(&mut tx, |c| {
        sqlx::query_as(
            "select side_id, count(*) from org where archived_at is null group by side_id",
        )
        .fetch_all(c)
        .await?
    });
    Ok(sides
        .into_iter()
        .map(|s| {
            let n = counts
                .iter()
                .find(|(id, _)| *id == s.id)
                .map_or(0, |(_, n)| *n);
            (s, n)
        })
        .collect())
}

/// The level a new sub-organization of `parent` most likely has: that of the regions
/// below the parent's region (a Chongqing district sits right under the municipality),
/// else the next level down.
pub async fn child_level(db: &Db, parent: &Org) -> Result<OrgLevel> {
    if let Some(code) = &parent.region_code
        && let Some(r) = reference::regions(db, Some(code)).await?.first()
    {
        return Ok(match r.level {
            reference::RegionLevel::Province => OrgLevel::Province,
            reference::RegionLevel::Prefecture => OrgLevel::Prefecture,
            reference::RegionLevel::County => OrgLevel::County,
            reference::RegionLevel::Township => OrgLevel::Township,
        });
    }
    Ok(parent.level.below())
}

/// An organization as a record names it: id and name (and its path, for checks).
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct OrgRef {
    pub org_id: OrgId,
    pub name: String,
    #[serde(skip)]
    pub path: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sql_list_of_association_kinds_is_the_rule() {
        for k in OrgKind::ALL {
            assert_eq!(
                ASSOCIATION_KINDS.contains(&format!("'{k}'")),
                k.is_association(),
                "{k}"
            );
        }
    }
}
