package runner

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/registry"
	"github.com/branchready/branchready/result"
)

// Runner runs sweeps.
type Runner struct {
	// Concurrency bounds checks in flight; at least 1.
	Concurrency int
	// Version is stamped on results.
	Version string
	// Now is the agent clock; default time.Now.
	Now func() time.Time
	// NewID makes result ids; default result.NewID.
	NewID func() string
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
	sem := make(chan struct{}, max(1, r.Concurrency))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, c := range cs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			// The sweep was cancelled before this check could start.
			out[i] = r.stamp(c, sweep, newID(), now(), 0, checks.Unknown("not run: the sweep was cancelled"))
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			started := now()
			o := runOne(ctx, c)
			res := r.stamp(c, sweep, newID(), started, now().Sub(started), o)
			out[i] = res
			if done != nil {
				mu.Lock()
				done(res)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out
}

func (r *Runner) stamp(c registry.Compiled, sweep, id string, started time.Time, d time.Duration, o checks.Outcome) result.Result {
	return result.Result{
		ID: id, Branch: c.Target.Branch, Device: c.Target.Device, Check: c.Target.Check, Kind: c.Kind,
		Status: o.Status, StartedAt: started, DurationMS: float64(d.Microseconds()) / 1000,
		Reason: o.Reason, Observations: o.Observations, Sweep: sweep, AgentVersion: r.Version,
	}
}

// runOne runs a check under its deadline. A check that overruns its deadline
// is reported as failed without waiting for it (it must still release its
// resources when its context ends); a panic becomes a failure too.
func runOne(ctx context.Context, c registry.Compiled) (o checks.Outcome) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	ch := make(chan checks.Outcome, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- checks.Fail("the %s check crashed (agent bug, please report): %v\n%s", c.Kind, p, debug.Stack())
			}
		}()
		ch <- c.Check.Run(ctx)
	}()
	select {
	case o = <-ch:
	case <-ctx.Done():
		// Give the check a moment to report its own, better-worded reason.
		select {
		case o = <-ch:
		case <-time.After(100 * time.Millisecond):
			o = checks.Fail("no answer within %s", c.Timeout)
		}
	}
	if o.Status == "" {
		o = checks.Unknown("the %s check returned no status (agent bug)", c.Kind)
	}
	if o.Status == "fail" && ctx.Err() != nil && o.Reason == "" {
		o.Reason = fmt.Sprintf("no answer within %s", c.Timeout)
	}
	return o
}
