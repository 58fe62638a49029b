package leader

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Elector is how a store lets one process lead.
type Elector interface {
	// TryLead tries once, without waiting, to become the leader. It returns
	// a nil Lease and no error when another process leads.
	TryLead(ctx context.Context) (Lease, error)
}

// Waiter is an Elector that can also wait for leadership, so that a
// follower takes over the moment the leader's session ends (its process
// killed, or handing over) rather than at its next poll.
type Waiter interface {
	// WaitLead waits until this process leads, and returns its Lease; it
	// returns an error when ctx ends or the store fails.
	WaitLead(ctx context.Context) (Lease, error)
}

// Lease is leadership held by this process.
type Lease interface {
	// Check returns nil while leadership still holds, and an error once it
	// may have been lost (the session holding it broke).
	Check(ctx context.Context) error
	// Release gives leadership up so that another process can take it at
	// once. It is called exactly once, after the leader's work has stopped.
	Release(ctx context.Context) error
}

// Solo is the Elector of a store only one process uses (SQLite): it
// always leads.
type Solo struct{}

// TryLead always succeeds.
func (Solo) TryLead(context.Context) (Lease, error) { return soloLease{}, nil }

type soloLease struct{}

func (soloLease) Check(context.Context) error   { return nil }
func (soloLease) Release(context.Context) error { return nil }

// DefaultPoll is how often a follower tries to lead (unless its Elector
// is a Waiter: it then waits, and retries this often only after a store
// error) and a leader checks that it still does: a dead leader is
// replaced within about this long once the store has noticed its death.
const DefaultPoll = 5 * time.Second

// Options configure Run.
type Options struct {
	Elector Elector
	// Poll is how often to try or check leadership; DefaultPoll when zero.
	Poll time.Duration
	Log  *slog.Logger
	// Lead runs the leader's work until its context ends, and returns only
	// once that work has stopped.
	Lead func(ctx context.Context)
	// Changed, if set, is called with true once leadership is gained and
	// the work started, and with false once the work has stopped.
	Changed func(leading bool)
}

// Run takes part in the election until ctx ends. While this process leads,
// o.Lead runs; when ctx ends, Run stops the work, releases leadership so
// another process takes over at once, and returns.
func Run(ctx context.Context, o Options) {
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(o.Poll)
	defer t.Stop()
	waiter, _ := o.Elector.(Waiter)
	failing := false
	for {
		lease, err := acquire(ctx, o.Elector, waiter)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			// Logged once per streak: a store outage must not flood the log.
			o.Log.Warn("leader election: cannot reach the store; retrying", "err", err, "every", o.Poll)
			failing = true
		case err == nil:
			failing = false
		}
		if lease != nil {
			// A process that just lost leadership waits a poll before
			// it waits again: its work may be what keeps failing.
			term(ctx, o, lease, t.C)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// acquire waits for leadership when the Elector can, else tries once.
func acquire(ctx context.Context, e Elector, w Waiter) (Lease, error) {
	if w != nil {
		return w.WaitLead(ctx)
	}
	return e.TryLead(ctx)
}

// term runs the leader's work while lease holds, then releases it.
func term(ctx context.Context, o Options, lease Lease, tick <-chan time.Time) {
	o.Log.Info("leadership gained: this collector runs alerting, SLA roll-up and retention")
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		o.Lead(wctx)
	}()
	if o.Changed != nil {
		o.Changed(true)
	}
	why := watch(ctx, o, lease, tick, done)
	cancel()
	<-done
	// A fresh context: leadership must be handed over even when ctx ended.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), o.Poll)
	defer rcancel()
	if err := lease.Release(rctx); err != nil {
		o.Log.Warn("leadership release failed; the store frees it when the session ends", "err", err)
	}
	if o.Changed != nil {
		o.Changed(false)
	}
	o.Log.Info("leadership lost: this collector now only serves ingest, the board and the API", "reason", why)
}

// errWorkStopped ends a term whose work returned by itself.
var errWorkStopped = errors.New("the leader's work stopped")

// watch waits for the term's end and says why it ended.
func watch(ctx context.Context, o Options, lease Lease, tick <-chan time.Time, done <-chan struct{}) string {
	for {
		select {
		case <-ctx.Done():
			return "shutting down"
		case <-done:
			return errWorkStopped.Error()
		case <-tick:
			cctx, cancel := context.WithTimeout(ctx, o.Poll)
			err := lease.Check(cctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				return "leadership could not be confirmed: " + err.Error()
			}
		}
	}
}
