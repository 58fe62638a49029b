package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
)

// TestBranchesChangedSinceWithTheImportsStatistics: the branches are
// imported (no writer), analyzed then, and written by this store, as in a
// wave. BranchesChangedSince, as the store runs it (auto_explain), must
// not read every branch to find that no other wrote one; once another
// store writes some, each store lists exactly the other's.
func TestBranchesChangedSinceWithTheImportsStatistics(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a store of 1,000 branches")
	}
	ctx := context.Background()
	dsn := pgtest.Start(t).NewDatabase(t)
	s, other := open(t, dsn), open(t, dsn)
	defer s.Close()
	defer other.Close()
	at := time.Now().UTC().Truncate(time.Hour)
	const n = 1000
	id := func(i int) string { return fmt.Sprintf("br-%05d", i) }
	for i := range n {
		if err := s.PutBranch(ctx, id(i), benchDescriptor(id(i)), store.Contact{At: at.Add(-2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	execSQL(t, dsn, "ALTER TABLE branches SET (autovacuum_enabled = off); ANALYZE branches")
	write := func(s *Store, i int) {
		t.Helper()
		if _, _, err := s.WriteBatch(ctx, id(i), wave(at, 1), at, nil, store.Contact{At: at, AgentVersion: "1.2.3"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		write(s, i)
	}
	plans := explained(t, s, dsn)
	changed := func(s *Store) []store.ContactRow {
		t.Helper()
		rows, err := s.BranchesChangedSince(ctx, at.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	for range 2 { // the second as it runs a few times a second
		if rows := changed(s); len(rows) != 0 {
			t.Fatalf("alone on the store: %d rows, want none", len(rows))
		}
	}
	plan := plans.of(changedSince)
	if plan == nil {
		t.Fatal("no plan of BranchesChangedSince was logged")
	}
	t.Logf("%s", strings.Join(plan, "\n"))
	for _, line := range plan {
		if strings.Contains(line, "Scan on branches") && !strings.Contains(line, "Index") && !strings.Contains(line, "never executed") {
			t.Errorf("alone on the store, BranchesChangedSince reads every branch: %s", strings.TrimSpace(line))
		}
	}

	for i := range 10 {
		write(other, i*7)
	}
	rows := changed(s)
	if len(rows) != 10 || rows[0].ID != id(0) || rows[9].ID != id(63) {
		t.Errorf("after another store wrote 10 branches: %d rows, want br-00000 to br-00063", len(rows))
	}
	if rows := changed(other); len(rows) != n-10 {
		t.Errorf("the other store: %d rows, want %d", len(rows), n-10)
	}
	if err := s.PutBranch(ctx, id(1), nil, store.Contact{At: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if rows := changed(s); len(rows) != 11 {
		t.Errorf("after a branch put without a writer: %d rows, want 11", len(rows))
	}
}
