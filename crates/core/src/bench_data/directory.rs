//! The directory: overseas leaders, businesspeople, experts, returnees and relatives,
//! each owned by a federation with a sharing level and a legal basis, with categories,
//! contacts, affiliations with associations, and the exchanges they took part in.

use chrono::Duration;
use rand::Rng;
use rand::rngs::StdRng;

use super::bulk::Bulk;
use super::{World, day_between, weighted, words, ymd};
use crate::error::Result;
use crate::person::{self, ContactKind};
use crate::{row, text};

const CATEGORIES: &[(&str, u32)] = &[
    ("overseas_leader", 10),
    ("businessperson", 25),
    ("expert", 10),
    ("returnee", 15),
    ("relative", 20),
    ("youth", 10),
    ("media", 4),
    ("lawyer", 3),
    ("official", 3),
];

pub fn name(rng: &mut StdRng) -> String {
    let mut n = words::SURNAMES[rng.random_range(0..words::SURNAMES.len())].to_owned();
    for _ in 0..rng.random_range(1..=2) {
        n.push_str(words::GIVEN[rng.random_range(0..words::GIVEN.len())]);
    }
    n
}

/// A country by the federations' weights, or China for a returnee or relative.
pub fn country(rng: &mut StdRng) -> &'static str {
    weighted(rng, words::COUNTRIES, |c| c.1).0
}

