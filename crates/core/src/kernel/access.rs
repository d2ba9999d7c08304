//! Who may do what: one declarative table of role × action → the organizations it reaches.
//!
//! Every record belongs to an organization. The relation of the record's organization
//! to the acting user's decides, through [`POLICY`], whether an action is allowed.
//! Handlers never test roles themselves; they call [`authorize`] or use [`reach`] to
//! filter lists.

use crate::account::{AccountId, Role};
use crate::error::{Error, Result};
use crate::org::OrgId;
use crate::sql::Sql;

/// The signed-in user, as far as access decisions need it.
#[derive(Clone, Debug)]
pub struct Actor {
    pub account_id: AccountId,
    pub login: String,
    pub role: Role,
    pub org_id: OrgId,
    /// Materialized path of the user's organization, e.g. `/1/5/`.
    pub org_path: String,
    /// Whether the user's organization is at the national level, which oversees every
    /// side ([`Relation::National`]).
    pub national: bool,
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
        // Supervision orders (督办单): read by the issuer, the responsible organization,
        // the one it went up to, and those above them.
        Order = "order",
        // The jobs the servers run (reminders, deliveries): watched and retried by
        // administrators.
        Job = "job",
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

text_enum!(
    /// How a record's organization stands to the reader's, nearest first: the reader's
    /// own, one below it, one above it, or elsewhere. For a reader at the national
    /// level, whose federation oversees every side, everything not their own or below
    /// it is `national` instead of above or elsewhere.
    Relation {
        Own = "own",
        Below = "below",
        Above = "above",
        National = "national",
        Elsewhere = "elsewhere",
    }
);

/// Which organizations' records a rule reaches: a set of relations to the reader's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reach(u8);

impl Reach {
    const fn of(relations: &[Relation]) -> Reach {
        let mut bits = 0;
        let mut i = 0;
        while i < relations.len() {
            bits |= 1 << relations[i] as u8;
            i += 1;
        }
        Reach(bits)
    }

    pub fn contains(self, r: Relation) -> bool {
        self.0 & (1 << r as u8) != 0
    }

