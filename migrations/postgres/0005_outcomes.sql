-- What events yield besides projects: sessions of study programmes and camps, named
-- participants (to find one person registered in two camps of a year), talents brought
-- in, and articles published by media outlets.

create table event_session (
    id bigint generated always as identity primary key,
    event_id bigint not null references event (id),
    title text not null,
    starts_on date not null,
    ends_on date not null,
    place text,
    created_at timestamptz not null,
    check (ends_on >= starts_on)
);
create index event_session_event_id_idx on event_session (event_id, starts_on);

-- A named participant of an event. While an event has any, its participants by
-- country are counted from them.
create table event_participant (
    id bigint generated always as identity primary key,
    event_id bigint not null references event (id),
    session_id bigint references event_session (id),
    name text not null,
    -- The name folded for matching: no spaces or dots, lowercase, half-width.
    name_key text not null,
    country_code text not null references country (alpha2),
    born_on date,
    created_by bigint not null references account (id),
    created_at timestamptz not null
);
create index event_participant_event_id_idx on event_participant (event_id);
create index event_participant_name_key_idx on event_participant (name_key, country_code);

create table talent (
    id bigint generated always as identity primary key,
    name text not null,
    field text not null,
    -- national, provincial, municipal or other
    level text not null,
    country_code text not null references country (alpha2),
    event_id bigint references event (id),
    -- The organization that received the talent, and where they settled.
    org_id bigint not null references org (id),
    region_code text references region (code),
    received_on date not null,
    created_by bigint not null references account (id),
    created_at timestamptz not null
);
create index talent_event_id_idx on talent (event_id);
create index talent_org_id_idx on talent (org_id);
create index talent_received_on_idx on talent (received_on);

-- An article by a media outlet (an organization of kind media_outlet).
create table article (
    id bigint generated always as identity primary key,
    title text not null,
    outlet_id bigint not null references org (id),
    url text,
    published_on date not null,
    -- BCP 47 primary language subtag: zh, en, th, …
    language text not null,
    event_id bigint references event (id),
    created_by bigint not null references account (id),
    created_at timestamptz not null
);
create index article_event_id_idx on article (event_id);
create index article_outlet_id_idx on article (outlet_id);
create index article_published_on_idx on article (published_on);
