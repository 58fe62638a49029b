package readiness

import (
	"context"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// skewed is a result of a pre-opening sweep that the agent started at
// agentStart on its own clock, stored at the time ingest corrected it to.
func skewed(dev, check string, agentStart string, skew time.Duration) result.Result {
	r := res(dev, check, result.StatusOK, agentStart, "ok")
	r.Sweep = result.NewSweepID("pre_opening", r.StartedAt)
	r.StartedAt = r.StartedAt.Add(skew)
	return r
}

// An agent runs its one pre-opening sweep when its own clock reaches the
// window (08:00) and stops once ready. Ingest moves the results by the
// measured skew; the day must still be judged on that sweep.
func TestAnAgentWithAWrongClockIsJudgedOnTheSweepItRan(t *testing.T) {
	tests := []struct {
		name    string
		skew    time.Duration // collector clock minus agent clock
		readyAt string
	}{
		{name: "an agent whose clock is ten minutes fast is ready, at the time its sweep really ran", skew: -10 * time.Minute, readyAt: "07:50"},
		{name: "an agent whose clock is ten minutes slow is ready, at the time its sweep really ran", skew: 10 * time.Minute, readyAt: "08:10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, cal := fixture(t)
			rs := []result.Result{skewed("atm-01", "reachable", "08:00", tc.skew), skewed("sign-01", "playlist", "08:00", tc.skew)}
			j, err := Judge(d, cal, "2026-11-24", rs, at("09:30"))
			if err != nil {
				t.Fatal(err)
			}
			if j.Verdict != Ready || !j.Final {
				t.Fatalf("verdict %s final %v, want a final ready (problems %+v)", j.Verdict, j.Final, j.Problems)
			}
			if j.ReadyAt == nil || j.ReadyAt.In(at("00:00").Location()).Format("15:04") != tc.readyAt {
				t.Errorf("ready at %v, want %s", j.ReadyAt, tc.readyAt)
			}
		})
	}
}

func TestASweepBeforeTheWindowStillDoesNotCount(t *testing.T) {
	d, cal := fixture(t)
	// Started at 07:30 on a correct clock: not a pre-opening sweep of this window.
	rs := []result.Result{skewed("atm-01", "reachable", "07:30", 0)}
	j, err := Judge(d, cal, "2026-11-24", rs, at("08:30"))
	if err != nil {
		t.Fatal(err)
	}
	if j.Verdict != Unknown {
		t.Fatalf("verdict %s, want unknown", j.Verdict)
	}
}

// windowStore serves only the results inside the range asked for, as a
// real store does.
type windowStore struct {
	countingStore
}

func (w *windowStore) Results(_ context.Context, _ string, from, to time.Time) ([]result.Result, error) {
	var out []result.Result
	for _, r := range w.rs {
		if !r.StartedAt.Before(from) && r.StartedAt.Before(to) {
			out = append(out, r)
		}
	}
	return out, nil
}

func TestTheEngineReadsResultsMovedBeforeTheWindow(t *testing.T) {
	d, cal := fixture(t)
	d.Calendar = cal.Spec()
	skew := -40 * time.Minute
	st := &windowStore{countingStore{
		branch: store.Branch{ID: "lon", Descriptor: d, Contact: store.Contact{At: at("08:05"), ClockSkew: skew}},
		rs:     []result.Result{skewed("atm-01", "reachable", "08:00", skew), skewed("sign-01", "playlist", "08:00", skew)},
	}}
	e := &Engine{Store: st, Now: func() time.Time { return at("09:30") }}
	b, err := e.One(context.Background(), "lon", "")
	if err != nil {
		t.Fatal(err)
	}
	if b.Judgement.Verdict != Ready {
		t.Fatalf("verdict %s, want ready (problems %+v)", b.Judgement.Verdict, b.Judgement.Problems)
	}
}
