package alerting

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// savesCounted is a store that counts the engine's save transactions.
type savesCounted struct {
	*sqlite.Store
	saves int
}

func (s *savesCounted) SaveIncidents(ctx context.Context, recs []store.IncidentRecord, ms []notify.Message) error {
	s.saves++
	return s.Store.SaveIncidents(ctx, recs, ms)
}

func TestDecisionsWaitBrieflyToBeSavedTogether(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	counted := &savesCounted{Store: st}
	s := New(Options{Store: counted, Policy: nil, Log: slog.New(slog.DiscardHandler)})
	s.linger = time.Hour // no pause of this test's goroutine outlasts it
	decide := func(n int) {
		for i := range n {
			inc := &alerts.Incident{ID: "inc-" + string(rune('a'+i)), Key: alerts.Key{Branch: "b1", Device: "d", Check: "c"}, State: alerts.Firing}
			s.stage(s.branch("b1"), alerts.Outcome{Changed: []*alerts.Incident{inc},
				Messages: []notify.Message{{IncidentID: inc.ID, Notifier: "slack", Target: "#b1", Op: notify.Post, Text: "down"}}})
		}
	}
	t.Run("a decision just made waits, saved by none", func(t *testing.T) {
		decide(1)
		if wait := s.flushDue(t.Context()); wait <= 0 || wait > s.linger || counted.saves != 0 {
			t.Fatalf("flushDue = %v after %d saves, want a wait of at most %v and none", wait, counted.saves, s.linger)
		}
	})
	t.Run("decisions made meanwhile join it, and all are saved once it has waited", func(t *testing.T) {
		decide(3)
		s.stagedAt = time.Now().Add(-s.linger)
		if wait := s.flushDue(t.Context()); wait != 0 || counted.saves != 1 || len(s.staging) != 0 {
			t.Fatalf("flushDue = %v, %d saves, %d staged left, want the four saved in one", wait, counted.saves, len(s.staging))
		}
		if msgs, _, _ := st.Stats(t.Context(), time.Now()); msgs != 4 {
			t.Errorf("%d messages in the outbox, want 4", msgs)
		}
	})
	t.Run("enough messages are saved at once", func(t *testing.T) {
		decide(flushAtOnce)
		if wait := s.flushDue(t.Context()); wait != 0 || counted.saves != 2 {
			t.Fatalf("flushDue = %v after %d saves, want %d messages saved at once", wait, counted.saves, flushAtOnce)
		}
	})
	t.Run("nothing staged is nothing to wait for", func(t *testing.T) {
		if wait := s.flushDue(t.Context()); wait != 0 || counted.saves != 2 {
			t.Fatalf("flushDue = %v after %d saves, want nothing", wait, counted.saves)
		}
	})
}

func TestDecisionsNotYetSavedWhenTheEngineStopsAreMadeAgainOnceNotTwice(t *testing.T) {
	ctx := t.Context()
	log := slog.New(slog.DiscardHandler)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	d := &result.Descriptor{Name: "Branch", Calendar: calendar.Spec{Timezone: "UTC"},
		Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
	if err := st.PutBranch(ctx, "lon", d, store.Contact{At: now, ConfigHash: "h"}); err != nil {
		t.Fatal(err)
	}
	pol, err := alerts.New(alerts.Config{Thresholds: alerts.ThresholdConfig{Default: alerts.Thresholds{Fail: 1, Resolve: 1}},
		Routing: alerts.Routing{Default: []alerts.Target{{Notifier: "slack", Target: "#branches"}}}}.WithDefaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Store: st, Policy: pol, Log: log, Now: func() time.Time { return now }, Tick: time.Hour})
	s.linger = time.Hour // what the first run decides stays staged
	first, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(first) }()
	for !s.running.Load() {
		time.Sleep(time.Millisecond)
	}
	// The loop serves once the start's replay is done: the failure below
	// must reach the engine through Observe, not through that replay.
	if err := s.do(ctx, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	fail := result.Result{ID: "r-1", Branch: "lon", Device: "atm-01", Check: "reachable", Kind: "tcp",
		Status: result.StatusFail, StartedAt: now.Add(-time.Minute), Reason: "refused"}
	if _, _, err := st.WriteResults(ctx, []result.Result{fail}, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	s.Observe(ctx, "lon", []result.Result{fail})
	staged := 0
	for deadline := time.Now().Add(time.Minute); staged == 0 && time.Now().Before(deadline); {
		if err := s.do(ctx, func(context.Context) error { staged = len(s.staging); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if staged == 0 {
		t.Fatal("the failure's outcome was never staged")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	second, stop2 := context.WithCancel(ctx)
	defer stop2()
	go func() { done <- s.Run(second) }()
	var incs []store.IncidentRecord
	for deadline := time.Now().Add(time.Minute); len(incs) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		incs, _ = st.Incidents(ctx, time.Time{})
	}
	if len(incs) != 1 {
		t.Fatalf("%d incidents, want the replayed failure's", len(incs))
	}
	if rows, _ := st.Sent(ctx, incs[0].ID); len(rows) != 1 {
		t.Errorf("%d messages for the incident, want its one post", len(rows))
	}
}
