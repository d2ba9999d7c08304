//! Supervision at scale: orders on a share of the late and behind tasks (numbered per
//! issuer and year, some answered, some closed, some gone up a level), urgings and
//! extension requests beside them, the messages each step sent, and the jobs a year of
//! running servers leaves: a done reminder job per day and an escalation queued per
//! open order.

use std::collections::HashMap;

use chrono::{Datelike, Duration};
use rand::Rng;

use super::World;
use super::bulk::Bulk;
use super::cooperation::Involved;
use crate::error::Result;
use crate::order::{Level, prefix_of};
use crate::row;
use crate::supervision::Colour;
use crate::task::TaskStatus;

pub(super) async fn load(bulk: &mut Bulk, w: &World, tasks: &[Involved]) -> Result<()> {
    let mut rng = w.rng("supervision_order");
    let today = w.today;
    let (mut orders, mut events, mut messages, mut jobs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut urgings, mut extensions) = (Vec::new(), Vec::new());
    let mut seqs: HashMap<(usize, i32), i64> = HashMap::new();
    let (mut event_id, mut message_id, mut job_id) = (0_i64, 0_i64, 0_i64);
    let mut message = |account: i64,
                       kind: &'static str,
                       record_kind: &'static str,
                       id: i64,
                       params: String,
                       key: String,
                       at,
                       read: bool| {
        message_id += 1;
        messages.push(row![
            message_id,
            account,
            kind,
            record_kind,
            id,
            params,
            key,
            at,
            read.then_some(at + Duration::hours(3))
        ]);
    };
    for t in tasks {
        let working = matches!(
            t.status,
            TaskStatus::Assigned | TaskStatus::Accepted | TaskStatus::InProgress
        );
        let share = match t.colour {
            Colour::Red => 0.4,
            Colour::Yellow => 0.15,
            Colour::Blue => 0.05,
            _ => 0.0,
        };
        if !working || !rng.random_bool(share) {
            continue;
        }
        // The lead's parent orders it, or its assigner when the lead has none.
        let lead = &w.orgs.all[t.lead];
        let Some(issuer) = lead.parent.or(t.others[0]) else {
            continue;
        };
        let issuer_account = w.orgs.author(issuer, w.admin_id);
        let lead_account = w.orgs.author(t.lead, w.admin_id);
        let opened_on = today - Duration::days(rng.random_range(1..60));
        let opened = w.at(opened_on, &mut rng);
        let due = opened_on + Duration::days(rng.random_range(5..15));
        let year = opened_on.year();
        let seq = seqs.entry((issuer, year)).or_insert(0);
        *seq += 1;
        let number = format!(
            "{}〔{year}〕{}号",
            prefix_of(&w.orgs.all[issuer].name, None),
            seq
        );
        let id = orders.len() as i64 + 1;
        let level = Level::proposed(t.colour);
        // Answered by the day or not; of those answered, most accepted.
        let answered = due < today && rng.random_bool(0.7) || rng.random_bool(0.3);
        let closed = answered && rng.random_bool(0.6);
        let state = match (answered, closed) {
            (_, true) => "closed",
            (true, false) => "answered",
            _ => "open",
        };
        let escalated = !answered && due + Duration::days(4) <= today;
        // Gone up to the responsible organization's parent once its job ran.
        let up = escalated.then_some(lead.parent).flatten();
        let answered_at = w.at(
            due.min(today) - Duration::days(1).min(due - opened_on),
            &mut rng,
        );
        let closed_at = closed.then(|| answered_at + Duration::days(2));
        orders.push(row![
            id,
            w.orgs.id(issuer),
            i64::from(year),
            *seq,
            number.clone(),
            "task",
            t.id,
            "superior",
            None::<String>,
            "进度滞后于序时进度，请说明原因并限期整改。",
            level.as_str(),
            lead.id,
            due,
            state,
            3_i64,
            up.map(|p| w.orgs.id(p)),
            up.map(|_| w.at(due + Duration::days(4), &mut rng)),
            issuer_account,
            opened,
            closed_at.unwrap_or(opened),
            closed_at,
            1_i64
        ]);
        let mut event = |kind: &'static str,
                         note: Option<&'static str>,
                         account: Option<i64>,
                         org: Option<i64>,
                         at| {
            event_id += 1;
            events.push(row![
                event_id,
                id,
                kind,
                note,
                None::<i64>,
                account,
                org,
                at
            ]);
            event_id
        };
        // Messages are keyed by the step's event, as `order::step` keys them.
        let ev = event(
            "open",
            Some("进度滞后于序时进度，请说明原因并限期整改。"),
            Some(issuer_account),
            Some(w.orgs.id(issuer)),
            opened,
        );
        let params = format!(
            "{{\"number\":\"{number}\",\"level\":\"{}\",\"due\":\"{due}\",\"org\":\"{}\"}}",
            level.as_str(),
            w.orgs.all[issuer].name
        );
        message(
            lead_account,
            "order_opened",
            "order",
            id,
            params.clone(),
            format!("order_opened:order:{id}:{ev}"),
            opened,
            answered,
        );
        if answered {
            let ev = event(
                "answer",
                Some("已召开专题会议研究整改措施，正按计划推进。"),
                Some(lead_account),
                Some(lead.id),
                answered_at,
            );
            message(
                issuer_account,
                "order_answered",
                "order",
                id,
                params.clone(),
                format!("order_answered:order:{id}:{ev}"),
                answered_at,
                closed,
            );
        }
        if let Some(at) = closed_at {
            event(
                "accept",
                None,
                Some(issuer_account),
                Some(w.orgs.id(issuer)),
                at,
            );
        }
        if let Some(p) = up {
            let at = w.at(due + Duration::days(4), &mut rng);
            let ev = event("escalate", None, None, None, at);
            message(
                w.orgs.author(p, w.admin_id),
                "order_escalated",
                "order",
                id,
                params,
                format!("order_escalated:order:{id}:{ev}"),
                at,
                false,
            );
        }
        // Still waiting for its day: the job that will take it up is queued.
        if state == "open" && !escalated {
            job_id += 1;
            let run = crate::settings::start_of(due + Duration::days(4));
            jobs.push(row![
                job_id,
                "escalate",
                format!("escalate:order:{id}:{due}"),
                format!("{{\"order\":{id},\"due\":\"{due}\"}}"),
                "queued",
                run,
                0_i64,
                None::<String>,
                None::<String>,
                opened,
                None::<chrono::DateTime<chrono::Utc>>
            ]);
        }
        // An urging on a third of them, an extension asked on a tenth.
        if rng.random_bool(0.33) {
            let at = w.at(
                opened_on - Duration::days(rng.random_range(1..10)),
                &mut rng,
            );
            let reply_by = at.date_naive() + Duration::days(3);
            let replied = rng.random_bool(0.6);
            urgings.push(row![
                urgings.len() as i64 + 1,
                "task",
                t.id,
                w.orgs.id(issuer),
                lead.id,
                "请于本周内报送最新进展。",
                reply_by,
                replied.then_some("已报送，见进展台账。"),
                replied.then(|| at + Duration::days(1)),
                replied.then_some(lead_account),
                issuer_account,
                at
            ]);
        }
        if t.deadline > today && rng.random_bool(0.1) {
            let at = w.at(opened_on, &mut rng);
            extensions.push(row![
                extensions.len() as i64 + 1,
                t.id,
                "外方日程调整，相关活动顺延。",
                t.deadline,
                t.deadline + Duration::days(60),
                "pending",
                None::<String>,
                lead_account,
                lead.id,
                None::<i64>,
                None::<chrono::DateTime<chrono::Utc>>,
                at
            ]);
        }
    }
    // A year of days, each with its reminder job done by one server or another.
    for back in 0..365 {
        let day = today - Duration::days(back);
        let at = crate::settings::start_of(day) + Duration::minutes(1);
        job_id += 1;
        jobs.push(row![
            job_id,
            "remind",
            format!("remind:{day}"),
            format!("{{\"day\":\"{day}\"}}"),
            "done",
            at,
            1_i64,
            if back % 2 == 0 {
                "server-a"
            } else {
                "server-b"
            },
            None::<String>,
            at,
            Some(at + Duration::seconds(2))
        ]);
    }
    bulk.load(
        "supervision_order",
        &[
            "id",
            "issuer_org_id",
            "year",
            "seq",
            "number",
            "record_kind",
            "record_id",
            "source",
            "source_note",
            "reason",
            "level",
            "responsible_org_id",
            "answer_due",
            "state",
            "escalate_after_days",
            "escalated_org_id",
            "escalated_at",
            "created_by",
            "created_at",
            "updated_at",
            "closed_at",
            "version",
        ],
        orders,
    )
    .await?;
    bulk.load(
        "order_event",
        &[
            "id",
            "order_id",
            "kind",
            "note",
            "progress",
            "account_id",
            "org_id",
            "created_at",
        ],
        events,
    )
    .await?;
    bulk.load(
        "notification",
        &[
            "id",
            "account_id",
            "kind",
            "record_kind",
            "record_id",
            "params",
            "key",
            "created_at",
            "read_at",
        ],
        messages,
    )
    .await?;
    bulk.load(
        "urging",
        &[
            "id",
            "record_kind",
            "record_id",
            "from_org_id",
            "to_org_id",
            "message",
            "reply_by",
            "reply",
            "replied_at",
            "replied_by",
            "created_by",
            "created_at",
        ],
        urgings,
    )
    .await?;
    bulk.load(
        "extension_request",
        &[
            "id",
            "task_id",
            "reason",
            "old_deadline",
            "new_deadline",
            "state",
            "decision_note",
            "requested_by",
            "requested_org_id",
            "decided_by",
            "decided_at",
            "created_at",
        ],
        extensions,
    )
    .await?;
    bulk.load(
        "job",
        &[
            "id",
            "kind",
            "key",
            "payload",
            "state",
            "run_at",
            "attempts",
            "leased_by",
            "last_error",
            "created_at",
            "finished_at",
        ],
        jobs,
    )
    .await?;
    Ok(())
}
