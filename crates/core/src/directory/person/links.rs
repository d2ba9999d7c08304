//! Records that name people: the one list of tables that link to them, showing a
//! linked person only to readers who may open them, and checking a link as it is made.

use super::*;

/// A table that links records to people of the directory, and what it copied from
/// them. The one list that merging (relinks), erasure (blanks the copies) and the
/// timeline (reads the history) go by; a new kind that names people is added here.
pub struct PersonLink {
    pub table: &'static str,
    /// Columns holding a copy of the person's name.
    pub name: Option<&'static str>,
    /// A column holding a copy of their birth date.
    pub born_on: Option<&'static str>,
    /// The search documents that show the copied name.
    pub search: Option<crate::search::Kind>,
    /// Whether a record has one person (`person_id` on the record itself), or is a
    /// pure link table keyed by (record, person), where a merge must not double rows.
    pub one_per_record: bool,
}

pub const PERSON_LINKS: &[PersonLink] = &[
    PersonLink {
        table: "event_participant",
        name: Some("name"),
        born_on: Some("born_on"),
        search: None,
        one_per_record: true,
    },
    PersonLink {
        table: "talent",
        name: Some("name"),
        born_on: None,
        search: None,
        one_per_record: true,
    },
    PersonLink {
        table: "donation",
        name: Some("donor_name"),
        born_on: None,
        search: None,
        one_per_record: true,
    },
    PersonLink {
        table: "project",
        name: Some("investor_name"),
        born_on: None,
        search: Some(crate::search::Kind::Project),
        one_per_record: true,
    },
    PersonLink {
        table: "exchange_person",
        name: None,
        born_on: None,
        search: None,
        one_per_record: false,
    },
];

/// A record that may name a person of the directory and keep a copy of their name
/// (a talent, a project's investor, a donor, a register line).
pub trait NamesPerson {
    fn person(&self) -> Option<PersonId>;
    /// Removes the person from the record as shown: their id, the copy of their name,
    /// and anything else copied from them; marks the record withheld.
    fn withhold(&mut self);
}

/// Shows the people records name only to a reader who may open them; every other
/// record is shown without its person. One query for the whole page.
pub async fn withhold<T: NamesPerson>(tx: &mut Tx, actor: &Actor, items: &mut [T]) -> Result<()> {
    let open = openable_among(tx, actor, items.iter().filter_map(|i| i.person())).await?;
    for item in items {
        if item.person().is_some_and(|p| !open.contains(&p)) {
            item.withhold();
        }
    }
    Ok(())
}

/// Of these people, the ones the actor may open; one query.
pub async fn openable_among(
    tx: &mut Tx,
    actor: &Actor,
    people: impl IntoIterator<Item = PersonId>,
) -> Result<std::collections::HashSet<PersonId>> {
    let ids: Vec<i64> = people.into_iter().map(|p| p.0).collect();
    if ids.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let mut q = Sql::new("select p.id from person p where p.id in ");
    q.bind_list(ids).and(&openable(actor));
    Ok(q.column::<i64>(tx)
        .await?
        .into_iter()
        .map(PersonId)
        .collect())
}

/// A person a record may be linked to (a participant, a talent, a donor, an investor,
/// someone on an exchange), with what the record may take from them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Linked {
    pub id: PersonId,
    pub name: String,
    pub residence_country: Option<String>,
}

/// Checks the person a record is linked to: one the actor may see, neither erased nor
/// merged. Anything else is the field error `unknown_person`, the same for a hidden
/// person as for one that does not exist, so a link reveals nobody.
pub async fn linkable(
    tx: &mut Tx,
    actor: &Actor,
    check: &mut Check,
    field: &'static str,
    id: Option<PersonId>,
) -> Result<Option<Linked>> {
    let Some(id) = id else { return Ok(None) };
    let mut q = Sql::new("select p.id, p.name, p.residence_country from person p where p.id = ");
    q.bind(id.0).and(&openable(actor));
    let found: Option<Linked> = q.optional(tx).await?;
    if found.is_none() {
        check.add(field, "unknown_person");
    }
    Ok(found)
}

/// The country code a record takes from its linked person's residence when left blank.
pub fn linked_country(typed: &str, linked: Option<&Linked>) -> String {
    match linked.and_then(|p| p.residence_country.as_deref()) {
        Some(c) if typed.trim().is_empty() => c.to_owned(),
        _ => typed.to_owned(),
    }
}

/// The text a record takes from its linked person when its own is left blank.
pub fn or_linked(typed: &str, linked: Option<&Linked>) -> String {
    match linked {
        Some(p) if typed.trim().is_empty() => p.name.clone(),
        _ => typed.to_owned(),
    }
}
