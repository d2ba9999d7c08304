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

-- Filled with the others at the next start.
delete from meta where key = 'task_reach';
