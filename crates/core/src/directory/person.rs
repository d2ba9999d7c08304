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
    reached: None,
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

// After the macros above, which they use.
mod import;
mod links;
mod list;
mod merge;
pub mod tally;
mod write;

pub use links::*;
pub use list::*;
pub use write::*;

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
