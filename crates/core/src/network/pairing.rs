//! Pairings (结对): two organizations, usually one per side, at city, district,
//! township or community level. Dormant when no exchange between them for
//! `dormant_months` (default 12); every recorded exchange keeps that date current.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::agreement::{self, AgreementId};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::org::OrgId;
use crate::page::{Page, PageRequest};
use crate::sql::Sql;
use crate::{on, settings, text};

id_type!(PairingId);

text_enum!(
    PairingLevel { City = "city", District = "district", Township = "township", Community = "community" }
);

text_enum!(
    PairingStatus { Active = "active", Dormant = "dormant" }
);

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Pairing {
    pub id: PairingId,
    pub org_a_id: OrgId,
    pub org_a_name: String,
    #[serde(skip)]
    pub org_a_path: String,
    pub org_b_id: OrgId,
    pub org_b_name: String,
    #[serde(skip)]
    pub org_b_path: String,
    #[sqlx(try_from = "String")]
    pub level: PairingLevel,
    pub since: NaiveDate,
    pub agreement_id: Option<AgreementId>,
    pub notes: Option<String>,
    pub last_exchange_on: Option<NaiveDate>,
    pub exchange_count: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    /// Active, or dormant when the last exchange (or the start) is older than the threshold.
    #[sqlx(skip)]
    pub status: Option<PairingStatus>,
}

/// The first day a pairing whose last contact was before it counts as dormant.
pub fn dormant_before(today: NaiveDate) -> NaiveDate {
    today
        .checked_sub_months(Months::new(settings::get().dormant_months))
        .unwrap_or(today)
}

impl Pairing {
    fn settle(mut self, cutoff: NaiveDate) -> Pairing {
        let last = self.last_exchange_on.unwrap_or(self.since).max(self.since);
        self.status = Some(if last < cutoff {
            PairingStatus::Dormant
        } else {
            PairingStatus::Active
        });
        self
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PairingInput {
    pub org_a_id: Option<OrgId>,
    pub org_b_id: Option<OrgId>,
    /// `city`, `district`, `township` or `community`.
    pub level: String,
    /// `YYYY-MM-DD`
    pub since: String,
    pub agreement_id: Option<AgreementId>,
    pub notes: Option<String>,
}

/// Who may read a pairing: judged against the two organizations of a pairing (`POLICY`),
/// written over `p`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Pairing,
    orgs: &[OrgOf::Column("p.org_a_id"), OrgOf::Column("p.org_b_id")],
    also: None,
    reached: None,
};

pub async fn create(db: &Db, actor: &Actor, input: &PairingInput) -> Result<Pairing> {
    let mut tx = db.write().await?;
    let mut check = Check::default();
    let level = check.take("level", PairingLevel::parse(&input.level));
    let since = check.required("since", text::date(&input.since));
    let notes = check
        .take(
            "notes",
            text::optional(&input.notes.clone().unwrap_or_default(), text::LONG),
        )
        .flatten();
    let mut paths = Vec::new();
    for (field, id) in [("org_a_id", input.org_a_id), ("org_b_id", input.org_b_id)] {
        match id {
            None => check.add(field, "required"),
            Some(id) => match crate::org::path_of(&mut tx, id).await? {
                Some(p) => paths.push(p),
                None => check.add(field, "unknown_org"),
            },
        }
    }
    if input.org_a_id.is_some() && input.org_a_id == input.org_b_id {
        check.add("org_b_id", "pairing_with_itself");
    }
    if let Some(a) = input.agreement_id
        && crate::error::unseen(agreement::get_in(&mut tx, actor, a).await)?
    {
        check.add("agreement_id", "unknown_agreement");
    }
    if let (Some(a), Some(b)) = (input.org_a_id, input.org_b_id) {
        let existing: i64 = on!(&mut tx, |c| {
            sqlx::query_scalar(
                "select count(*) from pairing where (org_a_id = $1 and org_b_id = $2) or (org_a_id = $2 and org_b_id = $1)",
            )
            .bind(a)
            .bind(b)
            .fetch_one(c)
            .await?
        });
        if existing > 0 {
            check.add("org_b_id", "pairing_exists");
        }
    }
    check.finish()?;
    access::authorize_any(
        actor,
        Resource::Pairing,
        Action::Create,
        paths.iter().map(String::as_str),
    )?;
    let (Some(level), Some(since), Some(a), Some(b)) =
        (level, since, input.org_a_id, input.org_b_id)
    else {
        return Err(Error::Other(
            "pairing parsed without errors yet incomplete".into(),
        ));
    };
    let now = crate::now();
    // An exchange recorded before the pairing still counts as its last contact.
    let last: Option<NaiveDate> = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "select max(e.happened_on) from exchange e join exchange_to t on t.exchange_id = e.id
             where (e.from_org_id = $1 and t.org_id = $2) or (e.from_org_id = $2 and t.org_id = $1)",
        )
        .bind(a)
        .bind(b)
        .fetch_one(c)
        .await?
    });
    let id: PairingId = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into pairing (org_a_id, org_b_id, level, since, agreement_id, notes, last_exchange_on, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $8) returning id",
        )
        .bind(a)
        .bind(b)
        .bind(level.as_str())
        .bind(since)
        .bind(input.agreement_id)
        .bind(&notes)
        .bind(last)
        .bind(now)
        .fetch_one(c)
        .await?
    });
    tx.commit().await?;
    get(db, actor, id).await
}

