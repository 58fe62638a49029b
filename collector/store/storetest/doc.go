// Package storetest is the conformance suite every store.Store passes: the
// SQLite store runs it in every test run, the PostgreSQL store in the full
// run against a real server. A new store is correct when Run passes.
package storetest
