-- The audit trail filtered by action (failed sign-ins, disabled accounts) newest first,
-- without reading the whole trail.
create index audit_action_idx on audit (action, id);
