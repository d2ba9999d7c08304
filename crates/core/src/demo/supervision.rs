//! Demo supervision: orders of the three levels from both provincial federations (one
//! closed, one awaiting review, open ones, one gone up a level), urgings with and
//! without a reply, and an extension asked for — each step taken through core as a
//! clerk would, then dated back to plausible days.

use chrono::Duration;

use crate::access::Actor;
use crate::account;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::order::{self, AnswerInput, DecisionInput, OrderInput};
use crate::sql::Sql;
use crate::{settings, task, urging};

async fn actor(db: &Db, login: &str) -> Result<Actor> {
    Ok(account::by_login(db, login)
        .await?
        .ok_or(Error::NotFound)?
        .actor())
}

/// Working tasks led by organizations under `province`, reddest first: (task, lead).
async fn tasks_under(db: &Db, province: &str, lead: Option<&str>) -> Result<Vec<(i64, String)>> {
    let mut tx = db.read().await?;
    let mut q = Sql::new(
        "select t.id, o.name from task t join org o on o.id = t.lead_org_id
         join org p on o.path like p.path || '%' and o.id <> p.id
         where p.name = ",
    );
    q.bind(province).push(
        " and t.status in ('assigned', 'accepted', 'in_progress')
          and not exists (select 1 from task k where k.parent_id = t.id)",
    );
    if let Some(l) = lead {
        q.push(" and o.name = ").bind(l);
    }
    q.push(" order by case t.colour when 'red' then 0 when 'yellow' then 1 when 'blue' then 2 else 3 end, t.id");
    q.all(&mut tx).await
}

fn day(n: i64) -> String {
    (settings::today() + Duration::days(n)).to_string()
}

fn order(
    task: i64,
    level: &str,
    source: &str,
    note: Option<&str>,
    reason: &str,
    due: i64,
) -> OrderInput {
    OrderInput {
        record_kind: "task".into(),
        record_id: Some(task),
        source: source.into(),
        source_note: note.map(str::to_owned),
        reason: reason.into(),
        level: Some(level.into()),
        responsible_org_id: None,
        answer_due: day(due),
        escalate_after_days: Some(3),
    }
}

pub(super) async fn load(db: &Db) -> Result<()> {
    let cq = actor(db, "cq-orgadmin").await?;
    let sc = actor(db, "sc-coordinator").await?;
    let wz = actor(db, "wanzhou-member").await?;
    let wanzhou = tasks_under(db, "重庆市侨联", Some("万州区侨联")).await?;
    let sichuan = tasks_under(db, "四川省侨联", None).await?;
    if wanzhou.len() < 4 || sichuan.len() < 3 {
        tracing::warn!(
            wanzhou = wanzhou.len(),
            sichuan = sichuan.len(),
            "too few tasks for demo orders"
        );
        return Ok(());
    }
    // 重庆: a red order answered and closed, a yellow one awaiting review, a blue one open.
    let red = order::open(
        db,
        &cq,
        &order(
            wanzhou[0].0,
            "red",
            "instruction",
            Some("市侨联主要负责同志在第二季度工作推进会上的批示"),
            "该项任务已超过完成时限，请说明原因，提出整改措施并限期完成。",
            4,
        ),
    )
    .await?;
    order::answer(
        db,
        &wz,
        red.id,
        &AnswerInput {
            note:
                "已召开专题会议，明确由分管副主席牵头，与外方重新确定交流日程，相关工作已恢复推进。"
                    .into(),
            progress: None,
            version: None,
        },
        &[],
    )
    .await?;
    order::accept(
        db,
        &cq,
        red.id,
        &DecisionInput {
            note: Some("整改措施具体，同意办结，请按新的日程抓好落实。".into()),
            ..DecisionInput::default()
        },
    )
    .await?;
    let yellow = order::open(
        db,
        &cq,
        &order(
            wanzhou[1].0,
            "yellow",
            "superior",
            None,
            "进度落后于序时进度，请报送下一步推进计划。",
            6,
        ),
    )
    .await?;
    order::answer(
        db,
        &wz,
        yellow.id,
        &AnswerInput {
            note: "已与达州市侨联对接，拟于本月下旬开展联合调研，届时报送调研报告。".into(),
            progress: None,
            version: None,
        },
        &[],
    )
    .await?;
    order::open(
        db,
        &cq,
        &order(
            wanzhou[2].0,
            "blue",
            "meeting",
            Some("川渝侨联第三次联席会议议定事项"),
            "临近完成时限，请确保按期完成并报送佐证材料。",
            7,
        ),
    )
    .await?;
    // 四川: a red order left unanswered past its day (it goes up by itself), a yellow one open.
    let late = order::open(
        db,
        &sc,
        &order(
            sichuan[0].0,
            "red",
            "superior",
            None,
            "该项任务逾期未报进展，请立即报告办理情况。",
            0,
        ),
    )
    .await?;
    order::open(
        db,
        &sc,
        &order(
            sichuan[1].0,
            "yellow",
            "instruction",
            Some("省侨联主席在全省侨联工作会议上的批示"),
            "请加快推进，确保年内取得实质成果。",
            10,
        ),
    )
    .await?;
    // Urgings: one answered, one waiting.
    let u = urging::urge(
        db,
        &cq,
        &urging::UrgingInput {
            record_kind: "task".into(),
            record_id: Some(wanzhou[3].0),
            to_org_id: None,
            message: "请于本周五前报送最新进展和下一步安排。".into(),
            reply_by: day(3),
        },
    )
    .await?;
    urging::reply(db, &wz, u.id, "已于今日报送进展，详见进展台账。").await?;
    urging::urge(
        db,
        &sc,
        &urging::UrgingInput {
            record_kind: "task".into(),
            record_id: Some(sichuan[2].0),
            to_org_id: None,
            message: "请尽快报送本月进展情况。".into(),
            reply_by: day(5),
        },
    )
    .await?;
    // An extension asked by 万州, awaiting the 重庆 side's decision (approving it would
    // move the demo's colours, which its figures are checked against).
    let ext_task = task::TaskId(wanzhou[3].0);
    let t = task::get(db, &cq, ext_task).await?;
    let floor = t.deadline.max(settings::today());
    let asked = task::request_extension(
        db,
        &wz,
        ext_task,
        &task::ExtensionInput {
            reason: "外方代表团来访时间推迟，对接活动相应顺延。".into(),
            new_deadline: (floor + Duration::days(45)).to_string(),
        },
    )
    .await;
    match asked {
        // A plan ending sooner leaves no room: the demo goes on without one.
        Err(Error::Invalid(fields)) => tracing::warn!(?fields, "no demo extension"),
        other => {
            other?;
        }
    }
    backdate(db, late.id).await
}

