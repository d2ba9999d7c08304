//! Merging two records of one person: the survivor takes the chosen fields and the
//! union of both people's contacts, categories, tags and affiliations; every record
//! linked to the other person moves to the survivor; the other is kept, marked merged
//! and hidden. Each merge is recorded with enough to undo it, and both acts are audited.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Fields, Person, PersonId, fields_of, load, normalize, rewrite, write_parts};
use crate::access::{self, Action, Actor, Resource};
use crate::audit::{self, AuditAction};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, Result};
use crate::on;

text_enum!(
    /// Whose value of a field survives a merge: this person's or the other's.
    Choice { Own = "self", Other = "other" }
);

/// The fields whose value is chosen in a merge; the legal basis goes as one
/// (basis, date, scope, source). Contacts, categories, tags and affiliations are united.
pub const MERGE_FIELDS: &[&str] = &[
    "name",
    "foreign_name",
    "gender",
    "residence_country",
    "nationality",
    "origin_region",
    "owner_org_id",
    "sharing",
    "legal_basis",
    "notes",
];

/// Records whose `person_id` moves to the survivor: every link of `PERSON_LINKS` that
/// has one person per record (the exchange link table is merged on its own below).
fn linked() -> impl Iterator<Item = &'static str> {
    super::PERSON_LINKS
        .iter()
        .filter(|l| l.one_per_record)
        .map(|l| l.table)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MergeInput {
    /// The other person, merged into this one.
    pub with: Option<PersonId>,
    /// This person's version as read.
    pub version: Option<i64>,
    /// The other person's version as read.
    pub other_version: Option<i64>,
    /// Field name → `self` or `other`; fields left out keep this person's value.
    #[schema(value_type = BTreeMap<String, String>)]
    pub choose: BTreeMap<String, String>,
}

/// A merge in a survivor's history.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct MergeRecord {
    pub id: i64,
    pub survivor_id: PersonId,
    pub merged_id: PersonId,
    pub merged_name: String,
    pub account_name: String,
    pub created_at: DateTime<Utc>,
    pub undone_at: Option<DateTime<Utc>>,
}

/// The link rows a merge moved, per table, so undoing moves exactly those back.
#[derive(Debug, Default, Deserialize, Serialize)]
struct Links {
    rows: BTreeMap<String, Vec<i64>>,
    /// Exchanges the other person's link moved to the survivor.
    exchanges_moved: Vec<i64>,
    /// Exchanges both took part in: the other's link was dropped.
    exchanges_dropped: Vec<i64>,
}

/// The survivor's fields: this person's, or the other's where chosen; parts united,
/// the same contact (by normalized value) or affiliation kept once.
fn merged_fields(own: &Person, other: &Person, take: &[&str]) -> Fields {
    let mut f = fields_of(own);
    let o = fields_of(other);
    for field in take {
        match *field {
            "name" => f.name.clone_from(&o.name),
            "foreign_name" => f.foreign_name.clone_from(&o.foreign_name),
            "gender" => f.gender = o.gender,
            "residence_country" => f.residence_country.clone_from(&o.residence_country),
            "nationality" => f.nationality.clone_from(&o.nationality),
            "origin_region" => f.origin_region.clone_from(&o.origin_region),
            "owner_org_id" => {
                f.owner = o.owner;
                f.owner_path.clone_from(&o.owner_path);
            }
            "sharing" => f.sharing = o.sharing,
            "legal_basis" => {
                f.legal_basis = o.legal_basis;
                f.basis_on = o.basis_on;
                f.basis_scope.clone_from(&o.basis_scope);
                f.basis_source.clone_from(&o.basis_source);
            }
            "notes" => f.notes.clone_from(&o.notes),
            _ => {}
        }
    }
    for c in o.categories {
        if !f.categories.contains(&c) {
            f.categories.push(c);
        }
    }
    for t in o.tags {
        if !f.tags.contains(&t) {
            f.tags.push(t);
        }
    }
    for (kind, value) in o.contacts {
        let key = normalize(kind, &value);
        if !f
            .contacts
            .iter()
            .any(|(k, v)| *k == kind && normalize(*k, v) == key)
        {
            f.contacts.push((kind, value));
        }
    }
    for a in o.affiliations {
        let same = |b: &super::Affiliation| {
            b.org_id == a.org_id
                && crate::text::fold_name(&b.org_name) == crate::text::fold_name(&a.org_name)
                && b.position == a.position
                && b.from_on == a.from_on
                && b.to_on == a.to_on
        };
        if !f.affiliations.iter().any(same) {
            f.affiliations.push(a);
        }
    }
    f
}

/// Both people, checked for a merge: visible, editable by the actor, neither erased
/// nor merged already.
async fn pair(
    tx: &mut Tx,
    actor: &Actor,
    id: PersonId,
    other: PersonId,
) -> Result<(Person, Person)> {
    let own = load(tx, actor, id).await?;
    let other = match load(tx, actor, other).await {
        Err(Error::NotFound) => return Err(Error::field("with", "unknown_person")),
        r => r?,
    };
    for p in [&own, &other] {
        access::authorize(
            actor,
            Resource::Person,
            Action::Update,
            Some(&p.owner_org_path),
        )?;
    }
    for p in [&own, &other] {
        if p.erased_at.is_some() {
            return Err(Error::field("with", "erased"));
        }
        if p.merged_into.is_some() {
            return Err(Error::field("with", "merged"));
        }
    }
    Ok((own, other))
}

