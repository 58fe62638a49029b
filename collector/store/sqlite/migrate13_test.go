package sqlite

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

// TestResultsOfEarlierVersionsStayReadable upgrades a database whose
// results were stored one row each (schema 12) and holds the store to what
// migration 13 promises: those results read back merged with the new
// chunks, a retry of one of them is a duplicate, retention deletes from
// both, and once the old table is empty the store stops reading it.
func TestResultsOfEarlierVersionsStayReadable(t *testing.T) {
	ctx := context.Background()
	db, path := dbAtSchema(t, 12)
	at := func(id string, sec int) result.Result {
		r := benchResults(0, 1, randomID)[0]
		r.ID, r.Branch, r.StartedAt = id, "br-old", benchStart.Add(time.Duration(sec)*time.Second)
		return r
	}
	old := []result.Result{at("old-0", 0), at("old-2", 2), at("old-4", 4)}
	oldReceived := benchStart.Add(time.Minute)
	for _, r := range old {
		obs, _ := observations(r.Observations)
		if _, err := db.ExecContext(ctx, `INSERT INTO results (id, branch, device, check_name, kind, status, started_at, duration_ms,
reason, observations, sweep, agent_version, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Branch, r.Device, r.Check, r.Kind, string(r.Status), r.StartedAt.UnixNano(), r.DurationMS, r.Reason, obs,
			r.Sweep, r.AgentVersion, oldReceived.UnixNano()); err != nil {
			t.Fatal(err)
		}
	}
	s := openUpgraded(t, db, path)
	if !s.w.legacy.Load() {
		t.Fatal("the store does not know the old table has rows")
	}

	newer := []result.Result{at("new-1", 1), at("new-3", 3), old[1]}
	if ins, dup, err := s.WriteResults(ctx, newer, benchStart.Add(time.Hour)); err != nil || ins != 2 || dup != 1 {
		t.Fatalf("WriteResults = %d inserted, %d duplicates, %v; want 2 and the old copy a duplicate", ins, dup, err)
	}
	from, to := benchStart.Add(-time.Hour), benchStart.Add(time.Hour)
	want := []string{"old-0", "new-1", "old-2", "new-3", "old-4"}
	got, err := s.Results(ctx, "br-old", from, to)
	if err != nil || !slices.Equal(ids(got), want) {
		t.Fatalf("Results = %v, %v; want %v", ids(got), err, want)
	}
	bulk, err := s.ResultsOf(ctx, []string{"br-old"}, from, to)
	if err != nil || !slices.Equal(ids(bulk["br-old"]), want) {
		t.Fatalf("ResultsOf = %v, %v; want %v", ids(bulk["br-old"]), err, want)
	}
	recv, err := s.ReceivedResults(ctx, "br-old", from, to)
	if err != nil || len(recv) != 5 || !recv[0].ReceivedAt.Equal(oldReceived) || !recv[1].ReceivedAt.Equal(benchStart.Add(time.Hour)) {
		t.Fatalf("ReceivedResults = %+v, %v; want the old rows' and the chunk's receive times", recv, err)
	}

	if n, err := s.DeleteResults(ctx, "br-old", benchStart.Add(3*time.Second)); err != nil || n != 3 {
		t.Fatalf("DeleteResults = %d, %v; want 3 (two old rows, one in a chunk)", n, err)
	}
	if !s.w.legacy.Load() {
		t.Fatal("the store stopped reading the old table while it has a row")
	}
	if n, err := s.DeleteResults(ctx, "br-old", to); err != nil || n != 2 {
		t.Fatalf("DeleteResults = %d, %v; want 2", n, err)
	}
	if s.w.legacy.Load() {
		t.Fatal("the store goes on reading the old table once it is empty")
	}
}

func ids(rs []result.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}
