-- Raw results one row per branch and batch (a "chunk", package
-- collector/store/chunk) instead of one row per result: a pre-opening wave
-- of 400,000 results is 20,000 rows, each one statement row, one heap
-- tuple and one index entry, instead of 400,000 rows of 13 columns with a
-- primary key and a branch index. The body is the chunk encoding of the
-- batch's results (branch left out: it is the row's).
--
-- Partitioned by first_at, one partition per UTC day as results was
-- (made and dropped by the store's retention, partitions.go): the writer
-- splits a batch by UTC day, so a chunk lies in one day and a read of
-- [from, to) is "first_at >= the start of from's day AND first_at < to
-- AND last_at >= from", the first bound pruning the partitions.
--
-- There is no unique key: a result is stored once per branch and id
-- because the writer holds the branch's advisory lock and checks first.
-- result_heads keeps, per branch, the greatest id (bytewise) stored: a
-- batch whose ids all lie beyond it cannot repeat a stored result, and is
-- inserted at once. Agents' ids are UUIDv7, ordered by time, so in a wave
-- every batch is such a batch: one primary-key lookup, no look into the
-- partitions. Any other batch (a retry) is checked against the branch's
-- chunks whose time span (widened by DedupWindow) and id span
-- (min_id..max_id) meet its own, decoded.
--
-- The old results table stays, written no more: reads add its rows while
-- it has any, retention drops its day partitions as before, and it is
-- empty once the retention has passed.
CREATE TABLE result_chunks (
    branch      text COLLATE "C" NOT NULL,
    first_at    bigint           NOT NULL,
    last_at     bigint           NOT NULL,
    received_at bigint           NOT NULL,
    n           integer          NOT NULL,
    min_id      text COLLATE "C" NOT NULL,
    max_id      text COLLATE "C" NOT NULL,
    body        bytea            NOT NULL
) PARTITION BY RANGE (first_at);

CREATE INDEX result_chunks_branch_last ON result_chunks (branch, last_at);

CREATE TABLE result_chunks_default PARTITION OF result_chunks DEFAULT;

-- Updated with most batches: room on each page for HOT updates.
CREATE TABLE result_heads (
    branch text COLLATE "C" PRIMARY KEY,
    max_id text COLLATE "C" NOT NULL
) WITH (fillfactor = 70);
