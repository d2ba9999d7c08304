//! Importing people from a clerk's spreadsheet: columns found by their Chinese or
//! English header, each row checked by the same rules as recording one person and
//! flagged when it likely duplicates someone on file or an earlier row of the file.
//! The owner, sharing and legal basis are chosen once for the whole file, as a PIPL
//! basis belongs to a collection.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{
    AffiliationInput, ContactInput, ContactKind, Duplicate, Fields, PersonId, PersonInput,
    duplicates_of, insert, letters, normalize, parse, pinyin_of, romanizations,
};
use crate::access::{self, Action, Actor, Resource};
use crate::db::{Db, Tx};
use crate::error::{Error, FieldErrors, Result};
use crate::on;
use crate::org::OrgId;

/// What the upload form sets once for every row of the file.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ImportBasis {
    pub owner_org_id: Option<OrgId>,
    /// `own_org`, `own_side` or `all`.
    pub sharing: String,
    /// `consent`, `contract`, `legal_duty`, `public_interest` or `published`.
    pub legal_basis: String,
    /// `YYYY-MM-DD`
    pub basis_on: String,
    pub basis_scope: String,
    pub basis_source: String,
}

/// One row of the file as typed, by column; `line` is the row number in the sheet.
/// Empty cells are left out of its JSON: the preview page carries every row back.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(default)]
pub struct ImportRow {
    pub line: usize,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub foreign_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gender: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub residence_country: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub nationality: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub origin_region: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub categories: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub phone: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub wechat: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub address: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub org: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub position: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tags: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

/// The columns recognised, by the headers a clerk may have written (compared without
/// spaces, case or a trailing `*`); the first is the template's.
const COLUMNS: &[(&str, &[&str])] = &[
    ("name", &["姓名", "name", "中文名", "中文姓名"]),
    (
        "foreign_name",
        &["外文名", "foreignname", "英文名", "englishname", "外文姓名"],
    ),
    ("gender", &["性别", "gender", "sex"]),
    (
        "residence_country",
        &[
            "居住国家",
            "residencecountry",
            "居住国",
            "居住国家或地区",
            "居住国家/地区",
            "country",
            "国家",
        ],
    ),
    ("nationality", &["国籍", "nationality"]),
    (
        "origin_region",
        &[
            "籍贯",
            "origin",
            "originregion",
            "ancestralhome",
            "籍贯代码",
        ],
    ),
    (
        "categories",
        &["类别", "category", "categories", "人员类别"],
    ),
    (
        "phone",
        &["电话", "phone", "手机", "手机号", "联系电话", "mobile"],
    ),
    ("email", &["电子邮箱", "email", "e-mail", "邮箱"]),
    ("wechat", &["微信", "wechat", "微信号"]),
    ("address", &["地址", "address", "联系地址"]),
    (
        "org",
        &["任职单位", "organization", "employer", "工作单位", "单位"],
    ),
    ("position", &["职务", "position", "title"]),
    ("tags", &["标签", "tags"]),
    ("notes", &["备注", "notes", "note", "remarks"]),
];

/// Category names as clerks write them, besides the codes.
const CATEGORY_NAMES: &[(&str, &str, &str)] = &[
    ("overseas_leader", "海外侨领", "overseas leader"),
    ("businessperson", "侨商", "businessperson"),
    ("expert", "专家学者", "expert"),
    ("returnee", "归侨", "returnee"),
    ("relative", "侨眷", "relative of overseas chinese"),
    ("youth", "华裔青年", "youth"),
    ("media", "媒体人士", "media"),
    ("lawyer", "律师", "lawyer"),
    ("official", "政府及机构人员", "official"),
];

/// A row whose notes start with this is the template's example, and skipped.
const EXAMPLE: &str = "示例";

fn header_key(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '\u{feff}')
        .collect::<String>()
        .to_lowercase()
}

