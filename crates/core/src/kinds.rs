//! Every kind of record in one table: its table, the alias its read rule is written
//! over, the rule itself, its search documents and its files. What must hold for all
//! kinds alike — the same rule for `get`, lists and search; files read only through
//! their owner's rule — is written once against this table, and the property test and
//! docs/SECURITY.md walk it. A new kind is added here (docs/ARCHITECTURE.md).

use crate::access::{Actor, ReadRule};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::file::{AttachmentId, Download};
use crate::sql::Sql;
use crate::{
    account, agreement, article, donation, event, exchange, meeting, org, pairing, person, plan,
    project, search, talent, task,
};

/// One kind of record.
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    /// The name used in the API and in the audit trail.
    pub name: &'static str,
    pub table: &'static str,
    /// The alias `read` is written over: `from {table} {alias}`.
    pub alias: &'static str,
    pub read: ReadRule,
    /// Its search documents, if it has any.
    pub search: Option<search::Kind>,
}

impl Kind {
    /// The ids of the records of this kind the actor may read, among `ids`.
    pub async fn readable(&self, db: &Db, actor: &Actor, ids: &[i64]) -> Result<Vec<i64>> {
        let mut q = Sql::new(&format!(
            "select {a}.id from {t} {a} where {a}.id in ",
            a = self.alias,
            t = self.table
        ));
        q.bind_list(ids.iter().copied())
            .and(&self.read.sql(actor))
            .push(&format!(" order by {}.id", self.alias));
        q.column(&mut db.read().await?).await
    }
}

pub const KINDS: &[Kind] = &[
    Kind {
        name: "org",
        table: "org",
        alias: "o",
        read: org::READ,
        search: Some(search::Kind::Org),
    },
    Kind {
        name: "account",
        table: "account",
        alias: "a",
        read: account::READ,
        search: None,
    },
    Kind {
        name: "agreement",
        table: "agreement",
        alias: "a",
        read: agreement::READ,
        search: Some(search::Kind::Agreement),
    },
    Kind {
        name: "plan",
        table: "plan",
        alias: "p",
        read: plan::READ,
        search: None,
    },
    Kind {
        name: "task",
        table: "task",
        alias: "t",
        read: task::READ,
        search: Some(search::Kind::Task),
    },
    Kind {
        name: "pairing",
        table: "pairing",
        alias: "p",
        read: pairing::READ,
        search: None,
    },
    Kind {
        name: "meeting",
        table: "meeting",
        alias: "m",
        read: meeting::READ,
        search: Some(search::Kind::Meeting),
    },
    Kind {
        name: "exchange",
        table: "exchange",
        alias: "e",
        read: exchange::READ,
        search: None,
    },
    Kind {
        name: "event",
        table: "event",
        alias: "e",
        read: event::READ,
        search: Some(search::Kind::Event),
    },
    Kind {
        name: "project",
        table: "project",
        alias: "p",
        read: project::READ,
        search: Some(search::Kind::Project),
    },
    Kind {
        name: "talent",
        table: "talent",
        alias: "t",
        read: talent::READ,
        search: None,
    },
    Kind {
        name: "article",
        table: "article",
        alias: "a",
        read: article::READ,
        search: None,
    },
    Kind {
        name: "donation",
        table: "donation",
        alias: "d",
        read: donation::READ,
        search: None,
    },
    Kind {
        name: "person",
        table: "person",
        alias: "p",
        read: person::READ,
        search: Some(search::Kind::Person),
    },
];

