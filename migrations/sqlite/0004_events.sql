-- Events and what they yield: recurring series, hosts and supporters, participants by
-- country, endorsements (批示), and signed projects followed to landing.

create table event_series (
    id integer primary key,
    name text not null,
    description text,
    created_at text not null
);
create unique index event_series_name_key on event_series (name);

create table event (
    id integer primary key,
    kind text not null,
    series_id integer references event_series (id),
    title text not null,
    starts_on text not null,
    ends_on text not null,
    region_code text references region (code),
    country_code text references country (alpha2),
    place text,
    -- planned, held or cancelled
    status text not null,
    summary text,
    agreement_id integer references agreement (id),
    mechanism_id integer references org (id),
    pairing_id integer references pairing (id),
    created_by integer not null references account (id),
    version integer not null default 1,
    created_at text not null,
    updated_at text not null,
    check (ends_on >= starts_on)
);
create index event_starts_on_idx on event (starts_on);
create index event_series_id_idx on event (series_id);

create table event_org (
    event_id integer not null references event (id),
    org_id integer not null references org (id),
    -- host, co_host or supporter
    role text not null,
    primary key (event_id, org_id)
);
create index event_org_org_id_idx on event_org (org_id);

create table event_country (
    event_id integer not null references event (id),
    country_code text not null references country (alpha2),
    participants integer not null check (participants >= 0),
    primary key (event_id, country_code)
);

create table endorsement (
    id integer primary key,
    event_id integer not null references event (id),
    by_whom text not null,
    given_on text not null,
    text text not null,
    created_at text not null
);
create index endorsement_event_id_idx on endorsement (event_id);

create table project (
    id integer primary key,
    title text not null,
    sector text,
    amount_fen integer not null check (amount_fen >= 0),
    investor_name text not null,
    investor_org_id integer references org (id),
    investor_country text references country (alpha2),
    region_code text not null references region (code),
    event_id integer references event (id),
    signed_on text not null,
    -- signed, contracted, started, in_operation, stalled or cancelled
    status text not null,
    -- The organization that recorded the project and follows it up.
    owner_org_id integer not null references org (id),
    version integer not null default 1,
    created_at text not null,
    updated_at text not null
);
create index project_event_id_idx on project (event_id);
create index project_region_code_idx on project (region_code);
create index project_status_idx on project (status);

-- Each step of a project's life, dated, with a note; append-only.
create table project_step (
    id integer primary key,
    project_id integer not null references project (id),
    status text not null,
    happened_on text not null,
    note text,
    account_id integer not null references account (id),
    created_at text not null
);
create index project_step_project_id_idx on project_step (project_id, id);
