-- Search across everything: one document per searchable record, written by
-- crate::search in the same transaction as the record. Documents carry words, never
-- permissions: every query joins back to the record and applies its own read rule.
create table search_doc (
    id integer primary key,
    -- org, person, agreement, task, meeting, event, project
    kind text not null,
    ref_id integer not null,
    title text not null,
    -- The title folded (simplified, half-width, lowercase) without spaces, and its
    -- pinyin without spaces: the keys that rank exact, prefix and substring matches.
    title_key text not null,
    title_pinyin text not null,
    subtitle text,
    -- Space-separated words: segmented title and body, title characters and pairs,
    -- pinyin. The full-text index is built over these and nothing else.
    tokens text not null
);
create unique index search_doc_kind_ref_id_key on search_doc (kind, ref_id);

create virtual table search_fts using fts5 (
    tokens, content = 'search_doc', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 0'
);

create trigger search_doc_ai after insert on search_doc begin
    insert into search_fts (rowid, tokens) values (new.id, new.tokens);
end;
create trigger search_doc_ad after delete on search_doc begin
    insert into search_fts (search_fts, rowid, tokens) values ('delete', old.id, old.tokens);
end;
create trigger search_doc_au after update on search_doc begin
    insert into search_fts (search_fts, rowid, tokens) values ('delete', old.id, old.tokens);
    insert into search_fts (rowid, tokens) values (new.id, new.tokens);
end;
