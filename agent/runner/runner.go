package runner

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/registry"
	"github.com/branchready/branchready/result"
)

// DefaultRelease is how long a sweep waits, by default, for a check to
// return after its deadline.
const DefaultRelease = 5 * time.Second

// Runner runs sweeps.
type Runner struct {
	// Concurrency bounds checks in flight; 0 means AutoConcurrency of the
	// sweep's size. A sweep starts 16 workers and adds more, up to the
	// bound, for those that slow checks hold.
	Concurrency int
	// Version is stamped on results.
	Version string
	// Now is the agent clock; default time.Now.
	Now func() time.Time
	// NewID makes result ids; default result.NewID.
	NewID func() string
	// Release bounds how long a sweep waits, after a check's deadline, for
	// the check to return and so release what it holds: a modem check
	// hangs the line up (ATH0) after its time ran out, and a sweep that
	// returned first would let `branchready-agent check` exit with the
	// line off-hook. Default DefaultRelease.
	Release time.Duration
	// Log receives a warning for each check that overran Release; default
	// slog.Default().
	Log *slog.Logger
}

// Sweep runs checks and returns their results in the order given. done, if
// not nil, is called as each check finishes (from several goroutines, one
// at a time), for live progress.
func (r *Runner) Sweep(ctx context.Context, sweep string, cs []registry.Compiled, done func(result.Result)) []result.Result {
	now, newID := r.Now, r.NewID
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = result.NewID
	}
	out := make([]result.Result, len(cs))
	n := r.Concurrency
	if n <= 0 {
		n = AutoConcurrency(len(cs))
	}
	var (
		mu   sync.Mutex // serialises done
		wg   sync.WaitGroup
		next atomic.Int64 // the next check to start
		work func(slot int)
	)
	wg.Add(len(cs))
	p := newPool(min(n, len(cs)), len(cs), &next, func(slot int) { go work(slot) })
	contexts := newCheckContexts(ctx, min(n, len(cs)))
	defer context.AfterFunc(ctx, contexts.cancelAll)()
	// Workers take the checks in order; a worker whose check overran its
	// release bound is replaced (in its slot) and left behind. Workers
	// rather than a goroutine per check: a goroutine's stack, grown by a
	// dial and a request, serves the next check instead of being grown anew
	// (a tenth of an HTTP probe's CPU; issue 11).
	work = func(slot int) {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(cs) {
				return
			}
			p.running(slot, i)
			c := cs[i]
			if ctx.Err() != nil {
				// The sweep was cancelled before this check could start.
				out[i] = r.stamp(c, sweep, newID(), now(), 0, checks.Unknown("not run: the sweep was cancelled"))
				wg.Done()
				continue
			}
			started := now()
			report := func(o checks.Outcome) {
				res := r.stamp(c, sweep, newID(), started, now().Sub(started), o)
				out[i] = res
				if done != nil {
					mu.Lock()
					done(res)
					mu.Unlock()
				}
				wg.Done()
			}
			cctx, cancel := contexts.start(slot, c.Timeout)
			if abandoned := r.runOne(cctx, cancel, c, report, func() { go work(slot) }); abandoned {
				return
			}
		}
	}
	p.start()
	wg.Wait()
	p.stop()
	return out
}

func (r *Runner) stamp(c registry.Compiled, sweep, id string, started time.Time, d time.Duration, o checks.Outcome) result.Result {
	return result.Result{
		ID: id, Branch: c.Target.Branch, Device: c.Target.Device, Check: c.Target.Check, Kind: c.Kind,
		Status: o.Status, StartedAt: started, DurationMS: float64(d.Microseconds()) / 1000,
		Reason: o.Reason, Observations: o.Observations, Sweep: sweep, AgentVersion: r.Version,
	}
}

// runOne runs a check under its context (see checkContexts; cancel ends
// it) on the calling goroutine and calls report exactly once. A check that
// overruns its deadline is waited
// for up to Release: its own reason says more than ours, and returning
// means it released its port. One that does not return in that time is
// reported as failed by a watchdog timer and logged, replace is called so
// that the sweep goes on without this goroutine, and the check is left to
// finish alone: what it returns then is dropped and runOne reports true.
// A panic becomes a failure too.
//
// The check runs on the worker's goroutine, watched by a timer that exists
// only once the deadline has passed, rather than on a goroutine of its own
// with the sweep waiting on a channel: one goroutine, channel and select
// fewer per probe (issue 11, CPU per probe).
func (r *Runner) runOne(ctx context.Context, cancel context.CancelFunc, c registry.Compiled, report func(checks.Outcome), replace func()) (abandoned bool) {
	defer cancel()
	w := &watchdog{} // one allocation for what the watchdog shares with the check
	stop := context.AfterFunc(ctx, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.claimed.Load() {
			w.timer = time.AfterFunc(r.release(), func() {
				if w.claimed.CompareAndSwap(false, true) {
					report(r.overran(c))
					replace()
				}
			})
		}
	})
	o := r.call(ctx, c)
	running := !stop()
	if !w.claimed.CompareAndSwap(false, true) {
		return true // the watchdog gave up on the check and reported it
	}
	if running {
		w.mu.Lock()
		if w.timer != nil {
			w.timer.Stop()
		}
		w.mu.Unlock()
	}
	if o.Status == "" {
		o = checks.Unknown("the %s check returned no status (agent bug)", c.Kind)
	}
	if o.Status == "fail" && ctx.Err() != nil && o.Reason == "" {
		o.Reason = "no answer within " + c.Timeout.String()
	}
	report(o)
	return false
}

// watchdog is what runOne's check and its watchdog share.
type watchdog struct {
	claimed atomic.Bool // set by whichever reports: the check or the watchdog
	mu      sync.Mutex  // guards timer
	timer   *time.Timer // armed once the check's context has ended
}

// call runs the check, turning a panic into a failure.
func (r *Runner) call(ctx context.Context, c registry.Compiled) (o checks.Outcome) {
	defer func() {
		if p := recover(); p != nil {
			o = checks.Fail("the %s check crashed (agent bug, please report): %v\n%s", c.Kind, p, debug.Stack())
		}
	}()
	return c.Check.Run(ctx)
}

// release is how long a check may take to return after its deadline.
func (r *Runner) release() time.Duration {
	if r.Release <= 0 {
		return DefaultRelease
	}
	return r.Release
}

// overran logs and words a check that did not return within Release after
// its deadline.
func (r *Runner) overran(c registry.Compiled) checks.Outcome {
	release := r.release()
	log := r.Log
	if log == nil {
		log = slog.Default()
	}
	log.Warn("a check did not return after its deadline; what it holds (a serial port, a phone line) may not be released",
		"device", c.Target.Device, "check", c.Target.Check, "kind", c.Kind,
		"timeout", c.Timeout, "waited", release)
	return checks.Fail("no answer within %s (the check did not stop within %s after its timeout)", c.Timeout, release)
}

// Bounds of the concurrency a sweep picks for itself.
const (
	MinAutoConcurrency = 16
	MaxAutoConcurrency = 256
)

// AutoConcurrency is the shipped default bound: every check of a sweep at
// once, between 16 and 256, so that a big branch's black-holed devices
// (each holding a slot for its whole timeout) do not queue the others behind
// them, and a sweep ends in about one timeout. A sweep reaches the bound
// only as slow checks hold its workers (see pool).
func AutoConcurrency(checks int) int {
	return min(max(checks, MinAutoConcurrency), MaxAutoConcurrency)
}
