-- Donations (捐赠台账): gifts of money or goods from overseas associations and
-- individuals to a federation, grouped in campaigns, followed from pledge to receipt
-- to allocation, with an append-only history of each step and every use made of them.

create table donation_campaign (
    id integer primary key,
    name text not null,
    year integer not null,
    description text,
    created_at text not null
);
create unique index donation_campaign_name_key on donation_campaign (name);

create table donation (
    id integer primary key,
    donor_name text not null,
    donor_org_id integer references org (id),
    donor_country text references country (alpha2),
    given_on text not null,
    -- money or goods
    form text not null,
    -- What the goods are; required for goods.
    goods_description text,
    -- For goods, their value.
    amount_fen integer not null check (amount_fen >= 0),
    campaign_id integer references donation_campaign (id),
    purpose text,
    -- The federation that received the gift and issues its receipt.
    recipient_org_id integer not null references org (id),
    receipt_no text not null,
    -- pledged, received or allocated
    status text not null,
    version integer not null default 1,
    created_by integer not null references account (id),
    created_at text not null,
    updated_at text not null,
    check (form <> 'goods' or goods_description is not null)
);
create unique index donation_recipient_org_id_receipt_no_key on donation (recipient_org_id, receipt_no);
create index donation_campaign_id_idx on donation (campaign_id);
create index donation_given_on_idx on donation (given_on);

-- Each status a donation reached, dated, with a note; append-only.
create table donation_step (
    id integer primary key,
    donation_id integer not null references donation (id),
    status text not null,
    happened_on text not null,
    note text,
    account_id integer not null references account (id),
    created_at text not null
);
create index donation_step_donation_id_idx on donation_step (donation_id, id);

-- What a donation was used for; together never more than the donation.
create table donation_allocation (
    id integer primary key,
    donation_id integer not null references donation (id),
    use text not null,
    amount_fen integer not null check (amount_fen > 0),
    allocated_on text not null,
    account_id integer not null references account (id),
    created_at text not null
);
create index donation_allocation_donation_id_idx on donation_allocation (donation_id, id);
