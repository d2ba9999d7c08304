//! The shared directory of people: overseas leaders, business people, experts, media,
//! returnees and relatives. Each person has an owner organization, a sharing level that
//! decides who else may find them, and a recorded legal basis (PIPL). Phones, e-mail,
//! WeChat and addresses are masked unless the reader may see them; unmasking, export,
//! every change and erasure go to the audit trail.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::access::{self, Action, Actor, OrgOf, ReadRule, Resource};
use crate::audit::{self, AuditAction};
use crate::db::{Db, Tx};
use crate::error::{Check, Error, FieldError, Result};
use crate::org::{ASSOCIATION_KINDS, OrgId};
use crate::page::{Page, PageRequest};
use crate::sql::Sql;
use crate::{on, reference, settings, text};

pub use import::{
    ImportBasis, ImportReport, ImportRow, Imported, Pick, RowCheck, check as check_import, import,
    may_import, rows_of as import_rows, template as import_template,
};
pub use merge::{
    Choice, MERGE_FIELDS, MergeInput, MergeRecord, compare, merge, merges, undo_merge,
};

id_type!(PersonId);

text_enum!(Gender { Male = "male", Female = "female", Unknown = "unknown" });

text_enum!(
    /// Who besides the owner organization (its subtree and those above it) may find a person.
    Sharing { OwnOrg = "own_org", OwnSide = "own_side", All = "all" }
);

text_enum!(
    /// The legal basis for holding someone's data (PIPL art. 13).
    LegalBasis {
        Consent = "consent",
        Contract = "contract",
        LegalDuty = "legal_duty",
        PublicInterest = "public_interest",
        Published = "published",
    }
);

text_enum!(
    Category {
        OverseasLeader = "overseas_leader",
        Businessperson = "businessperson",
        Expert = "expert",
        Returnee = "returnee",
        Relative = "relative",
        Youth = "youth",
        Media = "media",
        Lawyer = "lawyer",
        Official = "official",
    }
);

