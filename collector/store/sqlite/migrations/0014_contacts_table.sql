-- An agent's contact moves out of the branches row into a narrow table of
-- its own. Every ingest request upserted the contact into the branches
-- row, whose descriptor (about 2.6 kB for a branch of 17 devices) fills
-- most of a 4 KiB page, and into the covering index branches_contact
-- (migration 9): two random pages dirtied a request, each copied to the
-- WAL and then to the database by the checkpoint. A 20,000-branch wave
-- wrote about 680 MB for 50 MB of results.
--
-- branch_contacts holds the contact of every known branch, about 200
-- bytes a row, in the b-tree of its key (WITHOUT ROWID): a contact dirties
-- one page shared with a dozen other branches, and a board refresh lists
-- every contact from it as it did from the covering index. branches keeps
-- the descriptors only, a row for each branch whose agent sent one, and is
-- written when a descriptor changes.
--
-- The copy is of the branch table alone (one row a branch, tens of MB for
-- a bank), never of the results.
CREATE TABLE branch_contacts (
    id            TEXT    NOT NULL PRIMARY KEY,
    contact_at    INTEGER,
    agent_version TEXT    NOT NULL,
    config_hash   TEXT    NOT NULL,
    clock_skew_ns INTEGER NOT NULL,
    heartbeat     TEXT
) WITHOUT ROWID;

INSERT INTO branch_contacts (id, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat)
SELECT id, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat FROM branches ORDER BY id;

CREATE TABLE branch_descriptors (
    id         TEXT NOT NULL PRIMARY KEY,
    descriptor TEXT NOT NULL
);

INSERT INTO branch_descriptors (id, descriptor)
SELECT id, descriptor FROM branches WHERE descriptor IS NOT NULL ORDER BY id;

-- Dropping the table drops branches_contact with it.
DROP TABLE branches;
ALTER TABLE branch_descriptors RENAME TO branches;
