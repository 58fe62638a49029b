// Package e2e holds end-to-end tests: a real collector (HTTP, SQLite) and
// real agents in one process, checking real devices on loopback, asserting
// what the operations centre would see.
package e2e
