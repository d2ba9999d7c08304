//! The directory as readers browse it: the list and its filters, an organization's
//! position holders, and the countries people live in.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::*;

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
    /// People owned by an organization of this side (code), e.g. `cq`.
    pub side: Option<String>,
}

/// The people a filter selects, as one condition over `p` (and `o`, the owner, when
/// `count_from` joins it), with the total when the kept figures answer it.
struct Selection {
    condition: Sql,
    count_from: &'static str,
    kept: Option<i64>,
    /// The kept figures by country, when they answer the filter.
    by_country: Option<std::collections::BTreeMap<String, i64>>,
}

async fn select(tx: &mut Tx, actor: &Actor, filter: &PersonFilter) -> Result<Selection> {
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
    let org_like = crate::org::subtree_like(tx, &mut check, filter.org).await?;
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
    // With no filter but the owner, its side and the country, the count is read off
    // the kept figures.
    let by_country = match (&q, &category) {
        (None, None) => {
            let within = tally::Within {
                org_path: org_like.as_deref().map(|l| l.trim_end_matches('%')),
                side,
                country: country.as_deref(),
            };
            tally::by_country(tx, actor, within).await?
        }
        _ => None,
    };
    let kept = by_country.as_ref().map(|m| m.values().sum());
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
    // The count joins the owner only to filter by it: joined for every person of a
    // country, it cost 130 ms where the index alone counts in 4 (docs/BENCHMARKS.md).
    let owner = org_like.is_some() || side.is_some();
    if let Some(o) = org_like {
        w.push(" and o.path like ").bind(o);
    }
    if let Some(v) = side {
        w.push(" and o.side_id = ").bind(v);
    }
    Ok(Selection {
        condition: w,
        count_from: if owner {
            "from person p join org o on o.id = p.owner_org_id"
        } else {
            "from person p"
        },
        kept,
        by_country,
    })
}

/// How many people the list finds for this filter, all pages.
pub async fn count(db: &Db, actor: &Actor, filter: &PersonFilter) -> Result<i64> {
    let mut tx = db.read().await?;
    let sel = select(&mut tx, actor, filter).await?;
    if let Some(n) = sel.kept {
        return Ok(n);
    }
    let mut q = Sql::new(&format!("select count(*) {} where ", sel.count_from));
    q.append(&sel.condition);
    q.scalar(&mut tx).await
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
    let sel = select(&mut tx, actor, filter).await?;
    let w = sel.condition;
    let found: Page<Person> = match sel.kept {
        Some(total) => {
            w.page_of_total(&mut tx, SELECT, "p.pinyin, p.id", page, total)
                .await?
        }
        None => {
            w.page(&mut tx, SELECT, sel.count_from, "p.pinyin, p.id", page)
                .await?
        }
    };
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

/// People of a list living in one country or region (China and no country left out).
#[derive(Clone, Debug, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PeopleCountry {
    pub country_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub people: i64,
}

/// Where the people a filter finds live, most first; its own country filter ignored.
/// With no filter but the owner and its side, read from the kept figures.
pub async fn countries(
    db: &Db,
    actor: &Actor,
    filter: &PersonFilter,
) -> Result<Vec<PeopleCountry>> {
    let mut tx = db.read().await?;
    let all = PersonFilter {
        country: None,
        ..filter.clone()
    };
    let sel = select(&mut tx, actor, &all).await?;
    if let Some(kept) = &sel.by_country {
        let names: Vec<(String, String, String)> =
            Sql::new("select alpha2, name_zh, name_en from country")
                .all(&mut tx)
                .await?;
        let mut out: Vec<PeopleCountry> = names
            .into_iter()
            .filter(|(code, _, _)| code != "CN")
            .filter_map(|(country_code, name_zh, name_en)| {
                let people = kept.get(&country_code).copied().filter(|n| *n > 0)?;
                Some(PeopleCountry {
                    country_code,
                    name_zh,
                    name_en,
                    people,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.people
                .cmp(&a.people)
                .then(a.country_code.cmp(&b.country_code))
        });
        return Ok(out);
    }
    let from = sel
        .count_from
        .strip_prefix("from ")
        .unwrap_or(sel.count_from);
    let mut q = Sql::new(&format!(
        "select p.residence_country as country_code, k.name_zh, k.name_en, count(*) as people
         from {from} join country k on k.alpha2 = p.residence_country
         where p.residence_country <> 'CN' and "
    ));
    q.append(&sel.condition).push(
        " group by p.residence_country, k.name_zh, k.name_en order by count(*) desc, p.residence_country",
    );
    q.all(&mut tx).await
}
