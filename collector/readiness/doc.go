// Package readiness judges a branch-day: was the branch ready by its
// deadline, and when did it become ready. It is pure logic over the branch's
// descriptor, its calendar and its results (judged on the agent's event
// time, so results that arrive late from a spool count for the moment they
// describe).
package readiness
