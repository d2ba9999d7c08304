//! How many people each organization owns, by country of residence and sharing level
//! (`person_tally`), and the same per side (`person_side_tally`), kept on write.
//!
//! Who may find a person depends on the reader (their lineage, and the sharing level),
//! so counting a country's people meant judging every one of them: 320 ms for a
//! district coordinator at national scale. The count is now the people owned in the
//! reader's lineage, plus those shared with all and with the reader's side that are
//! owned elsewhere — two small sums over these tables ([`count`]). Writes take the
//! figures of the people they touch before the change ([`Change::of`]) and settle the
//! difference after it; [`check`] recounts both tables.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::access::{self, Action, Actor, Reach, Resource};
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::sql::Sql;

const CHUNK: usize = 500;

/// Owner, owner's side, country (empty when unknown), sharing level.
pub type Key = (i64, i64, String, String);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally(pub BTreeMap<Key, i64>);

impl Tally {
    pub(crate) fn add(&mut self, key: Key, n: i64) {
        *self.0.entry(key).or_default() += n;
    }

    fn merge(&mut self, other: &Tally, sign: i64) {
        for (k, n) in &other.0 {
            *self.0.entry(k.clone()).or_default() += sign * n;
        }
    }
}

/// What the people `ids` (unmerged) count as now, or, with `ids` none, everyone.
async fn counted(tx: &mut Tx, ids: Option<&[i64]>) -> Result<Tally> {
    const SELECT: &str =
        "select p.owner_org_id, o.side_id, coalesce(p.residence_country, ''), p.sharing, count(*)
         from person p join org o on o.id = p.owner_org_id where p.merged_into is null";
    const GROUP: &str =
        " group by p.owner_org_id, o.side_id, coalesce(p.residence_country, ''), p.sharing";
    let mut tally = Tally::default();
    let mut add = |rows: Vec<(i64, i64, String, String, i64)>| {
        for (org, side, country, sharing, n) in rows {
            tally.add((org, side, country, sharing), n);
        }
    };
    match ids {
        None => add(Sql::new(&format!("{SELECT}{GROUP}")).all(tx).await?),
        Some(ids) => {
            for chunk in ids.chunks(CHUNK) {
                let mut q = Sql::new(&format!("{SELECT} and p.id in "));
                q.bind_list(chunk.iter().copied()).push(GROUP);
                add(q.all(tx).await?);
            }
        }
    }
    Ok(tally)
}

/// A write in progress: the figures of its people as they stood before it.
#[must_use = "a change must be settled in the same transaction"]
pub(crate) struct Change {
    ids: Vec<i64>,
    before: Tally,
}

impl Change {
    pub(crate) async fn of(tx: &mut Tx, ids: Vec<i64>) -> Result<Change> {
        let before = counted(tx, Some(&ids)).await?;
        Ok(Change { ids, before })
    }

    /// New people, who counted nothing before.
    pub(crate) fn added(ids: Vec<i64>) -> Change {
        Change {
            ids,
            before: Tally::default(),
        }
    }

    /// The people an organization owns: their side is its side.
    pub(crate) async fn of_owner(tx: &mut Tx, org: i64) -> Result<Change> {
        let mut q = Sql::new("select id from person where owner_org_id = ");
        q.bind(org);
        let ids = q.column(tx).await?;
        Change::of(tx, ids).await
    }

    pub(crate) async fn settle(self, tx: &mut Tx) -> Result<()> {
        let mut delta = counted(tx, Some(&self.ids)).await?;
        delta.merge(&self.before, -1);
        apply(tx, &delta).await
    }
}

