package runner

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/checks"
	"github.com/branchready/branchready/checks/registry"
)

// inFlight counts the checks running at once and keeps the peak.
type inFlight struct{ now, peak atomic.Int64 }

func (f *inFlight) enter() {
	n := f.now.Add(1)
	for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
	}
}

func (f *inFlight) leave() { f.now.Add(-1) }

// blackHole never answers: it holds its worker until its deadline.
type blackHole struct{ f *inFlight }

func (b blackHole) Run(ctx context.Context) checks.Outcome {
	b.f.enter()
	defer b.f.leave()
	<-ctx.Done()
	return checks.Fail("no answer")
}

// answersIn answers after a (fake) delay.
type answersIn struct {
	d time.Duration
	f *inFlight
}

func (a answersIn) Run(context.Context) checks.Outcome {
	a.f.enter()
	defer a.f.leave()
	time.Sleep(a.d)
	return checks.OK("answers")
}

func sweepOf(n int, mk func(i int) checks.Check) []registry.Compiled {
	cs := make([]registry.Compiled, n)
	for i := range cs {
		cs[i] = registry.Compiled{Target: checks.Target{Device: fmt.Sprintf("dev-%03d", i), Check: "c"}, Kind: "tcp",
			Timeout: 5 * time.Second, Check: mk(i)}
	}
	return cs
}

func TestASweepOfFastChecksRunsOnSixteenWorkersNotOnePerCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f inFlight
		// A millisecond each, as a device on the branch LAN: never long
		// enough to count as holding its worker.
		cs := sweepOf(500, func(int) checks.Check { return answersIn{time.Millisecond, &f} })
		start := time.Now()
		rs := (&Runner{}).Sweep(context.Background(), "s1", cs, nil)
		for _, r := range rs {
			if r.Status != "ok" {
				t.Fatalf("%s: %s %q", r.Device, r.Status, r.Reason)
			}
		}
		if p := f.peak.Load(); p != busyWorkers {
			t.Errorf("%d checks ran at once, want %d", p, busyWorkers)
		}
		if took := time.Since(start); took > 40*time.Millisecond {
			t.Errorf("the sweep took %s of fake time, want 500 ms-checks on 16 workers (32 ms)", took)
		}
	})
}

func TestBlackHoledDevicesDoNotQueueTheOtherChecksBehindThem(t *testing.T) {
	for _, tc := range []struct {
		name       string
		bound      int
		wantPeak   int64
		wantRounds int // timeouts the sweep lasts
	}{
		{"with the shipped bound, 100 black holes each get a worker of their own", 0, 100 + busyWorkers, 1},
		{"with a bound of 64, the black holes take two rounds of their timeout", 64, 64, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var f inFlight
				// Every fifth check black-holed, the rest a millisecond.
				cs := sweepOf(500, func(i int) checks.Check {
					if i%5 == 0 {
						return blackHole{&f}
					}
					return answersIn{time.Millisecond, &f}
				})
				start := time.Now()
				rs := (&Runner{Concurrency: tc.bound}).Sweep(context.Background(), "s1", cs, nil)
				took := time.Since(start)
				failed := 0
				for _, r := range rs {
					if r.Status == "fail" {
						failed++
					}
				}
				if failed != 100 {
					t.Errorf("%d checks failed, want the 100 black holes", failed)
				}
				if p := f.peak.Load(); p > tc.wantPeak {
					t.Errorf("%d checks ran at once, want at most %d", p, tc.wantPeak)
				}
				want := time.Duration(tc.wantRounds) * 5 * time.Second
				if took < want || took > want+time.Second {
					t.Errorf("the sweep took %s of fake time, want about %s", took, want)
				}
			})
		})
	}
}

func TestASweepNeverRunsMoreChecksAtOnceThanItsBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f inFlight
		cs := sweepOf(100, func(int) checks.Check { return blackHole{&f} })
		(&Runner{Concurrency: 8}).Sweep(context.Background(), "s1", cs, nil)
		if p := f.peak.Load(); p != 8 {
			t.Errorf("%d checks ran at once, want the bound, 8", p)
		}
	})
}
