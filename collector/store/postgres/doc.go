// Package postgres is the collector's store at scale: PostgreSQL through a
// pgx connection pool, for several collectors sharing one database.
//
// Results are partitioned by event time, one partition per UTC day
// (partitions.go); retention drops whole days (expire.go). A batch of
// results is one INSERT ... SELECT FROM unnest(arrays) that skips the ids
// already stored near their started_at (write.go), committed (and flushed,
// synchronous_commit on) before WriteResults returns. Ingest's requests
// (WriteBatch) waiting at the same time share one such transaction, with
// one upsert of all their contacts (group.go). Times are unix nanoseconds
// in bigint columns, so they round-trip exactly as in the SQLite store.
//
// The schema is versioned by the numbered files in migrations/, applied in
// order at Open under an advisory lock, so collectors starting together
// migrate once.
package postgres
