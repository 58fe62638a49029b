// Package outboxtest is the conformance suite every outbox.Store passes, in
// the manner of collector/store/storetest: the in-memory store runs it in
// every test run, the SQLite and PostgreSQL stores run it with their own
// Opener. A new store is correct when Run passes.
package outboxtest
