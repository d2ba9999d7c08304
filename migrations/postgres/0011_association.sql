-- Associations (overseas associations, chambers, alumni associations): where they sit,
-- when they were founded and how many members they have. Any organization may carry
-- them; the pages show them for the association kinds.

alter table org add column city text;
alter table org add column founded_on date;
alter table org add column members_count bigint check (members_count is null or members_count >= 0);

-- The association list is filtered by country.
create index org_country_code_idx on org (country_code);
