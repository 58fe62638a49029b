package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestTheOutboxStatementsOfEachMessageReadNoPendingRowButTheirOwn: the
// statements run for every message of a wave must find their rows by key,
// not read every pending row (thousands during a wave) through the
// outbox_pending index on state alone, as the claim of the rows just
// enqueued once did, nor scan the outbox.
func TestTheOutboxStatementsOfEachMessageReadNoPendingRowButTheirOwn(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "collector.db"), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for _, c := range []struct {
		name string
		q    string
		args []any
	}{
		{"the claim of the rows enqueued", claimEnqueued, []any{1, 2}},
		{"the record of a batch", recordSQL, []any{`[1]`, `[2]`, `["C1"]`, `["1.1"]`}},
		{"the threads of a batch's posts", threadPutSQL, []any{`[1]`}},
		{"the next heads of a batch's routes", nextHeadsSQL, []any{`[1]`, 2, 3}},
		{"the lease of the next heads", leaseRowsSQL, []any{1, `[1]`}},
	} {
		t.Run(c.name+" finds its rows by key", func(t *testing.T) {
			plan := explain(t, s, c.q, c.args...)
			for _, step := range plan {
				// Only the batch's JSON array (a virtual table) is scanned.
				if strings.Contains(step, "(state=?)") || strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, "VIRTUAL TABLE") {
					t.Errorf("plan reads every pending row or the whole outbox: %q", plan)
				}
			}
			if !strings.Contains(strings.Join(plan, "\n"), "USING INTEGER PRIMARY KEY (rowid") {
				t.Errorf("plan finds no row by seq: %q", plan) // by one seq, or from the first enqueued on
			}
		})
	}
}

// explain returns the steps of q's query plan.
func explain(t *testing.T, s *Store, q string, args ...any) []string {
	t.Helper()
	rows, err := s.rdb.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}
