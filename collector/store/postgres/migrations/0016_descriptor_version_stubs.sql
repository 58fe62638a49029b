-- SQLite's migration 0016 keeps a stub in place of the current descriptor
-- version's second copy. PostgreSQL keeps both copies as before (its
-- history rows are compressed and written once per change); this
-- migration keeps the two stores' schema versions in step.
SELECT 1;
