-- PostgreSQL partitions its results by day here, so that retention drops
-- whole partitions. SQLite keeps one results table and deletes old results
-- branch by branch; this migration keeps the two stores' schema versions in
-- step.
SELECT 1;
