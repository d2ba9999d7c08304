-- Work done once by whichever server takes it first: reminders, escalations, digests,
-- bulletins, robot deliveries (issue 14). A server leases a job by moving its run_at
-- to the end of the lease and naming itself; a job whose server died is taken again
-- once that time passes. Only the holder of the latest lease (leased_by, attempts)
-- can finish it, in the transaction that did its work.
create table job (
    id bigint generated always as identity primary key,
    kind text not null,
    -- What makes two jobs one (a reminder of a task for a day): queuing it again,
    -- from this server or another, does nothing.
    key text not null,
    -- JSON.
    payload text not null,
    -- queued (waiting, or leased until run_at), done, failed (out of attempts).
    state text not null,
    run_at timestamptz not null,
    attempts bigint not null default 0,
    leased_by text,
    last_error text,
    created_at timestamptz not null,
    finished_at timestamptz
);
create unique index job_key_key on job (key);
create index job_state_run_at_idx on job (state, run_at);
