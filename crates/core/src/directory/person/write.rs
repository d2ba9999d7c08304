//! Recording and editing people: parsing with the legal basis, the likely duplicates
//! of a record among the people the reader may find, and the audited change itself.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::*;

/// A person's own fields and parts, checked; also what a merge keeps to undo itself.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(super) struct Fields {
    pub(super) name: String,
    pub(super) foreign_name: Option<String>,
    pub(super) gender: Gender,
    pub(super) residence_country: Option<String>,
    pub(super) nationality: Option<String>,
    pub(super) origin_region: Option<String>,
    pub(super) categories: Vec<Category>,
    pub(super) tags: Vec<String>,
    pub(super) contacts: Vec<(ContactKind, String)>,
    pub(super) affiliations: Vec<Affiliation>,
    pub(super) owner: OrgId,
    pub(super) owner_path: String,
    pub(super) sharing: Sharing,
    pub(super) legal_basis: LegalBasis,
    pub(super) basis_on: NaiveDate,
    pub(super) basis_scope: String,
    pub(super) basis_source: String,
    pub(super) notes: Option<String>,
}

pub(super) async fn parse(tx: &mut Tx, input: &PersonInput) -> Result<Fields> {
    let mut check = Check::default();
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    let name = check.take("name", text::required(&input.name, 100));
    let foreign_name = check
        .take(
            "foreign_name",
            text::optional(&opt(&input.foreign_name), 200),
        )
        .flatten();
    let gender = match input.gender.trim() {
        "" => Some(Gender::Unknown),
        g => check.take("gender", Gender::parse(g)),
    };
    let residence_country = check
        .take(
            "residence_country",
            reference::known_country(tx, &opt(&input.residence_country)).await?,
        )
        .flatten();
    let nationality = check
        .take(
            "nationality",
            reference::known_country(tx, &opt(&input.nationality)).await?,
        )
        .flatten();
    let origin_region = check
        .take(
            "origin_region",
            reference::known_region(tx, &opt(&input.origin_region)).await?,
        )
        .flatten();
    let mut categories = Vec::new();
    for c in input.categories.iter().filter(|c| !c.trim().is_empty()) {
        if let Some(c) = check.take("categories", Category::parse(c.trim()))
            && !categories.contains(&c)
        {
            categories.push(c);
        }
    }
    let mut tags: Vec<String> = Vec::new();
    for t in &input.tags {
        if let Some(t) = check.take("tags", text::optional(t, 30)).flatten()
            && !tags.contains(&t)
        {
            tags.push(t);
        }
    }
    let mut contacts = Vec::new();
    for c in input.contacts.iter().filter(|c| !c.value.trim().is_empty()) {
        let Some(kind) = check.take("contacts", ContactKind::parse(c.kind.trim())) else {
            continue;
        };
        let value = match kind {
            ContactKind::Phone => check.take("contacts", text::phone(&c.value)).flatten(),
            ContactKind::Email => check.take("contacts", email(&c.value)),
            ContactKind::Wechat => check.take("contacts", text::required(&c.value, 60)),
            ContactKind::Address => check.take("contacts", text::required(&c.value, 300)),
        };
        if let Some(v) = value {
            contacts.push((kind, v));
        }
    }
    let mut affiliations = Vec::new();
    for a in &input.affiliations {
        let from = check
            .take("affiliations", text::date(&opt(&a.from_on)))
            .flatten();
        let to = check
            .take("affiliations", text::date(&opt(&a.to_on)))
            .flatten();
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            check.add("affiliations", "ends_before_start");
        }
        let org_name = match a.org_id {
            Some(id) => {
                let name: Option<String> = on!(&mut *tx, |c| {
                    sqlx::query_scalar("select name from org where id = $1")
                        .bind(id)
                        .fetch_optional(c)
                        .await?
                });
                if name.is_none() {
                    check.add("affiliations", "unknown_org");
                }
                name
            }
            None => check
                .take("affiliations", text::optional(&a.org_name, 200))
                .flatten(),
        };
        let position = check
            .take("affiliations", text::optional(&opt(&a.position), 100))
            .flatten();
        if let Some(org_name) = org_name {
            affiliations.push(Affiliation {
                org_id: a.org_id,
                org_name,
                position,
                from_on: from,
                to_on: to,
            });
        }
    }
    let owner_path = match input.owner_org_id {
        None => check.take("owner_org_id", Err(FieldError::new("required"))),
        Some(id) => check.take(
            "owner_org_id",
            crate::org::path_of(tx, id)
                .await?
                .ok_or(FieldError::new("unknown_org")),
        ),
    };
    let sharing = check.take("sharing", Sharing::parse(input.sharing.trim()));
    let legal_basis = check.take("legal_basis", LegalBasis::parse(input.legal_basis.trim()));
    let basis_on = check.required("basis_on", text::date(&input.basis_on));
    if basis_on.is_some_and(|d| d > settings::today()) {
        check.add("basis_on", "date_in_future");
    }
    let basis_scope = check.take("basis_scope", text::required(&input.basis_scope, 500));
    let basis_source = check.take("basis_source", text::required(&input.basis_source, 200));
    let notes = check
        .take("notes", text::optional(&opt(&input.notes), text::LONG))
        .flatten();
    check.finish()?;
    match (
        name,
        gender,
        owner_path,
        input.owner_org_id,
        sharing,
        legal_basis,
        basis_on,
        basis_scope,
        basis_source,
    ) {
        (
            Some(name),
            Some(gender),
            Some(owner_path),
            Some(owner),
            Some(sharing),
            Some(legal_basis),
            Some(basis_on),
            Some(basis_scope),
            Some(basis_source),
        ) => Ok(Fields {
            name,
            foreign_name,
            gender,
            residence_country,
            nationality,
            origin_region,
            categories,
            tags,
            contacts,
            affiliations,
            owner,
            owner_path,
            sharing,
            legal_basis,
            basis_on,
            basis_scope,
            basis_source,
            notes,
        }),
        _ => Err(Error::Other(
            "person parsed without errors yet incomplete".into(),
        )),
    }
}

