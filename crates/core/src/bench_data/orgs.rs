//! Organizations and their accounts: 中国侨联 and the provincial federations; under
//! 重庆市侨联 its districts and counties, under 四川省侨联 its prefectures and their
//! counties, all from the region table; township federations below them; a chamber per
//! county, expert committees and the basin's alliances; overseas associations and
//! Chinese-language media abroad. Every federation gets a coordinator's account.

use std::collections::{HashMap, HashSet};

use rand::Rng;
use rand::seq::SliceRandom;

use super::bulk::Bulk;
use super::{Scale, World, day_between, weighted, words, ymd};
use crate::error::Result;
use crate::row;

pub struct Org {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub level: &'static str,
    pub side: &'static str,
    pub region: Option<String>,
    pub country: Option<&'static str>,
    pub city: Option<&'static str>,
    pub parent: Option<usize>,
    pub path: String,
    /// The coordinator's account, for federations.
    pub account: Option<i64>,
}

#[derive(Default)]
pub struct Orgs {
    pub all: Vec<Org>,
    /// Federations of districts, counties and townships, by side (cq, sc): the leads
    /// of most tasks, the two ends of most pairings.
    pub local: [Vec<usize>; 2],
    /// The two provincial federations.
    pub provinces: [usize; 2],
    pub overseas: Vec<usize>,
    pub media: Vec<usize>,
    pub mechanisms: Vec<usize>,
    pub chambers: Vec<usize>,
    /// Login and organization of 万州区侨联's coordinator, for the harness.
    pub coordinator: (String, String),
}

impl Orgs {
    pub fn id(&self, i: usize) -> i64 {
        self.all[i].id
    }

    /// The account that writes for an organization: its own coordinator's, else the
    /// nearest federation's above it.
    pub fn author(&self, mut i: usize, admin: i64) -> i64 {
        for _ in 0..8 {
            if let Some(a) = self.all[i].account {
                return a;
            }
            match self.all[i].parent {
                Some(p) => i = p,
                None => break,
            }
        }
        admin
    }

    /// The federation an organization belongs under, for assigning its tasks.
    pub fn parent_or_self(&self, i: usize) -> usize {
        self.all[i].parent.unwrap_or(i)
    }

    fn add(&mut self, mut o: Org) -> usize {
        o.path = match o.parent {
            Some(p) => format!("{}{}/", self.all[p].path, o.id),
            None => format!("/{}/", o.id),
        };
        self.all.push(o);
        self.all.len() - 1
    }
}

struct Region {
    code: &'static str,
    name: &'static str,
    parent: &'static str,
    level: &'static str,
}

fn regions() -> Vec<Region> {
    use crate::reference::{REGIONS_TSV, rows};
    rows(REGIONS_TSV)
        .filter_map(|f| match f[..] {
            [code, name, parent, level, ..] => Some(Region {
                code,
                name,
                parent,
                level,
            }),
            _ => None,
        })
        .collect()
}

