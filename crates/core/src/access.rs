//! Who may do what: one declarative table of role × action → the organizations it reaches.
//!
//! Every record belongs to an organization. The relation of the record's organization
//! to the acting user's decides, through [`POLICY`], whether an action is allowed.
//! Handlers never test roles themselves; they call [`authorize`] or use [`reach`] to
//! filter lists.

use crate::account::{AccountId, Role};
use crate::error::{Error, Result};
use crate::org::OrgId;

/// The signed-in user, as far as access decisions need it.
#[derive(Clone, Debug)]
pub struct Actor {
    pub account_id: AccountId,
    pub login: String,
    pub role: Role,
    pub org_id: OrgId,
    /// Materialized path of the user's organization, e.g. `/1/5/`.
    pub org_path: String,
    /// Administrators and the national level see every side's records.
    pub sees_all: bool,
}

text_enum!(
    /// What kind of record an action is on.
    Resource {
        Org = "org",
        Account = "account",
        Agreement = "agreement",
        Plan = "plan",
        Task = "task",
        Pairing = "pairing",
        Mechanism = "mechanism",
        Meeting = "meeting",
        Exchange = "exchange",
        Event = "event",
        Project = "project",
        Donation = "donation",
        Person = "person",
        Contact = "contact",
        // The audit trail as a whole; a person's own entries follow `Person`.
        Audit = "audit",
    }
);

text_enum!(
    /// `Assign` covers what the assigning side does to a task (assign, verify, close,
    /// refuse, cancel); `Report` what the lead does (accept, report progress, report
    /// done); `Comment` what any involved organization may add.
    Action {
        Read = "read",
        Create = "create",
        Update = "update",
        Archive = "archive",
        Assign = "assign",
        Report = "report",
        Comment = "comment",
    }
);

/// Which organizations' records a rule reaches, seen from the user's organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Every organization, and records that belong to none.
    All,
    /// The user's organization and everything below it.
    Subtree,
    /// Only what is below the user's organization, not the organization itself.
    Below,
    /// Only the user's own organization.
    Own,
    Nothing,
}

use Reach::{All, Below, Nothing, Own, Subtree};

