-- People not merged away, by owner organization, country of residence ('' when
-- unknown) and sharing level, and the same by the owner's side: a reader's count of a
-- country's people is the people owned in their lineage plus those shared with all or
-- with their side owned elsewhere — two small sums instead of judging every person.
-- Kept by every write that changes a person's owner, country, sharing or merge, and
-- an owner's change of side (core's person::tally); `qiaolian check-figures` recounts.
create table person_tally (
    org_id integer not null,
    country text not null,
    sharing text not null,
    n integer not null,
    primary key (org_id, country, sharing)
) without rowid;

create table person_side_tally (
    side_id integer not null,
    country text not null,
    sharing text not null,
    n integer not null,
    primary key (side_id, country, sharing)
) without rowid;
