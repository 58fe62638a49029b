package runner

import (
	"sync"
	"sync/atomic"
	"time"
)

// Growth of a sweep's workers (see pool).
const (
	// busyWorkers is how many workers a sweep keeps making progress: it
	// starts with this many, and adds one for each held by a slow check.
	busyWorkers = MinAutoConcurrency
	// growEvery is how often a sweep looks for workers held by slow checks;
	// a check counts as slow once it has run across a whole period.
	growEvery = 10 * time.Millisecond
)

// pool grows a sweep's workers up to its concurrency bound as slow checks
// hold them. A sweep starts busyWorkers workers, not one per check up to the
// bound: on a healthy LAN each check takes a millisecond or less and 16
// workers run the sweep about as fast as 256, while every goroutine started
// grows its stack from scratch for its dial and request (with 256 workers
// for 500 loopback probes, stack growth and scheduling were a tenth of the
// agent's CPU; issue 11). Every growEvery the pool counts the workers whose
// check has not changed since the last look and starts as many more as
// keep busyWorkers of them free, so that black-holed devices, each holding a
// worker for its whole timeout, do not queue the others behind them: a
// sweep still ends in about one timeout.
type pool struct {
	max, checks int
	next        *atomic.Int64 // the sweep's next check to start
	spawn       func(slot int)
	// slots holds, per worker, 1 + the index of the check it runs.
	slots []atomic.Int64

	mu      sync.Mutex // guards what follows
	workers int        // slots in use
	seen    []int64    // slots at the last look
	timer   *time.Timer
	stopped bool
}

// newPool returns a pool of at most max workers for a sweep of checks
// checks; spawn starts a worker in a slot.
func newPool(max, checks int, next *atomic.Int64, spawn func(slot int)) *pool {
	return &pool{max: max, checks: checks, next: next, spawn: spawn, slots: make([]atomic.Int64, max), seen: make([]int64, max)}
}

// running records that the worker in slot started check i.
func (p *pool) running(slot, i int) { p.slots[slot].Store(int64(i) + 1) }

// start starts the first workers and, when the bound allows more, the
// periodic look for slow checks.
func (p *pool) start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.add(min(p.max, busyWorkers))
	if p.workers < p.max {
		p.timer = time.AfterFunc(growEvery, p.grow)
	}
}

// stop ends the growth once the sweep is done.
func (p *pool) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	if p.timer != nil {
		p.timer.Stop()
	}
}

// grow starts a worker for each one held by a slow check, as long as checks
// wait and the bound allows; it looks again in growEvery while both hold.
func (p *pool) grow() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || int(p.next.Load()) >= p.checks {
		return // every check has started: no worker would find one
	}
	held := 0
	for w := range p.workers {
		v := p.slots[w].Load()
		if v != 0 && v == p.seen[w] {
			held++
		}
		p.seen[w] = v
	}
	p.add(busyWorkers - (p.workers - held))
	if p.workers < p.max {
		p.timer.Reset(growEvery)
	}
}

// add starts up to n more workers within the bound. The caller holds p.mu.
func (p *pool) add(n int) {
	for range max(min(n, p.max-p.workers), 0) {
		p.spawn(p.workers)
		p.workers++
	}
}
