//! Each list's columns and cells, with the list page's own words for them.

use axum::response::Response;
use qiaolian_core::agreement::Agreement;
use qiaolian_core::article::Article;
use qiaolian_core::donation::Donation;
use qiaolian_core::event::Event;
use qiaolian_core::exchange::Exchange;
use qiaolian_core::meeting::ResolutionRow;
use qiaolian_core::org::Org;
use qiaolian_core::pairing::Pairing;
use qiaolian_core::person::Person;
use qiaolian_core::project::Project;
use qiaolian_core::supervision::Colour;
use qiaolian_core::talent::Talent;
use qiaolian_core::task::{self, LedgerDays, LedgerHead, LedgerPart, LedgerRow, Task, TaskFilter};
use qiaolian_office::export::{Cell, Column, Fill, Kind};

use qiaolian_core::access::Actor;
use tokio::sync::mpsc;

use super::{Export, Line, Sheet, finish, notes, writer};
use crate::AppState;
use crate::error::ApiError;
use crate::i18n::{Locale, t, tn};
use crate::pages::tasks::{LedgerGroups, LedgerLine};

fn col(l: Locale, key: &str, kind: Kind) -> Column {
    Column::new(t(l, key), kind)
}

/// A label from the catalog: `prefix` and the value's code.
fn label(l: Locale, prefix: &str, value: impl std::fmt::Display) -> Cell {
    Cell::Text(t(l, &format!("{prefix}{value}")).to_owned())
}

fn fill(c: Colour) -> Fill {
    match c {
        Colour::Red => Fill::Red,
        Colour::Yellow => Fill::Yellow,
        Colour::Blue => Fill::Blue,
        Colour::Green => Fill::Green,
        Colour::Grey => Fill::Grey,
    }
}

fn colour(l: Locale, c: Colour) -> Cell {
    Cell::Filled(fill(c), t(l, &format!("colour.{c}")).to_owned())
}

fn yes(l: Locale, b: bool) -> Cell {
    if b {
        Cell::Text(t(l, "export.yes").to_owned())
    } else {
        Cell::Blank
    }
}

impl Sheet for Task {
    const TITLE: &'static str = "task.list_title";
    const FILE: &'static str = "tasks";

    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "task.title", Kind::Text),
            col(l, "task.goal", Kind::Long),
            col(l, "task.standard", Kind::Long),
            col(l, "task.deadline", Kind::Date),
            col(l, "task.requirement", Kind::Long),
            col(l, "task.plan", Kind::Text),
            col(l, "task.area", Kind::Text),
            col(l, "task.lead", Kind::Text),
            col(l, "task.responsible", Kind::Text),
            col(l, "task.assigner", Kind::Text),
            col(l, "task.supporters", Kind::Text),
            col(l, "task.progress", Kind::Percent),
            col(l, "task.expected", Kind::Percent),
            col(l, "task.colour", Kind::Text),
            col(l, "task.status", Kind::Text),
            col(l, "export.last_report", Kind::Date),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            self.title.clone().into(),
            self.goal.clone().into(),
            self.standard.clone().into(),
            self.deadline.into(),
            self.requirement.clone().into(),
            self.plan_title.clone().into(),
            self.area_name.clone().into(),
            self.lead_org_name.clone().into(),
            self.responsible.clone().into(),
            self.assigner_org_name.clone().into(),
            Cell::Text(
                self.supporters
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            Cell::Percent(self.progress as f64),
            Cell::Percent(self.assessment().expected as f64),
            colour(l, self.colour),
            label(l, "status.", self.status),
            self.last_report_on.into(),
        ]
    }
}

/// The ledger's columns: the printed ledger's, with each fix in a column of its own.
fn ledger_columns(l: Locale) -> Vec<Column> {
    vec![
        col(l, "ledger.no", Kind::Int),
        col(l, "task.title", Kind::Text),
        col(l, "task.goal", Kind::Long),
        col(l, "task.standard", Kind::Long),
        col(l, "task.deadline", Kind::Date),
        col(l, "task.requirement", Kind::Long),
        col(l, "task.lead", Kind::Text),
        col(l, "task.responsible", Kind::Text),
        col(l, "export.last_report", Kind::Date),
        col(l, "ledger.latest", Kind::Long),
        col(l, "task.progress", Kind::Percent),
        col(l, "task.expected", Kind::Percent),
        col(l, "task.colour", Kind::Text),
        col(l, "task.status", Kind::Text),
        col(l, "ledger.missing", Kind::Text),
    ]
}

