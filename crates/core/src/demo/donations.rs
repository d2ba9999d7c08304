//! Demo donations: the overseas community's gifts of money and protective equipment
//! received by the Chongqing federations in the 2020 epidemic — about 22.47 million
//! yuan over forty gifts —, and a smaller 2023 school-aid campaign on both sides. Donors with
//! made-up names carry "演示" in them; the associations among them are demo
//! organizations, so their gifts link to their pages.

use crate::access::Actor;
use crate::db::Db;
use crate::donation::{self, AllocationInput, DonationInput};
use crate::error::{Error, Result};
use crate::money::Fen;
use crate::org;

/// donor, whether the donor is a demo organization (associations.rs creates those with
/// demo names), country, day, form, goods, yuan,
/// recipient, status
type Gift = (
    &'static str,
    bool,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const EPIDEMIC: &str = "2020年抗击新冠肺炎疫情捐赠";

#[rustfmt::skip]
const EPIDEMIC_GIFTS: &[Gift] = &[
    ("泰国川渝总商会", true, "TH", "2020-01-27", "money", "", "2000000", "重庆市侨联", "allocated"),
    ("缅甸川渝总商会", true, "MM", "2020-01-28", "goods", "医用外科口罩 20 万只", "600000", "重庆市侨联", "allocated"),
    ("越南川渝企业联合会", true, "VN", "2020-01-29", "money", "", "1200000", "重庆市侨联", "allocated"),
    ("美国重庆同乡会（演示）", true, "US", "2020-01-30", "goods", "医用防护服 5000 套", "1250000", "重庆市侨联", "allocated"),
    ("加拿大四川同乡会（演示）", true, "CA", "2020-01-30", "money", "", "880000", "重庆市侨联", "allocated"),
    ("英国华侨华人社团联合会（演示）", true, "GB", "2020-01-31", "goods", "N95 口罩 3 万只、护目镜 2000 副", "756000", "重庆市侨联", "allocated"),
    ("澳大利亚川渝商会（演示）", true, "AU", "2020-01-31", "money", "", "1500000", "重庆市侨联", "allocated"),
    ("新加坡川渝商会（演示）", true, "SG", "2020-02-01", "money", "", "1000000", "重庆市侨联", "allocated"),
    ("马来西亚重庆商会（演示）", true, "MY", "2020-02-01", "goods", "医用手套 50 万副", "420000", "渝中区侨联", "allocated"),
    ("日本四川同乡会（演示）", true, "JP", "2020-02-02", "goods", "医用外科口罩 10 万只", "318500", "重庆市侨联", "allocated"),
    ("印度尼西亚华人企业家协会（演示）", true, "ID", "2020-02-02", "money", "", "650000", "重庆市侨联", "allocated"),
    ("菲律宾华商联合会（演示）", true, "PH", "2020-02-03", "money", "", "500000", "重庆市侨联", "allocated"),
    ("柬埔寨川渝同乡会（演示）", true, "KH", "2020-02-03", "money", "", "268000", "万州区侨联", "allocated"),
    ("德国华侨华人联合会（演示）", true, "DE", "2020-02-04", "goods", "呼吸机 20 台", "1600000", "重庆市侨联", "allocated"),
    ("法国华人商会（演示）", true, "FR", "2020-02-04", "goods", "医用防护服 3000 套、额温枪 500 支", "905000", "重庆市侨联", "allocated"),
    ("意大利华侨华人联合会（演示）", true, "IT", "2020-02-05", "money", "", "560000", "江北区侨联", "received"),
    ("西班牙华人协会（演示）", true, "ES", "2020-02-05", "money", "", "300000", "渝中区侨联", "allocated"),
    ("荷兰华人总会（演示）", true, "NL", "2020-02-06", "goods", "护目镜 5000 副", "275000", "重庆市侨联", "allocated"),
    ("俄罗斯华侨华人协会（演示）", true, "RU", "2020-02-06", "money", "", "420000", "重庆市侨联", "allocated"),
    ("巴西华人协会（演示）", true, "BR", "2020-02-07", "money", "", "350000", "重庆市侨联", "received"),
    ("阿根廷华人商会（演示）", true, "AR", "2020-02-08", "money", "", "226800", "江北区侨联", "allocated"),
    ("南非华人联合会（演示）", true, "ZA", "2020-02-08", "goods", "医用外科口罩 8 万只", "240000", "渝中区侨联", "allocated"),
    ("阿联酋华侨华人商会（演示）", true, "AE", "2020-02-09", "money", "", "800000", "重庆市侨联", "allocated"),
    ("匈牙利华人联合会（演示）", true, "HU", "2020-02-10", "money", "", "188000", "重庆市侨联", "received"),
    ("新西兰华人联合会（演示）", true, "NZ", "2020-02-10", "money", "", "300000", "重庆市侨联", "allocated"),
    ("韩国华侨协会（演示）", true, "KR", "2020-02-11", "goods", "医用防护服 2000 套", "520000", "重庆市侨联", "allocated"),
    ("老挝中华商会（演示）", true, "LA", "2020-02-12", "money", "", "158000", "开州区侨联", "allocated"),
    ("香港川渝同乡会（演示）", true, "HK", "2020-02-12", "money", "", "1000000", "重庆市侨联", "allocated"),
    ("澳门四川同乡会（演示）", true, "MO", "2020-02-13", "money", "", "600000", "重庆市侨联", "allocated"),
    ("葡萄牙华人协会（演示）", true, "PT", "2020-02-14", "money", "", "128600", "渝中区侨联", "received"),
    ("瑞典华人总会（演示）", true, "SE", "2020-02-15", "goods", "额温枪 1000 支", "186000", "江北区侨联", "allocated"),
    ("张先生（演示，旅美侨胞）", false, "US", "2020-02-16", "money", "", "200000", "重庆市侨联", "allocated"),
    ("李女士（演示，旅加侨胞）", false, "CA", "2020-02-17", "money", "", "100000", "重庆市侨联", "allocated"),
    ("王先生（演示，旅泰侨商）", false, "TH", "2020-02-18", "money", "", "500000", "万州区侨联", "allocated"),
    ("陈女士（演示，旅英侨胞）", false, "GB", "2020-02-19", "money", "", "58888.88", "重庆市侨联", "received"),
    ("刘先生（演示，旅澳侨商）", false, "AU", "2020-02-20", "money", "", "300000", "渝中区侨联", "allocated"),
    ("赵先生（演示，旅日侨胞）", false, "JP", "2020-02-22", "money", "", "66666.66", "渝中区侨联", "received"),
    ("周女士（演示，旅新侨胞）", false, "SG", "2020-02-25", "money", "", "120000", "重庆市侨联", "pledged"),
    ("泰国川渝总商会", true, "TH", "2020-03-05", "goods", "医用防护服 2000 套、医用口罩 5 万只", "680000", "重庆市侨联", "allocated"),
    ("缅甸川渝总商会", true, "MM", "2020-03-10", "money", "", "344544.46", "重庆市侨联", "received"),
];

const SCHOOL_AID: &str = "2023年“侨爱助学”捐赠";

#[rustfmt::skip]
const SCHOOL_AID_GIFTS: &[Gift] = &[
    ("泰国川渝总商会", true, "TH", "2023-08-20", "money", "", "300000", "万州区侨联", "allocated"),
    ("越南川渝企业联合会", true, "VN", "2023-08-25", "money", "", "200000", "达州市侨联", "allocated"),
    ("美国重庆同乡会（演示）", true, "US", "2023-08-28", "money", "", "150000", "开州区侨联", "received"),
    ("马来西亚重庆商会（演示）", true, "MY", "2023-09-01", "goods", "学习用品 2000 套", "120000", "奉节县侨联", "allocated"),
    ("新加坡川渝商会（演示）", true, "SG", "2023-09-05", "money", "", "100000", "南充市侨联", "received"),
    ("黄先生（演示，旅加侨胞）", false, "CA", "2023-09-10", "money", "", "50000", "万州区侨联", "pledged"),
];

pub async fn load(db: &Db, system: &Actor) -> Result<()> {
    load_campaign(db, system, EPIDEMIC, "抗击新冠肺炎疫情", EPIDEMIC_GIFTS).await?;
    load_campaign(db, system, SCHOOL_AID, "资助家庭困难学生", SCHOOL_AID_GIFTS).await?;
    tracing::info!("demo donations loaded");
    Ok(())
}

async fn load_campaign(
    db: &Db,
    system: &Actor,
    campaign: &str,
    purpose: &str,
    gifts: &[Gift],
) -> Result<()> {
    let year = &campaign[..4];
    let mut receipts: Vec<(&str, u32)> = Vec::new();
    for (i, (donor, is_org, country, day, form, goods, yuan, recipient, status)) in
        gifts.iter().enumerate()
    {
        let to = org::find_by_name(db, recipient)
            .await?
            .ok_or(Error::NotFound)?;
        let donor_org_id = match is_org {
            true => org::find_by_name(db, donor).await?.map(|o| o.id),
            false => None,
        };
        let seq = match receipts.iter_mut().find(|(r, _)| r == recipient) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                receipts.push((recipient, 1));
                1
            }
        };
        let d = donation::create(
            db,
            system,
            &DonationInput {
                donor_name: (*donor).into(),
                donor_org_id,
                donor_country: Some((*country).into()),
                given_on: (*day).into(),
                form: (*form).into(),
                goods_description: Some((*goods).into()).filter(|g: &String| !g.is_empty()),
                amount: (*yuan).into(),
                campaign: Some(campaign.into()),
                purpose: Some(purpose.into()),
                recipient_org_id: Some(to.id),
                receipt_no: format!("捐〔{year}〕{seq:03}号"),
                status: Some(
                    if *status == "pledged" {
                        "pledged"
                    } else {
                        "received"
                    }
                    .into(),
                ),
                person_id: None,
            },
        )
        .await?;
        let uses = uses(campaign == EPIDEMIC, *form == "goods");
        let parts: Vec<(&str, Fen)> = match *status {
            "allocated" => vec![
                (uses.0, Fen(d.amount_fen.0 * 6 / 10)),
                (uses.1, Fen(d.amount_fen.0 - d.amount_fen.0 * 6 / 10)),
            ],
            // Every other received gift is half used so far.
            "received" if i % 2 == 0 => vec![(uses.0, Fen(d.amount_fen.0 / 2))],
            _ => vec![],
        };
        let given = d.given_on;
        for (n, (use_, amount)) in parts.into_iter().enumerate() {
            let on = given + chrono::Duration::days(7 * (n as i64 + 1));
            donation::allocate(
                db,
                system,
                d.id,
                &AllocationInput {
                    use_: use_.into(),
                    amount: amount.yuan(),
                    allocated_on: on.to_string(),
                    version: None,
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The two uses a gift is allocated to, by campaign and form.
fn uses(epidemic: bool, goods: bool) -> (&'static str, &'static str) {
    match (epidemic, goods) {
        (true, false) => ("医疗物资采购", "一线医护慰问"),
        (true, true) => ("定向发放一线医疗机构", "社区防控点防护物资"),
        (false, false) => ("资助家庭困难学生", "捐建乡村学校图书室"),
        (false, true) => ("发放乡村学校学生", "捐赠留守儿童之家"),
    }
}
