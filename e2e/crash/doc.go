// Package crash holds the agent's crash test: the real branchready-agent
// binary is killed with SIGKILL again and again while it sweeps and while it
// ships to a real collector (SQLite store), and the test then proves that the
// spool always opens again, that every result the agent spooled or the
// collector acknowledged is stored, and that none is stored twice.
//
// The package has no code of its own besides its tests; they are skipped by
// go test -short.
package crash