text_enum!(ContactKind { Phone = "phone", Email = "email", Wechat = "wechat", Address = "address" });

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Contact {
    #[sqlx(try_from = "String")]
    pub kind: ContactKind,
    /// Masked (`138****5678`) unless the reader may see contact details.
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Affiliation {
    pub org_id: Option<OrgId>,
    pub org_name: String,
    pub position: Option<String>,
    pub from_on: Option<NaiveDate>,
    pub to_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Person {
    pub id: PersonId,
    pub name: String,
    /// Derived from the name: `chen zhi ming`.
    pub pinyin: String,
    pub foreign_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub gender: Gender,
    pub residence_country: Option<String>,
    pub residence_country_zh: Option<String>,
    pub residence_country_en: Option<String>,
    pub nationality: Option<String>,
    pub nationality_zh: Option<String>,
    pub nationality_en: Option<String>,
    pub origin_region: Option<String>,
    pub origin_region_name: Option<String>,
    pub owner_org_id: OrgId,
    pub owner_org_name: String,
    #[serde(skip)]
    pub owner_org_path: String,
    #[sqlx(try_from = "String")]
    pub sharing: Sharing,
    #[sqlx(try_from = "String")]
    pub legal_basis: LegalBasis,
    pub basis_on: NaiveDate,
    pub basis_scope: String,
    pub basis_source: String,
    pub notes: Option<String>,
    pub erased_at: Option<DateTime<Utc>>,
    /// Set when this record was merged into another one: the survivor.
    pub merged_into: Option<PersonId>,
    pub merged_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    #[sqlx(skip)]
    pub categories: Vec<Category>,
    #[sqlx(skip)]
    pub tags: Vec<String>,
    #[sqlx(skip)]
    pub contacts: Vec<Contact>,
    /// Whether `contacts` are masked for this reader.
    #[sqlx(skip)]
    pub masked: bool,
    #[sqlx(skip)]
    pub affiliations: Vec<Affiliation>,
}

/// What the actor may do with a person's record, for showing only what works.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
#[schema(as = PersonAllowed)]
pub struct Allowed {
    /// See contact details unmasked (audited), and the record's audit trail.
    pub reveal: bool,
    /// Edit the record and merge duplicates into it.
    pub edit: bool,
    /// Export the whole record (a data request; audited).
    pub export: bool,
    /// Erase the person on request.
    pub erase: bool,
}

impl Person {
    pub fn allowed(&self, actor: &Actor) -> Allowed {
        let owner = Some(self.owner_org_path.as_str());
        let live = self.erased_at.is_none() && self.merged_into.is_none();
        let reveal = live && actor.may(Resource::Contact, Action::Read, owner);
        Allowed {
            reveal,
            edit: reveal && actor.may(Resource::Person, Action::Update, owner),
            export: actor.may(Resource::Contact, Action::Report, owner),
            erase: live && actor.may(Resource::Person, Action::Archive, owner),
        }
    }
}

impl Person {
    /// The country of residence in the reader's language.
    pub fn residence_country_name(&self, en: bool) -> Option<&str> {
        if en {
            self.residence_country_en.as_deref()
        } else {
            self.residence_country_zh.as_deref()
        }
    }

    /// The nationality in the reader's language.
    pub fn nationality_name(&self, en: bool) -> Option<&str> {
        if en {
            self.nationality_en.as_deref()
        } else {
            self.nationality_zh.as_deref()
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ContactInput {
    /// `phone`, `email`, `wechat` or `address`.
    pub kind: String,
    pub value: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AffiliationInput {
    /// An organization in the directory, or only its name.
    pub org_id: Option<OrgId>,
    pub org_name: String,
    pub position: Option<String>,
    /// `YYYY-MM-DD`
    pub from_on: Option<String>,
    pub to_on: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PersonInput {
    pub name: String,
    pub foreign_name: Option<String>,
    /// `male`, `female` or `unknown` (default).
    pub gender: String,
    /// ISO 3166-1 alpha-2.
    pub residence_country: Option<String>,
    pub nationality: Option<String>,
    /// GB/T 2260 code of the ancestral home (籍贯).
    pub origin_region: Option<String>,
    /// `overseas_leader`, `businessperson`, `expert`, …
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub contacts: Vec<ContactInput>,
    pub affiliations: Vec<AffiliationInput>,
    pub owner_org_id: Option<OrgId>,
    /// `own_org`, `own_side` or `all`.
    pub sharing: String,
    /// `consent`, `contract`, `legal_duty`, `public_interest` or `published`.
    pub legal_basis: String,
    /// `YYYY-MM-DD` the consent was given or the basis recorded.
    pub basis_on: String,
    /// What the data may be used for.
    pub basis_scope: String,
    /// Where it came from: a signed form, a meeting, a public source…
    pub basis_source: String,
    pub notes: Option<String>,
    /// The version read, when editing.
    pub version: Option<i64>,
    /// Save even though likely duplicates were flagged: the user checked they are
    /// different people.
    pub confirm_new: bool,
}

pub use crate::text::pinyin_of;

/// An e-mail address: one `@`, a dot in the domain, no spaces.
pub fn email(s: &str) -> std::result::Result<String, FieldError> {
    let t = s.trim();
    let ok = t.len() <= 254
        && t.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !t.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(t.to_owned())
    } else {
        Err(FieldError::new("bad_email"))
    }
}

/// The form of a contact used to find the same one twice.
pub fn normalize(kind: ContactKind, value: &str) -> String {
    match kind {
        ContactKind::Phone => {
            let digits: String = value.chars().filter(char::is_ascii_digit).collect();
            // +86 138… and 138… are one mainland number.
            match digits.strip_prefix("86") {
                Some(rest) if rest.len() == 11 && value.trim_start().starts_with('+') => {
                    rest.to_owned()
                }
                _ => digits,
            }
        }
        ContactKind::Email | ContactKind::Wechat => value.trim().to_lowercase(),
        ContactKind::Address => value.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// A contact as shown to a reader without the right to see it: enough to recognise.
pub fn mask(kind: ContactKind, value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let keep = |head: usize, tail: usize| -> String {
        if chars.len() <= head + tail {
            return "*".repeat(chars.len().max(4));
        }
        let mut s: String = chars[..head].iter().collect();
        s.push_str("****");
        s.extend(&chars[chars.len() - tail..]);
        s
    };
    match kind {
        ContactKind::Phone => {
            let digits =
                |s: &str| -> Vec<char> { s.chars().filter(char::is_ascii_digit).collect() };
            let t = value.trim();
            // An international number shows its country code; a mainland one its
            // first three digits, as 138****5678.
            let (prefix, national) = match t.strip_prefix('+') {
                Some(rest) => {
                    let cc: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let national = digits(&rest[cc.len()..]);
                    if cc == "86" || (cc.starts_with("86") && national.is_empty()) {
                        (
                            String::new(),
                            digits(rest.strip_prefix("86").unwrap_or(rest)),
                        )
                    } else {
                        (format!("+{cc} "), national)
                    }
                }
                None => (String::new(), digits(t)),
            };
            if national.len() < 7 {
                return format!("{prefix}****");
            }
            let tail: String = national[national.len() - 4..].iter().collect();
            let head: String = if prefix.is_empty() {
                national[..3].iter().collect()
            } else {
                String::new()
            };
            format!("{prefix}{head}****{tail}")
        }
        ContactKind::Email => match value.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => keep(1, 0),
        },
        ContactKind::Wechat => keep(2, 0),
        ContactKind::Address => keep(6.min(chars.len() / 2), 0),
    }
}

/// A person's own fields and parts, checked; also what a merge keeps to undo itself.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct Fields {
    name: String,
    foreign_name: Option<String>,
    gender: Gender,
    residence_country: Option<String>,
    nationality: Option<String>,
    origin_region: Option<String>,
    categories: Vec<Category>,
    tags: Vec<String>,
    contacts: Vec<(ContactKind, String)>,
    affiliations: Vec<Affiliation>,
    owner: OrgId,
    owner_path: String,
    sharing: Sharing,
    legal_basis: LegalBasis,
    basis_on: NaiveDate,
    basis_scope: String,
    basis_source: String,
    notes: Option<String>,
}

async fn parse(tx: &mut Tx, input: &PersonInput) -> Result<Fields> {
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
async fn rewrite(tx: &mut Tx, id: PersonId, f: &Fields, version: i64) -> Result<()> {
    crate::db::claim(tx, "person", id.0, version).await?;
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
    Ok(())
}

async fn write_parts(tx: &mut Tx, id: PersonId, f: &Fields) -> Result<()> {
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
fn romanizations(pinyin: &str) -> Vec<String> {
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
fn letters(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// People the actor may see who are likely the one described: the same normalized
/// phone or e-mail; the same name by sound (so 陳志明 meets 陈志明) in the same country;
/// a foreign name that spells the name's pinyin.
async fn duplicates_of(
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
            let mut m = Sql::new(
                "exists (select 1 from person_contact x where x.person_id = p.id and x.kind = ",
            );
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
fn fields_of(p: &Person) -> Fields {
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
async fn insert(tx: &mut Tx, actor: &Actor, f: &Fields) -> Result<PersonId> {
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
fn changes(old: &Person, f: &Fields) -> String {
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

const SELECT: &str = "select p.id, p.name, p.pinyin, p.foreign_name, p.gender, p.residence_country, k.name_zh as residence_country_zh,
    k.name_en as residence_country_en, p.nationality, n.name_zh as nationality_zh, n.name_en as nationality_en, p.origin_region, r.name as origin_region_name, p.owner_org_id, o.name as owner_org_name,
    o.path as owner_org_path, p.sharing, p.legal_basis, p.basis_on, p.basis_scope, p.basis_source, p.notes, p.erased_at,
    p.merged_into, p.merged_at, p.version, p.created_at
    from person p join org o on o.id = p.owner_org_id left join country k on k.alpha2 = p.residence_country
    left join country n on n.alpha2 = p.nationality left join region r on r.code = p.origin_region";

/// Who may find a person: the owner, those below and above it and the national level
/// always (`POLICY`); the owner's side when shared with it; everyone when shared with
/// all. Written over `p`.
pub const READ: ReadRule = ReadRule {
    resource: Resource::Person,
    orgs: &[OrgOf::Column("p.owner_org_id")],
    also: Some(shared),
};

/// The people their sharing level opens to the reader beyond the policy.
fn shared(actor: &Actor) -> Sql {
    let mut q = Sql::new(
        "p.sharing = 'all' or (p.sharing = 'own_side' and exists (select 1 from org so
         where so.id = p.owner_org_id and so.side_id = (select side_id from org where id = ",
    );
    q.bind(actor.org_id.0).push(")))");
    q
}

/// The people a record may name to the reader: those they may find, neither erased nor
/// merged. Written over `p`.
pub fn openable(actor: &Actor) -> Sql {
    let mut q = Sql::new("p.erased_at is null and p.merged_into is null");
    q.and(&READ.sql(actor));
    q
}

pub(crate) async fn load(tx: &mut Tx, actor: &Actor, id: PersonId) -> Result<Person> {
    let mut q = Sql::new(&format!("{SELECT} where p.id = "));
    q.bind(id.0).and(&READ.sql(actor));
    let mut p: Person = q.optional(tx).await?.ok_or(Error::NotFound)?;
    let cats: Vec<String> = on!(&mut *tx, |c| {
        sqlx::query_scalar(
            "select category from person_category where person_id = $1 order by category",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    });
    p.categories = cats
        .iter()
        .filter_map(|c| Category::parse(c).ok())
        .collect();
    p.categories
        .sort_by_key(|c| Category::ALL.iter().position(|x| x == c));
    p.tags = on!(&mut *tx, |c| {
        sqlx::query_scalar("select tag from person_tag where person_id = $1 order by tag")
            .bind(id)
            .fetch_all(c)
            .await?
    });
    p.contacts = on!(&mut *tx, |c| {
        sqlx::query_as("select kind, value from person_contact where person_id = $1 order by id")
            .bind(id)
            .fetch_all(c)
            .await?
    });
    p.affiliations = on!(&mut *tx, |c| {
        sqlx::query_as(
            "select org_id, org_name, position, from_on, to_on from person_affiliation where person_id = $1
             order by coalesce(to_on, '9999-12-31') desc, id",
        )
        .bind(id)
        .fetch_all(c)
        .await?
    });
    Ok(p)
}

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
    let ids: Vec<i64> = items
        .iter()
        .filter_map(|i| i.person())
        .map(|p| p.0)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new("select p.id from person p where p.id in ");
    q.bind_list(ids).and(&openable(actor));
    let open: std::collections::HashSet<i64> = q.column::<i64>(tx).await?.into_iter().collect();
    for item in items {
        if item.person().is_some_and(|p| !open.contains(&p.0)) {
            item.withhold();
        }
    }
    Ok(())
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

fn masked(mut p: Person) -> Person {
    for c in &mut p.contacts {
        c.value = mask(c.kind, &c.value);
    }
    p.masked = true;
    p
}

async fn get_unmasked(db: &Db, actor: &Actor, id: PersonId) -> Result<Person> {
    let mut tx = db.read().await?;
    load(&mut tx, actor, id).await
}

/// A person as the reader may see them, contact details masked. Anyone the person is
/// not shared with gets `NotFound`, so their existence does not leak.
pub async fn get(db: &Db, actor: &Actor, id: PersonId) -> Result<Person> {
    Ok(masked(get_unmasked(db, actor, id).await?))
}

/// A person with contact details in the clear, for a reader with that right; audited.
pub async fn reveal(db: &Db, actor: &Actor, id: PersonId) -> Result<Person> {
    disclose(db, actor, id, Action::Read, AuditAction::ViewContacts).await
}

/// Everything held about a person, in the clear, for their own data request; audited.
pub async fn export(db: &Db, actor: &Actor, id: PersonId) -> Result<Person> {
    disclose(db, actor, id, Action::Report, AuditAction::Export).await
}

/// A person in the clear, if the actor holds `action` on contacts, written down first.
async fn disclose(
    db: &Db,
    actor: &Actor,
    id: PersonId,
    action: Action,
    logged: AuditAction,
) -> Result<Person> {
    let mut tx = db.write().await?;
    let p = load(&mut tx, actor, id).await?;
    access::authorize(actor, Resource::Contact, action, Some(&p.owner_org_path))?;
    audit::record(&mut tx, actor, logged, "person", id.0, "").await?;
    tx.commit().await?;
    Ok(p)
}

/// Erases a person on request: name and details replaced, contacts and notes dropped,
/// the record kept so events, donations and other links still hold; audited.
pub async fn erase(db: &Db, actor: &Actor, id: PersonId) -> Result<Person> {
    let mut tx = db.write().await?;
    let p = load(&mut tx, actor, id).await?;
    access::authorize(
        actor,
        Resource::Person,
        Action::Archive,
        Some(&p.owner_org_path),
    )?;
    if p.erased_at.is_some() {
        return Err(Error::field("name", "erased"));
    }
    let label = format!("已删除 #{}", id.0);
    on!(&mut tx, |c| {
        sqlx::query(
            "update person set name = $1, name_key = $2, pinyin = '', foreign_name = null, gender = 'unknown',
                nationality = null, origin_region = null, notes = null, erased_at = $3, updated_at = $3, version = version + 1
             where id = $4",
        )
        .bind(&label)
        .bind(crate::text::fold_name(&label))
        .bind(crate::now())
        .bind(id)
        .execute(c)
        .await?;
    });
    for table in ["person_tag", "person_contact", "person_affiliation"] {
        on!(&mut tx, |c| {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "delete from {table} where person_id = $1"
            )))
            .bind(id)
            .execute(c)
            .await?;
        });
    }
    // What merges kept to undo themselves holds the person's data too.
    on!(&mut tx, |c| {
        sqlx::query(
            "update person_merge set survivor_before = '{}', merged_before = '{}' where survivor_id = $1 or merged_id = $1",
        )
        .bind(id)
        .execute(c)
        .await?;
    });
    // Records that copied the person's name or birth date keep the record but not
    // the person: the copy becomes the erased label, the birth date goes.
    for link in PERSON_LINKS {
        let mut sets = Vec::new();
        if let Some(name) = link.name {
            sets.push(format!("{name} = $1"));
            if link.table == "event_participant" {
                sets.push("name_key = $3".to_owned());
            }
        }
        if let Some(born) = link.born_on {
            sets.push(format!("{born} = null"));
        }
        if sets.is_empty() {
            continue;
        }
        let changed: Vec<i64> = on!(&mut tx, |c| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "update {} set {} where person_id = $2 returning id",
                link.table,
                sets.join(", ")
            )))
            .bind(&label)
            .bind(id)
            .bind(crate::text::fold_name(&label))
            .fetch_all(c)
            .await?
        });
        if let Some(kind) = link.search {
            for record in changed {
                crate::search::refresh(&mut tx, kind, record).await?;
            }
        }
    }
    audit::record(&mut tx, actor, AuditAction::Erase, "person", id.0, "").await?;
    crate::search::refresh(&mut tx, crate::search::Kind::Person, id.0).await?;
    tx.commit().await?;
    get(db, actor, id).await
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct PersonFilter {
    /// Text in the name, foreign name or pinyin.
    pub q: Option<String>,
    /// Country of residence.
    pub country: Option<String>,
    pub category: Option<String>,
    /// People owned by this organization or one below it.
    #[serde(deserialize_with = "crate::text::blank_as_none")]
    #[param(value_type = Option<i64>)]
    pub org: Option<i64>,
}

/// People the reader may find, by name; contact details are not part of the list.
pub async fn list(
    db: &Db,
    actor: &Actor,
    filter: &PersonFilter,
    page: PageRequest,
) -> Result<Page<Person>> {
    let page = page.clamped();
    let mut tx = db.read().await?;
    let mut check = Check::default();
    let blank = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let q = match blank(&filter.q) {
        Some(q) if q.chars().count() > 100 => {
            check.add("q", "too_long");
            None
        }
        q => q,
    };
    // The name key has no spaces and simplified characters; pinyin and foreign names
    // are matched as typed, and run together.
    let like = |s: &str| format!("%{}%", crate::org::escape_like(s));
    let folded = q.as_deref().map(|q| like(&crate::text::fold_name(q)));
    let q = q.map(|q| like(&crate::text::fold(&q)));
    let country = blank(&filter.country).map(|c| c.to_uppercase());
    let category =
        blank(&filter.category).and_then(|c| check.take("category", Category::parse(&c)));
    let org_like = crate::org::subtree_like(&mut tx, &mut check, filter.org).await?;
    check.finish()?;
    let mut w = READ.sql(actor);
    w.push(" and p.merged_into is null");
    if let (Some(q), Some(folded)) = (q, folded) {
        w.push(" and (p.name_key like ")
            .bind(folded.as_str())
            .push(" escape '\\' or lower(coalesce(p.foreign_name, '')) like ")
            .bind(q.as_str())
            .push(" escape '\\' or p.pinyin like ")
            .bind(q.as_str())
            .push(" escape '\\' or replace(p.pinyin, ' ', '') like ")
            .bind(folded)
            .push(" escape '\\')");
    }
    if let Some(c) = country {
        w.push(" and p.residence_country = ").bind(c);
    }
    if let Some(c) = category {
        w.push(" and exists (select 1 from person_category x where x.person_id = p.id and x.category = ")
            .bind(c.as_str())
            .push(")");
    }
    if let Some(o) = org_like {
        w.push(" and o.path like ").bind(o);
    }
    let found: Page<Person> = w
        .page(
            &mut tx,
            SELECT,
            "from person p join org o on o.id = p.owner_org_id",
            "p.pinyin, p.id",
            page,
        )
        .await?;
    let mut items = found.items;
    let mut q = Sql::new("select person_id, category from person_category where person_id in ");
    q.bind_list(items.iter().map(|p| p.id.0));
    let cats: Vec<(i64, String)> = q.all(&mut tx).await?;
    for p in &mut items {
        p.categories = cats
            .iter()
            .filter(|(id, _)| *id == p.id.0)
            .filter_map(|(_, c)| Category::parse(c).ok())
            .collect();
        p.masked = true;
    }
    Ok(Page { items, ..found })
}

/// Someone who holds or held a position in an organization.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
#[schema(as = PositionHolder)]
pub struct Member {
    pub person_id: PersonId,
    pub name: String,
    pub position: Option<String>,
    pub from_on: Option<NaiveDate>,
    pub to_on: Option<NaiveDate>,
}

/// People the actor may see who hold or held a position in an organization (an
/// association's leaders and their terms), current ones first.
pub async fn members_of(db: &Db, actor: &Actor, org: OrgId) -> Result<Vec<Member>> {
    let mut q = Sql::new(
        "select p.id as person_id, p.name, a.position, a.from_on, a.to_on
         from person_affiliation a join person p on p.id = a.person_id where a.org_id = ",
    );
    q.bind(org.0)
        .and(&openable(actor))
        .push(" order by case when a.to_on is null then 0 else 1 end, a.from_on desc, p.pinyin");
    q.all(&mut db.read().await?).await
}

/// People and associations in one country or region.
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct CountryCoverage {
    pub alpha2: String,
    /// ISO 3166-1 numeric, the key of the map's shapes.
    pub numeric: String,
    pub name_zh: String,
    pub name_en: String,
    /// People the reader may see who live there (erased ones not counted).
    pub people: i64,
    /// Associations there (any association kind; archived ones not counted).
    pub associations: i64,
}

/// Where the federations have at least one person or association.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub countries: Vec<CountryCoverage>,
    /// Countries and regions with anyone, and all of them but China.
    pub covered: i64,
    pub total: i64,
}

impl Coverage {
    /// The share covered, in tenths of a per cent (823 = 82.3%).
    pub fn permille(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            self.covered * 1000 / self.total
        }
    }
}

/// Country coverage as the reader may see it: people they may find, and associations.
pub async fn coverage(db: &Db, actor: &Actor) -> Result<Coverage> {
    let mut tx = db.read().await?;
    let mut q = Sql::new(
        "select k.alpha2, k.numeric, k.name_zh, k.name_en,
            (select count(*) from person p where p.residence_country = k.alpha2 and ",
    );
    q.append(&openable(actor)).push(&format!(
        ") as people,
            (select count(*) from org a where a.kind in {ASSOCIATION_KINDS} and a.country_code = k.alpha2
             and a.archived_at is null) as associations
         from country k where k.alpha2 <> 'CN' order by k.alpha2"
    ));
    let countries: Vec<CountryCoverage> = q.all(&mut tx).await?;
    let total = i64::try_from(countries.len()).unwrap_or(i64::MAX);
    let mut covered: Vec<CountryCoverage> = countries
        .into_iter()
        .filter(|c| c.people + c.associations > 0)
        .collect();
    covered.sort_by(|a, b| {
        (b.people + b.associations)
            .cmp(&(a.people + a.associations))
            .then(a.alpha2.cmp(&b.alpha2))
    });
    Ok(Coverage {
        covered: i64::try_from(covered.len()).unwrap_or(i64::MAX),
        total,
        countries: covered,
    })
}

// After the macros above, which they use.
mod import;
mod merge;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinyin_is_derived_from_the_name() {
        assert_eq!(pinyin_of("陈志明"), "chen zhi ming");
        assert_eq!(pinyin_of("李 Ming"), "li ming");
    }

    #[test]
    fn contacts_are_masked_but_recognisable() {
        assert_eq!(mask(ContactKind::Phone, "13812345678"), "138****5678");
        assert_eq!(mask(ContactKind::Phone, "+86 138 1234 5678"), "138****5678");
        assert_eq!(mask(ContactKind::Phone, "+66 81 234 5678"), "+66 ****5678");
        assert_eq!(mask(ContactKind::Phone, "+8613812345678"), "138****5678");
        assert_eq!(
            mask(ContactKind::Email, "chen@example.org"),
            "c***@example.org"
        );
        assert_eq!(mask(ContactKind::Wechat, "chen_zm"), "ch****");
        assert!(!mask(ContactKind::Address, "Bangkok Sukhumvit Rd 12").contains("Sukhumvit"));
    }

    #[test]
    fn the_same_number_is_found_however_it_is_written() {
        assert_eq!(
            normalize(ContactKind::Phone, "+86 138-1234-5678"),
            normalize(ContactKind::Phone, "13812345678")
        );
        assert_eq!(
            normalize(ContactKind::Email, " Chen@Example.org "),
            "chen@example.org"
        );
    }

    #[test]
    fn e_mail_addresses_are_checked() {
        assert!(email("a@b.co").is_ok());
        for bad in ["a@b", "@b.co", "a b@c.co", "a@@b.co", "a@.co"] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }
}
