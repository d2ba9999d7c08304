-- Search across everything: one document per searchable record, written by
-- crate::search in the same transaction as the record. Documents carry words, never
-- permissions: every query joins back to the record and applies its own read rule.
create table search_doc (
    id bigint generated always as identity primary key,
    -- org, person, agreement, task, meeting, event, project
    kind text not null,
    ref_id bigint not null,
    title text not null,
    -- The title folded (simplified, half-width, lowercase) without spaces, and its
    -- pinyin without spaces: the keys that rank exact, prefix and substring matches.
    title_key text not null,
    title_pinyin text not null,
    subtitle text,
    -- Space-separated words: segmented title and body, title characters and pairs,
    -- pinyin. The words are the lexemes as they are (no parser, no stemming), so both
    -- engines match the same words.
    tokens text not null,
    tsv tsvector generated always as (array_to_tsvector(string_to_array(tokens, ' '))) stored
);
create unique index search_doc_kind_ref_id_key on search_doc (kind, ref_id);
create index search_doc_tsv_idx on search_doc using gin (tsv);
