-- How many tasks each resolution became and how many of them are still open, kept on
-- write (core's task::reach::sync recounts the resolutions of the tasks every write
-- touched): for a reader who sees every task, a resolution's status (no task yet, in
-- progress, done) is read off its row instead of from its tasks. Filled here.
alter table resolution add column task_count bigint not null default 0;
alter table resolution add column open_task_count bigint not null default 0;
update resolution set task_count = (select count(*) from resolution_task rt
        where rt.resolution_id = resolution.id),
    open_task_count = (select count(*) from resolution_task rt join task t on t.id = rt.task_id
        where rt.resolution_id = resolution.id and t.status not in ('closed', 'cancelled'));
