-- Donations join the figures kept on write (measures 'donation' and 'allocation' in
-- outcome_tally: per recipient and every organization above it, per the recipient's
-- side, per year the gift was made, by form and status), so the donation totals of the
-- figures API and the battle map add up a few rows instead of summing the ledger. The
-- table is built anew at the next start, which adds them.
delete from meta where key = 'outcome_tally';