/// The fields where two people differ, for the merge screen; the same check as
/// `merge`, without writing anything.
pub async fn compare(
    db: &Db,
    actor: &Actor,
    id: PersonId,
    other: PersonId,
) -> Result<(Person, Person)> {
    if id == other {
        return Err(Error::field("with", "same_person"));
    }
    let mut tx = db.read().await?;
    let (own, other) = pair(&mut tx, actor, id, other).await?;
    Ok((super::masked(own), super::masked(other)))
}

/// Merges `input.with` into person `id` in one transaction (see the module doc).
pub async fn merge(db: &Db, actor: &Actor, id: PersonId, input: &MergeInput) -> Result<Person> {
    let Some(other_id) = input.with else {
        return Err(Error::field("with", "required"));
    };
    if other_id == id {
        return Err(Error::field("with", "same_person"));
    }
    let mut check = Check::default();
    let mut take = Vec::new();
    for (field, choice) in &input.choose {
        match MERGE_FIELDS.iter().find(|f| **f == field.as_str()) {
            None => check.add("choose", "unknown_value"),
            Some(f) => {
                if check.take("choose", Choice::parse(choice.trim())) == Some(Choice::Other) {
                    take.push(*f);
                }
            }
        }
    }
    check.finish()?;
    let mut tx = db.write().await?;
    let (own, other) = pair(&mut tx, actor, id, other_id).await?;
    if input.version != Some(own.version) {
        return Err(Error::Conflict {
            current_version: own.version,
        });
    }
    if input.other_version != Some(other.version) {
        return Err(Error::Conflict {
            current_version: other.version,
        });
    }
    let f = merged_fields(&own, &other, &take);
    let now = crate::now();
    rewrite(&mut tx, id, &f, own.version).await?;
    // `pair` read the other person inside this write, not merged: claiming its version
    // is what keeps a concurrent merge of the same person out.
    crate::db::claim(&mut tx, "person", other_id.0, other.version).await?;
    let change = super::tally::Change::of(&mut tx, vec![other_id.0]).await?;
    on!(&mut tx, |c| {
        sqlx::query("update person set merged_into = $1, merged_at = $2 where id = $3")
            .bind(id)
            .bind(now)
            .bind(other_id)
            .execute(c)
            .await?;
    });
    change.settle(&mut tx).await?;
    write_parts(&mut tx, id, &f).await?;
    let mut links = Links::default();
    for table in linked() {
        let rows: Vec<i64> = on!(&mut tx, |c| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "select id from {table} where person_id = $1 order by id"
            )))
            .bind(other_id)
            .fetch_all(c)
            .await?
        });
        on!(&mut tx, |c| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "update {table} set person_id = $1 where person_id = $2"
            )))
            .bind(id)
            .bind(other_id)
            .execute(c)
            .await?;
        });
        links.rows.insert(table.to_owned(), rows);
    }
    let exchanges: Vec<(i64, bool)> = on!(&mut tx, |c| {
        sqlx::query_as(
            "select x.exchange_id, exists (select 1 from exchange_person y where y.exchange_id = x.exchange_id and y.person_id = $2)
             from exchange_person x where x.person_id = $1 order by x.exchange_id",
        )
        .bind(other_id)
        .bind(id)
        .fetch_all(c)
        .await?
    });
    for (exchange, both) in exchanges {
        if both {
            links.exchanges_dropped.push(exchange);
        } else {
            links.exchanges_moved.push(exchange);
        }
    }
    on!(&mut tx, |c| {
        sqlx::query(
            "delete from exchange_person where person_id = $1
             and exchange_id in (select exchange_id from exchange_person where person_id = $2)",
        )
        .bind(other_id)
        .bind(id)
        .execute(c)
        .await?;
    });
    on!(&mut tx, |c| {
        sqlx::query("update exchange_person set person_id = $1 where person_id = $2")
            .bind(id)
            .bind(other_id)
            .execute(c)
            .await?;
    });
    let merge_id: i64 = on!(&mut tx, |c| {
        sqlx::query_scalar(
            "insert into person_merge (survivor_id, merged_id, survivor_before, merged_before, links, survivor_version,
                account_id, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
        )
        .bind(id)
        .bind(other_id)
        .bind(json(&fields_of(&own))?)
        .bind(json(&fields_of(&other))?)
        .bind(json(&links)?)
        .bind(own.version + 1)
        .bind(actor.account_id)
        .bind(now)
        .fetch_one(c)
        .await?
    });
    let detail = format!("merge #{merge_id}: #{other_id} into #{id}");
    finish(tx, actor, AuditAction::Merge, (id, other_id), &detail).await
}