/// The rows of a sheet by recognised column; blank rows and the template's example
/// are left out. Also returns the headers not recognised, to show the clerk.
pub fn rows_of(
    header: &[String],
    rows: &[(usize, Vec<String>)],
) -> Result<(Vec<ImportRow>, Vec<String>)> {
    let mut columns: Vec<Option<&'static str>> = Vec::new();
    let mut ignored = Vec::new();
    for h in header {
        let key = header_key(h);
        let column = COLUMNS
            .iter()
            .find(|(_, names)| names.iter().any(|n| header_key(n) == key))
            .map(|(c, _)| *c)
            .filter(|c| !columns.contains(&Some(*c)));
        if column.is_none() && !h.trim().is_empty() {
            ignored.push(h.trim().to_owned());
        }
        columns.push(column);
    }
    if !columns.contains(&Some("name")) {
        return Err(Error::field("file", "no_name_column"));
    }
    let mut out = Vec::new();
    for (line, cells) in rows {
        let mut row = ImportRow {
            line: *line,
            ..ImportRow::default()
        };
        for (column, cell) in columns.iter().zip(cells) {
            let cell = cell.trim().to_owned();
            match column {
                Some("name") => row.name = cell,
                Some("foreign_name") => row.foreign_name = cell,
                Some("gender") => row.gender = cell,
                Some("residence_country") => row.residence_country = cell,
                Some("nationality") => row.nationality = cell,
                Some("origin_region") => row.origin_region = cell,
                Some("categories") => row.categories = cell,
                Some("phone") => row.phone = cell,
                Some("email") => row.email = cell,
                Some("wechat") => row.wechat = cell,
                Some("address") => row.address = cell,
                Some("org") => row.org = cell,
                Some("position") => row.position = cell,
                Some("tags") => row.tags = cell,
                Some("notes") => row.notes = cell,
                _ => {}
            }
        }
        if !row.notes.starts_with(EXAMPLE)
            && row
                != (ImportRow {
                    line: *line,
                    ..ImportRow::default()
                })
        {
            out.push(row);
        }
    }
    Ok((out, ignored))
}

/// The template to fill in: UTF-8 with the BOM Excel needs to read it as such, every
/// column, and one example row (skipped on import).
pub fn template() -> String {
    let header: Vec<&str> = COLUMNS.iter().map(|(_, names)| names[0]).collect();
    format!(
        "\u{feff}{}\r\n陈志明,Chen Zhiming,男,泰国,泰国,500101,侨商、海外侨领,+66 81 234 5678,chen@example.org,chen_zm,曼谷素坤逸路12号,泰国重庆总商会,会长,理事,示例（导入时跳过此行，可删除）\r\n",
        header.join(",")
    )
}

/// Names clerks write for countries whose name in the table is another form of it (the
/// table keeps one short Chinese and one English name each): full and short names,
/// and the English ones of everyday use.
const COUNTRY_ALIASES: &[(&str, &str)] = &[
    ("印度尼西亚", "ID"),
    ("阿拉伯联合酋长国", "AE"),
    ("俄罗斯联邦", "RU"),
    ("大韩民国", "KR"),
    ("南韩", "KR"),
    ("香港", "HK"),
    ("澳门", "MO"),
    ("台湾", "TW"),
    ("美利坚合众国", "US"),
    ("文莱达鲁萨兰国", "BN"),
    ("老挝人民民主共和国", "LA"),
    ("蒙古国", "MN"),
    ("捷克共和国", "CZ"),
    ("usa", "US"),
    ("uk", "GB"),
    ("korea", "KR"),
    ("laos", "LA"),
    ("brunei", "BN"),
    ("syria", "SY"),
];

/// A code, or a name in Chinese or English, from a list of (code, names…).
fn country_code(typed: &str, countries: &[(String, String, String, String)]) -> Option<String> {
    let t = typed.trim();
    if t.is_empty() {
        return None;
    }
    if let Some((_, code)) = COUNTRY_ALIASES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(t))
    {
        return Some((*code).to_owned());
    }
    let found = countries.iter().find(|(a2, a3, zh, en)| {
        a2.eq_ignore_ascii_case(t)
            || a3.eq_ignore_ascii_case(t)
            || zh == t
            || en.eq_ignore_ascii_case(t)
    });
    Some(found.map_or_else(|| t.to_owned(), |c| c.0.clone()))
}