/// Binds a person's own fields as `$1`…`$15`, in the order insert and update name them.
macro_rules! bind_person {
    ($f:expr, $q:expr) => {
        $q.bind(&$f.name)
            .bind(crate::text::fold_name(&$f.name))
            .bind(crate::person::pinyin_of(&$f.name))
            .bind(&$f.foreign_name)
            .bind($f.gender.as_str())
            .bind(&$f.residence_country)
            .bind(&$f.nationality)
            .bind(&$f.origin_region)
            .bind($f.owner)
            .bind($f.sharing.as_str())
            .bind($f.legal_basis.as_str())
            .bind($f.basis_on)
            .bind(&$f.basis_scope)
            .bind(&$f.basis_source)
            .bind(&$f.notes)
    };
}

/// Writes a person's own fields if they are still at `version`; 409 otherwise. Used by
/// an edit, a merge and its undo.
pub(super) async fn rewrite(tx: &mut Tx, id: PersonId, f: &Fields, version: i64) -> Result<()> {
    crate::db::claim(tx, "person", id.0, version).await?;
    let change = super::tally::Change::of(tx, vec![id.0]).await?;
    on!(tx, |c| {
        bind_person!(
                f,
                sqlx::query(
                    "update person set name = $1, name_key = $2, pinyin = $3, foreign_name = $4, gender = $5,
                        residence_country = $6, nationality = $7, origin_region = $8, owner_org_id = $9, sharing = $10,
                        legal_basis = $11, basis_on = $12, basis_scope = $13, basis_source = $14, notes = $15
                     where id = $16",
                )
            )
        .bind(id)
        .execute(c)
        .await?;
    });
    change.settle(tx).await
}

