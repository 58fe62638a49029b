package outbox

import (
	"sync"
	"time"
)

// pacer keeps, per route, the earliest time the next message may go: one
// Pace after the last attempt, or later when the remote asked to wait. It
// takes times from its caller, so it holds no clock of its own.
type pacer struct {
	mu   sync.Mutex
	next map[route]time.Time
}

func newPacer() *pacer { return &pacer{next: map[route]time.Time{}} }

// wait returns how long to wait at now before sending to k.
func (p *pacer) wait(k route, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	next, ok := p.next[k]
	if !ok || !next.After(now) {
		delete(p.next, k) // forget idle routes
		return 0
	}
	return next.Sub(now)
}

// sent records an attempt at at on a route paced by pace.
func (p *pacer) sent(k route, at time.Time, pace time.Duration) { p.hold(k, at.Add(pace)) }

// hold keeps k quiet until until (or later, if already held longer).
func (p *pacer) hold(k route, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(p.next[k]) {
		p.next[k] = until
	}
}