fn split(s: &str) -> Vec<String> {
    s.split([',', '，', '、', ';', '；'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ImportRow {
    /// The row as the input of recording one person, names turned into codes where a
    /// clerk writes names; anything unrecognised is passed on for the rules to refuse.
    fn input(
        &self,
        basis: &ImportBasis,
        countries: &[(String, String, String, String)],
    ) -> PersonInput {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let gender = match self.gender.trim().to_lowercase().as_str() {
            "男" | "m" | "male" => "male".to_owned(),
            "女" | "f" | "female" => "female".to_owned(),
            "" | "未填" | "未知" | "unknown" => "unknown".to_owned(),
            other => other.to_owned(),
        };
        let categories = split(&self.categories)
            .into_iter()
            .map(|c| {
                CATEGORY_NAMES
                    .iter()
                    .find(|(code, zh, en)| *code == c || *zh == c || en.eq_ignore_ascii_case(&c))
                    .map_or(c, |(code, _, _)| (*code).to_owned())
            })
            .collect();
        let mut contacts = Vec::new();
        for (kind, values) in [
            (ContactKind::Phone, split(&self.phone)),
            (ContactKind::Email, split(&self.email)),
            (
                ContactKind::Wechat,
                some(&self.wechat).into_iter().collect(),
            ),
            (
                ContactKind::Address,
                some(&self.address).into_iter().collect(),
            ),
        ] {
            contacts.extend(values.into_iter().map(|value| ContactInput {
                kind: kind.to_string(),
                value,
            }));
        }
        let affiliations = if self.org.is_empty() && self.position.is_empty() {
            Vec::new()
        } else {
            vec![AffiliationInput {
                org_id: None,
                org_name: self.org.clone(),
                position: some(&self.position),
                from_on: None,
                to_on: None,
            }]
        };
        PersonInput {
            name: self.name.clone(),
            foreign_name: some(&self.foreign_name),
            gender,
            residence_country: country_code(&self.residence_country, countries),
            nationality: country_code(&self.nationality, countries),
            origin_region: some(&self.origin_region),
            categories,
            tags: split(&self.tags),
            contacts,
            affiliations,
            owner_org_id: basis.owner_org_id,
            sharing: basis.sharing.clone(),
            legal_basis: basis.legal_basis.clone(),
            basis_on: basis.basis_on.clone(),
            basis_scope: basis.basis_scope.clone(),
            basis_source: basis.basis_source.clone(),
            notes: some(&self.notes),
            version: None,
            confirm_new: false,
        }
    }
}

/// A row as checked: what it is refused for, or whom it likely duplicates.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RowCheck {
    pub line: usize,
    pub name: String,
    /// The country of residence as typed.
    pub residence_country: String,
    /// Field → why it was refused, as in a 422 response; empty when the row is fine.
    #[schema(value_type = Object)]
    pub errors: FieldErrors,
    /// People on file the row likely describes.
    pub duplicates: Vec<Duplicate>,
    /// Earlier rows of the file (by line) that likely describe the same person.
    pub same_as_lines: Vec<usize>,
}

impl RowCheck {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty() && !self.is_duplicate()
    }
    pub fn is_duplicate(&self) -> bool {
        !self.duplicates.is_empty() || !self.same_as_lines.is_empty()
    }
}

/// A person recorded from a row.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub line: usize,
    pub id: PersonId,
    pub name: String,
}

/// Every row as checked, and who was recorded (nobody on a dry run).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub rows: Vec<RowCheck>,
    pub imported: Vec<Imported>,
}

/// Which rows to record.
#[derive(Clone, Debug)]
pub enum Pick {
    /// Exactly these lines, as ticked after the preview: all or nothing, and each must
    /// pass the rules (a duplicate ticked is one the clerk checked).
    Lines(Vec<usize>),
    /// Every row that passes the rules, and duplicates only if confirmed.
    Clean { confirm_duplicates: bool },
}

/// Whether two rows of one file likely describe the same person, by the rules that
/// flag duplicates on file: a phone or e-mail, the name by sound in one country, or a
/// foreign name spelling the other's name.
fn same_person(a: &Fields, b: &Fields) -> bool {
    let contacts = |f: &Fields| -> HashSet<(ContactKind, String)> {
        f.contacts
            .iter()
            .filter(|c| matches!(c.0, ContactKind::Phone | ContactKind::Email))
            .map(|c| (c.0, normalize(c.0, &c.1)))
            .collect()
    };
    if !contacts(a).is_disjoint(&contacts(b)) {
        return true;
    }
    let (pa, pb) = (pinyin_of(&a.name), pinyin_of(&b.name));
    let countries_agree = match (&a.residence_country, &b.residence_country) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    };
    if pa.replace(' ', "") == pb.replace(' ', "") && countries_agree {
        return true;
    }
    let spells = |f: &Fields, pinyin: &str| {
        f.foreign_name
            .as_deref()
            .map(letters)
            .filter(|l| l.len() > 3)
            .is_some_and(|l| romanizations(pinyin).contains(&l))
    };
    spells(a, &pb) || spells(b, &pa)
}