pub(super) async fn write_parts(tx: &mut Tx, id: PersonId, f: &Fields) -> Result<()> {
    for table in [
        "person_category",
        "person_tag",
        "person_contact",
        "person_affiliation",
    ] {
        on!(&mut *tx, |c| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "delete from {table} where person_id = $1"
            )))
            .bind(id)
            .execute(c)
            .await?;
        });
    }
    for cat in &f.categories {
        on!(&mut *tx, |c| {
            sqlx::query("insert into person_category (person_id, category) values ($1, $2)")
                .bind(id)
                .bind(cat.as_str())
                .execute(c)
                .await?;
        });
    }
    for tag in &f.tags {
        on!(&mut *tx, |c| {
            sqlx::query("insert into person_tag (person_id, tag) values ($1, $2)")
                .bind(id)
                .bind(tag)
                .execute(c)
                .await?;
        });
    }
    for (kind, value) in &f.contacts {
        on!(&mut *tx, |c| {
            sqlx::query("insert into person_contact (person_id, kind, value, normalized) values ($1, $2, $3, $4)")
                .bind(id)
                .bind(kind.as_str())
                .bind(value)
                .bind(normalize(*kind, value))
                .execute(c)
                .await?;
        });
    }
    for a in &f.affiliations {
        on!(&mut *tx, |c| {
            sqlx::query(
                "insert into person_affiliation (person_id, org_id, org_name, position, from_on, to_on) values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(a.org_id)
            .bind(&a.org_name)
            .bind(&a.position)
            .bind(a.from_on)
            .bind(a.to_on)
            .execute(c)
            .await?;
        });
    }
    Ok(())
}

/// A person already in the directory who may be the one being recorded, and why.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Duplicate {
    pub id: PersonId,
    pub name: String,
    pub foreign_name: Option<String>,
    pub residence_country: Option<String>,
    /// `same_phone`, `same_email`, `same_name` (also across simplified and traditional
    /// characters, by sound) or `romanized_name`.
    pub reason: String,
}

/// Syllables of a pinyin run together, and the given names before the surname, so
/// `Zhiming Chen` and `Chen Zhiming` both meet `chen zhi ming`.
pub(super) fn romanizations(pinyin: &str) -> Vec<String> {
    let syllables: Vec<&str> = pinyin.split(' ').filter(|s| !s.is_empty()).collect();
    if syllables.len() < 2 {
        return syllables.iter().map(|s| (*s).to_owned()).collect();
    }
    vec![
        syllables.concat(),
        format!("{}{}", syllables[1..].concat(), syllables[0]),
    ]
}

