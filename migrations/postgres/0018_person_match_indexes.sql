-- The duplicate check of a person typed in or imported compares the name's sound and
-- spellings with every person on file (core's person::duplicates_of): without these
-- the comparisons of expressions scanned the whole directory, two seconds a row at a
-- million people. The expressions are the check's own, character for character.
create index person_sound_idx on person ((replace(pinyin, ' ', '')));
create index person_foreign_letters_idx on person ((lower(replace(replace(coalesce(foreign_name, ''), ' ', ''), '-', ''))));