/// The policy. Columns: admin, org_admin, coordinator, member, viewer.
///
/// For `Create`, the organization is the one the new record will belong to (for a new
/// organization: its parent). Records that belong to no organization (a top-level
/// organization) are reached only by `All`.
#[rustfmt::skip]
pub const POLICY: &[(Resource, Action, [Reach; 5])] = &[
    //                                        admin    org_admin  coordinator member   viewer
    (Resource::Org, Action::Read,             [All,    All,       All,        All,     All]),
    (Resource::Org, Action::Create,           [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Org, Action::Update,           [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Org, Action::Archive,          [All,    Below,     Nothing,    Nothing, Nothing]),
    (Resource::Org, Action::Assign,           [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Org, Action::Report,           [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Org, Action::Comment,          [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Account, Action::Read,         [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Account, Action::Create,       [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Account, Action::Update,       [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Account, Action::Archive,      [All,    Below,     Nothing,    Nothing, Nothing]),
    (Resource::Account, Action::Assign,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Account, Action::Report,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Account, Action::Comment,      [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    // Agreements: judged against each party; reading is filtered by visibility.
    (Resource::Agreement, Action::Read,       [All,    All,       All,        All,     All]),
    (Resource::Agreement, Action::Create,     [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Agreement, Action::Update,     [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Agreement, Action::Archive,    [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Agreement, Action::Assign,     [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Agreement, Action::Report,     [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Agreement, Action::Comment,    [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    // Plans: judged against the owner organization.
    (Resource::Plan, Action::Read,            [All,    All,       All,        All,     All]),
    (Resource::Plan, Action::Create,          [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Plan, Action::Update,          [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Plan, Action::Archive,         [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Plan, Action::Assign,          [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Plan, Action::Report,          [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Plan, Action::Comment,         [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    // Tasks: create, edit and assign against the assigning organization; report
    // against the lead organization itself (only the lead reports, not those above
    // it); comment against any involved organization.
    (Resource::Task, Action::Read,            [All,    All,       All,        All,     All]),
    (Resource::Task, Action::Create,          [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Task, Action::Update,          [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Task, Action::Archive,         [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Task, Action::Assign,          [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Task, Action::Report,          [Own,    Own,       Own,        Own,     Nothing]),
    (Resource::Task, Action::Comment,         [Own,    Own,       Own,        Own,     Nothing]),
    // The network is open to every signed-in user: each side sees what the others did.
    // Pairings: judged against either organization.
    (Resource::Pairing, Action::Read,         [All,    All,       All,        All,     All]),
    (Resource::Pairing, Action::Create,       [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Pairing, Action::Update,       [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Pairing, Action::Archive,      [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Pairing, Action::Assign,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Pairing, Action::Report,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Pairing, Action::Comment,      [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    // Mechanisms: members and convenors, judged against the mechanism organization.
    (Resource::Mechanism, Action::Read,       [All,    All,       All,        All,     All]),
    (Resource::Mechanism, Action::Create,     [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Mechanism, Action::Update,     [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Mechanism, Action::Archive,    [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Mechanism, Action::Assign,     [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Mechanism, Action::Report,     [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Mechanism, Action::Comment,    [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    // Joint meetings and their resolutions: judged against the host.
    (Resource::Meeting, Action::Read,         [All,    All,       All,        All,     All]),
    (Resource::Meeting, Action::Create,       [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Meeting, Action::Update,       [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Meeting, Action::Archive,      [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Meeting, Action::Assign,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Meeting, Action::Report,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Meeting, Action::Comment,      [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    // Exchanges: recorded by the organization they came from, staff included.
    (Resource::Exchange, Action::Read,        [All,    All,       All,        All,     All]),
    (Resource::Exchange, Action::Create,      [All,    Subtree,   Subtree,    Subtree, Nothing]),
    (Resource::Exchange, Action::Update,      [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Exchange, Action::Archive,     [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Exchange, Action::Assign,      [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Exchange, Action::Report,      [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Exchange, Action::Comment,     [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    // Events: judged against their hosts; open to every signed-in user to read.
    (Resource::Event, Action::Read,           [All,    All,       All,        All,     All]),
    (Resource::Event, Action::Create,         [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Event, Action::Update,         [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Event, Action::Archive,        [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Event, Action::Assign,         [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Event, Action::Report,         [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Event, Action::Comment,        [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    // Signed projects: judged against the organization that follows them up.
    (Resource::Project, Action::Read,         [All,    All,       All,        All,     All]),
    (Resource::Project, Action::Create,       [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Project, Action::Update,       [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Project, Action::Archive,      [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Project, Action::Assign,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Project, Action::Report,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Project, Action::Comment,      [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    // Donations: judged against the recipient; read only within one's own subtree.
    (Resource::Donation, Action::Read,        [All,    Subtree,   Subtree,    Subtree, Subtree]),
    (Resource::Donation, Action::Create,      [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Donation, Action::Update,      [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Donation, Action::Archive,     [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Donation, Action::Assign,      [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Donation, Action::Report,      [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Donation, Action::Comment,     [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    // People: judged against the owner organization; who may find them at all is the
    // person's sharing level. Archive is erasure on request.
    (Resource::Person, Action::Read,          [All,    All,       All,        All,     All]),
    (Resource::Person, Action::Create,        [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Person, Action::Update,        [All,    Subtree,   Subtree,    Nothing, Nothing]),
    (Resource::Person, Action::Archive,       [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Person, Action::Assign,        [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Person, Action::Report,        [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Person, Action::Comment,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    // Contact details of a person one may see: Read unmasks them, Report exports the
    // whole record (a data request); both are audited. Members and viewers see masks.
    (Resource::Contact, Action::Read,         [All,    All,       All,        Nothing, Nothing]),
    (Resource::Contact, Action::Create,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Contact, Action::Update,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Contact, Action::Archive,      [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Contact, Action::Assign,       [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Contact, Action::Report,       [All,    Subtree,   Nothing,    Nothing, Nothing]),
    (Resource::Contact, Action::Comment,      [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Audit, Action::Read,           [All,    Nothing,   Nothing,    Nothing, Nothing]),
    (Resource::Audit, Action::Create,         [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Audit, Action::Update,         [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Audit, Action::Archive,        [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Audit, Action::Assign,         [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Audit, Action::Report,         [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
    (Resource::Audit, Action::Comment,        [Nothing, Nothing,  Nothing,    Nothing, Nothing]),
];

/// How far `role` reaches for `action` on `resource`; absent rules reach nothing.
pub fn reach(role: Role, resource: Resource, action: Action) -> Reach {
    let column = match role {
        Role::Admin => 0,
        Role::OrgAdmin => 1,
        Role::Coordinator => 2,
        Role::Member => 3,
        Role::Viewer => 4,
    };
    POLICY
        .iter()
        .find(|(r, a, _)| *r == resource && *a == action)
        .map_or(Nothing, |(_, _, reaches)| reaches[column])
}

/// Whether a reach covers a record whose organization has path `target`
/// (`None`: the record belongs to no organization).
pub fn covers(reach: Reach, actor_path: &str, target: Option<&str>) -> bool {
    match (reach, target) {
        (All, _) => true,
        (Nothing, _) | (_, None) => false,
        (Subtree, Some(t)) => t.starts_with(actor_path),
        (Below, Some(t)) => t.starts_with(actor_path) && t != actor_path,
        (Own, Some(t)) => t == actor_path,
    }
}

/// Allows the action or answers `Forbidden`.
pub fn authorize(
    actor: &Actor,
    resource: Resource,
    action: Action,
    target_org_path: Option<&str>,
) -> Result<()> {
    if covers(
        reach(actor.role, resource, action),
        &actor.org_path,
        target_org_path,
    ) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Allows the action if it is allowed on any of the organizations (e.g. any party of
/// an agreement), or answers `Forbidden`.
pub fn authorize_any<'a>(
    actor: &Actor,
    resource: Resource,
    action: Action,
    target_org_paths: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let reach = reach(actor.role, resource, action);
    if target_org_paths
        .into_iter()
        .any(|p| covers(reach, &actor.org_path, Some(p)))
    {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

impl Actor {
    /// Whether a record involving these organizations is visible: to the national
    /// level and admins, and to the organizations involved and those above them.
    pub fn sees<'a>(&self, involved_paths: impl IntoIterator<Item = &'a str>) -> bool {
        self.sees_all
            || involved_paths
                .into_iter()
                .any(|p| p.starts_with(&self.org_path))
    }

    pub fn may(&self, resource: Resource, action: Action, target_org_path: Option<&str>) -> bool {
        authorize(self, resource, action, target_org_path).is_ok()
    }

    pub fn may_any<'a>(
        &self,
        resource: Resource,
        action: Action,
        paths: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        authorize_any(self, resource, action, paths).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn actor(role: Role, path: &str) -> Actor {
        Actor {
            account_id: AccountId(1),
            login: "t".into(),
            role,
            org_id: OrgId(5),
            org_path: path.into(),
            sees_all: role == Role::Admin,
        }
    }

    #[test]
    fn every_resource_and_action_has_a_rule() {
        for r in Resource::ALL {
            for a in Action::ALL {
                assert!(
                    POLICY.iter().any(|(pr, pa, _)| pr == r && pa == a),
                    "no rule for {r} {a}"
                );
            }
        }
    }

    #[test]
    fn an_org_admin_edits_their_subtree_but_archives_only_below() {
        let a = actor(Role::OrgAdmin, "/1/5/");
        assert!(a.may(Resource::Org, Action::Update, Some("/1/5/")));
        assert!(a.may(Resource::Org, Action::Update, Some("/1/5/9/")));
        assert!(!a.may(Resource::Org, Action::Update, Some("/1/")));
        assert!(!a.may(Resource::Org, Action::Update, Some("/1/6/")));
        assert!(!a.may(Resource::Org, Action::Archive, Some("/1/5/")));
        assert!(a.may(Resource::Org, Action::Archive, Some("/1/5/9/")));
    }

    #[test]
    fn a_path_prefix_of_digits_is_not_a_subtree() {
        // '/1/5/' must not reach '/1/50/': the trailing slash is what makes it safe.
        let a = actor(Role::OrgAdmin, "/1/5/");
        assert!(!a.may(Resource::Org, Action::Update, Some("/1/50/")));
    }

    #[test]
    fn only_the_lead_organization_itself_reports_progress() {
        let lead = "/1/5/9/";
        assert!(actor(Role::Member, lead).may(Resource::Task, Action::Report, Some(lead)));
        assert!(!actor(Role::OrgAdmin, "/1/5/").may(Resource::Task, Action::Report, Some(lead)));
        assert!(!actor(Role::Admin, "/1/").may(Resource::Task, Action::Report, Some(lead)));
        assert!(!actor(Role::Viewer, lead).may(Resource::Task, Action::Report, Some(lead)));
    }

    #[test]
    fn only_admins_create_top_level_organizations() {
        assert!(actor(Role::Admin, "/1/").may(Resource::Org, Action::Create, None));
        assert!(!actor(Role::OrgAdmin, "/1/").may(Resource::Org, Action::Create, None));
    }

    proptest! {
        #[test]
        fn viewers_never_write_and_members_only_record_exchanges(
            path in "(/[1-9][0-9]{0,3}){1,4}/",
            target in "(/[1-9][0-9]{0,3}){1,4}/",
        ) {
            for role in [Role::Viewer, Role::Member] {
                let a = actor(role, &path);
                for res in Resource::ALL {
                    for act in [Action::Create, Action::Update, Action::Archive] {
                        let exception = role == Role::Member && *res == Resource::Exchange && act == Action::Create;
                        prop_assert!(exception || !a.may(*res, act, Some(&target)), "{role} may {act} {res}");
                    }
                }
            }
        }

        #[test]
        fn reach_never_grows_down_the_roles(
            path in "(/[1-9][0-9]{0,2}){1,3}/",
            target in "(/[1-9][0-9]{0,2}){1,4}/",
        ) {
            // A role lower in the list never may what a higher one may not.
            for res in Resource::ALL {
                for act in Action::ALL {
                    let allowed: Vec<bool> = Role::ALL
                        .iter()
                        .map(|r| actor(*r, &path).may(*res, *act, Some(&target)))
                        .collect();
                    for w in allowed.windows(2) {
                        prop_assert!(w[0] || !w[1]);
                    }
                }
            }
        }
    }
}
