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
