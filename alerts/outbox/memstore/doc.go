// Package memstore is an outbox.Store in memory, for tests and the demo
// without a database. It passes the outboxtest conformance suite, so a test
// written against it holds for the SQLite and PostgreSQL stores too.
package memstore
