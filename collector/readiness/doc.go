// Package readiness judges a branch-day: was the branch ready by its
// deadline, and when did it become ready. It is pure logic over the branch's
// descriptor, its calendar and its results (judged on the agent's event
// time, so results that arrive late from a spool count for the moment they
// describe).
//
// Engine keeps today's judgement of every branch in an immutable Snapshot
// that a background loop (Engine.Run) judges again only for the branches
// that changed, reading many branches' results per query, so that the
// board, the API and the metrics read judgements without making them. A
// read waits only for the batches handed in before it, judged from
// memory: what a client posted, it then sees judged.
package readiness
