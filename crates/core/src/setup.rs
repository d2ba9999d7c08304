//! What every start does before serving: migrations, reference data, the initial
//! sides, and on first start the system organization and the `admin` account.

use crate::account::{self, NewAccount};
use crate::auth;
use crate::db::Db;
use crate::error::Result;
use crate::org::{self, OrgInput};
use crate::{reference, side};

pub const ADMIN_LOGIN: &str = "admin";
/// The organization the built-in administrator belongs to.
pub const SYSTEM_ORG: &str = "平台管理";

/// Prepares the database; returns the generated admin password on first start when
/// none was given, so the caller can show it once.
pub async fn prepare(db: &Db, admin_password: Option<&str>) -> Result<Option<String>> {
    db.migrate().await?;
    reference::sync(db).await?;
    side::seed(db).await?;
    crate::search::adopt_when_empty(db).await?;
    let built = crate::task::reach::build(db).await?;
    if built > 0 {
        tracing::info!(tasks = built, "who each task reaches: built");
    }
    let built = crate::person::tally::build(db).await?;
    if built > 0 {
        tracing::info!(rows = built, "people by owner and country: built");
    }
    let built = crate::outcome::tally::build(db).await?;
    if built > 0 {
        tracing::info!(rows = built, "outcome figures: built");
    }
    if account::count(db).await? > 0 {
        return Ok(None);
    }
    let org = match org::find_by_name(db, SYSTEM_ORG).await? {
        Some(org) => org,
        None => {
            org::create_unchecked(
                db,
                &OrgInput {
                    name: SYSTEM_ORG.into(),
                    kind: "other".into(),
                    level: "national".into(),
                    side: "national".into(),
                    notes: Some("系统管理员所在的组织".into()),
                    ..OrgInput::default()
                },
            )
            .await?
        }
    };
    let generated = admin_password
        .is_none()
        .then(|| auth::random_token()[..20].to_string());
    let password = admin_password
        .map(str::to_owned)
        .or_else(|| generated.clone())
        .unwrap_or_default();
    account::create(
        db,
        None,
        &NewAccount {
            login: ADMIN_LOGIN.into(),
            display_name: "系统管理员".into(),
            org_id: Some(org.id),
            role: "admin".into(),
            password,
        },
    )
    .await?;
    Ok(generated)
}
