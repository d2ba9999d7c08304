//! Standing mechanisms among several organizations (alliances, river-basin and
//! platform mechanisms). A mechanism is an organization of kind alliance or mechanism;
//! here are its members and the history of its rotating convenor.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::org::{self, Org, OrgFilter, OrgId, OrgKind};
use crate::page::PageRequest;
use crate::{on, text};

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = MechanismMember)]
pub struct Member {
    pub org_id: OrgId,
    pub name: String,
    pub joined_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Convenor {
    pub org_id: OrgId,
    pub name: String,
    pub from_on: NaiveDate,
    pub to_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Mechanism {
    pub org: Org,
    pub members: Vec<Member>,
    /// Newest first; the first without `to_on` is the current convenor.
    pub convenors: Vec<Convenor>,
}

/// What the actor may do with a mechanism.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = MechanismAllowed)]
pub struct Allowed {
    /// Hand the convenor's role to a member; there must be members to hand it to.
    pub rotate: bool,
}

impl Mechanism {
    pub fn allowed(&self, actor: &Actor) -> Allowed {
        Allowed {
            rotate: !self.members.is_empty()
                && actor.may(Resource::Mechanism, Action::Update, Some(&self.org.path)),
        }
    }

    pub fn convenor(&self) -> Option<&Convenor> {
        self.convenors.iter().find(|c| c.to_on.is_none())
    }
}

fn is_mechanism(o: &Org) -> bool {
    matches!(o.kind, OrgKind::Alliance | OrgKind::Mechanism)
}

/// Who may read a mechanism: judged against the mechanism organization (`POLICY`),
/// written over `o`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Mechanism,
    orgs: &[OrgOf::Column("o.id")],
    also: None,
    reached: None,
};

pub async fn get(db: &Db, actor: &Actor, id: OrgId) -> Result<Mechanism> {
    get_in(&mut db.read().await?, actor, id).await
}

pub(crate) async fn get_in(tx: &mut Tx, actor: &Actor, id: OrgId) -> Result<Mechanism> {
    let org = org::get_in(tx, id).await?.ok_or(Error::NotFound)?;
    access::authorize(actor, Resource::Org, Action::Read, Some(&org.path))?;
    if !is_mechanism(&org) {
        return Err(Error::NotFound);
    }
    let members = on!(tx, |c| {
        sqlx::query_as(
            "select m.org_id, o.name, m.joined_on from mechanism_member m join org o on o.id = m.org_id
             where m.mechanism_id = $1 order by o.path",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    });
    let convenors = on!(tx, |c| {
        sqlx::query_as(
            "select m.org_id, o.name, m.from_on, m.to_on from mechanism_convenor m join org o on o.id = m.org_id
             where m.mechanism_id = $1 order by m.from_on desc, m.id desc",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    });
    Ok(Mechanism {
        org,
        members,
        convenors,
    })
}

/// Every mechanism with its members and convenor.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Mechanism>> {
    let mut out = Vec::new();
    for kind in [OrgKind::Alliance, OrgKind::Mechanism] {
        let f = OrgFilter {
            kind: Some(kind.as_str().to_owned()),
            ..OrgFilter::default()
        };
        for o in org::list(db, actor, &f, PageRequest::new(1, 500))
            .await?
            .items
        {
            out.push(get(db, actor, o.id).await?);
        }
    }
    Ok(out)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MembersInput {
    pub org_ids: Vec<OrgId>,
    /// `YYYY-MM-DD`, for new members.
    pub joined_on: Option<String>,
}

/// Sets the members; those already members keep their joining date.
pub async fn set_members(
    db: &Db,
    actor: &Actor,
    id: OrgId,
    input: &MembersInput,
) -> Result<Mechanism> {
    let mut tx = db.write().await?;
    let m = get_in(&mut tx, actor, id).await?;
    access::authorize(
        actor,
        Resource::Mechanism,
        Action::Update,
        Some(&m.org.path),
    )?;
    let mut check = Check::default();
    let joined = check
        .take(
            "joined_on",
            text::date(input.joined_on.as_deref().unwrap_or("")),
        )
        .flatten();
    for o in &input.org_ids {
        if *o == id {
            check.add("org_ids", "member_of_itself");
        } else if org::path_of(&mut tx, *o).await?.is_none() {
            check.add("org_ids", "unknown_org");
        }
    }
    if let Some(c) = m.convenor()
        && !input.org_ids.contains(&c.org_id)
    {
        check.add("org_ids", "convenor_must_stay");
    }
    check.finish()?;
    on!(&mut tx, |c| {
        sqlx::query("delete from mechanism_member where mechanism_id = $1")
            .bind(id)
            .execute(c)
            .await?;
    });
    let mut ids = input.org_ids.clone();
    ids.sort();
    ids.dedup();
    for o in ids {
        let kept = m
            .members
            .iter()
            .find(|x| x.org_id == o)
            .and_then(|x| x.joined_on);
        on!(&mut tx, |c| {
            sqlx::query("insert into mechanism_member (mechanism_id, org_id, joined_on) values ($1, $2, $3)")
                .bind(id)
                .bind(o)
                .bind(kept.or(joined))
                .execute(c)
                .await?;
        });
    }
    let m = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(m)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ConvenorInput {
    pub org_id: Option<OrgId>,
    /// `YYYY-MM-DD`: the day the rotation takes effect.
    pub from_on: String,
}

/// Hands the convenorship to a member from a date; the previous term ends the day before.
pub async fn rotate_convenor(
    db: &Db,
    actor: &Actor,
    id: OrgId,
    input: &ConvenorInput,
) -> Result<Mechanism> {
    let mut tx = db.write().await?;
    let m = get_in(&mut tx, actor, id).await?;
    access::authorize(
        actor,
        Resource::Mechanism,
        Action::Update,
        Some(&m.org.path),
    )?;
    let mut check = Check::default();
    let from = check.required("from_on", text::date(&input.from_on));
    match input.org_id {
        None => check.add("org_id", "required"),
        Some(o) if !m.members.iter().any(|x| x.org_id == o) => {
            check.add("org_id", "convenor_not_member")
        }
        Some(_) => {}
    }
    if let (Some(c), Some(from)) = (m.convenor(), from)
        && from <= c.from_on
    {
        check.add("from_on", "before_current_term");
    }
    check.finish()?;
    let (Some(org), Some(from)) = (input.org_id, from) else {
        return Err(Error::Other(
            "convenor parsed without errors yet incomplete".into(),
        ));
    };
    on!(&mut tx, |c| {
        sqlx::query(
            "update mechanism_convenor set to_on = $1 where mechanism_id = $2 and to_on is null",
        )
        .bind(from - Duration::days(1))
        .bind(id)
        .execute(c)
        .await?;
    });
    on!(&mut tx, |c| {
        sqlx::query(
            "insert into mechanism_convenor (mechanism_id, org_id, from_on) values ($1, $2, $3)",
        )
        .bind(id)
        .bind(org)
        .bind(from)
        .execute(c)
        .await?;
    });
    let m = get_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(m)
}
