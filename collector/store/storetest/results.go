package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

func testRoundTrip(t *testing.T, open Opener) {
	s := opened(t, open)
	full := sample("br-001", 1)
	full.Status = result.StatusDegraded
	full.Reason = "receipt printer: paper low — «ünïcode» kept"
	full.Observations = map[string]float64{"paper_level": 0.15, "latency_seconds": 1e-9, "negative": -3}
	bare := result.Result{ID: "bare", Branch: "br-001", Device: "phone", Check: "dial-tone", Kind: "sip",
		Status: result.StatusFail, StartedAt: base.Add(2 * time.Second)}
	write(t, s, []result.Result{full, bare}, 2, 0)

	got := all(t, s, "br-001")
	want := []result.Result{full, bare}
	for i := range want {
		want[i].StartedAt = want[i].StartedAt.UTC()
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, want)
	}
	for _, r := range got {
		if r.StartedAt.Location() != time.UTC {
			t.Errorf("result %s: started_at in %v, want UTC", r.ID, r.StartedAt.Location())
		}
	}
}

func testDuplicateInBatch(t *testing.T, open Opener) {
	s := opened(t, open)
	a, b := sample("br-001", 1), sample("br-001", 2)
	again := a
	again.Reason = "a second copy must not replace the first"
	write(t, s, []result.Result{a, again, b, a}, 2, 2)
	got := all(t, s, "br-001")
	if len(got) != 2 || got[0].Reason != a.Reason {
		t.Fatalf("stored %v (first reason %q), want [%s %s] with the first copy kept", ids(got), got[0].Reason, a.ID, b.ID)
	}
}

func testDuplicateAcrossBatches(t *testing.T, open Opener) {
	s := opened(t, open)
	write(t, s, samples("br-001", 0, 3), 3, 0)
	write(t, s, samples("br-001", 0, 3), 0, 3)
	write(t, s, samples("br-001", 2, 3), 2, 1)
	if got := all(t, s, "br-001"); len(got) != 5 {
		t.Fatalf("stored %d results %v, want 5", len(got), ids(got))
	}
}

func testLargeBatch(t *testing.T, open Opener) {
	s := opened(t, open)
	write(t, s, samples("br-001", 0, 150), 150, 0)
	// 150 known results spread over the batch, and one repeated far apart.
	rs := append(samples("br-001", 100, 300), sample("br-001", 399))
	write(t, s, rs, 250, 51)
	if got := all(t, s, "br-001"); len(got) != 400 {
		t.Fatalf("stored %d results, want 400", len(got))
	}
}

func testEmptyBatch(t *testing.T, open Opener) {
	s := opened(t, open)
	write(t, s, nil, 0, 0)
	if got := all(t, s, "br-001"); len(got) != 0 {
		t.Fatalf("stored %v, want nothing", ids(got))
	}
}

func testRange(t *testing.T, open Opener) {
	s := opened(t, open)
	from, to := base, base.Add(time.Minute)
	at := func(id, branch string, ts time.Time) result.Result {
		r := sample(branch, 0)
		r.ID, r.StartedAt = id, ts
		return r
	}
	write(t, s, []result.Result{
		at("last", "br-001", to.Add(-time.Nanosecond)),
		at("at-to", "br-001", to),
		at("first", "br-001", from),
		at("before", "br-001", from.Add(-time.Nanosecond)),
		at("tie-b", "br-001", from.Add(time.Second)),
		at("tie-a", "br-001", from.Add(time.Second)),
		at("other-branch", "br-002", from.Add(time.Second)),
	}, 7, 0)
	got, err := s.Results(context.Background(), "br-001", from.UTC(), to)
	if err != nil {
		t.Fatalf("Results: %v", err)
	}
	want := []string{"first", "tie-a", "tie-b", "last"}
	if !slices.Equal(ids(got), want) {
		t.Fatalf("Results = %v, want %v", ids(got), want)
	}
	empty, err := s.Results(context.Background(), "br-001", to, to)
	if err != nil || len(empty) != 0 {
		t.Fatalf("Results over an empty range = %v, %v; want nothing", ids(empty), err)
	}
}

// testDeleteResults: retention removes one branch's results before a
// cutoff, and nothing else.
func testDeleteResults(t *testing.T, open Opener) {
	s := opened(t, open)
	at := func(id, branch string, ts time.Time) result.Result {
		r := sample(branch, 0)
		r.ID, r.StartedAt = id, ts
		return r
	}
	cut := base
	write(t, s, []result.Result{
		at("old", "br-001", cut.Add(-time.Hour)),
		at("just-before", "br-001", cut.Add(-time.Nanosecond)),
		at("at-cut", "br-001", cut),
		at("other-old", "br-002", cut.Add(-time.Hour)),
	}, 4, 0)
	n, err := s.DeleteResults(context.Background(), "br-001", cut)
	if err != nil || n != 2 {
		t.Fatalf("DeleteResults = %d, %v; want 2", n, err)
	}
	for branch, want := range map[string][]string{"br-001": {"at-cut"}, "br-002": {"other-old"}} {
		got, err := s.Results(context.Background(), branch, cut.Add(-24*time.Hour), cut.Add(time.Hour))
		if err != nil || !slices.Equal(ids(got), want) {
			t.Errorf("%s after pruning: %v, %v; want %v", branch, ids(got), err, want)
		}
	}
}

// testRetryWithMovedTime: ingest corrects a skewed agent's event times by
// the skew it measures on each request, so a retried batch carries the
// same ids with started_at moved: by milliseconds (transit time), minutes
// (one attempt over the skew threshold, the next not), or hours (the
// agent's clock set right while the results waited in its spool). A store
// partitioned by started_at must still store each id once, also when the
// copies fall on different days.
func testRetryWithMovedTime(t *testing.T, open Opener) {
	s := opened(t, open)
	midnight := time.Date(2026, 3, 2, 23, 59, 59, 999_000_000, time.UTC)
	first := samples("br-001", 0, 3)
	for i := range first {
		first[i].StartedAt = midnight
	}
	write(t, s, first, 3, 0)
	for _, shift := range []time.Duration{3 * time.Millisecond, -2 * time.Minute, 90 * time.Minute, -5 * time.Hour} {
		again := samples("br-001", 0, 3)
		for i := range again {
			again[i].StartedAt = midnight.Add(shift)
		}
		write(t, s, again, 0, 3)
	}
	got, err := s.Results(context.Background(), "br-001", midnight.Add(-24*time.Hour), midnight.Add(24*time.Hour))
	if err != nil {
		t.Fatalf("Results: %v", err)
	}
	if len(got) != 3 || !got[0].StartedAt.Equal(midnight) {
		t.Fatalf("stored %v, want the 3 first copies at %v", ids(got), midnight)
	}
}

func testDuplicateInBatchMovedTime(t *testing.T, open Opener) {
	s := opened(t, open)
	a := sample("br-001", 1)
	moved := a
	moved.StartedAt = a.StartedAt.Add(time.Hour)
	moved.Reason = "a second copy must not be stored"
	write(t, s, []result.Result{a, moved}, 1, 1)
	if got := all(t, s, "br-001"); len(got) != 1 || got[0].Reason != a.Reason {
		t.Fatalf("stored %v, want %s once, the first copy", ids(got), a.ID)
	}
}
