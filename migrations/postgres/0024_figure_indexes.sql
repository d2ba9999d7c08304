-- Agreements in force are counted by status and end day (the figures API's first
-- figure), and the battle map reads a few measures of each region's outcome figures:
-- both were scans (20,000 agreements; every country row of every region's years).
create index agreement_status_idx on agreement (status, valid_until);
create index outcome_tally_measure_idx on outcome_tally (org_id, side_id, series_id, measure, year);
