//! People counted by owner, country and sharing (`person_tally`, `person_side_tally`)
//! equal a recount after creates, edits, merges and their undo and an owner's change of
//! side; and every reader's list total, read off them, equals the people the read rule
//! admits counted one by one.

use qiaolian_core::access::Actor;
use qiaolian_core::account::Role;
use qiaolian_core::org::{self, OrgId, OrgInput};
use qiaolian_core::page::PageRequest;
use qiaolian_core::person::{self, MergeInput, PersonFilter, PersonInput};
use qiaolian_core::sql::Sql;
use qiaolian_core::{Db, kinds};

use crate::harness::{TestApp, both};

both!(people_counts_equal_a_recount_for_every_reader);

fn input(name: &str, owner: OrgId, country: &str, sharing: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        gender: "male".into(),
        residence_country: Some(country.into()).filter(|c: &String| !c.is_empty()),
        owner_org_id: Some(owner),
        sharing: sharing.into(),
        legal_basis: "consent".into(),
        basis_on: "2024-09-10".into(),
        basis_scope: "侨务联络与活动邀请".into(),
        basis_source: "本人填写登记表".into(),
        confirm_new: true,
        ..PersonInput::default()
    }
}

fn edit_of(p: &person::Person, owner: OrgId, country: &str, sharing: &str) -> PersonInput {
    PersonInput {
        version: Some(p.version),
        ..input(&p.name, owner, country, sharing)
    }
}

async fn ids(db: &Db, sql: &str) -> Vec<i64> {
    let mut tx = db.read().await.expect("read");
    Sql::new(sql).column(&mut tx).await.expect("query")
}

/// Every federation's coordinator and the administrator: the list's total for a
/// country (and for all) equals the read rule's count of those people.
async fn readers_agree(app: &TestApp, admin: &Actor, after: &str) {
    let db = &app.db;
    let found = person::tally::check(db).await.expect("recount");
    assert!(found.is_empty(), "after {after}: {found:?}");
    let feds = app.federations().await;
    let mut readers = vec![admin.clone()];
    readers.extend(feds.iter().map(|(id, path)| Actor {
        org_id: *id,
        org_path: path.clone(),
        role: Role::Coordinator,
        national: false,
        ..admin.clone()
    }));
    // Owners narrowed by none, a subtree near the top and one lower down, and a side.
    let mut owners: Vec<(Option<i64>, Option<&str>)> = vec![(None, None), (None, Some("sc"))];
    owners.extend([1, feds.len() - 1].map(|i| (Some(feds[i].0.0), None)));
    let sides: Vec<(String, i64)> = {
        let mut tx = db.read().await.expect("read");
        Sql::new("select code, id from side")
            .all(&mut tx)
            .await
            .expect("sides")
    };
    for actor in &readers {
        for (org, side) in &owners {
            let mut counted_by_country = std::collections::BTreeMap::new();
            for country in [None, Some("TH"), Some("US"), Some("CN")] {
                let filter = PersonFilter {
                    country: country.map(str::to_owned),
                    org: *org,
                    side: side.map(str::to_owned),
                    ..PersonFilter::default()
                };
                let listed = person::list(db, actor, &filter, PageRequest::default())
                    .await
                    .expect("list");
                let mut q = Sql::new(
                    "select p.residence_country, count(*) from person p join org o on o.id = p.owner_org_id
                     where p.merged_into is null",
                );
                if let Some(c) = country {
                    q.push(" and p.residence_country = ").bind(c);
                }
                if let Some(id) = org {
                    q.push(" and o.path like (select path from org where id = ")
                        .bind(*id)
                        .push(") || '%'");
                }
                if let Some(code) = side {
                    let id = sides.iter().find(|(c, _)| c == code).expect("side").1;
                    q.push(" and o.side_id = ").bind(id);
                }
                q.and(&person::READ.sql(actor))
                    .push(" group by p.residence_country");
                let mut tx = db.read().await.expect("read");
                let rows: Vec<(Option<String>, i64)> = q.all(&mut tx).await.expect("count");
                let counted: i64 = rows.iter().map(|(_, n)| n).sum();
                assert_eq!(
                    listed.total as i64, counted,
                    "after {after}: {} sees {counted} people of {country:?} owned in {org:?}/{side:?}",
                    actor.org_path
                );
                if country.is_none() {
                    counted_by_country = rows
                        .into_iter()
                        .filter_map(|(c, n)| c.filter(|c| c != "CN").map(|c| (c, n)))
                        .collect();
                }
            }
            let filter = PersonFilter {
                org: *org,
                side: side.map(str::to_owned),
                ..PersonFilter::default()
            };
            let listed: std::collections::BTreeMap<String, i64> =
                person::countries(db, actor, &filter)
                    .await
                    .expect("countries")
                    .into_iter()
                    .map(|c| (c.country_code, c.people))
                    .collect();
            assert_eq!(
                listed, counted_by_country,
                "after {after}: {}'s countries of people owned in {org:?}/{side:?}",
                actor.org_path
            );
        }
    }
}