/// Dates the steps back, as if taken over the past days — opened nine days ago,
/// answered five, decided two — and moves the 四川 order's day far enough into the
/// past that the servers take it up a level as soon as they run.
async fn backdate(db: &Db, late: order::OrderId) -> Result<()> {
    // (table, column, condition, days back): each step's rows and the messages and
    // history entries it wrote.
    const STEPS: &[(&str, &str, &str, i64)] = &[
        ("supervision_order", "created_at", "1 = 1", 9),
        ("supervision_order", "updated_at", "state = 'open'", 9),
        ("supervision_order", "updated_at", "state = 'answered'", 5),
        ("supervision_order", "updated_at", "state = 'closed'", 2),
        ("supervision_order", "closed_at", "closed_at is not null", 2),
        ("order_event", "created_at", "kind = 'open'", 9),
        ("order_event", "created_at", "kind = 'answer'", 5),
        ("order_event", "created_at", "kind = 'accept'", 2),
        ("urging", "created_at", "1 = 1", 4),
        ("urging", "replied_at", "replied_at is not null", 3),
        ("extension_request", "created_at", "1 = 1", 6),
        (
            "extension_request",
            "decided_at",
            "decided_at is not null",
            5,
        ),
        (
            "notification",
            "created_at",
            "kind in ('order_opened', 'urged')",
            9,
        ),
        (
            "notification",
            "created_at",
            "kind in ('order_answered', 'extension_requested')",
            5,
        ),
        (
            "notification",
            "created_at",
            "kind in ('order_closed', 'urge_replied', 'extension_approved')",
            2,
        ),
        (
            "task_event",
            "created_at",
            "kind in ('order_opened', 'urged')",
            9,
        ),
        (
            "task_event",
            "created_at",
            "kind in ('order_answered', 'extension_requested', 'extension_approved')",
            5,
        ),
        (
            "task_event",
            "created_at",
            "kind in ('order_closed', 'urge_replied')",
            2,
        ),
    ];
    let mut tx = db.write().await?;
    for (table, column, condition, days) in STEPS {
        let rows: Vec<(i64, chrono::DateTime<chrono::Utc>)> = Sql::new(&format!(
            "select id, {column} from {table} where {column} is not null and {condition}"
        ))
        .all(&mut tx)
        .await?;
        for (id, at) in rows {
            let mut q = Sql::new(&format!("update {table} set {column} = "));
            q.bind(at - Duration::days(*days))
                .push(" where id = ")
                .bind(id);
            q.execute(&mut tx).await?;
        }
    }
    let past = settings::today() - Duration::days(6);
    let mut q = Sql::new("update supervision_order set answer_due = ");
    q.bind(past).push(" where id = ").bind(late.0);
    q.execute(&mut tx).await?;
    let mut q = Sql::new("update job set run_at = ");
    q.bind(crate::now())
        .push(", key = ")
        .bind(format!("escalate:order:{}:{past}", late.0))
        .push(", payload = ")
        .bind(format!("{{\"order\":{},\"due\":\"{past}\"}}", late.0))
        .push(" where kind = 'escalate' and key like ")
        .bind(format!("escalate:order:{}:%", late.0));
    q.execute(&mut tx).await?;
    tx.commit().await
}
