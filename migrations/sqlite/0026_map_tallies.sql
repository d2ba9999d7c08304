-- How many tasks each organization reaches, by the top of their lead's branch (the
-- lead's ancestor three levels down, or the lead when shallower) and colour: a
-- district or provincial coordinator's battle map then reads the colours of every
-- region from a few hundred rows instead of walking the 88,000 tasks it reaches
-- (150 ms at national scale, each time a report changes the figures).
create table task_top_tally (
    org_id integer not null,
    top_id integer not null,
    colour text not null,
    n integer not null,
    -- Of the n, those that owe a report.
    missing integer not null,
    primary key (org_id, top_id, colour)
) without rowid;

-- For each resolution and organization its tasks reach: how many of those tasks and
-- how many are open. A reader's resolutions done (every task they may read ended) are
-- then their rows with none open, instead of a probe of each of the 9,000 tasks that
-- resolutions became (95–230 ms on PostgreSQL at national scale).
create table resolution_reach (
    org_id integer not null,
    resolution_id integer not null,
    n integer not null,
    open integer not null,
    primary key (org_id, resolution_id)
) without rowid;
create index resolution_reach_resolution_idx on resolution_reach (resolution_id);

-- Filled with task_reach and task_tally at the next start.
delete from meta where key = 'task_reach';
