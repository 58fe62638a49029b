package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/branchready/branchready/alerts/outbox"
	"github.com/branchready/branchready/alerts/outbox/outboxtest"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "collector.db"), nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

func TestOutboxConformance(t *testing.T) {
	outboxtest.Run(t, func(t *testing.T) outbox.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "collector.db"), nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestResultsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "collector.db")
	s, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	rs := benchResults(0, 250, randomID)
	if _, _, err := s.WriteResults(context.Background(), rs, rs[0].StartedAt); err != nil {
		t.Fatalf("WriteResults: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s, err = Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	ins, dup, err := s.WriteResults(context.Background(), rs, rs[0].StartedAt)
	if err != nil || ins != 0 || dup != len(rs) {
		t.Fatalf("rewrite after reopen = %d inserted, %d duplicates, %v; want 0, %d, nil", ins, dup, err, len(rs))
	}
}

func TestOpenRefusesPathsThatAreNotFiles(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		t.Run(path, func(t *testing.T) {
			if s, err := Open(context.Background(), path, nil); err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", path)
			}
		})
	}
}