const BASIS_FIELDS: [&str; 6] = [
    "owner_org_id",
    "sharing",
    "legal_basis",
    "basis_on",
    "basis_scope",
    "basis_source",
];

async fn check_in(
    tx: &mut Tx,
    actor: &Actor,
    basis: &ImportBasis,
    rows: &[ImportRow],
) -> Result<Vec<(RowCheck, Option<Fields>)>> {
    if rows.is_empty() {
        return Err(Error::field("file", "empty"));
    }
    // The choices for the whole file first: refused once, not on every row.
    let probe = PersonInput {
        name: "-".into(),
        ..ImportRow::default().input(basis, &[])
    };
    match parse(tx, &probe).await {
        Ok(f) => access::authorize(actor, Resource::Person, Action::Create, Some(&f.owner_path))?,
        Err(Error::Invalid(fields)) => {
            return Err(Error::Invalid(
                fields
                    .into_iter()
                    .filter(|(k, _)| BASIS_FIELDS.contains(k))
                    .collect(),
            ));
        }
        Err(e) => return Err(e),
    }
    let countries: Vec<(String, String, String, String)> = on!(&mut *tx, |c| {
        sqlx::query_as("select alpha2, alpha3, name_zh, name_en from country")
            .fetch_all(c)
            .await?
    });
    let mut out: Vec<(RowCheck, Option<Fields>)> = Vec::new();
    for row in rows {
        let mut check = RowCheck {
            line: row.line,
            name: row.name.clone(),
            residence_country: row.residence_country.clone(),
            errors: FieldErrors::new(),
            duplicates: Vec::new(),
            same_as_lines: Vec::new(),
        };
        let fields = match parse(tx, &row.input(basis, &countries)).await {
            Ok(f) => {
                check.duplicates = duplicates_of(tx, actor, &f, None).await?;
                check.same_as_lines = out
                    .iter()
                    .filter(|(_, g)| g.as_ref().is_some_and(|g| same_person(&f, g)))
                    .map(|(c, _)| c.line)
                    .collect();
                Some(f)
            }
            Err(Error::Invalid(fields)) => {
                check.errors = fields;
                None
            }
            Err(e) => return Err(e),
        };
        out.push((check, fields));
    }
    Ok(out)
}

/// Checks every row of a file for the actor, who must be allowed to record people for
/// the chosen owner; nothing is stored.
pub async fn check(
    db: &Db,
    actor: &Actor,
    basis: &ImportBasis,
    rows: &[ImportRow],
) -> Result<Vec<RowCheck>> {
    let mut tx = db.read().await?;
    Ok(check_in(&mut tx, actor, basis, rows)
        .await?
        .into_iter()
        .map(|(c, _)| c)
        .collect())
}

/// Checks the rows again (the preview is never trusted) and records those picked, in
/// one transaction: each person audited as created, as when recorded one by one.
///
/// The check — every row parsed and compared with the people on file — is a read done
/// before the write begins, so the write lock is held only for the inserts; a file is
/// still recorded whole or not at all, as the preview promises.
pub async fn import(
    db: &Db,
    actor: &Actor,
    basis: &ImportBasis,
    rows: &[ImportRow],
    pick: &Pick,
) -> Result<ImportReport> {
    let checked = check_in(&mut db.read().await?, actor, basis, rows).await?;
    let picked: Vec<&(RowCheck, Option<Fields>)> = match pick {
        Pick::Lines(lines) => {
            let picked: Vec<_> = checked
                .iter()
                .filter(|(c, _)| lines.contains(&c.line))
                .collect();
            if picked.len() != lines.iter().collect::<HashSet<_>>().len() {
                return Err(Error::field("rows", "unknown_row"));
            }
            if picked.iter().any(|(c, _)| !c.errors.is_empty()) {
                return Err(Error::field("rows", "row_invalid"));
            }
            picked
        }
        Pick::Clean { confirm_duplicates } => checked
            .iter()
            .filter(|(c, _)| c.errors.is_empty() && (*confirm_duplicates || !c.is_duplicate()))
            .collect(),
    };
    let mut imported = Vec::new();
    let mut tx = db.write().await?;
    for (c, f) in picked {
        let Some(f) = f else {
            return Err(Error::field("rows", "row_invalid"));
        };
        let id = insert(&mut tx, actor, f).await?;
        imported.push(Imported {
            line: c.line,
            id,
            name: f.name.clone(),
        });
    }
    tx.commit().await?;
    Ok(ImportReport {
        rows: checked.into_iter().map(|(c, _)| c).collect(),
        imported,
    })
}

