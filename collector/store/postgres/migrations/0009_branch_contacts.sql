-- SQLite gets a covering index here so that listing branches' contacts
-- (the board's refresh) does not read one page per branch. PostgreSQL reads
-- the few contact columns of its heap rows quickly enough without one; this
-- migration keeps the two stores' schema versions in step.
SELECT 1;