fn ledger_cells(l: Locale, n: usize, row: &LedgerRow) -> Vec<Cell> {
    let t = &row.task;
    let (status, progress, c) = match &row.then {
        Some(p) => (p.status, p.progress, p.colour),
        None => (t.status, t.progress, t.colour),
    };
    let title = if t.parent_id.is_some() {
        format!("└ {}", t.title)
    } else {
        t.title.clone()
    };
    vec![
        Cell::Int(n as i64),
        title.into(),
        t.goal.clone().into(),
        t.standard.clone().into(),
        t.deadline.into(),
        t.requirement.clone().into(),
        t.lead_org_name.clone().into(),
        t.responsible.clone().into(),
        row.latest.as_ref().map(|r| r.reported_on).into(),
        row.latest.as_ref().map(|r| r.done.clone()).into(),
        Cell::Percent(progress as f64),
        Cell::Percent(row.expected as f64),
        colour(l, c),
        label(l, "status.", status),
        yes(l, row.report_missing),
    ]
}

/// The whole ledger of a filter (today's or a past day's) as a workbook: a row for
/// each task, numbered as the page numbers them, under merged rows for each new
/// agreement, plan and area (`LedgerGroups`, the page's own); above them the total, the
/// colours and the day. Core reads the ledger into a bounded channel while this turns
/// it into lines for the writer.
pub async fn ledger(
    state: &AppState,
    x: Export,
    actor: &Actor,
    filter: &TaskFilter,
    days: &LedgerDays,
) -> Result<Response, ApiError> {
    let l = x.locale;
    let title = t(l, "ledger.title");
    let notes = notes(state, &x, None).await;
    let (parts, mut received) = mpsc::channel::<LedgerPart>(2);
    let read = task::ledger_each(
        &state.db,
        actor,
        filter,
        days,
        state.config.export_limit(),
        parts,
    );
    let write = async move {
        let Some(LedgerPart::Head(head)) = received.recv().await else {
            return None;
        };
        let (send, job) = writer(title, ledger_notes(l, notes, &head), ledger_columns(l));
        let mut groups = LedgerGroups::default();
        while let Some(LedgerPart::Rows(rows)) = received.recv().await {
            let lines = groups
                .lines(rows, l)
                .into_iter()
                .map(|line| match line {
                    LedgerLine::Agreement(name) => {
                        Line::Group(0, format!("{}：{name}", t(l, "ledger.agreement")))
                    }
                    LedgerLine::Plan(name) => {
                        Line::Group(1, format!("{}：{name}", t(l, "ledger.plan")))
                    }
                    LedgerLine::Area(name) => {
                        Line::Group(2, format!("{}：{name}", t(l, "task.area")))
                    }
                    LedgerLine::Task(n, row) => Line::Row(ledger_cells(l, n, &row)),
                })
                .collect();
            // A writer that stopped has its error waiting in `finish`.
            if send.send(lines).await.is_err() {
                break;
            }
        }
        Some(job)
    };
    let (read, job) = tokio::join!(read, write);
    read?;
    match job {
        Some(job) => finish(job, "ledger", title).await,
        None => Err(ApiError(qiaolian_core::Error::Other(
            "the ledger was read without its head".into(),
        ))),
    }
}

/// The lines above the ledger: the filters, then the total, the day and the colours.
fn ledger_notes(l: Locale, mut notes: Vec<String>, head: &LedgerHead) -> Vec<String> {
    let day = head.as_of.unwrap_or_else(qiaolian_core::settings::today);
    let counts: Vec<String> = head
        .colours
        .iter()
        .map(|c| format!("{} {}", t(l, &format!("colour.{}", c.colour)), c.tasks))
        .collect();
    notes.insert(
        1,
        format!(
            "{} · {} · {}",
            tn(l, "export.total", head.total),
            tn(l, "ledger.as_of", day),
            counts.join(" · ")
        ),
    );
    notes
}

/// Names joined as a clerk writes a list of them.
fn names<'a>(it: impl Iterator<Item = &'a str>) -> Cell {
    Cell::Text(it.collect::<Vec<_>>().join("、"))
}

/// A country's name in the reader's language.
fn country(l: Locale, zh: &Option<String>, en: &Option<String>) -> Cell {
    match l {
        Locale::En => en.clone().or_else(|| zh.clone()).into(),
        Locale::ZhCn => zh.clone().into(),
    }
}

/// A name the reader may not see, as the list shows it.
fn withheld(l: Locale, hidden: bool, name: &str) -> Cell {
    if hidden {
        Cell::Text(t(l, "person.withheld").to_owned())
    } else {
        name.into()
    }
}

impl Sheet for Agreement {
    const TITLE: &'static str = "nav.agreements";
    const FILE: &'static str = "agreements";

    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "agreement.title", Kind::Text),
            col(l, "agreement.kind", Kind::Text),
            col(l, "agreement.parties", Kind::Text),
            col(l, "agreement.signed_on", Kind::Date),
            col(l, "agreement.valid_until", Kind::Date),
            col(l, "agreement.status", Kind::Text),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            self.title.clone().into(),
            label(l, "agreement_kind.", self.kind),
            names(self.parties.iter().map(|p| p.org_name.as_str())),
            self.signed_on.into(),
            self.valid_until.into(),
            label(l, "agreement_status.", self.status),
        ]
    }
}