/// Whether the actor may import people at all: asked before an upload is read, so a
/// reader who could never record anyone does not get a file parsed on their behalf.
pub fn may_import(actor: &Actor) -> Result<()> {
    if access::reach(actor.role, Resource::Person, Action::Create) == access::Reach::NOTHING {
        Err(Error::Forbidden)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn columns_are_found_by_chinese_or_english_headers() {
        let header = strings(&["Name", "居住国家*", "E-mail", "手机", "Shoe size"]);
        let rows = vec![
            (
                2,
                strings(&["陈志明", "泰国", "chen@example.org", "13812345678", "42"]),
            ),
            (3, strings(&["", "", "", "", ""])),
        ];
        let (rows, ignored) = rows_of(&header, &rows).unwrap();
        assert_eq!(ignored, vec!["Shoe size".to_owned()]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].residence_country, "泰国");
        assert_eq!(rows[0].phone, "13812345678");
        assert_eq!(rows[0].email, "chen@example.org");
    }

    #[test]
    fn a_file_without_a_name_column_is_refused() {
        let err = rows_of(&strings(&["电话"]), &[(2, strings(&["138"]))]).unwrap_err();
        assert!(matches!(err, Error::Invalid(f) if f["file"].code == "no_name_column"));
    }

    #[test]
    fn the_template_is_read_back_without_its_example() {
        let t = template();
        assert!(t.starts_with('\u{feff}'));
        let mut lines = t.trim_start_matches('\u{feff}').lines();
        let header: Vec<String> = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect();
        let example: Vec<String> = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_owned)
            .collect();
        assert_eq!(header.len(), example.len());
        let (rows, ignored) = rows_of(&header, &[(2, example)]).unwrap();
        assert!(rows.is_empty() && ignored.is_empty());
    }

    #[test]
    fn names_become_codes_where_clerks_write_names() {
        let countries = vec![(
            "TH".to_owned(),
            "THA".to_owned(),
            "泰国".to_owned(),
            "Thailand".to_owned(),
        )];
        let row = ImportRow {
            name: "陈志明".into(),
            gender: "女".into(),
            residence_country: "thailand".into(),
            nationality: "泰国".into(),
            categories: "侨商、Expert，media".into(),
            phone: "13812345678；+66 81 234 5678".into(),
            ..ImportRow::default()
        };
        let input = row.input(&ImportBasis::default(), &countries);
        assert_eq!(input.gender, "female");
        assert_eq!(input.residence_country.as_deref(), Some("TH"));
        assert_eq!(input.nationality.as_deref(), Some("TH"));
        assert_eq!(
            input.categories,
            strings(&["businessperson", "expert", "media"])
        );
        assert_eq!(input.contacts.len(), 2);
    }

    #[test]
    fn the_full_and_everyday_names_of_a_country_find_it() {
        let countries = vec![(
            "ID".to_owned(),
            "IDN".to_owned(),
            "印尼".to_owned(),
            "Indonesia".to_owned(),
        )];
        for typed in ["印度尼西亚", "印尼", "indonesia", "IDN", " id "] {
            assert_eq!(
                country_code(typed, &countries).as_deref(),
                Some("ID"),
                "{typed}"
            );
        }
        assert_eq!(country_code("USA", &countries).as_deref(), Some("US"));
        assert_eq!(country_code("火星", &countries).as_deref(), Some("火星"));
    }
}