const SELECT: &str = "select p.id, p.org_a_id, a.name as org_a_name, a.path as org_a_path, p.org_b_id,
    b.name as org_b_name, b.path as org_b_path, p.level, p.since, p.agreement_id, p.notes, p.last_exchange_on,
    (select count(*) from exchange e join exchange_to t on t.exchange_id = e.id
       where (e.from_org_id = p.org_a_id and t.org_id = p.org_b_id)
          or (e.from_org_id = p.org_b_id and t.org_id = p.org_a_id)
          or e.pairing_id = p.id) as exchange_count,
    p.version, p.created_at
    from pairing p join org a on a.id = p.org_a_id join org b on b.id = p.org_b_id";

/// One pairing, if the actor may read it: the list's rule filtered by id.
pub async fn get(db: &Db, actor: &Actor, id: PairingId) -> Result<Pairing> {
    get_in(&mut db.read().await?, actor, id).await
}

pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: PairingId) -> Result<Pairing> {
    let mut q = Sql::new(&format!("{SELECT} where p.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    let p: Pairing = q.optional(tx).await?.ok_or(Error::NotFound)?;
    Ok(p.settle(dormant_before(settings::today())))
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct PairingFilter {
    /// Pairings with this organization or one below it on either end.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub org: Option<i64>,
    /// With `org`: only pairings whose other end is this organization or one below it
    /// (the pairings between two regions on the battle map).
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub with: Option<i64>,
    /// `active` or `dormant`
    pub status: Option<String>,
    /// `city`, `district`, `township` or `community`
    pub level: Option<String>,
    /// Pairings with an organization of this side (code) on either end.
    pub side: Option<String>,
}

const FROM: &str = "from pairing p join org a on a.id = p.org_a_id join org b on b.id = p.org_b_id";

/// The read rule and every filter of `PairingFilter`, checked, as one condition over
/// [`FROM`].
async fn condition(tx: &mut Tx, actor: &Actor, filter: &PairingFilter) -> Result<Sql> {
    let mut check = Check::default();
    let blank = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let status = blank(&filter.status).and_then(|s| check.take("status", PairingStatus::parse(&s)));
    let level = blank(&filter.level).and_then(|s| check.take("level", PairingLevel::parse(&s)));
    let org_like = crate::org::subtree_like(tx, &mut check, filter.org).await?;
    let with_like = crate::org::subtree_like(tx, &mut check, filter.with).await?;
    if with_like.is_some() && org_like.is_none() {
        check.add("with", "with_needs_org");
    }
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
    let cutoff = dormant_before(settings::today());
    // Last contact: the latest exchange, or the start if none came after it.
    let last = "case when p.last_exchange_on > p.since then p.last_exchange_on else p.since end";
    let mut w = READ.sql(actor);
    match (org_like, with_like) {
        (Some(like), Some(with)) => {
            w.push(" and ((a.path like ")
                .bind(like.as_str())
                .push(" and b.path like ")
                .bind(with.as_str())
                .push(") or (b.path like ")
                .bind(like)
                .push(" and a.path like ")
                .bind(with)
                .push("))");
        }
        (Some(like), None) => {
            w.push(" and (a.path like ")
                .bind(like.as_str())
                .push(" or b.path like ")
                .bind(like)
                .push(")");
        }
        _ => {}
    }
    if let Some(v) = side {
        w.push(" and (a.side_id = ")
            .bind(v)
            .push(" or b.side_id = ")
            .bind(v)
            .push(")");
    }
    if let Some(l) = level {
        w.push(" and p.level = ").bind(l.as_str());
    }
    match status {
        Some(PairingStatus::Active) => {
            w.push(&format!(" and {last} >= ")).bind(cutoff);
        }
        Some(PairingStatus::Dormant) => {
            w.push(&format!(" and {last} < ")).bind(cutoff);
        }
        None => {}
    }
    Ok(w)
}

/// How many pairings the list shows for this filter, all pages.
pub async fn count(db: &Db, actor: &Actor, filter: &PairingFilter) -> Result<i64> {
    let mut tx = db.read().await?;
    let mut q = Sql::new(&format!("select count(*) {FROM} where "));
    q.append(&condition(&mut tx, actor, filter).await?);
    q.scalar(&mut tx).await
}

pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &PairingFilter,
    page: PageRequest,
) -> Result<Page<Pairing>> {
    let mut tx = db.read().await?;
    let w = condition(&mut tx, actor, filter).await?;
    let found: Page<Pairing> = w
        .page(&mut tx, SELECT, FROM, "a.path, b.path", page)
        .await?;
    let cutoff = dormant_before(settings::today());
    Ok(Page {
        items: found.items.into_iter().map(|p| p.settle(cutoff)).collect(),
        ..found
    })
}

/// Records that the two organizations met on `day`, for any pairing between them.
pub(crate) async fn touch(tx: &mut Tx, from: OrgId, to: OrgId, day: NaiveDate) -> Result<()> {
    on!(tx, |c| {
        sqlx::query(
            "update pairing set last_exchange_on = $3
             where ((org_a_id = $1 and org_b_id = $2) or (org_a_id = $2 and org_b_id = $1))
               and (last_exchange_on is null or last_exchange_on < $3)",
        )
        .bind(from)
        .bind(to)
        .bind(day)
        .execute(c)
        .await?;
    });
    Ok(())
}
