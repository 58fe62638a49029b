-- Raw results are stored one row per branch and batch (a "chunk", encoded
-- by collector/store/chunk) instead of one row per result: a pre-opening
-- wave of 20,000 branches' batches of 20 paid 400,000 statements and
-- 1,200,000 b-tree inserts (the table, the id key, the (branch, started_at)
-- index), about 14 µs a result; a chunk pays one statement and two b-tree
-- inserts for the whole batch.
--
-- first_at and last_at are the earliest and latest started_at in the chunk
-- (unix nanoseconds). A chunk never spans two UTC days (the writer splits a
-- batch by day), so last_at - first_at < 24 h: a read of [from, to) scans
-- the index from (branch, from) to (branch, to + 24 h) and keeps the rows
-- with first_at < to, which the index also holds. n is the chunk's result
-- count; received_at the time its batch was received.
--
-- Results are idempotent on id per branch: the writer drops from a new
-- batch the ids already stored in the branch's chunks that overlap the
-- batch's time span, or in its latest chunks (a retried batch whose times
-- ingest corrected differently); see writer.go.
--
-- The results table of earlier versions keeps its rows: the store reads
-- both tables while results has rows, retention drains it, and new results
-- go to result_chunks only. Copying millions of rows here would hold the
-- upgrade (and the write lock) for minutes.
CREATE TABLE result_chunks (
    branch      TEXT    NOT NULL,
    first_at    INTEGER NOT NULL,
    last_at     INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    body        BLOB    NOT NULL
);

CREATE INDEX result_chunks_branch_last ON result_chunks (branch, last_at, first_at);
