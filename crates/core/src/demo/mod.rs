//! Demo data: the organizations of the Chongqing–Sichuan programme and one user per
//! role, so a new installation can be tried at once. Later capabilities add theirs here.

mod associations;
mod cooperation;
mod directory;
mod donations;
mod events;
mod network;
mod outcomes;
mod supervision;

use crate::access::Actor;
use crate::account::{self, NewAccount, Role};
use crate::auth;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::on;
use crate::org::{self, Org, OrgInput};

/// name, kind, level, side, region or country, parent name
type OrgRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const ORGS: &[OrgRow] = &[
    ("中国侨联", "federation", "national", "national", "", ""),
    (
        "重庆市侨联",
        "federation",
        "province",
        "cq",
        "500000",
        "中国侨联",
    ),
    (
        "四川省侨联",
        "federation",
        "province",
        "sc",
        "510000",
        "中国侨联",
    ),
    (
        "万州区侨联",
        "federation",
        "county",
        "cq",
        "500101",
        "重庆市侨联",
    ),
    (
        "开州区侨联",
        "federation",
        "county",
        "cq",
        "500154",
        "重庆市侨联",
    ),
    (
        "梁平区侨联",
        "federation",
        "county",
        "cq",
        "500155",
        "重庆市侨联",
    ),
    (
        "江北区侨联",
        "federation",
        "county",
        "cq",
        "500105",
        "重庆市侨联",
    ),
    (
        "北碚区侨联",
        "federation",
        "county",
        "cq",
        "500109",
        "重庆市侨联",
    ),
    (
        "合川区侨联",
        "federation",
        "county",
        "cq",
        "500117",
        "重庆市侨联",
    ),
    (
        "铜梁区侨联",
        "federation",
        "county",
        "cq",
        "500151",
        "重庆市侨联",
    ),
    (
        "渝中区侨联",
        "federation",
        "county",
        "cq",
        "500103",
        "重庆市侨联",
    ),
    (
        "忠县侨联",
        "federation",
        "county",
        "cq",
        "500233",
        "重庆市侨联",
    ),
    (
        "奉节县侨联",
        "federation",
        "county",
        "cq",
        "500236",
        "重庆市侨联",
    ),
    (
        "达州市侨联",
        "federation",
        "prefecture",
        "sc",
        "511700",
        "四川省侨联",
    ),
    (
        "成都市侨联",
        "federation",
        "prefecture",
        "sc",
        "510100",
        "四川省侨联",
    ),
    (
        "绵阳市侨联",
        "federation",
        "prefecture",
        "sc",
        "510700",
        "四川省侨联",
    ),
    (
        "南充市侨联",
        "federation",
        "prefecture",
        "sc",
        "511300",
        "四川省侨联",
    ),
    (
        "遂宁市侨联",
        "federation",
        "prefecture",
        "sc",
        "510900",
        "四川省侨联",
    ),
    (
        "乐山市侨联",
        "federation",
        "prefecture",
        "sc",
        "511100",
        "四川省侨联",
    ),
    (
        "广安市侨联",
        "federation",
        "prefecture",
        "sc",
        "511600",
        "四川省侨联",
    ),
    (
        "重庆市侨联特聘专家委员会",
        "expert_committee",
        "province",
        "cq",
        "500000",
        "重庆市侨联",
    ),
    (
        "四川省侨联特聘专家委员会",
        "expert_committee",
        "province",
        "sc",
        "510000",
        "四川省侨联",
    ),
    // Cross-side bodies sit under their convening federation (demo choice).
    (
        "万达开侨商联盟",
        "alliance",
        "county",
        "cq",
        "500101",
        "万州区侨联",
    ),
    (
        "泛涪江流域侨联合作机制",
        "mechanism",
        "county",
        "cq",
        "500117",
        "合川区侨联",
    ),
    (
        "泰国川渝总商会",
        "overseas_association",
        "overseas",
        "overseas",
        "TH",
        "",
    ),
    (
        "缅甸川渝总商会",
        "overseas_association",
        "overseas",
        "overseas",
        "MM",
        "",
    ),
    (
        "越南川渝企业联合会",
        "overseas_association",
        "overseas",
        "overseas",
        "VN",
        "",
    ),
];

/// The named associations' city, founding day and members. Only the names come from
/// the article; these figures are demo values, and their notes say so.
const ASSOCIATIONS: &[(&str, &str, &str, i64)] = &[
    ("泰国川渝总商会", "曼谷", "2012-06-16", 860),
    ("缅甸川渝总商会", "仰光", "2015-09-20", 420),
    ("越南川渝企业联合会", "胡志明市", "2017-11-26", 310),
];