/// Adds a delta to both tables, each in key order (no deadlock between writers).
async fn apply(tx: &mut Tx, delta: &Tally) -> Result<()> {
    let mut by_org: BTreeMap<(i64, &str, &str), i64> = BTreeMap::new();
    let mut by_side: BTreeMap<(i64, &str, &str), i64> = BTreeMap::new();
    for ((org, side, country, sharing), n) in &delta.0 {
        *by_org.entry((*org, country, sharing)).or_default() += n;
        *by_side.entry((*side, country, sharing)).or_default() += n;
    }
    for (table, key, rows) in [
        ("person_tally", "org_id", by_org),
        ("person_side_tally", "side_id", by_side),
    ] {
        let rows: Vec<_> = rows.into_iter().filter(|(_, n)| *n != 0).collect();
        for part in rows.chunks(4_000) {
            let mut q = Sql::new(&format!(
                "insert into {table} ({key}, country, sharing, n) values "
            ));
            for (i, ((id, country, sharing), n)) in part.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" })
                    .bind(*id)
                    .push(", ")
                    .bind(*country)
                    .push(", ")
                    .bind(*sharing)
                    .push(", ")
                    .bind(*n)
                    .push(")");
            }
            q.push(&format!(
                " on conflict ({key}, country, sharing) do update set n = {table}.n + excluded.n"
            ));
            q.execute(tx).await?;
        }
    }
    Ok(())
}

/// Which people a count covers: owned in an organization's subtree (its path) or by
/// organizations of a side (either, both or neither), of one country or all.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Within<'a> {
    pub org_path: Option<&'a str>,
    pub side: Option<i64>,
    pub country: Option<&'a str>,
}

impl Within<'_> {
    /// Narrows rows `t` of `person_tally` joined with their owner `o`.
    fn narrow(&self, q: &mut Sql) {
        if let Some(p) = self.org_path {
            q.push(" and o.path like ").bind(format!("{p}%"));
        }
        if let Some(s) = self.side {
            q.push(" and o.side_id = ").bind(s);
        }
        if let Some(c) = self.country {
            q.push(" and t.country = ").bind(c);
        }
    }
}

