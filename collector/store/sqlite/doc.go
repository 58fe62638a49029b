// Package sqlite is the collector's embedded store: one SQLite file in WAL
// mode (modernc.org/sqlite, pure Go), synchronous=FULL so a result
// acknowledged to an agent survives power loss.
//
// Writes go through one writer goroutine that owns the only writing
// connection. It drains whatever requests are queued into one transaction
// (group commit), so one fsync pays for many callers, and inserts rows with
// prepared multi-row statements. Reads use a separate pool of read-only
// connections, which WAL lets run beside the writer.
//
// The schema is versioned by the numbered files in migrations/, applied in
// order at Open, each in its own transaction.
package sqlite
