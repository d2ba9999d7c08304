-- Outcome figures kept on write: what held events (and their participants by country),
-- projects by status, talents and articles by outlet add up to, under every
-- organization a record reaches (each one it belongs to and every one above it; 0 for
-- all) or a side it belongs to (org_id 0), per series (0 for all series) and year. A
-- roll-up reads one key's rows instead of counting every record. Kept by every write
-- that changes an outcome or what it belongs to (core's outcome::tally);
-- `qiaolian check-figures` recounts it.
create table outcome_tally (
    org_id integer not null,
    side_id integer not null,
    series_id integer not null,
    year integer not null,
    -- event, country, project, talent or article.
    measure text not null,
    -- What the measure is broken down by: a country code, a project status, an
    -- outlet's organization id; empty when nothing.
    detail text not null,
    n integer not null,
    amount integer not null,
    primary key (org_id, side_id, series_id, year, measure, detail)
) without rowid;
