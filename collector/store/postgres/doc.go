// Package postgres is the collector's store at scale: PostgreSQL through a
// pgx connection pool, for several collectors sharing one database.
//
// Raw results are kept one row per branch and batch (a chunk, package
// collector/store/chunk; migration 0013), partitioned by event time, one
// partition per UTC day (partitions.go); retention drops whole days
// (expire.go). A batch is one chunk row per branch and UTC day, inserted
// at once when its ids all lie beyond the greatest id stored for its
// branch (write.go), else checked against the branch's stored chunks
// (dedupe.go), committed (and flushed, synchronous_commit on) before
// WriteResults returns. Ingest's requests (WriteBatch) waiting at the same
// time share one such transaction, with one upsert of all their contacts
// (group.go). Reads decode the chunks (chunkread.go), and add the rows of
// the results table written one per result before migration 0013 while it
// holds any (legacy.go). Times are unix nanoseconds
// in bigint columns, so they round-trip exactly as in the SQLite store.
//
// The schema is versioned by the numbered files in migrations/, applied in
// order at Open under an advisory lock, so collectors starting together
// migrate once.
package postgres
