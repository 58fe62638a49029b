// Package leader chooses, among the collectors that share one store, the one
// process that runs the work that must run once: the alert engine and its
// outbox delivery, the SLA roll-up and retention. Every collector serves
// ingest, the board and the API; only the leader runs that work.
//
// A store offers leadership through an Elector (PostgreSQL: a session-level
// advisory lock on a connection of its own; SQLite, used by one process:
// Solo, which always leads). Run polls the Elector; once it leads it starts
// the leader's work, checks at every poll that leadership still holds, and
// stops the work before giving leadership up, so that two processes never
// knowingly lead at once. When the leader dies its lock goes with its
// session and a follower takes over at its next poll.
//
// Results stored by a follower reach the leader's alert engine through a
// Feed (PostgreSQL: NOTIFY/LISTEN). A notification missed while no process
// leads is covered by the new leader's replay of recent results.
package leader
