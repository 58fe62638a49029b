// Package sqlite is the collector's embedded store: one SQLite file in WAL
// mode (modernc.org/sqlite, pure Go), synchronous=FULL so a result
// acknowledged to an agent survives power loss.
//
// Writes go through one writer goroutine that owns the only writing
// connection. It drains whatever requests are queued into one transaction
// (group commit), so one fsync pays for many callers. Raw results are
// stored one row per branch and batch (result_chunks, encoded by
// collector/store/chunk): a batch of twenty costs one insert, and the
// writer's memory of each branch's latest chunks (recent.go) tells a new
// sweep's batch from a retried one without reading them back. Reads use a
// separate pool of read-only connections, which WAL lets run beside the
// writer, and decode the chunks of the range they read.
//
// The schema is versioned by the numbered files in migrations/, applied in
// order at Open, each in its own transaction.
package sqlite
