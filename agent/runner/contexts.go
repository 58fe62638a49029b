package runner

import (
	"context"
	"errors"
	"sync"
	"time"
)

// checkContexts gives each check of a sweep a context of its own that is
// not registered with the sweep's: context.WithTimeout on the sweep's
// context would lock it and add the check to (then remove it from) its
// set of children, one shared mutex and map for every check of the sweep
// on every worker (issue 11, CPU per probe). A check's context derives
// from the sweep's without its cancellation, carries the sweep's values
// and, when the sweep has an earlier deadline, that one; when the sweep is
// cancelled, cancelAll cancels the check each worker runs, as the
// parent's cancellation would have.
type checkContexts struct {
	sweep context.Context
	base  context.Context // sweep without its cancellation
	slots []checkCancel   // per worker slot
}

// checkCancel is the cancel function of the check a worker slot runs.
type checkCancel struct {
	mu     sync.Mutex
	cancel context.CancelFunc
}

func newCheckContexts(sweep context.Context, slots int) *checkContexts {
	return &checkContexts{sweep: sweep, base: context.WithoutCancel(sweep), slots: make([]checkCancel, slots)}
}

// start returns the context of a check that worker slot runs now, ending
// after timeout, at the sweep's deadline, or when the sweep is cancelled.
func (cc *checkContexts) start(slot int, timeout time.Duration) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(timeout)
	if d, ok := cc.sweep.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(cc.base, deadline)
	s := &cc.slots[slot]
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	if cc.cancelled() {
		// Cancelled before cancelAll could see this check.
		cancel()
	}
	return ctx, cancel
}

// cancelAll cancels the check of every slot; the sweep's context calls it
// when it ends. A sweep that reached its deadline cancels nothing: no
// check's deadline is later (see start), so each ends on its own with
// context.DeadlineExceeded, as it did when the sweep's context was its
// parent, rather than with context.Canceled.
func (cc *checkContexts) cancelAll() {
	if !cc.cancelled() {
		return
	}
	for i := range cc.slots {
		s := &cc.slots[i]
		s.mu.Lock()
		if s.cancel != nil {
			s.cancel()
		}
		s.mu.Unlock()
	}
}

// cancelled reports whether the sweep was cancelled (not merely timed out).
func (cc *checkContexts) cancelled() bool {
	err := cc.sweep.Err()
	return err != nil && !errors.Is(err, context.DeadlineExceeded)
}