/// login, display name, role, organization
const USERS: &[(&str, &str, &str, &str)] = &[
    ("demo-admin", "演示·系统管理员", "admin", "中国侨联"),
    (
        "cq-orgadmin",
        "演示·重庆市侨联管理员",
        "org_admin",
        "重庆市侨联",
    ),
    (
        "sc-coordinator",
        "演示·四川省侨联联络员",
        "coordinator",
        "四川省侨联",
    ),
    (
        "wanzhou-member",
        "演示·万州区侨联工作人员",
        "member",
        "万州区侨联",
    ),
    (
        "chengdu-viewer",
        "演示·成都市侨联查看者",
        "viewer",
        "成都市侨联",
    ),
];

/// Logins and one-time passwords of the demo users, for printing once.
pub type Credentials = Vec<(String, String)>;

/// Fills an empty database with everything; a database that already holds demo data
/// is left alone.
pub async fn load(db: &Db) -> Result<Option<Credentials>> {
    load_with(db, true).await
}

/// Only the organizations and demo users: what most tests start from.
pub async fn load_organizations(db: &Db) -> Result<Option<Credentials>> {
    load_with(db, false).await
}

async fn load_with(db: &Db, cooperation: bool) -> Result<Option<Credentials>> {
    let mut tx = db.write().await?;
    let loaded: Option<String> = on!(&mut tx, |c| {
        sqlx::query_scalar("select value from meta where key = 'demo_loaded'")
            .fetch_optional(c)
            .await?
    });
    drop(tx);
    if loaded.is_some() {
        return Ok(None);
    }
    let system = system_actor(db).await?;
    for (name, kind, level, side, place, parent) in ORGS {
        if org::find_by_name(db, name).await?.is_some() {
            continue;
        }
        let parent_id = match *parent {
            "" => None,
            p => Some(org::find_by_name(db, p).await?.ok_or(Error::NotFound)?.id),
        };
        let (region_code, country_code) = if place.len() == 2 {
            (None, Some(place.to_string()))
        } else {
            (Some(place.to_string()).filter(|p| !p.is_empty()), None)
        };
        let association = ASSOCIATIONS.iter().find(|a| a.0 == *name);
        let input = OrgInput {
            name: name.to_string(),
            kind: kind.to_string(),
            level: level.to_string(),
            side: side.to_string(),
            region_code,
            country_code,
            parent_id,
            notes: Some(
                match association {
                    Some(_) => "演示数据（城市、成立时间、会员数为演示值）",
                    None => "演示数据",
                }
                .into(),
            ),
            city: association.map(|a| a.1.to_owned()),
            founded_on: association.map(|a| a.2.to_owned()),
            members_count: association.map(|a| a.3),
            ..OrgInput::default()
        };
        org::create(db, &system, &input).await?;
    }
    // The two provincial federations' supervision orders carry their own heads.
    let mut tx = db.write().await?;
    crate::sql::Sql::new(
        "update org set order_prefix = case name when '重庆市侨联' then '渝侨督' else '川侨督' end
         where name in ('重庆市侨联', '四川省侨联') and order_prefix is null",
    )
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    let mut credentials = Vec::new();
    for (login, display_name, role, org_name) in USERS {
        if account::by_login(db, login).await?.is_some() {
            continue;
        }
        let org: Org = org::find_by_name(db, org_name)
            .await?
            .ok_or(Error::NotFound)?;
        let password = auth::random_token()[..16].to_string();
        account::create(
            db,
            None,
            &NewAccount {
                login: login.to_string(),
                display_name: display_name.to_string(),
                org_id: Some(org.id),
                role: role.to_string(),
                password: password.clone(),
            },
        )
        .await?;
        credentials.push((login.to_string(), password));
    }
    if cooperation {
        cooperation::load(db, &system).await?;
        network::load(db, &system).await?;
        events::load(db, &system).await?;
        associations::load(db, &system).await?;
        outcomes::load(db, &system).await?;
        directory::load(db, &system).await?;
        donations::load(db, &system).await?;
        // Last, so every kind of record is there to link.
        directory::link_histories(db).await?;
        cooperation::backdate_history(db).await?;
        // After the history is dated: its steps are dated by themselves.
        supervision::load(db).await?;
    }
    let mut tx = db.write().await?;
    on!(&mut tx, |c| {
        sqlx::query("insert into meta (key, value) values ('demo_loaded', $1)")
            .bind(crate::now().to_rfc3339())
            .execute(c)
            .await?;
    });
    tx.commit().await?;
    tracing::info!("demo data loaded");
    Ok(Some(credentials))
}

/// The built-in administrator acting for the system (demo data, imports).
async fn system_actor(db: &Db) -> Result<Actor> {
    let admin = account::by_login(db, crate::setup::ADMIN_LOGIN)
        .await?
        .filter(|a| a.role == Role::Admin)
        .ok_or(Error::Other("the built-in admin account is missing".into()))?;
    Ok(admin.actor())
}
