-- Project lists are ordered by signing date and filtered by owner organization.
create index project_signed_on_idx on project (signed_on);
create index project_owner_org_id_idx on project (owner_org_id);
