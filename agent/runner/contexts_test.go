package runner

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/result"
)

// waiter is a check that waits for its context to end and reports why;
// started counts the runs that began.
type waiter struct{ started *atomic.Int32 }

func (w waiter) Run(ctx context.Context) checks.Outcome {
	w.started.Add(1)
	<-ctx.Done()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return checks.Fail("deadline")
	case errors.Is(ctx.Err(), context.Canceled):
		return checks.Fail("cancelled")
	}
	return checks.Fail("other: %v", ctx.Err())
}

func TestCancellingASweepCancelsTheChecksItRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var started atomic.Int32
		ctx, cancel := context.WithCancel(context.Background())
		cs := append(compiled(waiter{&started}), compiled(waiter{&started})...)
		done := make(chan []result.Result)
		go func() { done <- (&Runner{}).Sweep(ctx, "s1", cs, nil) }()
		synctest.Wait() // both checks wait on their contexts
		if n := started.Load(); n != 2 {
			t.Fatalf("%d checks started, want 2", n)
		}
		start := time.Now()
		cancel()
		rs := <-done
		if waited := time.Since(start); waited != 0 {
			t.Errorf("the sweep returned %v after its cancellation, want at once (the checks' timeout is 10s)", waited)
		}
		for i, r := range rs {
			if r.Reason != "cancelled" {
				t.Errorf("check %d: %s %q, want its context cancelled", i, r.Status, r.Reason)
			}
		}
	})
}

func TestACheckEndsAtItsSweepsDeadlineWhenThatComesFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var started atomic.Int32
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // the checks' timeout is 10s
		defer cancel()
		start := time.Now()
		rs := (&Runner{}).Sweep(ctx, "s1", compiled(waiter{&started}), nil)
		if took := time.Since(start); took != 3*time.Second {
			t.Errorf("the check ran %v, want the sweep's 3s", took)
		}
		if rs[0].Reason != "deadline" {
			t.Errorf("got %s %q, want the deadline exceeded", rs[0].Status, rs[0].Reason)
		}
	})
}

type ctxKey struct{}

// valueCheck reports the value the sweep's context carries.
type valueCheck struct{}

func (valueCheck) Run(ctx context.Context) checks.Outcome {
	v, _ := ctx.Value(ctxKey{}).(string)
	return checks.OK("value %q", v)
}

func TestACheckSeesTheValuesOfItsSweepsContext(t *testing.T) {
	ctx := context.WithValue(context.Background(), ctxKey{}, "branch-0042")
	rs := (&Runner{}).Sweep(ctx, "s1", compiled(valueCheck{}), nil)
	if want := `value "branch-0042"`; rs[0].Reason != want {
		t.Errorf("got %q, want %q", rs[0].Reason, want)
	}
}
