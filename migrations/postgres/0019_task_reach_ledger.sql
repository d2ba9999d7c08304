-- The progress ledger's order (agreement → plan → area → lead down the tree → deadline)
-- as one key on each task_reach row, so an organization's ledger page is a walk of an
-- index instead of a sort of every task it reaches. Written by core's task::reach
-- (`ledger_key`); the rows are built anew at the next start, which fills it. Compared
-- byte by byte ("C"), as SQLite and core compare it.
alter table task_reach add column ledger text collate "C" not null default '';
create index task_reach_ledger_idx on task_reach (org_id, ledger, task_id);
delete from meta where key = 'task_reach';
