// Package alerting runs the incident engine (package alerts) inside the
// collector: it feeds it every result that ingest stored and a tick for the
// clock, keeps each branch's incidents in memory and in the store, and
// saves every decided notification in the outbox in the same transaction
// as the incident change that decided it. A delivery loop (alerts/outbox)
// sends them.
//
// Crash safety: ingest commits results before it hands them here, so a
// crash can lose only the engine's view of the last few seconds. At start
// the service reloads open and recently changed incidents and replays the
// last minutes of results; an incident's LastResult (and, for keys without
// an open incident, the newest recently stored incident of the key) says
// which of them it has already seen, so a replay decides nothing twice.
//
// All engine work happens on one goroutine (the loop): results, ticks,
// acknowledgements and silences are applied in the order they arrive, and
// the engine needs no locks.
//
// Latency: results are judged as soon as ingest hands them over, not at
// the next tick. What the results queued at one moment decided (a
// pre-opening wave hands over thousands of branches at once) is saved in
// one transaction, and the rows it enqueued are claimed in that
// transaction for the local delivery loop (Options.Claimed), so a failing
// check reaches Slack after one store commit, not three.
//
// People's changes of incidents (acknowledge, unacknowledge, snooze) may
// reach any collector, while the engine runs on one (the leader). Submit
// queues each as a command in the store (store.Commands), wakes the engine
// wherever it runs (in process, or through the store's signal: PostgreSQL
// NOTIFY) and waits a few seconds for the outcome, answering ErrQueued when
// none came. The loop applies pending commands in order when woken, at
// every tick and when it starts (so a new leader applies what was queued
// while none led), settling each in the same transaction as the incident
// change and messages it decided, and only while it is still pending: a
// command takes effect once, even when two engines overlap.
//
// Maintenance windows made on the board or API mute notifications like
// silences: each refresh turns the windows of a branch and of its region
// into silences of the branch.
package alerting
