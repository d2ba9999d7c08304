-- Records linked to the people of the directory, so a person's page shows their
-- history (events attended, exchanges, donations, projects, talents); and merging two
-- records of one person, kept with enough to undo it.

alter table event_participant add column person_id bigint references person (id);
create index event_participant_person_id_idx on event_participant (person_id);
alter table talent add column person_id bigint references person (id);
create index talent_person_id_idx on talent (person_id);
-- The donor, when a person of the directory.
alter table donation add column person_id bigint references person (id);
create index donation_person_id_idx on donation (person_id);
-- The investor, when a person of the directory.
alter table project add column person_id bigint references person (id);
create index project_person_id_idx on project (person_id);

-- People who took part in an exchange.
create table exchange_person (
    exchange_id bigint not null references exchange (id),
    person_id bigint not null references person (id),
    primary key (exchange_id, person_id)
);
create index exchange_person_person_id_idx on exchange_person (person_id);

-- A person merged into another is kept (links from the audit trail and the merge
-- history hold) but hidden; their page leads to the survivor.
alter table person add column merged_into bigint references person (id);
alter table person add column merged_at timestamptz;

-- One merge: both people as they were (JSON), the link rows re-pointed per table
-- (JSON), and the survivor's version after the merge, which undoing checks.
create table person_merge (
    id bigint generated always as identity primary key,
    survivor_id bigint not null references person (id),
    merged_id bigint not null references person (id),
    survivor_before text not null,
    merged_before text not null,
    links text not null,
    survivor_version bigint not null,
    account_id bigint not null references account (id),
    created_at timestamptz not null,
    undone_at timestamptz,
    undone_by bigint references account (id)
);
create index person_merge_survivor_id_idx on person_merge (survivor_id);
create index person_merge_merged_id_idx on person_merge (merged_id);
