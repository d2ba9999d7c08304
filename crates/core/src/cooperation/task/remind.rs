//! Reminders of deadlines: a number of days before a task's deadline (`settings`
//! `remind_days`), every account of its lead organization that works on it hears of it.
//! One job a day (`remind:<day>`) sends them, whichever server runs it.

use super::*;

/// The job kind of a day's reminders.
pub const KIND: &str = "remind";

/// Statuses whose lead still has work to do before the deadline.
const WORKING: &str = "('assigned', 'accepted', 'in_progress')";

/// Queues the reminders of `day` (once, whichever server asks first).
pub async fn queue(db: &Db, day: NaiveDate) -> Result<()> {
    let mut tx = db.write().await?;
    let payload = serde_json::json!({ "day": day });
    crate::job::enqueue(
        &mut tx,
        KIND,
        &format!("{KIND}:{day}"),
        &payload,
        crate::now(),
    )
    .await?;
    tx.commit().await
}

/// Sends the reminders a leased `remind` job names, in the transaction that finishes
/// it: every working task whose deadline is `remind_days` after the job's day, to each
/// active account of its lead organization but viewers, once per account and deadline
/// (a deadline moved later is reminded of again). Returns the messages sent; none when
/// the lease was lost.
pub async fn send(db: &Db, job: &crate::job::Leased) -> Result<u64> {
    #[derive(Deserialize)]
    struct Payload {
        day: NaiveDate,
    }
    let p: Payload = serde_json::from_str(&job.payload)
        .map_err(|e| Error::Other(format!("remind job {}: {e}", job.id)))?;
    let days = i64::from(settings::get().remind_days);
    let deadline = p.day + chrono::Duration::days(days);
    let mut tx = db.write().await?;
    // The message's facts as JSON text, written by SQL both engines share: a date and a
    // number need no escaping.
    let mut q = Sql::new(&format!(
        "insert into notification (account_id, kind, record_kind, record_id, params, key, created_at)
         select a.id, 'deadline', 'task', t.id,
                '{{\"deadline\":\"' || cast(t.deadline as text) || '\",\"days\":{days}}}',
                'deadline:task:' || cast(t.id as text) || ':' || cast(t.deadline as text), "
    ));
    q.bind(crate::now())
        .push(
            " from task t join account a on a.org_id = t.lead_org_id
             where t.deadline = ",
        )
        .bind(deadline)
        .push(&format!(
            " and t.status in {WORKING} and a.active and a.role <> 'viewer'
             on conflict (account_id, key) do nothing"
        ));
    let sent = q.execute(&mut tx).await?;
    if !crate::job::finish(&mut tx, job).await? {
        return Ok(0);
    }
    tx.commit().await?;
    Ok(sent)
}