/// A foreign name folded to compare with pinyin: ASCII letters only, lowercase.
pub(super) fn letters(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// People the actor may see who are likely the one described: the same normalized
/// phone or e-mail; the same name by sound (so 陳志明 meets 陈志明) in the same country;
/// a foreign name that spells the name's pinyin.
pub(super) async fn duplicates_of(
    tx: &mut Tx,
    actor: &Actor,
    f: &Fields,
    except: Option<PersonId>,
) -> Result<Vec<Duplicate>> {
    let mut found: Vec<Duplicate> = Vec::new();
    // Each way of matching is one query: the people the reader may find, other than the
    // one edited, with the reason they matched and the condition that makes them match.
    let candidates = |reason: &str, matching: Sql| {
        let mut q = Sql::new("select p.id, p.name, p.foreign_name, p.residence_country, ");
        q.bind(reason)
            .push(" as reason from person p where ")
            .append(&openable(actor));
        if let Some(except) = except {
            q.push(" and p.id <> ").bind(except.0);
        }
        q.and(&matching);
        q
    };
    let contact_of = |kind: ContactKind| -> Vec<String> {
        f.contacts
            .iter()
            .filter(|c| c.0 == kind)
            .map(|c| normalize(kind, &c.1))
            .collect()
    };
    for (kind, reason) in [
        (ContactKind::Phone, "same_phone"),
        (ContactKind::Email, "same_email"),
    ] {
        for value in contact_of(kind) {
            // From the contact's index to the people, not a check of every person.
            let mut m =
                Sql::new("p.id in (select x.person_id from person_contact x where x.kind = ");
            m.bind(kind.as_str())
                .push(" and x.normalized = ")
                .bind(value)
                .push(")");
            found.extend(candidates(reason, m).all::<Duplicate>(tx).await?);
        }
    }
    let sound = pinyin_of(&f.name).replace(' ', "");
    let mut m = Sql::new("replace(p.pinyin, ' ', '') = ");
    m.bind(sound);
    if let Some(country) = &f.residence_country {
        m.push(" and (p.residence_country is null or p.residence_country = ")
            .bind(country.as_str())
            .push(")");
    }
    found.extend(candidates("same_name", m).all::<Duplicate>(tx).await?);
    // A foreign name written in pinyin, either way round, against the names on file;
    // and the name's pinyin against the foreign names on file.
    let mut spellings = romanizations(&pinyin_of(&f.name));
    if let Some(foreign) = f
        .foreign_name
        .as_deref()
        .map(letters)
        .filter(|l| l.len() > 3)
    {
        spellings.push(foreign);
    }
    for spelling in spellings.iter().filter(|s| s.len() > 3) {
        let mut m = Sql::new("replace(p.pinyin, ' ', '') = ");
        m.bind(spelling.as_str())
            .push(" or lower(replace(replace(coalesce(p.foreign_name, ''), ' ', ''), '-', '')) = ")
            .bind(spelling.as_str());
        found.extend(candidates("romanized_name", m).all::<Duplicate>(tx).await?);
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|d| seen.insert(d.id));
    Ok(found)
}

/// A person as stored, as the fields an edit would write.
pub(super) fn fields_of(p: &Person) -> Fields {
    Fields {
        name: p.name.clone(),
        foreign_name: p.foreign_name.clone(),
        gender: p.gender,
        residence_country: p.residence_country.clone(),
        nationality: p.nationality.clone(),
        origin_region: p.origin_region.clone(),
        categories: p.categories.clone(),
        tags: p.tags.clone(),
        contacts: p
            .contacts
            .iter()
            .map(|c| (c.kind, c.value.clone()))
            .collect(),
        affiliations: p.affiliations.clone(),
        owner: p.owner_org_id,
        owner_path: p.owner_org_path.clone(),
        sharing: p.sharing,
        legal_basis: p.legal_basis,
        basis_on: p.basis_on,
        basis_scope: p.basis_scope.clone(),
        basis_source: p.basis_source.clone(),
        notes: p.notes.clone(),
    }
}

/// Likely duplicates of a person already recorded, among the people the actor may see.
pub async fn duplicates_of_person(db: &Db, actor: &Actor, id: PersonId) -> Result<Vec<Duplicate>> {
    let mut tx = db.read().await?;
    let p = load(&mut tx, actor, id).await?;
    if p.erased_at.is_some() || p.merged_into.is_some() {
        return Ok(Vec::new());
    }
    duplicates_of(&mut tx, actor, &fields_of(&p), Some(id)).await
}

/// Likely duplicates of what the input describes, among the people the actor may see.
pub async fn duplicates(db: &Db, actor: &Actor, input: &PersonInput) -> Result<Vec<Duplicate>> {
    let mut tx = db.read().await?;
    let f = parse(&mut tx, input).await?;
    duplicates_of(&mut tx, actor, &f, None).await
}

/// Records a person for an organization the actor may record people for. Likely
/// duplicates refuse the record (`duplicates: likely_duplicate`) unless `confirm_new`.
pub async fn create(db: &Db, actor: &Actor, input: &PersonInput) -> Result<Person> {
    let mut tx = db.write().await?;
    let f = parse(&mut tx, input).await?;
    access::authorize(actor, Resource::Person, Action::Create, Some(&f.owner_path))?;
    if !input.confirm_new && !duplicates_of(&mut tx, actor, &f, None).await?.is_empty() {
        return Err(Error::field("duplicates", "likely_duplicate"));
    }
    let id = insert(&mut tx, actor, &f).await?;
    tx.commit().await?;
    get(db, actor, id).await
}

/// Writes a checked, authorized new person with their parts, audited as created.
pub(super) async fn insert(tx: &mut Tx, actor: &Actor, f: &Fields) -> Result<PersonId> {
    let now = crate::now();
    let id: PersonId = on!(&mut *tx, |c| {
        bind_person!(
            f,
            sqlx::query_scalar(
                "insert into person (name, name_key, pinyin, foreign_name, gender, residence_country, nationality,
                    origin_region, owner_org_id, sharing, legal_basis, basis_on, basis_scope, basis_source, notes,
                    created_by, created_at, updated_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) returning id",
            )
        )
        .bind(actor.account_id)
        .bind(now)
        .fetch_one(c)
        .await?
    });
    write_parts(tx, id, f).await?;
    super::tally::Change::added(vec![id.0]).settle(tx).await?;
    audit::record(tx, actor, AuditAction::Create, "person", id.0, &f.name).await?;
    crate::search::refresh(tx, crate::search::Kind::Person, id.0).await?;
    Ok(id)
}

