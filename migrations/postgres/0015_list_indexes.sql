-- People of one country in the directory's order (pinyin, then id), live records only:
-- the list by country walks this and stops at its page instead of sorting every
-- resident of the country (66 000 in Thailand at national scale).
create index person_country_order_idx on person (residence_country, pinyin, id) where merged_into is null;

-- Search documents of one kind by their folded title, in byte order so a prefix is a
-- range: the best hits of a query (the title itself, or a title starting with it) are
-- found without ranking every match.
create index search_doc_title_key_idx on search_doc (kind, title_key collate "C");