impl Sheet for Pairing {
    const TITLE: &'static str = "pairing.title";
    const FILE: &'static str = "pairings";

    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "pairing.org_a", Kind::Text),
            col(l, "pairing.org_b", Kind::Text),
            col(l, "pairing.level", Kind::Text),
            col(l, "pairing.since", Kind::Date),
            col(l, "pairing.last", Kind::Date),
            col(l, "pairing.count", Kind::Int),
            col(l, "pairing.status", Kind::Text),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            self.org_a_name.clone().into(),
            self.org_b_name.clone().into(),
            label(l, "pairing_level.", self.level),
            self.since.into(),
            self.last_exchange_on.into(),
            self.exchange_count.into(),
            self.status
                .map_or(Cell::Blank, |s| label(l, "pairing_status.", s)),
        ]
    }
}

impl Sheet for Exchange {
    const TITLE: &'static str = "exchange.title";
    const FILE: &'static str = "exchanges";

    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "exchange.date", Kind::Date),
            col(l, "exchange.kind", Kind::Text),
            col(l, "exchange.from", Kind::Text),
            col(l, "exchange.to", Kind::Text),
            col(l, "exchange.summary", Kind::Long),
            col(l, "exchange.participants", Kind::Int),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            self.happened_on.into(),
            label(l, "exchange_kind.", self.kind),
            self.from_org_name.clone().into(),
            names(self.to_orgs.iter().map(|o| o.name.as_str())),
            self.summary.clone().into(),
            self.participants.map_or(Cell::Blank, Cell::Int),
        ]
    }
}

impl Sheet for ResolutionRow {
    const TITLE: &'static str = "stats.resolutions";
    const FILE: &'static str = "resolutions";

    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "meeting.name", Kind::Text),
            col(l, "export.held_on", Kind::Date),
            col(l, "export.host", Kind::Text),
            col(l, "export.number", Kind::Int),
            col(l, "meeting.resolution", Kind::Long),
            col(l, "resolution.tasks", Kind::Int),
            col(l, "export.open_tasks", Kind::Int),
            col(l, "pairing.status", Kind::Text),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            self.meeting_title.clone().into(),
            self.held_on.into(),
            self.host_org_name.clone().into(),
            self.number.into(),
            self.text.clone().into(),
            self.tasks.into(),
            self.open_tasks.into(),
            label(l, "resolution_status.", self.status),
        ]
    }
}

impl Sheet for Event {
    const TITLE: &'static str = "nav.events";
    const FILE: &'static str = "events";

    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "event.name", Kind::Text),
            col(l, "event.kind", Kind::Text),
            col(l, "export.series", Kind::Text),
            col(l, "export.starts_on", Kind::Date),
            col(l, "export.ends_on", Kind::Date),
            col(l, "event.hosts", Kind::Text),
            col(l, "event.participants", Kind::Int),
            col(l, "event.countries", Kind::Int),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            self.title.clone().into(),
            label(l, "event_kind.", self.kind),
            self.series_name.clone().into(),
            self.starts_on.into(),
            self.ends_on.into(),
            names(self.orgs.iter().map(|o| o.name.as_str())),
            self.participants.into(),
            self.country_count.into(),
        ]
    }
}

impl Sheet for Project {
    const TITLE: &'static str = "nav.projects";
    const FILE: &'static str = "projects";

    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "project.name", Kind::Text),
            col(l, "project.investor", Kind::Text),
            col(l, "export.investor_country", Kind::Text),
            col(l, "export.amount_wan", Kind::Wan),
            col(l, "project.region", Kind::Text),
            col(l, "project.event", Kind::Text),
            col(l, "project.signed_on", Kind::Date),
            col(l, "project.status", Kind::Text),
            col(l, "export.owner", Kind::Text),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            self.title.clone().into(),
            withheld(l, self.withheld, &self.investor_name),
            country(l, &self.investor_country_zh, &self.investor_country_en),
            Cell::Fen(self.amount_fen.0),
            self.region_name.clone().into(),
            self.event_title.clone().into(),
            self.signed_on.into(),
            label(l, "project_status.", self.status),
            self.owner_org_name.clone().into(),
        ]
    }
}