pub async fn load(bulk: &mut Bulk, w: &mut World, sides: &[(String, i64)]) -> Result<()> {
    let mut rng = w.rng("org");
    let scale = w.scale;
    let (county_share, townships, overseas, media) = match scale {
        Scale::Small => (0.1, 30, 13, 5),
        Scale::City => (1.0, 300, 130, 10),
        Scale::National => (1.0, 3_000, 1_300, 100),
    };
    let mut o = Orgs::default();
    let mut next = w.org_base;
    let mut org = |name: String,
                   kind: &'static str,
                   level: &'static str,
                   side: &'static str,
                   region: Option<String>,
                   parent: Option<usize>| {
        next += 1;
        Org {
            id: next,
            name,
            kind,
            level,
            side,
            region,
            country: None,
            city: None,
            parent,
            path: String::new(),
            account: None,
        }
    };
    let national = o.add(org(
        "中国侨联".into(),
        "federation",
        "national",
        "national",
        None,
        None,
    ));
    let cq = o.add(org(
        "重庆市侨联".into(),
        "federation",
        "province",
        "cq",
        Some("500000".into()),
        Some(national),
    ));
    let sc = o.add(org(
        "四川省侨联".into(),
        "federation",
        "province",
        "sc",
        Some("510000".into()),
        Some(national),
    ));
    o.provinces = [cq, sc];
    for p in words::OTHER_PROVINCES {
        o.add(org(
            format!("{p}侨联"),
            "federation",
            "province",
            "national",
            None,
            Some(national),
        ));
    }
    let all_regions = regions();
    let mut by_code: HashMap<&str, usize> = HashMap::new();
    by_code.insert("500000", cq);
    by_code.insert("510000", sc);
    // Prefectures of Sichuan, then the counties of both: a share of them at the small
    // scale, 万州区 always (the harness's district).
    for r in all_regions.iter().filter(|r| r.level == "prefecture") {
        let i = o.add(org(
            format!("{}侨联", r.name),
            "federation",
            "prefecture",
            "sc",
            Some(r.code.to_owned()),
            Some(sc),
        ));
        by_code.insert(r.code, i);
    }
    for r in all_regions.iter().filter(|r| r.level == "county") {
        if r.code != "500101" && rng.random_bool(1.0 - county_share) {
            continue;
        }
        let Some(&parent) = by_code.get(r.parent) else {
            continue;
        };
        let side = if r.code.starts_with("50") { "cq" } else { "sc" };
        let i = o.add(org(
            format!("{}侨联", r.name),
            "federation",
            "county",
            side,
            Some(r.code.to_owned()),
            Some(parent),
        ));
        by_code.insert(r.code, i);
        o.local[usize::from(side == "sc")].push(i);
        let short = r.name.trim_end_matches(['区', '县', '市']);
        let c = o.add(org(
            format!("{short}侨商会"),
            "chamber",
            "county",
            side,
            Some(r.code.to_owned()),
            Some(i),
        ));
        o.chambers.push(c);
        if r.code == "500101" {
            o.coordinator.1 = o.all[i].name.clone();
        }
    }
    let mut towns: Vec<&Region> = all_regions
        .iter()
        .filter(|r| r.level == "township" && by_code.contains_key(r.parent))
        .collect();
    towns.shuffle(&mut rng);
    towns.truncate(townships);
    towns.sort_by(|a, b| a.code.cmp(b.code));
    for r in towns {
        let parent = by_code[r.parent];
        let side = o.all[parent].side;
        let i = o.add(org(
            format!("{}侨联", r.name),
            "federation",
            "township",
            side,
            Some(r.code.to_owned()),
            Some(parent),
        ));
        o.local[usize::from(side == "sc")].push(i);
    }
    for (p, side) in [(cq, "cq"), (sc, "sc")] {
        let name = format!("{}专家委员会", o.all[p].name);
        let region = o.all[p].region.clone();
        o.add(org(
            name,
            "expert_committee",
            "province",
            side,
            region,
            Some(p),
        ));
    }
    for (name, kind, side) in [
        ("川渝侨联协作机制", "mechanism", "cq"),
        ("万达开侨商联盟", "alliance", "cq"),
        ("成德眉资侨联协作联盟", "alliance", "sc"),
        ("渝东北川东北侨联协作机制", "mechanism", "cq"),
        ("川南渝西侨联合作机制", "mechanism", "sc"),
        ("成渝地区双城经济圈侨商联盟", "alliance", "sc"),
        ("川渝华侨农场协作机制", "mechanism", "sc"),
        ("川渝侨界青年联盟", "alliance", "cq"),
    ] {
        let parent = o.provinces[usize::from(side == "sc")];
        let i = o.add(org(name.into(), kind, "province", side, None, Some(parent)));
        o.mechanisms.push(i);
    }
    // Abroad: associations and media, names unique (they have no parent).
    let mut taken = HashSet::new();
    for n in 0..overseas + media {
        let is_media = n >= overseas;
        let (country, _, cities) = *weighted(&mut rng, words::COUNTRIES, |c| c.1);
        let city = cities[rng.random_range(0..cities.len())];
        let name = if is_media {
            format!(
                "{city}{}",
                words::MEDIA[rng.random_range(0..words::MEDIA.len())]
            )
        } else {
            format!(
                "{city}{}{}",
                words::ORIGINS[rng.random_range(0..words::ORIGINS.len())],
                words::ASSOCIATIONS[rng.random_range(0..words::ASSOCIATIONS.len())]
            )
        };
        if !taken.insert(name.clone()) {
            continue;
        }
        let mut a = org(
            name,
            if is_media {
                "media_outlet"
            } else {
                "overseas_association"
            },
            "overseas",
            "overseas",
            None,
            None,
        );
        a.country = Some(country);
        a.city = Some(city);
        let i = o.add(a);
        if is_media {
            o.media.push(i);
        } else {
            o.overseas.push(i);
        }
    }
    let mut account = w.account_base;
    for org in o.all.iter_mut().filter(|g| g.kind == "federation") {
        account += 1;
        org.account = Some(account);
    }
    let wanzhou = o
        .all
        .iter()
        .find(|g| g.name == o.coordinator.1)
        .and_then(|g| g.account);
    o.coordinator.0 = format!("coord{}", wanzhou.unwrap_or_default());

    let now = w.now;
    let founded =
        |rng: &mut rand::rngs::StdRng| day_between(rng, ymd(1950, 1, 1), ymd(2015, 12, 31));
    let rows: Vec<_> = o
        .all
        .iter()
        .map(|g| {
            let abroad = g.level == "overseas";
            let founded_on = abroad.then(|| founded(&mut rng));
            let members =
                (g.kind == "overseas_association").then(|| rng.random_range(30..3_000_i64));
            row![
                g.id,
                g.name.clone(),
                g.kind,
                g.level,
                side_id(sides, g.side),
                g.region.clone(),
                g.country,
                g.parent.map(|p| o.all[p].id),
                g.path.clone(),
                g.city,
                founded_on,
                members,
                1_i64,
                now,
                now
            ]
        })
        .collect();
    bulk.load(
        "org",
        &[
            "id",
            "name",
            "kind",
            "level",
            "side_id",
            "region_code",
            "country_code",
            "parent_id",
            "path",
            "city",
            "founded_on",
            "members_count",
            "version",
            "created_at",
            "updated_at",
        ],
        rows,
    )
    .await?;
    let hash = w.password_hash.clone();
    bulk.load(
        "account",
        &[
            "id",
            "login",
            "display_name",
            "org_id",
            "role",
            "password_hash",
            "locale",
            "active",
            "version",
            "created_at",
            "updated_at",
        ],
        o.all.iter().filter_map(|g| {
            let a = g.account?;
            Some(row![
                a,
                format!("coord{a}"),
                format!("{}联络员", g.name),
                g.id,
                "coordinator",
                hash.clone(),
                "zh-CN",
                true,
                1_i64,
                now,
                now
            ])
        }),
    )
    .await?;
    w.orgs = o;
    Ok(())
}

fn side_id(sides: &[(String, i64)], code: &str) -> i64 {
    sides.iter().find(|s| s.0 == code).map_or(0, |s| s.1)
}
