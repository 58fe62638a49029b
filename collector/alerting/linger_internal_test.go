package alerting

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
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