/// The end of a merge or its undo: both people audited and their search documents
/// rewritten in the same transaction, then the survivor as the actor reads it.
async fn finish(
    mut tx: Tx,
    actor: &Actor,
    action: AuditAction,
    (id, other_id): (PersonId, PersonId),
    detail: &str,
) -> Result<Person> {
    for person in [id, other_id] {
        audit::record(&mut tx, actor, action, "person", person.0, detail).await?;
        crate::search::refresh(&mut tx, crate::search::Kind::Person, person.0).await?;
    }
    let survivor = super::masked(load(&mut tx, actor, id).await?);
    tx.commit().await?;
    Ok(survivor)
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Other(e.to_string()))
}

/// What a merge kept to undo itself.
#[derive(sqlx::FromRow)]
struct Kept {
    merged_id: PersonId,
    survivor_before: String,
    links: String,
    survivor_version: i64,
    undone_at: Option<DateTime<Utc>>,
}

/// Undoes a merge into person `id`: both people as they were, the moved links back.
/// Refused when the survivor was edited since (`edited_since`) or it was undone.
pub async fn undo_merge(db: &Db, actor: &Actor, id: PersonId, merge_id: i64) -> Result<Person> {
    let mut tx = db.write().await?;
    let own = load(&mut tx, actor, id).await?;
    let row: Option<Kept> = on!(&mut tx, |c| {
        sqlx::query_as(
            "select merged_id, survivor_before, links, survivor_version, undone_at from person_merge
             where id = $1 and survivor_id = $2",
        )
        .bind(merge_id)
        .bind(id)
        .fetch_optional(c)
        .await?
    });
    let Some(Kept {
        merged_id: other_id,
        survivor_before: before,
        links,
        survivor_version: version,
        undone_at,
    }) = row
    else {
        return Err(Error::NotFound);
    };
    let other = load(&mut tx, actor, other_id).await?;
    for p in [&own, &other] {
        access::authorize(
            actor,
            Resource::Person,
            Action::Update,
            Some(&p.owner_org_path),
        )?;
    }
    if undone_at.is_some() || other.merged_into != Some(id) {
        return Err(Error::field("merge", "already_undone"));
    }
    if own.version != version {
        return Err(Error::field("merge", "edited_since"));
    }
    let parsed = serde_json::from_str::<Fields>(&before)
        .and_then(|f| serde_json::from_str::<Links>(&links).map(|l| (f, l)));
    let Ok((f, links)) = parsed else {
        return Err(Error::field("merge", "cannot_undo"));
    };
    let now = crate::now();
    rewrite(&mut tx, id, &f, version)
        .await
        .map_err(|e| match e {
            Error::Conflict { .. } => Error::field("merge", "edited_since"),
            e => e,
        })?;
    write_parts(&mut tx, id, &f).await?;
    let change = super::tally::Change::of(&mut tx, vec![other_id.0]).await?;
    on!(&mut tx, |c| {
        sqlx::query(
            "update person set merged_into = null, merged_at = null, updated_at = $1, version = version + 1 where id = $2",
        )
        .bind(now)
        .bind(other_id)
        .execute(c)
        .await?;
    });
    change.settle(&mut tx).await?;
    for (table, rows) in &links.rows {
        let Some(table) = linked().find(|t| *t == table.as_str()) else {
            continue;
        };
        for row in rows {
            on!(&mut tx, |c| {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "update {table} set person_id = $1 where id = $2 and person_id = $3"
                )))
                .bind(other_id)
                .bind(row)
                .bind(id)
                .execute(c)
                .await?;
            });
        }
    }
    for exchange in &links.exchanges_moved {
        on!(&mut tx, |c| {
            sqlx::query("update exchange_person set person_id = $1 where exchange_id = $2 and person_id = $3")
                .bind(other_id)
                .bind(exchange)
                .bind(id)
                .execute(c)
                .await?;
        });
    }
    for exchange in &links.exchanges_dropped {
        on!(&mut tx, |c| {
            sqlx::query(
                "insert into exchange_person (exchange_id, person_id) values ($1, $2) on conflict do nothing",
            )
            .bind(exchange)
            .bind(other_id)
            .execute(c)
            .await?;
        });
    }
    on!(&mut tx, |c| {
        sqlx::query("update person_merge set undone_at = $1, undone_by = $2 where id = $3")
            .bind(now)
            .bind(actor.account_id)
            .bind(merge_id)
            .execute(c)
            .await?;
    });
    let detail = format!("merge #{merge_id}: #{other_id} out of #{id}");
    finish(tx, actor, AuditAction::UndoMerge, (id, other_id), &detail).await
}

/// The merges into a person the actor may see, newest first.
pub async fn merges(db: &Db, actor: &Actor, id: PersonId) -> Result<Vec<MergeRecord>> {
    let mut tx = db.read().await?;
    load(&mut tx, actor, id).await?;
    Ok(on!(&mut tx, |c| {
        sqlx::query_as(
            "select m.id, m.survivor_id, m.merged_id, p.name as merged_name, a.display_name as account_name,
                m.created_at, m.undone_at
             from person_merge m join person p on p.id = m.merged_id join account a on a.id = m.account_id
             where m.survivor_id = $1 order by m.id desc",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    }))
}
