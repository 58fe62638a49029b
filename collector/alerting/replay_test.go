package alerting_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// bulkOnly is a store that counts its many-branch reads and refuses
// one-branch reads of results.
type bulkOnly struct {
	*sqlite.Store
	bulk atomic.Int32
}

func (s *bulkOnly) ResultsOf(ctx context.Context, branches []string, from, to time.Time) (map[string][]result.Result, error) {
	s.bulk.Add(1)
	return s.Store.ResultsOf(ctx, branches, from, to)
}

func (s *bulkOnly) Results(context.Context, string, time.Time, time.Time) ([]result.Result, error) {
	return nil, errors.New("a branch's results read alone")
}

// A new leader replays the recent results of every branch: read a branch
// a query, 20,000 branches held its engine for tens of seconds after the
// leader it replaced died mid-wave.
func TestTheReplayAtStartReadsManyBranchesAQuery(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	sq := openSQLite(t, ctx, log)
	defer sq.Close()
	st := &bulkOnly{Store: sq}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	defer alerting.SetReplayBatch(2)()
	const branches = 5 // three queries of at most 2
	d := &result.Descriptor{Name: "Branch", Calendar: calendar.Spec{Timezone: "UTC"},
		Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
	var rs []result.Result
	for i := range branches {
		id := fmt.Sprintf("br-%04d", i)
		if err := st.PutBranch(ctx, id, d, store.Contact{At: now, ConfigHash: "h"}); err != nil {
			t.Fatal(err)
		}
		rs = append(rs, result.Result{ID: "r-" + id, Branch: id, Device: "atm-01", Check: "reachable", Kind: "tcp",
			Status: result.StatusFail, StartedAt: now.Add(-time.Minute), Reason: "refused"})
	}
	if _, _, err := st.WriteResults(ctx, rs, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	pol := postEveryFailure(t)
	svc := alerting.New(alerting.Options{Store: st, Policy: pol, Log: log, Now: func() time.Time { return now }, Tick: time.Hour})
	runErr := make(chan error, 1)
	go func() { runErr <- svc.Run(ctx) }()
	waitUntil(t, "an incident for every branch's replayed failure", func() bool {
		select {
		case err := <-runErr:
			t.Fatalf("Run = %v", err)
		default:
		}
		incs, _ := st.Incidents(ctx, time.Time{})
		return len(incs) == branches
	})
	if got := st.bulk.Load(); got != 3 {
		t.Errorf("%d many-branch reads for %d branches, want 3", got, branches)
	}
}

// Results stored while the leader could not hear the other collectors
// (its LISTEN connection broken and re-established) reach the engine when
// it is asked to replay: a check that failed once in that gap is still
// alerted, and a result the engine had applied is not applied twice.
func TestAReplayObservesResultsTheEngineWasNotHanded(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	st := openSQLite(t, ctx, log)
	defer st.Close()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	d := &result.Descriptor{Name: "Branch", Calendar: calendar.Spec{Timezone: "UTC"},
		Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
	for _, id := range []string{"heard", "unheard"} {
		if err := st.PutBranch(ctx, id, d, store.Contact{At: now, ConfigHash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	svc := alerting.New(alerting.Options{Store: st, Policy: postEveryFailure(t), Log: log, Now: func() time.Time { return now }, Tick: time.Hour})
	runErr := make(chan error, 1)
	go func() { runErr <- svc.Run(ctx) }()
	fail := func(id, rid string) []result.Result {
		return []result.Result{{ID: rid, Branch: id, Device: "atm-01", Check: "reachable", Kind: "tcp",
			Status: result.StatusFail, StartedAt: now.Add(-time.Minute), Reason: "refused"}}
	}
	heard := fail("heard", "r-heard")
	if _, _, err := st.WriteResults(ctx, heard, now); err != nil {
		t.Fatal(err)
	}
	svc.Observe(ctx, "heard", heard)
	incidents := func() int {
		select {
		case err := <-runErr:
			t.Fatalf("Run = %v", err)
		default:
		}
		incs, _ := st.Incidents(ctx, time.Time{})
		return len(incs)
	}
	waitUntil(t, "the heard failure's incident", func() bool { return incidents() == 1 })
	if _, _, err := st.WriteResults(ctx, fail("unheard", "r-unheard"), now); err != nil { // stored, never handed over
		t.Fatal(err)
	}
	svc.Replay(ctx)
	waitUntil(t, "the unheard failure's incident after the replay", func() bool { return incidents() == 2 })
	incs, err := svc.Incidents(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, inc := range incs {
		if inc.Key.Branch == "heard" && inc.Failures != 1 {
			t.Errorf("the heard failure counted %d times after the replay, want once", inc.Failures)
		}
	}
}
