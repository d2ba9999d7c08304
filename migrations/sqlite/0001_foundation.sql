-- Foundation: reference data, sides, organizations, accounts, sessions, tokens.
-- Timestamps are bound from Rust (RFC 3339, UTC) so text comparison orders them.

create table meta (
    key text primary key,
    value text not null
);

create table region (
    code text primary key,
    name text not null,
    parent_code text references region (code),
    level text not null check (level in ('province', 'prefecture', 'county', 'township'))
);
create index region_parent_code_idx on region (parent_code);

create table country (
    alpha2 text primary key,
    alpha3 text not null,
    numeric text not null,
    name_zh text not null,
    name_en text not null
);

-- A side of the cooperation programme: a member region, the national level or overseas.
create table side (
    id integer primary key,
    code text not null,
    kind text not null check (kind in ('member', 'national', 'overseas')),
    name_zh text not null,
    name_en text not null,
    region_code text references region (code),
    sort_order integer not null default 0
);
create unique index side_code_key on side (code);

create table org (
    id integer primary key,
    name text not null,
    short_name text,
    kind text not null,
    level text not null,
    side_id integer not null references side (id),
    region_code text references region (code),
    country_code text references country (alpha2),
    parent_id integer references org (id),
    -- Materialized path of ids, '/1/5/23/': subtree = path like '/1/5/%'.
    path text not null collate nocase,
    address text,
    phone text,
    notes text,
    archived_at text,
    version integer not null default 1,
    created_at text not null,
    updated_at text not null
);
create unique index org_parent_name_key on org (coalesce(parent_id, 0), name) where archived_at is null;
create index org_path_idx on org (path);
create index org_parent_id_idx on org (parent_id);
create index org_side_id_idx on org (side_id);

create table account (
    id integer primary key,
    login text not null,
    display_name text not null,
    org_id integer not null references org (id),
    role text not null check (role in ('admin', 'org_admin', 'coordinator', 'member', 'viewer')),
    password_hash text not null,
    locale text not null default 'zh-CN',
    active boolean not null default true,
    version integer not null default 1,
    created_at text not null,
    updated_at text not null
);
create unique index account_login_key on account (login);
create index account_org_id_idx on account (org_id);

create table session (
    token_hash text primary key,
    account_id integer not null references account (id),
    created_at text not null,
    expires_at text not null
);
create index session_account_id_idx on session (account_id);

create table api_token (
    id integer primary key,
    account_id integer not null references account (id),
    token_hash text not null,
    name text not null,
    created_at text not null,
    last_used_at text,
    revoked_at text
);
create unique index api_token_token_hash_key on api_token (token_hash);

create table login_failure (
    id integer primary key,
    login text not null,
    failed_at text not null
);
create index login_failure_login_idx on login_failure (login, failed_at);
