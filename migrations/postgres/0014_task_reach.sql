-- Which organizations each task reaches: every organization it involves (lead,
-- assigner, supporters, the plan's owner, the agreement's parties) and every one above
-- them, plus org 0 for the readers who see every task. A reader sees a task when its
-- own organization is here, so the read rule is one indexed lookup instead of path
-- matches per row. done, deadline, status and colour are copied from the task so one
-- organization's list, in the ledger's order, is a walk of the primary key.
-- Kept by every write that changes a task or who it involves (core's task::reach);
-- `qiaolian check-figures` recounts it.
create table task_reach (
    org_id bigint not null,
    -- 1 once closed or cancelled: the ledger lists open tasks first.
    done bigint not null,
    deadline date not null,
    task_id bigint not null,
    -- 1 when the organization is the lead or above it: the ledger's lead filter.
    lead bigint not null,
    status text not null,
    colour text not null,
    primary key (org_id, done, deadline, task_id)
);
create index task_reach_task_idx on task_reach (task_id, org_id);

-- task_reach counted by organization, lead, status and colour, kept with it: colour
-- counts, the home page and list totals add up a few rows instead of counting tasks.
create table task_tally (
    org_id bigint not null,
    lead bigint not null,
    status text not null,
    colour text not null,
    n bigint not null,
    primary key (org_id, lead, status, colour)
);

-- An organization's overdue tasks, led or assigned, for its inbox and home page: one
-- range each, in deadline order, instead of every red task of the system.
create index task_lead_colour_idx on task (lead_org_id, colour, deadline);
create index task_assigner_colour_idx on task (assigner_org_id, colour, deadline);