/// Edits a person against the version read; the change is audited field by field.
pub async fn update(db: &Db, actor: &Actor, id: PersonId, input: &PersonInput) -> Result<Person> {
    let mut tx = db.write().await?;
    let old = load(&mut tx, actor, id).await?;
    access::authorize(
        actor,
        Resource::Person,
        Action::Update,
        Some(&old.owner_org_path),
    )?;
    if old.erased_at.is_some() {
        return Err(Error::field("name", "erased"));
    }
    if old.merged_into.is_some() {
        return Err(Error::field("name", "merged"));
    }
    if input.version != Some(old.version) {
        return Err(Error::Conflict {
            current_version: old.version,
        });
    }
    let f = parse(&mut tx, input).await?;
    access::authorize(actor, Resource::Person, Action::Update, Some(&f.owner_path))?;
    rewrite(&mut tx, id, &f, old.version).await?;
    write_parts(&mut tx, id, &f).await?;
    let detail = changes(&old, &f);
    audit::record(&mut tx, actor, AuditAction::Update, "person", id.0, &detail).await?;
    crate::search::refresh(&mut tx, crate::search::Kind::Person, id.0).await?;
    let person = masked(load(&mut tx, actor, id).await?);
    tx.commit().await?;
    Ok(person)
}

/// Which fields an edit changed, by name (values stay out of the trail).
pub(super) fn changes(old: &Person, f: &Fields) -> String {
    let contacts: Vec<(ContactKind, String)> = old
        .contacts
        .iter()
        .map(|c| (c.kind, c.value.clone()))
        .collect();
    let mut names = Vec::new();
    for (name, differs) in [
        ("name", old.name != f.name),
        ("foreign_name", old.foreign_name != f.foreign_name),
        ("gender", old.gender != f.gender),
        (
            "residence_country",
            old.residence_country != f.residence_country,
        ),
        ("nationality", old.nationality != f.nationality),
        ("origin_region", old.origin_region != f.origin_region),
        ("categories", old.categories != f.categories),
        ("tags", old.tags != f.tags),
        ("contacts", contacts != f.contacts),
        (
            "affiliations",
            old.affiliations.len() != f.affiliations.len(),
        ),
        ("owner_org_id", old.owner_org_id != f.owner),
        ("sharing", old.sharing != f.sharing),
        (
            "legal_basis",
            old.legal_basis != f.legal_basis || old.basis_on != f.basis_on,
        ),
        ("notes", old.notes != f.notes),
    ] {
        if differs {
            names.push(name);
        }
    }
    names.join(",")
}
