package crash

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/agent/spool"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// storedResults reads every result of the branch from the collector's store.
func storedResults(t *testing.T, st *sqlite.Store) []result.Result {
	t.Helper()
	rs, err := st.Results(context.Background(), branchID, time.Unix(0, 0), time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// sweepsOf groups results by sweep. Sweep names are only unique to the
// second (their random-looking suffix is the time-ordered head of an id),
// but two stored sweeps here are always seconds apart: a sweep reaches the
// spool only after the slow page's second, and each start sweeps once.
func sweepsOf(rs []result.Result) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		out[r.Sweep]++
	}
	return out
}

// assertStore checks the collector's store against what the collector
// acknowledged and what the agent showed as spooled.
func assertStore(t *testing.T, stored []result.Result, f figures, seen spooledSeen) {
	t.Helper()
	if len(stored) == 0 {
		t.Fatal("nothing stored: no sweep completed and shipped in any run")
	}
	byID := map[string]bool{}
	at := map[seenKey]bool{}
	for _, r := range stored {
		if byID[r.ID] {
			t.Errorf("result %s stored twice", r.ID)
		}
		byID[r.ID] = true
		at[seenKey{r.Device, r.Check, r.StartedAt.UnixNano()}] = true
	}
	lost := 0
	for id := range f.acked {
		if !byID[id] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d results the collector acknowledged are not in its store", lost)
	}
	if len(byID) != len(f.acked) {
		t.Errorf("the store holds %d results, the collector acknowledged %d distinct ones", len(byID), len(f.acked))
	}
	for sweep, n := range sweepsOf(stored) {
		if n != checksTotal {
			t.Errorf("sweep %s: %d results stored, want all %d (a sweep is spooled whole or not at all)", sweep, n, checksTotal)
		}
	}
	missing := 0
	for k := range seen {
		if !at[k] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of the %d results the agent showed as spooled never reached the store", missing, len(seen))
	}
}

// assertSpoolEmpty opens the spool the stopped agent left and expects it
// consistent, empty, and to have dropped nothing.
func assertSpoolEmpty(t *testing.T, stateDir string) {
	t.Helper()
	sp, err := spool.Open(filepath.Join(stateDir, "spool.db"), spool.Options{})
	if err != nil {
		t.Fatalf("the spool does not open after the agent stopped: %v", err)
	}
	defer sp.Close()
	if err := sp.Verify(); err != nil {
		t.Error(err)
	}
	left, err := sp.Next(10)
	if err != nil {
		t.Fatal(err)
	}
	if n := sp.Depth(); n != 0 || len(left) != 0 {
		t.Errorf("the spool still holds %d results (first: %v) after the agent drained it", n, left)
	}
	for reason, n := range sp.Dropped() {
		if n > 0 {
			t.Errorf("the spool dropped %d results (%s)", n, reason)
		}
	}
}