async fn people_counts_equal_a_recount_for_every_reader(app: TestApp) {
    qiaolian_core::demo::load(&app.db).await.expect("demo");
    let db = app.db.clone();
    let admin = app.admin_actor().await;
    readers_agree(&app, &admin, "the demo").await;
    let feds: Vec<OrgId> = ids(
        &db,
        "select id from org where kind = 'federation' order by id",
    )
    .await
    .into_iter()
    .map(OrgId)
    .collect();
    let fed = |i: usize| feds[i % feds.len()];
    let mut made = Vec::new();
    for (i, (country, sharing)) in [
        ("TH", "all"),
        ("TH", "own_side"),
        ("US", "own_org"),
        ("", "all"),
        ("CN", "own_side"),
        ("TH", "own_org"),
    ]
    .into_iter()
    .enumerate()
    {
        let p = person::create(
            &db,
            &admin,
            &input(&format!("测试侨胞{i}"), fed(i * 7), country, sharing),
        )
        .await
        .expect("create");
        made.push(p.id);
    }
    readers_agree(&app, &admin, "creates").await;
    // Another owner, country and sharing level.
    let p = person::get(&db, &admin, made[0]).await.expect("get");
    person::update(&db, &admin, p.id, &edit_of(&p, fed(3), "US", "own_org"))
        .await
        .expect("edit");
    readers_agree(&app, &admin, "an edit").await;
    // A merge takes the other person out of every count; its undo puts them back.
    let (a, b) = (
        person::get(&db, &admin, made[1]).await.expect("a"),
        person::get(&db, &admin, made[2]).await.expect("b"),
    );
    person::merge(
        &db,
        &admin,
        a.id,
        &MergeInput {
            with: Some(b.id),
            version: Some(a.version),
            other_version: Some(b.version),
            ..MergeInput::default()
        },
    )
    .await
    .expect("merge");
    readers_agree(&app, &admin, "a merge").await;
    let merge_id = person::merges(&db, &admin, a.id).await.expect("merges")[0].id;
    person::undo_merge(&db, &admin, a.id, merge_id)
        .await
        .expect("undo");
    readers_agree(&app, &admin, "its undo").await;
    // An owner changing side moves its people's side counts.
    let association = org::create(
        &db,
        &admin,
        &OrgInput {
            name: "川渝侨商联谊会（测试）".into(),
            kind: "other".into(),
            level: "national".into(),
            side: "national".into(),
            ..OrgInput::default()
        },
    )
    .await
    .expect("association");
    for sharing in ["own_side", "all", "own_org"] {
        person::create(
            &db,
            &admin,
            &input("泰国侨领", association.id, "TH", sharing),
        )
        .await
        .expect("member");
    }
    readers_agree(&app, &admin, "a chamber's people").await;
    let mut edit = OrgInput::from(&association);
    edit.side = "cq".into();
    org::update(
        &db,
        &admin,
        association.id,
        &edit,
        &mut kinds::OrgFollows::default(),
    )
    .await
    .expect("side change");
    readers_agree(&app, &admin, "a change of side").await;
}