pub async fn load(bulk: &mut Bulk, w: &mut World) -> Result<()> {
    let mut rng = w.rng("person");
    let n = w.counts.people;
    let o = &w.orgs;
    let counties: Vec<&str> = o
        .all
        .iter()
        .filter(|g| g.level == "county" && g.kind == "federation")
        .filter_map(|g| g.region.as_deref())
        .collect();
    let locals: Vec<usize> = o.local.concat();
    struct Parts {
        category: Vec<(i64, &'static str)>,
        tag: Vec<(i64, &'static str)>,
        contact: Vec<(i64, &'static str, String, String)>,
        affiliation: Vec<(i64, Option<i64>, String, &'static str)>,
    }
    let mut parts = Parts {
        category: Vec::with_capacity(n * 5 / 4),
        tag: Vec::new(),
        contact: Vec::with_capacity(n * 3 / 2),
        affiliation: Vec::new(),
    };
    // People by owner, side, country and sharing, as core's person::tally keeps them.
    let mut tally: std::collections::BTreeMap<(i64, i64, &str, &str), i64> =
        std::collections::BTreeMap::new();
    let side_of = |i: usize| {
        w.sides
            .iter()
            .find(|(code, _)| code == o.all[i].side)
            .map_or(0, |(_, id)| *id)
    };
    let rows = (1..=n as i64).map(|id| {
        let name = name(&mut rng);
        let category = weighted(&mut rng, CATEGORIES, |c| c.1).0;
        let abroad = !matches!(category, "returnee" | "relative" | "official");
        let residence = if abroad { country(&mut rng) } else { "CN" };
        let nationality = if abroad && rng.random_bool(0.6) {
            residence
        } else {
            "CN"
        };
        let owner = if locals.is_empty() || rng.random_bool(0.1) {
            o.provinces[rng.random_range(0..2)]
        } else {
            locals[rng.random_range(0..locals.len())]
        };
        let sharing = match rng.random_range(0..10) {
            0..4 => "own_org",
            4..8 => "own_side",
            _ => "all",
        };
        *tally
            .entry((o.id(owner), side_of(owner), residence, sharing))
            .or_default() += 1;
        let basis_on = day_between(&mut rng, ymd(2019, 1, 1), w.today);
        parts.category.push((id, category));
        if rng.random_bool(0.15) {
            let second = weighted(&mut rng, CATEGORIES, |c| c.1).0;
            if second != category {
                parts.category.push((id, second));
            }
        }
        if rng.random_bool(0.2) {
            parts.tag.push((
                id,
                ["侨领", "专家库", "侨青", "重点联系"][rng.random_range(0..4)],
            ));
        }
        if rng.random_bool(0.8) {
            let phone = if residence == "CN" {
                format!(
                    "1{}{:08}",
                    rng.random_range(30..90),
                    rng.random_range(0..100_000_000)
                )
            } else {
                format!(
                    "+{} {:09}",
                    rng.random_range(30..90),
                    rng.random_range(0..1_000_000_000)
                )
            };
            parts.contact.push((
                id,
                "phone",
                person::normalize(ContactKind::Phone, &phone),
                phone,
            ));
        }
        if rng.random_bool(0.35) {
            let wechat = format!("wx{}{}", text::pinyin_of(&name).replace(' ', ""), id % 997);
            parts.contact.push((
                id,
                "wechat",
                person::normalize(ContactKind::Wechat, &wechat),
                wechat,
            ));
        }
        if abroad && !o.overseas.is_empty() && rng.random_bool(0.3) {
            let a = o.overseas[rng.random_range(0..o.overseas.len())];
            let position = ["会长", "副会长", "秘书长", "理事", "会员"][rng.random_range(0..5)];
            parts
                .affiliation
                .push((id, Some(o.id(a)), o.all[a].name.clone(), position));
        }
        let foreign = (abroad && rng.random_bool(0.2))
            .then(|| words::FOREIGN_GIVEN[rng.random_range(0..words::FOREIGN_GIVEN.len())]);
        let at = w.at(basis_on, &mut rng);
        row![
            id,
            name.clone(),
            text::fold_name(&name),
            text::pinyin_of(&name),
            foreign,
            ["male", "female"][rng.random_range(0..2)],
            residence,
            nationality,
            (!counties.is_empty())
                .then(|| counties[rng.random_range(0..counties.len())].to_owned()),
            o.id(owner),
            sharing,
            if rng.random_bool(0.8) {
                "consent"
            } else {
                "public_interest"
            },
            basis_on,
            "联络联谊与服务",
            "本人填写登记表",
            o.author(owner, w.admin_id),
            1_i64,
            at,
            at
        ]
    });
    bulk.load(
        "person",
        &[
            "id",
            "name",
            "name_key",
            "pinyin",
            "foreign_name",
            "gender",
            "residence_country",
            "nationality",
            "origin_region",
            "owner_org_id",
            "sharing",
            "legal_basis",
            "basis_on",
            "basis_scope",
            "basis_source",
            "created_by",
            "version",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;
    let mut by_side: std::collections::BTreeMap<(i64, &str, &str), i64> =
        std::collections::BTreeMap::new();
    for ((_, side, country, sharing), n) in &tally {
        *by_side.entry((*side, country, sharing)).or_default() += n;
    }
    bulk.load(
        "person_tally",
        &["org_id", "country", "sharing", "n"],
        tally
            .into_iter()
            .map(|((org, _, country, sharing), n)| row![org, country, sharing, n]),
    )
    .await?;
    bulk.load(
        "person_side_tally",
        &["side_id", "country", "sharing", "n"],
        by_side
            .into_iter()
            .map(|((side, country, sharing), n)| row![side, country, sharing, n]),
    )
    .await?;
    bulk.mark_built(crate::person::tally::BUILT).await?;
    bulk.load(
        "person_category",
        &["person_id", "category"],
        parts.category.into_iter().map(|(p, c)| row![p, c]),
    )
    .await?;
    bulk.load(
        "person_tag",
        &["person_id", "tag"],
        parts.tag.into_iter().map(|(p, t)| row![p, t]),
    )
    .await?;
    bulk.load(
        "person_contact",
        &["id", "person_id", "kind", "value", "normalized"],
        parts
            .contact
            .into_iter()
            .zip(1_i64..)
            .map(|((p, k, norm, v), id)| row![id, p, k, v, norm]),
    )
    .await?;
    let since = w.today - Duration::days(365 * 6);
    bulk.load(
        "person_affiliation",
        &[
            "id",
            "person_id",
            "org_id",
            "org_name",
            "position",
            "from_on",
        ],
        parts
            .affiliation
            .into_iter()
            .zip(1_i64..)
            .map(|((p, org, name, pos), id)| row![id, p, org, name, pos, since]),
    )
    .await?;
    // A tenth of the exchanges name someone who took part.
    let mut xrng = w.rng("exchange_person");
    let exchanges = w.network.exchanges;
    let people = n as i64;
    let mut links = Vec::new();
    for e in 1..=exchanges {
        if xrng.random_bool(0.1) {
            links.push(row![e, xrng.random_range(1..=people)]);
        }
    }
    bulk.load("exchange_person", &["exchange_id", "person_id"], links)
        .await?;
    w.people = n;
    Ok(())
}
