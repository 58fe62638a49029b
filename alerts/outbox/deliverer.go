package outbox

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/branchready/branchready/alerts/notify"
)

// Defaults of the Deliverer's knobs, used where a field is zero.
const (
	DefaultBatch         = 200
	DefaultWorkers       = 16
	DefaultLease         = 15 * time.Second
	DefaultPoll          = time.Second
	DefaultTimeout       = 30 * time.Second
	DefaultMinBackoff    = 2 * time.Second
	DefaultMaxBackoff    = 5 * time.Minute
	DefaultMaxRetryAfter = 15 * time.Minute
	DefaultMaxInlineWait = 250 * time.Millisecond
	DefaultMaxHoldWait   = 5 * time.Second
)

// Deliverer is the delivery loop. It claims rows from the Store, sends each
// through the notifier its message names (with the thread receipt for an
// Update or a Reply) and records the outcome:
//
//   - accepted: Delivered, with the receipt (a Post's becomes the thread);
//   - a retryable error: Retry after the Retry-After the remote asked for,
//     else after exponential backoff with full jitter, capped; the route's
//     target is held back until then, so a rate-limited channel is not
//     hammered by its other incidents;
//   - a permanent error: Fail, reported to OnConfigError and the metrics,
//     and never tried again.
//
// Delivery is a pipeline, not rounds: the loop claims rows while fewer
// than Batch are held, and up to Workers deliveries are in flight at once,
// each to a different target. Order within an incident comes from the Store
// (Claim returns only the oldest pending row of each incident route, and
// not again while it is claimed, so a reply cannot overtake its parent);
// order and pace per target come from the Deliverer: rows of one target
// are sent one at a time, in claim order, at least the notifier's Pace
// apart (notify.Paced). A row that would wait longer than MaxInlineWait
// does not wait holding a worker, so that one busy channel (operations
// during a pre-opening wave) does not hold one: up to MaxHoldWait (the
// pace of a channel) it waits held, its claim renewed, and longer (a rate
// limit's Retry-After) it is released to the Store for later.
//
// A row whose earlier claim ended without an outcome (its deliverer died
// or stopped mid-call, Row.Unsettled) may already be in the remote: when
// its notifier can look messages up (notify.Finder), the Deliverer asks it
// first and records what it finds instead of sending again.
//
// Claims are short (Lease) and renewed while held, and no call starts that
// could outlive its row's claim (renew.go): the rows of a deliverer that
// died come back within a Lease, not after a long one.
//
// The zero value of each knob means its Default.
type Deliverer struct {
	Store     Store
	Notifiers map[string]notify.Notifier
	// Now is the clock; time.Now when nil. Waits use the time package, so
	// tests run the loop inside a testing/synctest bubble.
	Now     func() time.Time
	Log     *slog.Logger
	Metrics Metrics
	// OnConfigError is called for each row failed for good (bad token,
	// unknown channel, unknown notifier), for the board.
	OnConfigError func(ConfigError)

	Batch   int           // rows held (claimed, not yet settled) at most
	Workers int           // deliveries in flight at once, to distinct targets
	Lease   time.Duration // how long a claim lasts; renewed every Lease/4 while held (renew.go)
	Poll    time.Duration // wait when nothing is due, unless kicked
	Timeout time.Duration // per notifier call
	// MinBackoff and MaxBackoff bound the backoff after a retryable error
	// without Retry-After; MaxRetryAfter caps a Retry-After.
	MinBackoff, MaxBackoff, MaxRetryAfter time.Duration
	MaxInlineWait                         time.Duration
	// MaxHoldWait is the longest wait for a target's pace that a row
	// waits held rather than released to the Store.
	MaxHoldWait time.Duration

	once     sync.Once
	kick     chan struct{}
	freed    chan struct{}
	pacer    *pacer
	mu       sync.Mutex
	problems map[route]ConfigError
	pipe     *pipeline // while Run runs
	// claimable is set when rows may have become claimable by something
	// this deliverer did (a row failed for good frees its incident's
	// later rows): Run claims at once instead of at the next poll.
	claimable atomic.Bool
	// due holds when rows this deliverer gave back (released, retried)
	// become claimable again: Run claims then, not only at every poll.
	dueMu sync.Mutex
	due   []time.Time
	// threads remembers incidents' threads (threads.go).
	threads threads
}

// ConfigError describes a row that failed for good: operators must fix the
// configuration (or the Slack app) for later messages to arrive.
type ConfigError struct {
	Notifier, Target, IncidentID string
	Seq                          int64
	Reason                       string
	Error                        string
	At                           time.Time
}

// route is where rows go: a notifier and target, paced together.
type route struct{ notifier, target string }

func (d *Deliverer) init() {
	d.once.Do(func() {
		d.kick = make(chan struct{}, 1)
		d.freed = make(chan struct{}, 1)
		d.pacer = newPacer()
		d.problems = map[route]ConfigError{}
		if d.Now == nil {
			d.Now = time.Now
		}
		if d.Log == nil {
			d.Log = slog.New(slog.DiscardHandler)
		}
		if d.Metrics == nil {
			d.Metrics = nopMetrics{}
		}
		orDefault(&d.Batch, DefaultBatch)
		orDefault(&d.Workers, DefaultWorkers)
		orDefault(&d.Lease, DefaultLease)
		orDefault(&d.Poll, DefaultPoll)
		orDefault(&d.Timeout, DefaultTimeout)
		orDefault(&d.MinBackoff, DefaultMinBackoff)
		orDefault(&d.MaxBackoff, DefaultMaxBackoff)
		orDefault(&d.MaxRetryAfter, DefaultMaxRetryAfter)
		orDefault(&d.MaxInlineWait, DefaultMaxInlineWait)
		orDefault(&d.MaxHoldWait, DefaultMaxHoldWait)
	})
}

func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Kick wakes the loop to claim at once, for a caller that just enqueued.
func (d *Deliverer) Kick() {
	d.init()
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Problems returns the latest permanent failure of each route that has not
// delivered anything since.
func (d *Deliverer) Problems() []ConfigError {
	d.init()
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]ConfigError, 0, len(d.problems))
	for _, p := range d.problems {
		out = append(out, p)
	}
	return out
}

// release gives untried rows back, even while stopping.
func (d *Deliverer) release(ctx context.Context, rows []Row, at time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if len(rows) > 0 {
		d.dueAt(at)
	}
	for _, r := range rows {
		if err := d.Store.Release(ctx, r.Seq, at); err != nil {
			d.Log.Warn("outbox release failed; the row returns when its lease ends", "seq", r.Seq, "err", err)
		}
	}
}

// dueAt notes that rows given back become claimable at t.
func (d *Deliverer) dueAt(t time.Time) {
	d.dueMu.Lock()
	defer d.dueMu.Unlock()
	d.due = append(d.due, t)
}

// nextDue forgets the times noted up to now and returns whether any was
// (rows are claimable now) and the earliest one left (zero when none).
func (d *Deliverer) nextDue(now time.Time) (passed bool, next time.Time) {
	d.dueMu.Lock()
	defer d.dueMu.Unlock()
	left := d.due[:0]
	for _, t := range d.due {
		switch {
		case !t.After(now):
			passed = true
		default:
			left = append(left, t)
			if next.IsZero() || t.Before(next) {
				next = t
			}
		}
	}
	d.due = left
	return passed, next
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// asError reads a notifier's error as a notify.Error; an error of another
// type is taken as retryable.
func asError(err error) *notify.Error {
	var ne *notify.Error
	if errors.As(err, &ne) {
		return ne
	}
	return &notify.Error{Retryable: true, Reason: "error", Err: err}
}