/// How many unmerged people the reader may find among those `within` covers, by
/// country of residence ('' when unknown) — the list's total with no filter of its own,
/// and its countries — or none when the reader's rule is not one these tables answer
/// (then the list counts its rows).
pub(crate) async fn by_country(
    tx: &mut Tx,
    actor: &Actor,
    within: Within<'_>,
) -> Result<Option<BTreeMap<String, i64>>> {
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    let sees_all = super::READ.sql(actor) == Sql::truth(true);
    if !sees_all && access::reach(actor.role, Resource::Person, Action::Read) != Reach::LINEAGE {
        return Ok(None);
    }
    if sees_all && within.org_path.is_none() {
        // Everyone of a side, or everyone: the side table's few rows.
        let mut q = Sql::new(
            "select t.country, cast(sum(t.n) as bigint) from person_side_tally t where 1 = 1",
        );
        if let Some(v) = within.side {
            q.push(" and t.side_id = ").bind(v);
        }
        if let Some(c) = within.country {
            q.push(" and t.country = ").bind(c);
        }
        q.push(" group by t.country");
        out.extend(q.all::<(String, i64)>(tx).await?);
        return Ok(Some(out));
    }
    let side: i64 = {
        let mut q = Sql::new("select side_id from org where id = ");
        q.bind(actor.org_id.0);
        q.scalar(tx).await?
    };
    let mut above: Vec<i64> = crate::task::reach::path_ids(&actor.org_path).collect();
    above.pop();
    // Shared beyond the lineage: with all, or with the reader's side.
    let mut shared = Sql::new("(t.sharing = 'all' or (t.sharing = 'own_side' and o.side_id = ");
    shared.bind(side).push("))");
    if within.org_path.is_some() {
        // One subtree: its owners' rows, each judged as the read rule judges its people.
        let mut q = Sql::new(
            "select t.country, cast(sum(t.n) as bigint) from person_tally t join org o on o.id = t.org_id
             where 1 = 1",
        );
        within.narrow(&mut q);
        if !sees_all {
            q.push(" and (o.path like ")
                .bind(format!("{}%", actor.org_path))
                .push(" or o.id in ")
                .bind_list(above)
                .push(" or ")
                .append(&shared)
                .push(")");
        }
        q.push(" group by t.country");
        out.extend(q.all::<(String, i64)>(tx).await?);
        return Ok(Some(out));
    }
    // Owned in the lineage (subtree and above), whatever the sharing, less those shared
    // with all or the reader's side; then all those shared, from the side table.
    let mut q = Sql::new("select t.country, cast(sum(case when ");
    q.append(&shared).push(
        " then 0 else t.n end) as bigint) from person_tally t join org o on o.id = t.org_id
         where (o.path like ",
    );
    q.bind(format!("{}%", actor.org_path))
        .push(" or o.id in ")
        .bind_list(above)
        .push(")");
    within.narrow(&mut q);
    q.push(" group by t.country");
    out.extend(q.all::<(String, i64)>(tx).await?);
    let mut q = Sql::new(
        "select t.country, cast(sum(t.n) as bigint) from person_side_tally t
         where (t.sharing = 'all' or (t.sharing = 'own_side' and t.side_id = ",
    );
    q.bind(side).push("))");
    if let Some(v) = within.side {
        q.push(" and t.side_id = ").bind(v);
    }
    if let Some(c) = within.country {
        q.push(" and t.country = ").bind(c);
    }
    q.push(" group by t.country");
    for (country, n) in q.all::<(String, i64)>(tx).await? {
        *out.entry(country).or_default() += n;
    }
    Ok(Some(out))
}

/// Marks that both tables hold every person; the generator writes it too.
pub(crate) const BUILT: &str = "person_tally";

/// Fills both tables from the people when they have never been built.
pub async fn build(db: &Db) -> Result<u64> {
    let Some(mut tx) = crate::db::to_build(db, BUILT).await? else {
        return Ok(0);
    };
    Sql::new("delete from person_tally")
        .execute(&mut tx)
        .await?;
    Sql::new("delete from person_side_tally")
        .execute(&mut tx)
        .await?;
    let tally = counted(&mut tx, None).await?;
    apply(&mut tx, &tally).await?;
    crate::db::mark_built(&mut tx, BUILT).await?;
    tx.commit().await?;
    Ok(tally.0.len() as u64)
}

/// Rows whose stored count differs from the recount: table, key, stored, recounted.
pub type Differences = Vec<(&'static str, (i64, String, String), i64, i64)>;

/// Recounts both tables from the people, in one snapshot.
pub async fn check(db: &Db) -> Result<Differences> {
    let mut tx = db.read().await?;
    let want = counted(&mut tx, None).await?;
    let mut out = Vec::new();
    for (table, key) in [("person_tally", "org_id"), ("person_side_tally", "side_id")] {
        let mut recount: BTreeMap<(i64, String, String), i64> = BTreeMap::new();
        for ((org, side, country, sharing), n) in &want.0 {
            let id = if key == "org_id" { *org } else { *side };
            *recount
                .entry((id, country.clone(), sharing.clone()))
                .or_default() += n;
        }
        let stored: Vec<(i64, String, String, i64)> = Sql::new(&format!(
            "select {key}, country, sharing, n from {table} where n <> 0"
        ))
        .all(&mut tx)
        .await?;
        let mut stored: BTreeMap<(i64, String, String), i64> = stored
            .into_iter()
            .map(|(id, c, s, n)| ((id, c, s), n))
            .collect();
        for (k, n) in recount.into_iter().filter(|(_, n)| *n != 0) {
            let have = stored.remove(&k).unwrap_or(0);
            if have != n {
                out.push((table, k, have, n));
            }
        }
        out.extend(stored.into_iter().map(|(k, n)| (table, k, n, 0)));
    }
    out.truncate(100);
    Ok(out)
}
