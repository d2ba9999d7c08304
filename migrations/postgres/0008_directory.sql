-- The shared directory of people (overseas leaders, business people, experts, media,
-- returnees…) under personal information law: a recorded legal basis for each person,
-- contact details kept apart so they can be masked, and an audit trail of every
-- unmasking, export and change, chained by hashes so a removed or altered entry shows.

create table person (
    id bigint generated always as identity primary key,
    -- The name as written, and forms of it for matching and sorting.
    name text not null,
    name_key text not null,
    pinyin text not null,
    foreign_name text,
    -- male, female or unknown
    gender text not null,
    residence_country text references country (alpha2),
    nationality text references country (alpha2),
    -- 籍贯
    origin_region text references region (code),
    owner_org_id bigint not null references org (id),
    -- own_org, own_side or all: who besides the owner may find the person
    sharing text not null,
    -- PIPL legal basis: consent, contract, legal_duty, public_interest or published
    legal_basis text not null,
    basis_on date not null,
    basis_scope text not null,
    basis_source text not null,
    notes text,
    -- Set when the person asked to be forgotten: the record stays, anonymized, so links hold.
    erased_at timestamptz,
    created_by bigint not null references account (id),
    version bigint not null default 1,
    created_at timestamptz not null,
    updated_at timestamptz not null
);
create index person_name_key_idx on person (name_key);
create index person_pinyin_idx on person (pinyin);
create index person_owner_org_id_idx on person (owner_org_id);
create index person_residence_country_idx on person (residence_country);

-- overseas_leader, businessperson, expert, returnee, relative, youth, media, lawyer, official
create table person_category (
    person_id bigint not null references person (id),
    category text not null,
    primary key (person_id, category)
);

create table person_tag (
    person_id bigint not null references person (id),
    tag text not null,
    primary key (person_id, tag)
);

-- phone, email, wechat or address; `normalized` finds the same number or address twice.
create table person_contact (
    id bigint generated always as identity primary key,
    person_id bigint not null references person (id),
    kind text not null,
    value text not null,
    normalized text not null
);
create index person_contact_person_id_idx on person_contact (person_id);
create index person_contact_normalized_idx on person_contact (kind, normalized);

create table person_affiliation (
    id bigint generated always as identity primary key,
    person_id bigint not null references person (id),
    org_id bigint references org (id),
    -- The organization's name when it is not in the directory.
    org_name text not null,
    position text,
    from_on date,
    to_on date,
    check (to_on is null or from_on is null or to_on >= from_on)
);
create index person_affiliation_person_id_idx on person_affiliation (person_id);
create index person_affiliation_org_id_idx on person_affiliation (org_id);

-- Append-only. `hash` is SHA-256 over the previous entry's hash and this entry's
-- fields, so the chain can be verified from the first entry to the last.
create table audit (
    id bigint generated always as identity primary key,
    at timestamptz not null,
    account_id bigint not null references account (id),
    -- view_contacts, export, create, update, erase
    action text not null,
    entity text not null,
    entity_id bigint not null,
    detail text not null,
    prev_hash text not null,
    hash text not null
);
create index audit_entity_idx on audit (entity, entity_id, id);

-- The head of the chain, one row: every append updates it in the same transaction, so
-- concurrent appends wait for each other instead of forking the chain.
create table audit_head (
    id integer primary key,
    seq bigint not null,
    hash text not null
);
insert into audit_head (id, seq, hash) values (1, 0, '');
