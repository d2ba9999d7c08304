-- Exchanges join the outcome figures kept on write (measure 'exchange' in
-- outcome_tally: per organization on either end and every one above, per side of the
-- organization it came from, per year), so the exchange figures of the battle map and
-- the figures API add up a few rows instead of counting the log. The table is built
-- anew at the next start, which adds them.
delete from meta where key = 'outcome_tally';
