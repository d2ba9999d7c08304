-- Supervision orders (督办单, issue 14): an organization above the one responsible (or
-- a joint meeting, or a leader's instruction) orders a record followed up; the
-- responsible side answers by a day; the issuer accepts and closes it or returns it.
-- Unanswered, it goes up to the responsible organization's parent.

-- The head of an organization's order numbers (渝侨督 in 渝侨督〔2025〕3号).
alter table org add column order_prefix text;

create table supervision_order (
    id bigint generated always as identity primary key,
    issuer_org_id bigint not null references org (id),
    -- Numbered per issuer and year; the number as issued stays, whatever the prefix
    -- becomes later.
    year bigint not null,
    seq bigint not null,
    number text not null,
    -- The record followed up: a task or a resolution (later: any supervisable kind).
    record_kind text not null,
    record_id bigint not null,
    -- superior (上级督办), meeting (联席会议), instruction (领导批示).
    source text not null,
    source_note text,
    reason text not null,
    -- blue, yellow, red.
    level text not null,
    responsible_org_id bigint not null references org (id),
    answer_due date not null,
    -- open (awaiting an answer, or returned), answered, closed.
    state text not null,
    -- Days past the answer's due day before an unanswered order goes up a level.
    escalate_after_days bigint not null,
    escalated_org_id bigint references org (id),
    escalated_at timestamptz,
    created_by bigint not null references account (id),
    created_at timestamptz not null,
    updated_at timestamptz not null,
    closed_at timestamptz,
    version bigint not null default 1
);
create unique index supervision_order_issuer_org_id_year_seq_key on supervision_order (issuer_org_id, year, seq);
create index supervision_order_responsible_org_id_state_idx on supervision_order (responsible_org_id, state);
create index supervision_order_issuer_org_id_state_idx on supervision_order (issuer_org_id, state);
create index supervision_order_record_kind_record_id_idx on supervision_order (record_kind, record_id);
create index supervision_order_state_answer_due_idx on supervision_order (state, answer_due);

-- What happened to an order: opened, answered (with new progress and files),
-- accepted, returned, escalated. The account is empty for an escalation, which a job
-- does.
create table order_event (
    id bigint generated always as identity primary key,
    order_id bigint not null references supervision_order (id),
    kind text not null,
    note text,
    progress bigint,
    account_id bigint references account (id),
    org_id bigint references org (id),
    created_at timestamptz not null
);
create index order_event_order_id_idx on order_event (order_id, id);

-- Urging (催办) on an open item: a recorded message from those who oversee it, with a
-- reply expected by a day.
create table urging (
    id bigint generated always as identity primary key,
    record_kind text not null,
    record_id bigint not null,
    from_org_id bigint not null references org (id),
    to_org_id bigint not null references org (id),
    message text not null,
    reply_by date not null,
    reply text,
    replied_at timestamptz,
    replied_by bigint references account (id),
    created_by bigint not null references account (id),
    created_at timestamptz not null
);
create index urging_record_kind_record_id_idx on urging (record_kind, record_id);
create index urging_to_org_id_idx on urging (to_org_id, id);

-- Extension requests (延期申请): the lead asks the assigning side for a later deadline,
-- with a reason; approved, the task's deadline moves and the first one is kept on the
-- task for the ledger.
create table extension_request (
    id bigint generated always as identity primary key,
    task_id bigint not null references task (id),
    reason text not null,
    old_deadline date not null,
    new_deadline date not null,
    -- pending, approved, refused.
    state text not null,
    decision_note text,
    requested_by bigint not null references account (id),
    requested_org_id bigint not null references org (id),
    decided_by bigint references account (id),
    decided_at timestamptz,
    created_at timestamptz not null
);
create index extension_request_task_id_idx on extension_request (task_id, id);
-- One pending request per task at a time.
create unique index extension_request_task_id_pending_key on extension_request (task_id) where state = 'pending';
alter table task add column first_deadline date;