    /// Every organization, and records that belong to none.
    pub const ALL: Reach = Reach::of(&[
        Relation::Own,
        Relation::Below,
        Relation::Above,
        Relation::National,
        Relation::Elsewhere,
    ]);
    /// The reader's organization and everything below it.
    pub const SUBTREE: Reach = Reach::of(&[Relation::Own, Relation::Below]);
    /// The subtree, and everything for a reader at the national level.
    pub const OVERSIGHT: Reach = Reach::of(&[Relation::Own, Relation::Below, Relation::National]);
    /// The oversight, and the organizations above the reader's.
    pub const LINEAGE: Reach = Reach::of(&[
        Relation::Own,
        Relation::Below,
        Relation::Above,
        Relation::National,
    ]);
    /// Only what is below the reader's organization, not the organization itself.
    pub const BELOW: Reach = Reach::of(&[Relation::Below]);
    /// Only the reader's own organization.
    pub const OWN: Reach = Reach::of(&[Relation::Own]);
    pub const NOTHING: Reach = Reach(0);
}

const ALL: Reach = Reach::ALL;
const SUB: Reach = Reach::SUBTREE;
const OVER: Reach = Reach::OVERSIGHT;
const LINE: Reach = Reach::LINEAGE;
const BELOW: Reach = Reach::BELOW;
const OWN: Reach = Reach::OWN;
const NONE: Reach = Reach::NOTHING;

/// The policy. Columns: admin, org_admin, coordinator, member, viewer.
///
/// For `Create`, the organization is the one the new record will belong to (for a new
/// organization: its parent). Records that belong to no organization (a top-level
/// organization) are reached only by `ALL`. A record of several organizations (an
/// agreement's parties, a task's lead, assigner and supporters) is reached when any of
/// them is. `Read` rows are what every list, count, search and `get` applies, through
/// [`ReadRule`]; docs/SECURITY.md prints this table as a matrix.
#[rustfmt::skip]
pub const POLICY: &[(Resource, Action, [Reach; 5])] = &[
    //                                      admin  org_admin coord  member viewer
    (Resource::Org, Action::Read,         [ALL  , ALL  , ALL  , ALL  , ALL]),
    (Resource::Org, Action::Create,       [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Org, Action::Update,       [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Org, Action::Archive,      [ALL  , BELOW, NONE , NONE , NONE]),
    (Resource::Org, Action::Assign,       [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Org, Action::Report,       [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Org, Action::Comment,      [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Account, Action::Read,     [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Account, Action::Create,   [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Account, Action::Update,   [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Account, Action::Archive,  [ALL  , BELOW, NONE , NONE , NONE]),
    (Resource::Account, Action::Assign,   [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Account, Action::Report,   [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Account, Action::Comment,  [NONE , NONE , NONE , NONE , NONE]),
    // Agreements: judged against each party; reading is filtered by visibility.
    (Resource::Agreement, Action::Read,   [ALL  , OVER , OVER , OVER , OVER]),
    (Resource::Agreement, Action::Create, [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Agreement, Action::Update, [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Agreement, Action::Archive,[ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Agreement, Action::Assign, [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Agreement, Action::Report, [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Agreement, Action::Comment,[NONE , NONE , NONE , NONE , NONE]),
    // Plans: judged against the owner organization.
    (Resource::Plan, Action::Read,        [ALL  , OVER , OVER , OVER , OVER]),
    (Resource::Plan, Action::Create,      [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Plan, Action::Update,      [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Plan, Action::Archive,     [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Plan, Action::Assign,      [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Plan, Action::Report,      [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Plan, Action::Comment,     [NONE , NONE , NONE , NONE , NONE]),
    // Tasks: create, edit and assign against the assigning organization; report
    // against the lead organization itself (only the lead reports, not those above
    // it); comment against any involved organization.
    (Resource::Task, Action::Read,        [ALL  , OVER , OVER , OVER , OVER]),
    (Resource::Task, Action::Create,      [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Task, Action::Update,      [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Task, Action::Archive,     [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Task, Action::Assign,      [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Task, Action::Report,      [OWN  , OWN  , OWN  , OWN  , NONE]),
    (Resource::Task, Action::Comment,     [OWN  , OWN  , OWN  , OWN  , NONE]),
    // The network is open to every signed-in user: each side sees what the others did.
    // Pairings: judged against either organization.
    (Resource::Pairing, Action::Read,     [ALL  , ALL  , ALL  , ALL  , ALL]),
    (Resource::Pairing, Action::Create,   [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Pairing, Action::Update,   [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Pairing, Action::Archive,  [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Pairing, Action::Assign,   [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Pairing, Action::Report,   [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Pairing, Action::Comment,  [NONE , NONE , NONE , NONE , NONE]),
    // Mechanisms: members and convenors, judged against the mechanism organization.
    (Resource::Mechanism, Action::Read,   [ALL  , ALL  , ALL  , ALL  , ALL]),
    (Resource::Mechanism, Action::Create, [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Mechanism, Action::Update, [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Mechanism, Action::Archive,[ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Mechanism, Action::Assign, [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Mechanism, Action::Report, [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Mechanism, Action::Comment,[NONE , NONE , NONE , NONE , NONE]),
    // Joint meetings and their resolutions: judged against the host.
    (Resource::Meeting, Action::Read,     [ALL  , ALL  , ALL  , ALL  , ALL]),
    (Resource::Meeting, Action::Create,   [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Meeting, Action::Update,   [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Meeting, Action::Archive,  [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Meeting, Action::Assign,   [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Meeting, Action::Report,   [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Meeting, Action::Comment,  [NONE , NONE , NONE , NONE , NONE]),
    // Exchanges: recorded by the organization they came from, staff included.
    (Resource::Exchange, Action::Read,    [ALL  , ALL  , ALL  , ALL  , ALL]),
    (Resource::Exchange, Action::Create,  [ALL  , SUB  , SUB  , SUB  , NONE]),
    (Resource::Exchange, Action::Update,  [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Exchange, Action::Archive, [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Exchange, Action::Assign,  [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Exchange, Action::Report,  [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Exchange, Action::Comment, [NONE , NONE , NONE , NONE , NONE]),
    // Events: judged against their hosts; open to every signed-in user to read.
    (Resource::Event, Action::Read,       [ALL  , ALL  , ALL  , ALL  , ALL]),
    (Resource::Event, Action::Create,     [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Event, Action::Update,     [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Event, Action::Archive,    [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Event, Action::Assign,     [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Event, Action::Report,     [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Event, Action::Comment,    [NONE , NONE , NONE , NONE , NONE]),
    // Signed projects: judged against the organization that follows them up.
    (Resource::Project, Action::Read,     [ALL  , ALL  , ALL  , ALL  , ALL]),
    (Resource::Project, Action::Create,   [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Project, Action::Update,   [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Project, Action::Archive,  [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Project, Action::Assign,   [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Project, Action::Report,   [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Project, Action::Comment,  [NONE , NONE , NONE , NONE , NONE]),
    // Donations: judged against the recipient; read only within one's own subtree.
    (Resource::Donation, Action::Read,    [ALL  , SUB  , SUB  , SUB  , SUB]),
    (Resource::Donation, Action::Create,  [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Donation, Action::Update,  [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Donation, Action::Archive, [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Donation, Action::Assign,  [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Donation, Action::Report,  [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Donation, Action::Comment, [NONE , NONE , NONE , NONE , NONE]),
    // People: judged against the owner organization; who may find them at all is the
    // person's sharing level. Archive is erasure on request.
    (Resource::Person, Action::Read,      [ALL  , LINE , LINE , LINE , LINE]),
    (Resource::Person, Action::Create,    [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Person, Action::Update,    [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Person, Action::Archive,   [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Person, Action::Assign,    [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Person, Action::Report,    [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Person, Action::Comment,   [NONE , NONE , NONE , NONE , NONE]),
    // Contact details of a person one may see: Read unmasks them, Report exports the
    // whole record (a data request); both are audited. Members and viewers see masks.
    (Resource::Contact, Action::Read,     [ALL  , ALL  , ALL  , NONE , NONE]),
    (Resource::Contact, Action::Create,   [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Contact, Action::Update,   [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Contact, Action::Archive,  [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Contact, Action::Assign,   [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Contact, Action::Report,   [ALL  , SUB  , NONE , NONE , NONE]),
    (Resource::Contact, Action::Comment,  [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Audit, Action::Read,       [ALL  , NONE , NONE , NONE , NONE]),
    (Resource::Audit, Action::Create,     [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Audit, Action::Update,     [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Audit, Action::Archive,    [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Audit, Action::Assign,     [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Audit, Action::Report,     [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Audit, Action::Comment,    [NONE , NONE , NONE , NONE , NONE]),
    // Supervision orders: opened against the responsible organization, which must be
    // another than the issuer's (a task's assigner may also order its lead, see `order`);
    // answered by the responsible organization itself; accepted or returned by the
    // issuer's side.
    (Resource::Order, Action::Read,       [ALL  , OVER , OVER , OVER , OVER]),
    (Resource::Order, Action::Create,     [ALL  , OVER , OVER , NONE , NONE]),
    (Resource::Order, Action::Update,     [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Order, Action::Archive,    [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Order, Action::Assign,     [ALL  , SUB  , SUB  , NONE , NONE]),
    (Resource::Order, Action::Report,     [OWN  , OWN  , OWN  , OWN  , NONE]),
    (Resource::Order, Action::Comment,    [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Job, Action::Read,         [ALL  , NONE , NONE , NONE , NONE]),
    (Resource::Job, Action::Create,       [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Job, Action::Update,       [ALL  , NONE , NONE , NONE , NONE]),
    (Resource::Job, Action::Archive,      [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Job, Action::Assign,       [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Job, Action::Report,       [NONE , NONE , NONE , NONE , NONE]),
    (Resource::Job, Action::Comment,      [NONE , NONE , NONE , NONE , NONE]),
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
        .map_or(NONE, |(_, _, reaches)| reaches[column])
}

impl Actor {
    /// How an organization with path `target` stands to the actor's.
    pub fn relation(&self, target: &str) -> Relation {
        if target == self.org_path {
            Relation::Own
        } else if target.starts_with(&self.org_path) {
            Relation::Below
        } else if self.national {
            Relation::National
        } else if self.org_path.starts_with(target) {
            Relation::Above
        } else {
            Relation::Elsewhere
        }
    }

    /// Whether a reach covers a record whose organization has path `target`
    /// (`None`: the record belongs to no organization, reached only by `ALL`).
    pub fn covers(&self, reach: Reach, target: Option<&str>) -> bool {
        match target {
            None => reach == ALL,
            Some(t) => reach.contains(self.relation(t)),
        }
    }

    pub fn may(&self, resource: Resource, action: Action, target_org_path: Option<&str>) -> bool {
        self.covers(reach(self.role, resource, action), target_org_path)
    }

    pub fn may_any<'a>(
        &self,
        resource: Resource,
        action: Action,
        paths: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        let reach = reach(self.role, resource, action);
        paths.into_iter().any(|p| self.covers(reach, Some(p)))
    }

    /// The ids of the organizations above the actor's, read from its path `/1/5/9/`.
    fn ancestors(&self) -> Vec<i64> {
        let ids: Vec<i64> = self
            .org_path
            .split('/')
            .filter_map(|s| s.parse().ok())
            .collect();
        ids[..ids.len().saturating_sub(1)].to_vec()
    }
}

/// Allows the action or answers `Forbidden`.
pub fn authorize(
    actor: &Actor,
    resource: Resource,
    action: Action,
    target_org_path: Option<&str>,
) -> Result<()> {
    if actor.may(resource, action, target_org_path) {
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
    if actor.may_any(resource, action, target_org_paths) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Where a read rule finds a record's organizations, in SQL over its kind's alias.
#[derive(Clone, Copy, Debug)]
pub enum OrgOf {
    /// A column holding one organization's id, e.g. `t.lead_org_id`.
    Column(&'static str),
    /// A correlated subquery selecting organization ids, e.g. a task's supporters.
    Select(&'static str),
    /// Organizations linked through a table, judged the other way round: the record's
    /// `id` is among the `key`s of the `table` rows whose `org` the reader reaches. The
    /// same judgement as `Select`, driven by the reader's organizations instead of
    /// trying every record (an agreement count for a district: 138 → 3 ms at national).
    Link {
        id: &'static str,
        table: &'static str,
        key: &'static str,
        org: &'static str,
    },
}

/// Who may read a kind of record, declared once in the kind's module: the policy's
/// `Read` row judged against the record's organizations. Lists, counts, sums, search,
/// pickers, files and `get` all filter with [`ReadRule::sql`], so they cannot disagree.
#[derive(Clone, Copy, Debug)]
pub struct ReadRule {
    pub resource: Resource,
    pub orgs: &'static [OrgOf],
    /// What a record itself opens beyond the policy, e.g. a person shared with all.
    pub also: Option<fn(&Actor) -> Sql>,
    /// A maintained table of which organizations each record reaches (those in `orgs`
    /// and every one above them): `exists (select 1 … and x.org_id = ` awaiting the
    /// reader's key and `)`. Used whenever the reader's reach is their own subtree,
    /// instead of matching paths row by row.
    pub reached: Option<&'static str>,
}

/// The key of readers who see every record in a `reached` table.
pub const EVERYONE: i64 = 0;

impl ReadRule {
    /// Which organization's rows of the `reached` table are this reader's records:
    /// [`EVERYONE`] for those who see all, their own organization for those who see
    /// their subtree; `None` for other reaches (or no table), which use `orgs`.
    pub fn reader_key(&self, actor: &Actor) -> Option<i64> {
        self.reached?;
        let reach = reach(actor.role, self.resource, Action::Read);
        if reach == ALL || (actor.national && reach.contains(Relation::National)) {
            Some(EVERYONE)
        } else if reach.contains(Relation::Own)
            && reach.contains(Relation::Below)
            && !reach.contains(Relation::Above)
        {
            Some(actor.org_id.0)
        } else {
            None
        }
    }

    /// The rule as an SQL condition for this reader.
    pub fn sql(&self, actor: &Actor) -> Sql {
        let policy = match (self.reached, self.reader_key(actor)) {
            (_, Some(EVERYONE)) => Sql::truth(true),
            (Some(head), Some(key)) => {
                let mut q = Sql::new(head);
                q.bind(key).push(")");
                q
            }
            _ => condition(
                actor,
                reach(actor.role, self.resource, Action::Read),
                self.orgs,
            ),
        };
        match self.also {
            Some(also) if policy != Sql::truth(true) => {
                let mut q = Sql::new("(");
                q.append(&policy)
                    .push(" or ")
                    .append(&also(actor))
                    .push(")");
                q
            }
            _ => policy,
        }
    }
}

/// The SQL condition under which `reach` covers any of the organizations `orgs`, the
/// same judgement [`Actor::covers`] makes in Rust.
pub fn condition(actor: &Actor, reach: Reach, orgs: &[OrgOf]) -> Sql {
    if reach == ALL || (actor.national && reach.contains(Relation::National)) {
        return Sql::truth(true);
    }
    let mut matches = Vec::new();
    let subtree = format!("{}%", actor.org_path);
    match (
        reach.contains(Relation::Own),
        reach.contains(Relation::Below),
    ) {
        (true, true) => {
            let mut m = Sql::new("ro.path like ");
            m.bind(subtree);
            matches.push(m);
        }
        (true, false) => {
            let mut m = Sql::new("ro.id = ");
            m.bind(actor.org_id.0);
            matches.push(m);
        }
        (false, true) => {
            let mut m = Sql::new("ro.path like ");
            m.bind(subtree).push(" and ro.id <> ").bind(actor.org_id.0);
            matches.push(m);
        }
        (false, false) => {}
    }
    if reach.contains(Relation::Above) && !actor.national {
        let mut m = Sql::new("ro.id in ");
        m.bind_list(actor.ancestors());
        matches.push(m);
    }
    if matches.is_empty() || orgs.is_empty() {
        return Sql::truth(false);
    }
    let mut any = Sql::new("");
    for m in &matches {
        if !any.is_empty() {
            any.push(" or ");
        }
        any.push("(").append(m).push(")");
    }
    let mut out = Sql::new("(");
    for (i, org) in orgs.iter().enumerate() {
        if i > 0 {
            out.push(" or ");
        }
        match org {
            OrgOf::Column(c) => out.push(&format!(
                "exists (select 1 from org ro where ro.id = {c} and ("
            )),
            OrgOf::Select(q) => out.push(&format!(
                "exists (select 1 from org ro where ro.id in ({q}) and ("
            )),
            OrgOf::Link {
                id,
                table,
                key,
                org,
            } => out.push(&format!(
                "{id} in (select lk.{key} from {table} lk join org ro on ro.id = lk.{org} where ("
            )),
        };
        out.append(&any).push("))");
    }
    out.push(")");
    out
}

/// The policy as docs/SECURITY.md prints it: for each kind of record, who (role) may do
/// what (action) to a record according to how its organization stands to theirs.
pub fn matrix() -> String {
    use std::fmt::Write;
    let letter = |a: Action| match a {
        Action::Read => "R",
        Action::Create => "C",
        Action::Update => "U",
        Action::Archive => "X",
        Action::Assign => "S",
        Action::Report => "P",
        Action::Comment => "M",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Letters: R read, C create, U update, X archive (for people: erase), S assign \
         (assign, verify, close, refuse, cancel), P report, M comment; — nothing.\n"
    );
    for resource in Resource::ALL {
        let _ = writeln!(out, "#### {resource}\n");
        let _ = write!(out, "| the record's organization is… |");
        for role in Role::ALL {
            let _ = write!(out, " {role} |");
        }
        let _ = write!(out, "\n|---|");
        for _ in Role::ALL {
            let _ = write!(out, "---|");
        }
        out.push('\n');
        for relation in Relation::ALL {
            let _ = write!(out, "| {relation} |");
            for role in Role::ALL {
                let letters: String = Action::ALL
                    .iter()
                    .filter(|a| reach(*role, *resource, **a).contains(*relation))
                    .map(|a| letter(*a))
                    .collect();
                let _ = write!(
                    out,
                    " {} |",
                    if letters.is_empty() { "—" } else { &letters }
                );
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
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
            national: false,
        }
    }

    #[test]
    fn docs_security_prints_the_policy_table() {
        // Regenerate with QIAOLIAN_WRITE_POLICY=1 after changing POLICY.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/SECURITY.md");
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        let (begin, end) = ("<!-- policy:begin -->\n", "<!-- policy:end -->");
        let (Some(a), Some(b)) = (doc.find(begin), doc.find(end)) else {
            panic!("docs/SECURITY.md has no policy markers");
        };
        let current = &doc[a + begin.len()..b];
        let wanted = matrix();
        if current != wanted && std::env::var("QIAOLIAN_WRITE_POLICY").is_ok() {
            let updated = format!("{}{wanted}{}", &doc[..a + begin.len()], &doc[b..]);
            std::fs::write(path, updated).unwrap_or_default();
            return;
        }
        assert!(
            current == wanted,
            "docs/SECURITY.md is behind POLICY: run with QIAOLIAN_WRITE_POLICY=1"
        );
    }

    #[test]
    fn a_reach_names_relations_that_make_sense() {
        // `elsewhere` only as part of everything, `national` only over the subtree:
        // the SQL in `condition` relies on both.
        for (_, _, reaches) in POLICY {
            for r in reaches {
                assert!(!r.contains(Relation::Elsewhere) || *r == ALL, "{r:?}");
                assert!(
                    !r.contains(Relation::National)
                        || (r.contains(Relation::Own) && r.contains(Relation::Below)),
                    "{r:?}"
                );
                assert!(
                    [ALL, SUB, OVER, LINE, BELOW, OWN, NONE].contains(r),
                    "{r:?} is not one of the named reaches"
                );
            }
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