impl Sheet for Talent {
    const TITLE: &'static str = "talent.title";
    const FILE: &'static str = "talents";

    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "talent.name", Kind::Text),
            col(l, "talent.field", Kind::Text),
            col(l, "talent.level", Kind::Text),
            col(l, "talent.country", Kind::Text),
            col(l, "talent.event", Kind::Text),
            col(l, "talent.org", Kind::Text),
            col(l, "talent.received_on", Kind::Date),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            withheld(l, self.withheld, &self.name),
            self.field.clone().into(),
            label(l, "talent_level.", self.level),
            match l {
                Locale::En => self.country_name_en.clone().into(),
                Locale::ZhCn => self.country_name_zh.clone().into(),
            },
            self.event_title.clone().into(),
            self.org_name.clone().into(),
            self.received_on.into(),
        ]
    }
}

impl Sheet for Article {
    const TITLE: &'static str = "article.title";
    const FILE: &'static str = "articles";

    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "article.name", Kind::Text),
            col(l, "article.outlet", Kind::Text),
            col(l, "export.outlet_country", Kind::Text),
            col(l, "article.language", Kind::Text),
            col(l, "article.event", Kind::Text),
            col(l, "article.published_on", Kind::Date),
            col(l, "export.url", Kind::Text),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            self.title.clone().into(),
            self.outlet_name.clone().into(),
            country(l, &self.outlet_country_zh, &self.outlet_country_en),
            label(l, "language.", self.language),
            self.event_title.clone().into(),
            self.published_on.into(),
            self.url.clone().into(),
        ]
    }
}

impl Sheet for Donation {
    const TITLE: &'static str = "nav.donations";
    const FILE: &'static str = "donations";

    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "donation.donor", Kind::Text),
            col(l, "donation.country", Kind::Text),
            col(l, "donation.given_on", Kind::Date),
            col(l, "donation.form", Kind::Text),
            col(l, "export.amount_wan", Kind::Wan),
            col(l, "export.allocated_wan", Kind::Wan),
            col(l, "export.campaign", Kind::Text),
            col(l, "donation.recipient", Kind::Text),
            col(l, "donation.receipt_no", Kind::Text),
            col(l, "donation.status", Kind::Text),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            withheld(l, self.withheld, &self.donor_name),
            country(l, &self.donor_country_zh, &self.donor_country_en),
            self.given_on.into(),
            label(l, "donation_form.", self.form),
            Cell::Fen(self.amount_fen.0),
            Cell::Fen(self.allocated_fen.0),
            self.campaign_name.clone().into(),
            self.recipient_org_name.clone().into(),
            self.receipt_no.clone().into(),
            label(l, "donation_status.", self.status),
        ]
    }
}

impl Sheet for Person {
    const TITLE: &'static str = "nav.people";
    const FILE: &'static str = "people";

    /// The directory's list columns; contact details stay in the directory, where
    /// each reading of them is counted, and out of files that travel.
    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "person.name", Kind::Text),
            col(l, "export.pinyin", Kind::Text),
            col(l, "person.category", Kind::Text),
            col(l, "person.residence_country", Kind::Text),
            col(l, "export.nationality", Kind::Text),
            col(l, "export.origin", Kind::Text),
            col(l, "person.owner", Kind::Text),
            col(l, "person.sharing", Kind::Text),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            self.name.clone().into(),
            self.pinyin.clone().into(),
            Cell::Text(
                self.categories
                    .iter()
                    .map(|c| t(l, &format!("person_category.{c}")))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            country(l, &self.residence_country_zh, &self.residence_country_en),
            country(l, &self.nationality_zh, &self.nationality_en),
            self.origin_region_name.clone().into(),
            self.owner_org_name.clone().into(),
            label(l, "sharing.", self.sharing),
        ]
    }
}

impl Sheet for Org {
    const TITLE: &'static str = "nav.orgs";
    const FILE: &'static str = "orgs";

    fn columns(l: Locale) -> Vec<Column> {
        vec![
            col(l, "org.name", Kind::Text),
            col(l, "org.kind", Kind::Text),
            col(l, "org.level", Kind::Text),
            col(l, "org.side", Kind::Text),
            col(l, "org.parent", Kind::Text),
            col(l, "export.region", Kind::Text),
            col(l, "org.country", Kind::Text),
            col(l, "org.city", Kind::Text),
            col(l, "org.founded_on", Kind::Date),
            col(l, "org.members_count", Kind::Int),
        ]
    }

    fn cells(&self, l: Locale) -> Vec<Cell> {
        vec![
            self.name.clone().into(),
            label(l, "kind.", self.kind),
            label(l, "level.", self.level),
            Cell::Text(match l {
                Locale::En => self.side_name_en.clone(),
                Locale::ZhCn => self.side_name_zh.clone(),
            }),
            self.parent_name.clone().into(),
            self.region_name.clone().into(),
            country(l, &self.country_name_zh, &self.country_name_en),
            self.city.clone().into(),
            self.founded_on.into(),
            self.members_count.map_or(Cell::Blank, Cell::Int),
        ]
    }
}
