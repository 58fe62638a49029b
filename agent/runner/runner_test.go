package runner

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/registry"
	"github.com/branchready/branchready/result"
)

// slowRelease is a check that, once its deadline passes, takes hangUp
// (fake time) to release its port, like a modem answering ATH0; with
// stuck set it does not return until the test lets it.
type slowRelease struct {
	hangUp   time.Duration
	stuck    chan struct{}
	released atomic.Bool
}

func (s *slowRelease) Run(ctx context.Context) checks.Outcome {
	<-ctx.Done()
	if s.stuck != nil {
		<-s.stuck
	}
	time.Sleep(s.hangUp) // fake time inside the bubble: the hang-up's own wait
	s.released.Store(true)
	return checks.Fail("modem on /dev/ttyS0: the check's time ran out during the dial-tone test")
}

func compiled(c checks.Check) []registry.Compiled {
	return []registry.Compiled{{Target: checks.Target{Device: "phone-line", Check: "dial-tone"}, Kind: "modem",
		Timeout: 10 * time.Second, Check: c}}
}

func TestASweepWaitsForAChecksReleaseAfterItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chk := &slowRelease{hangUp: 3 * time.Second}
		var logs bytes.Buffer
		r := Runner{Concurrency: 1, Log: slog.New(slog.NewTextHandler(&logs, nil))}
		rs := r.Sweep(context.Background(), "s1", compiled(chk), nil)
		if !chk.released.Load() {
			t.Fatal("the sweep returned before the check released its port")
		}
		want := "modem on /dev/ttyS0: the check's time ran out during the dial-tone test"
		if rs[0].Status != "fail" || rs[0].Reason != want {
			t.Errorf("got %s %q, want the check's own reason %q", rs[0].Status, rs[0].Reason, want)
		}
		if logs.Len() != 0 {
			t.Errorf("logged %q for a check that released in time", logs.String())
		}
	})
}

func TestACheckThatNeverReturnsIsReportedAndLoggedAfterTheReleaseBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chk := &slowRelease{stuck: make(chan struct{})}
		defer close(chk.stuck)
		var logs bytes.Buffer
		r := Runner{Concurrency: 1, Release: 2 * time.Second, Log: slog.New(slog.NewTextHandler(&logs, nil))}
		start := time.Now()
		rs := r.Sweep(context.Background(), "s1", compiled(chk), nil)
		if took := time.Since(start); took != 12*time.Second {
			t.Errorf("the sweep took %s of fake time, want the 10s timeout plus the 2s release bound", took)
		}
		want := "no answer within 10s (the check did not stop within 2s after its timeout)"
		if rs[0].Status != "fail" || rs[0].Reason != want {
			t.Errorf("got %s %q, want fail %q", rs[0].Status, rs[0].Reason, want)
		}
		for _, w := range []string{"did not return after its deadline", "device=phone-line", "check=dial-tone", "waited=2s"} {
			if !strings.Contains(logs.String(), w) {
				t.Errorf("log %q lacks %q", logs.String(), w)
			}
		}
	})
}

// quick answers at once.
type quick struct{}

func (quick) Run(context.Context) checks.Outcome { return checks.OK("answers") }

// panics is a check with a bug.
type panics struct{}

func (panics) Run(context.Context) checks.Outcome { panic("index out of range") }

func TestAStuckCheckDoesNotHoldUpTheChecksQueuedBehindIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chk := &slowRelease{stuck: make(chan struct{})}
		defer close(chk.stuck)
		r := Runner{Concurrency: 1, Release: 2 * time.Second, Log: slog.New(slog.DiscardHandler)}
		cs := append(compiled(chk), compiled(quick{})...)
		cs[1].Target.Device = "atm-01"
		start := time.Now()
		rs := r.Sweep(context.Background(), "s1", cs, nil)
		if took := time.Since(start); took != 12*time.Second {
			t.Errorf("the sweep took %s of fake time, want the stuck check's 10s timeout plus 2s release", took)
		}
		if rs[0].Status != "fail" || rs[1].Status != "ok" || rs[1].Device != "atm-01" {
			t.Errorf("got %s %q and %s %q, want the stuck check failed and the next one run",
				rs[0].Status, rs[0].Reason, rs[1].Status, rs[1].Reason)
		}
	})
}

func TestACheckThatPanicsFailsAndTheSweepGoesOn(t *testing.T) {
	cs := append(compiled(panics{}), compiled(quick{})...)
	rs := (&Runner{Concurrency: 1}).Sweep(context.Background(), "s1", cs, nil)
	if rs[0].Status != "fail" || !strings.Contains(rs[0].Reason, "the modem check crashed (agent bug, please report): index out of range") {
		t.Errorf("got %s %q, want a failure naming the crash", rs[0].Status, rs[0].Reason)
	}
	if rs[1].Status != "ok" {
		t.Errorf("the check after the crash: %s %q", rs[1].Status, rs[1].Reason)
	}
}

func TestChecksOfACancelledSweepAreNotRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var reported int
	rs := (&Runner{}).Sweep(ctx, "s1", append(compiled(quick{}), compiled(quick{})...), func(result.Result) { reported++ })
	for i, r := range rs {
		if r.Status != "unknown" || r.Reason != "not run: the sweep was cancelled" || r.ID == "" {
			t.Errorf("check %d: %s %q (id %q), want unknown, not run", i, r.Status, r.Reason, r.ID)
		}
	}
	if reported != 0 {
		t.Errorf("done was called %d times for checks never run", reported)
	}
}
