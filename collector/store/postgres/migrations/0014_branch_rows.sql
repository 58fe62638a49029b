-- Descriptors as the collector sent them (JSON text) with their SHA-256,
-- instead of jsonb: an agent's descriptor, some 2.6 KB, had to be parsed
-- into jsonb by every statement that carried it, the first contact's as
-- well as every unchanged one an agent sends again after a restart, before
-- the statement could even tell it had not changed. Now a descriptor whose
-- checksum equals the stored one is neither parsed nor written, and a new
-- one is stored without parsing (the collector encoded it; reads decode
-- it in Go as before).
--
-- Old rows stay as they are (descriptor jsonb, no checksum) and are read
-- as before; a branch's row takes the text form at its next contact that
-- carries a descriptor. Adding columns without a default rewrites nothing.
ALTER TABLE branches
    ADD COLUMN descriptor_json text,
    ADD COLUMN descriptor_sum  bytea;

ALTER TABLE descriptor_history
    ADD COLUMN descriptor_json text,
    ALTER COLUMN descriptor DROP NOT NULL;

-- The collector whose group writer wrote the row last (a random number
-- each collector process picks at start; NULL: written otherwise). A
-- collector's branch directory reads back only the contacts others wrote:
-- during a wave it read its own, some 10,000 rows a call.
-- Indexed so that a collector alone on the store finds the rows others
-- wrote without reading every branch: the column changes only when another
-- collector writes the branch, so contact updates stay HOT.
ALTER TABLE branches ADD COLUMN written_by bigint;
CREATE INDEX branches_written_by ON branches (written_by);
