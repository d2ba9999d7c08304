-- The network around the tasks: pairings, mechanisms (members and rotating
-- convenors), joint meetings with numbered resolutions, and exchanges.

create table pairing (
    id bigint generated always as identity primary key,
    org_a_id bigint not null references org (id),
    org_b_id bigint not null references org (id),
    level text not null,
    since date not null,
    agreement_id bigint references agreement (id),
    notes text,
    -- Kept up to date by every exchange between the two, so "dormant" is one comparison.
    last_exchange_on date,
    version bigint not null default 1,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    check (org_a_id <> org_b_id)
);
create unique index pairing_org_a_id_org_b_id_key on pairing (org_a_id, org_b_id);
create index pairing_org_b_id_idx on pairing (org_b_id);

-- A mechanism is an organization of kind alliance or mechanism; these hold its
-- members and the history of its rotating convenor.
create table mechanism_member (
    mechanism_id bigint not null references org (id),
    org_id bigint not null references org (id),
    joined_on date,
    primary key (mechanism_id, org_id)
);
create index mechanism_member_org_id_idx on mechanism_member (org_id);

create table mechanism_convenor (
    id bigint generated always as identity primary key,
    mechanism_id bigint not null references org (id),
    org_id bigint not null references org (id),
    from_on date not null,
    to_on date
);
create index mechanism_convenor_mechanism_id_idx on mechanism_convenor (mechanism_id, from_on);

create table meeting (
    id bigint generated always as identity primary key,
    -- 第N次: numbered within its mechanism, or among the joint meetings without one.
    seq bigint not null,
    title text not null,
    held_on date not null,
    place text,
    host_org_id bigint not null references org (id),
    mechanism_id bigint references org (id),
    agenda text,
    minutes text,
    version bigint not null default 1,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create unique index meeting_mechanism_seq_key on meeting (coalesce(mechanism_id, 0), seq);

create table meeting_participant (
    meeting_id bigint not null references meeting (id),
    org_id bigint not null references org (id),
    primary key (meeting_id, org_id)
);

create table resolution (
    id bigint generated always as identity primary key,
    meeting_id bigint not null references meeting (id),
    number bigint not null,
    text text not null,
    created_at timestamptz not null
);
create unique index resolution_meeting_id_number_key on resolution (meeting_id, number);

create table resolution_task (
    resolution_id bigint not null references resolution (id),
    task_id bigint not null references task (id),
    primary key (resolution_id, task_id)
);
create index resolution_task_task_id_idx on resolution_task (task_id);

create table exchange (
    id bigint generated always as identity primary key,
    happened_on date not null,
    kind text not null,
    from_org_id bigint not null references org (id),
    summary text not null,
    participants bigint,
    pairing_id bigint references pairing (id),
    mechanism_id bigint references org (id),
    agreement_id bigint references agreement (id),
    created_by bigint not null references account (id),
    created_at timestamptz not null
);
create index exchange_happened_on_idx on exchange (happened_on);
create index exchange_from_org_id_idx on exchange (from_org_id);

create table exchange_to (
    exchange_id bigint not null references exchange (id),
    org_id bigint not null references org (id),
    primary key (exchange_id, org_id)
);
create index exchange_to_org_id_idx on exchange_to (org_id);

-- A plan may carry out a joint meeting's decisions instead of an agreement.
alter table plan add column meeting_id bigint references meeting (id);
