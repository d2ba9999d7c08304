-- Cooperation core: stored files, agreements with parties and areas, plans with
-- revisions, tasks with the four fixes, the progress ledger and task history.

-- Files are content-addressed: the same scan uploaded twice is stored once.
create table file (
    sha256 text primary key,
    size integer not null,
    content blob not null,
    created_at text not null
);

create table attachment (
    id integer primary key,
    owner_kind text not null,
    owner_id integer not null,
    sha256 text not null references file (sha256),
    file_name text not null,
    mime text not null,
    uploaded_by integer not null references account (id),
    created_at text not null
);
create index attachment_owner_idx on attachment (owner_kind, owner_id);

create table agreement (
    id integer primary key,
    kind text not null,
    title text not null,
    signed_on text,
    valid_until text,
    summary text,
    -- draft, in_force or terminated; "expired" is read off valid_until.
    status text not null,
    created_by integer not null references account (id),
    version integer not null default 1,
    created_at text not null,
    updated_at text not null
);

create table agreement_party (
    agreement_id integer not null references agreement (id),
    org_id integer not null references org (id),
    role text not null,
    primary key (agreement_id, org_id)
);
create index agreement_party_org_id_idx on agreement_party (org_id);

create table agreement_area (
    id integer primary key,
    agreement_id integer not null references agreement (id),
    position integer not null,
    name text not null,
    description text
);
create index agreement_area_agreement_id_idx on agreement_area (agreement_id, position);

create table plan (
    id integer primary key,
    agreement_id integer references agreement (id),
    title text not null,
    owner_org_id integer not null references org (id),
    period_start text not null,
    period_end text not null,
    cadence text not null,
    due_day integer,
    revision integer not null default 1,
    previous_id integer references plan (id),
    -- active, superseded (by a newer revision) or closed.
    status text not null,
    change_note text,
    version integer not null default 1,
    created_at text not null,
    updated_at text not null
);
create index plan_agreement_id_idx on plan (agreement_id);
create index plan_owner_org_id_idx on plan (owner_org_id);

create table task (
    id integer primary key,
    plan_id integer not null references plan (id),
    area_id integer references agreement_area (id),
    parent_id integer references task (id),
    title text not null,
    goal text not null,
    standard text not null,
    requirement text not null,
    start_on text not null,
    deadline text not null,
    lead_org_id integer not null references org (id),
    assigner_org_id integer not null references org (id),
    responsible text,
    weight integer not null default 1,
    status text not null,
    -- Latest reported percent, or the weighted roll-up of the sub-tasks.
    progress integer not null default 0,
    -- Supervision colour, stored so lists filter on it; it holds until colour_until,
    -- the first day it would change without any write (then it is recomputed).
    colour text not null default 'green',
    colour_until text,
    last_report_on text,
    carried_from_id integer references task (id),
    version integer not null default 1,
    created_at text not null,
    updated_at text not null
);
create index task_plan_id_idx on task (plan_id);
create index task_parent_id_idx on task (parent_id);
create index task_lead_org_id_idx on task (lead_org_id, status);
create index task_assigner_org_id_idx on task (assigner_org_id, status);
create index task_deadline_idx on task (deadline);
create index task_colour_idx on task (colour);
create index task_colour_until_idx on task (colour_until);

create table task_support (
    task_id integer not null references task (id),
    org_id integer not null references org (id),
    primary key (task_id, org_id)
);
create index task_support_org_id_idx on task_support (org_id);

-- Append-only: reports are never changed or deleted.
create table progress_report (
    id integer primary key,
    task_id integer not null references task (id),
    reported_on text not null,
    percent integer not null check (percent between 0 and 100),
    done text not null,
    next_step text,
    problems text,
    backwards_reason text,
    author_id integer not null references account (id),
    created_at text not null
);
create index progress_report_task_id_idx on progress_report (task_id, reported_on);

-- What happened to a task: status changes with their reasons, and comments.
create table task_event (
    id integer primary key,
    task_id integer not null references task (id),
    kind text not null,
    from_status text,
    to_status text,
    note text,
    account_id integer not null references account (id),
    org_id integer not null references org (id),
    created_at text not null
);
create index task_event_task_id_idx on task_event (task_id, id);
