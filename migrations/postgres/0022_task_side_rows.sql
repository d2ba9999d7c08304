-- Each task also reaches its lead's side, under the key -side_id (no organization has
-- a negative id): the tasks of one side are then one index range in task_reach and a
-- few rows of task_tally, as an organization's are, instead of a filter on the lead's
-- side over every task (seconds at national scale). Filled here from the rows every
-- all-seeing reader walks, so an upgrade does not rebuild the whole table.
insert into task_reach (org_id, done, deadline, task_id, lead, status, colour, ledger)
select -o.side_id, r.done, r.deadline, r.task_id, 1, r.status, r.colour, r.ledger
from task_reach r join task t on t.id = r.task_id join org o on o.id = t.lead_org_id
where r.org_id = 0;

insert into task_tally (org_id, lead, status, colour, n)
select r.org_id, 1, r.status, r.colour, count(*)
from task_reach r where r.org_id < 0
group by r.org_id, r.status, r.colour;
