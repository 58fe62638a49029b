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
// enqueued once did.
func TestTheOutboxStatementsOfEachMessageReadNoPendingRowButTheirOwn(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "collector.db"), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	for name, q := range map[string]string{"claim of the rows enqueued": claimEnqueued, "next head of a route": nextHeadSQL, "record": recordSQL} {
		t.Run(name, func(t *testing.T) {
			rows, err := s.rdb.Query("EXPLAIN QUERY PLAN "+q, 1, 2, 3, 4, 5)
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
			for _, step := range plan {
				if strings.Contains(step, "(state=?)") || strings.HasPrefix(step, "SCAN outbox") || strings.HasPrefix(step, "SCAN o") {
					t.Errorf("plan reads every pending row: %q", plan)
				}
			}
		})
	}
}
