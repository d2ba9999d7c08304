-- Whether a task owes a report (its plan's cadence asks for one and the last due is
-- missing) is kept like its colour, so the battle map counts missing reports per
-- organization from the tallies instead of judging every task of a subtree:
-- report_missing is the flag as of the last write or upkeep, report_due the day it
-- will turn on without a new report (the upkeep's indexed range; null once on, or
-- when the task does not report).
alter table task add column report_missing bigint not null default 0;
alter table task add column report_due date;
create index task_report_due_idx on task (report_due);

-- Every task_reach row carries the flag and the lead's side, and the tally counts by
-- side too: a reader of a subtree asking for one side (a district coordinator's
-- figures of Sichuan's tasks) then adds up tally rows or filters the walked rows,
-- instead of probing each task's side row (380 ms for a district at national scale).
alter table task_reach add column missing bigint not null default 0;
alter table task_reach add column side bigint not null default 0;
drop table task_tally;
create table task_tally (
    org_id bigint not null,
    side bigint not null,
    lead bigint not null,
    status text not null,
    colour text not null,
    n bigint not null,
    -- Of the n, those that owe a report.
    missing bigint not null,
    primary key (org_id, side, lead, status, colour)
);

-- Both are filled anew at the next start, which sets the flags first.
delete from meta where key = 'task_reach';
