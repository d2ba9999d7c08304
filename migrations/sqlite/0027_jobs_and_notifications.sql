-- Work done once by whichever server takes it first: reminders, escalations, digests,
-- bulletins, robot deliveries (issue 14). A server leases a job by moving its run_at
-- to the end of the lease and naming itself; a job whose server died is taken again
-- once that time passes. Only the holder of the latest lease (leased_by, attempts)
-- can finish it, in the transaction that did its work.
create table job (
    id integer primary key,
    kind text not null,
    -- What makes two jobs one (a reminder of a task for a day): queuing it again,
    -- from this server or another, does nothing.
    key text not null,
    -- JSON.
    payload text not null,
    -- queued (waiting, or leased until run_at), done, failed (out of attempts).
    state text not null,
    run_at text not null,
    attempts integer not null default 0,
    leased_by text,
    last_error text,
    created_at text not null,
    finished_at text
);
create unique index job_key_key on job (key);
create index job_state_run_at_idx on job (state, run_at);

-- Messages to people about records (a deadline near, later orders, urgings, mentions):
-- what kind, which record, and the facts of the message as JSON. The text is written
-- in the reader's language when it is read.
create table notification (
    id integer primary key,
    account_id integer not null references account (id),
    kind text not null,
    record_kind text not null,
    record_id integer not null,
    params text not null,
    -- One message per account and key (a deadline of a task): a job run again, or by
    -- two servers, sends nothing twice.
    key text not null,
    created_at text not null,
    read_at text
);
create unique index notification_account_id_key_key on notification (account_id, key);
create index notification_account_id_id_idx on notification (account_id, id);
create index notification_account_id_read_at_idx on notification (account_id, read_at);