pub fn kind(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

/// How each searched kind joins back to its record, and its read rule (`search::Rule`).
pub fn search_rule(kind: search::Kind, actor: &Actor) -> (&'static str, Sql) {
    match kind {
        search::Kind::Org => ("join org o on o.id = d.ref_id", {
            let mut q = Sql::new("o.archived_at is null");
            q.and(&org::READ.sql(actor));
            q
        }),
        search::Kind::Person => ("join person p on p.id = d.ref_id", person::openable(actor)),
        search::Kind::Agreement => (
            "join agreement a on a.id = d.ref_id",
            agreement::READ.sql(actor),
        ),
        search::Kind::Task => ("join task t on t.id = d.ref_id", task::READ.sql(actor)),
        search::Kind::Meeting => (
            "join meeting m on m.id = d.ref_id",
            meeting::READ.sql(actor),
        ),
        search::Kind::Event => ("join event e on e.id = d.ref_id", event::READ.sql(actor)),
        search::Kind::Project => (
            "join project p on p.id = d.ref_id",
            project::READ.sql(actor),
        ),
    }
}

/// Searches what the actor may read (`search::search` with every kind's rule).
pub async fn search(
    db: &Db,
    actor: &Actor,
    input: &search::SearchInput,
) -> Result<search::Results> {
    search::search(db, actor, input, search_rule).await
}

/// What stored files may belong to, and whose read rule decides who reads them.
pub struct FileOwner {
    /// `attachment.owner_kind`.
    pub owner_kind: &'static str,
    /// Tables to reach the record whose rule applies, and the column that is the
    /// attachment's `owner_id`.
    pub from: &'static str,
    pub id: &'static str,
    pub read: ReadRule,
}

pub const FILE_OWNERS: &[FileOwner] = &[
    FileOwner {
        owner_kind: "agreement",
        from: "agreement a",
        id: "a.id",
        read: agreement::READ,
    },
    FileOwner {
        owner_kind: "event",
        from: "event e",
        id: "e.id",
        read: event::READ,
    },
    // A progress report's evidence is read by whoever may read its task.
    FileOwner {
        owner_kind: "progress",
        from: "progress_report r join task t on t.id = r.task_id",
        id: "r.id",
        read: task::READ,
    },
    // An order's answer's files are read by whoever may read the order.
    FileOwner {
        owner_kind: "order_event",
        from: "order_event ev join supervision_order o on o.id = ev.order_id",
        id: "ev.id",
        read: crate::order::READ,
    },
];

/// A stored file, if the actor may read what it belongs to; the content is read only
/// after that check, in the same statement.
pub async fn download(db: &Db, actor: &Actor, id: AttachmentId) -> Result<Download> {
    let mut q = Sql::new(
        "select at.owner_kind, at.owner_id, at.id, at.sha256, at.file_name, at.mime, f.size, at.created_at, f.content
         from attachment at join file f on f.sha256 = at.sha256 where at.id = ",
    );
    q.bind(id.0).push(" and (");
    for (i, owner) in FILE_OWNERS.iter().enumerate() {
        if i > 0 {
            q.push(" or ");
        }
        q.push("(at.owner_kind = ")
            .bind(owner.owner_kind)
            .push(&format!(
                " and exists (select 1 from {} where {} = at.owner_id and ",
                owner.from, owner.id
            ))
            .append(&owner.read.sql(actor))
            .push("))");
    }
    q.push(")");
    q.optional(&mut db.read().await?)
        .await?
        .ok_or(Error::NotFound)
}

/// What other areas derive from organization paths and sides, kept in step by
/// [`org::update`]: who each task reaches (by path) and the outcome figures (by path
/// and side).
#[derive(Default)]
pub struct OrgFollows {
    outcomes: Option<crate::outcome::tally::Change>,
    people: Option<crate::person::tally::Change>,
    /// The organization changes side: the tasks it leads count under another side.
    side_changes: bool,
}

type Step<'a> = std::pin::Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

impl org::Follows for OrgFollows {
    fn before<'a>(
        &'a mut self,
        tx: &'a mut crate::db::Tx,
        org: &'a org::Org,
        side_changes: bool,
    ) -> Step<'a> {
        Box::pin(async move {
            use crate::outcome::tally;
            let records = tally::Records::of_subtree(tx, &org.path).await?;
            self.outcomes = Some(tally::Change::of(tx, records).await?);
            self.side_changes = side_changes;
            // People are counted by their owner, not its place in the tree.
            if side_changes {
                self.people = Some(crate::person::tally::Change::of_owner(tx, org.id.0).await?);
            }
            Ok(())
        })
    }

    fn after<'a>(
        &'a mut self,
        tx: &'a mut crate::db::Tx,
        org: org::OrgId,
        moved: bool,
    ) -> Step<'a> {
        Box::pin(async move {
            // A move changes every task that reaches the organization (those it leads
            // among them); a change of side only those it leads.
            let tasks = if moved {
                task::reach::tasks_reaching(tx, org).await?
            } else if self.side_changes {
                task::reach::tasks_led_by(tx, org).await?
            } else {
                Vec::new()
            };
            task::reach::sync(tx, &tasks).await?;
            if let Some(change) = self.people.take() {
                change.settle(tx).await?;
            }
            match self.outcomes.take() {
                Some(change) => change.settle(tx).await,
                None => Ok(()),
            }
        })
    }
}
