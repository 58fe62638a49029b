package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

func TestBothModesRunTheSamePathAndOnlySQLiteStores(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	o := Options{Branches: 3, Results: 60, Batch: 10, Concurrency: 2, Rounds: 2, Gzip: true, Dir: dir, Out: &out}
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	squeezed := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{"round 1 discard 60 results", "round 1 sqlite 60 results", "round 2 sqlite 60 results", "round 2 discard 60 results", "median of 2 rounds", "ratio stored/discarded"} {
		if !strings.Contains(squeezed, want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Index(squeezed, "round 2 sqlite") > strings.Index(squeezed, "round 2 discard") {
		t.Errorf("round 2 did not measure SQLite first:\n%s", out.String())
	}
	stored := func(mode string) int {
		st, err := sqlite.Open(context.Background(), filepath.Join(dir, "loadgen-"+mode+"-2.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		n := 0
		for b := range o.Branches {
			rs, err := st.Results(context.Background(), branchID(b), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			n += len(rs)
		}
		return n
	}
	if d, s := stored("discard"), stored("sqlite"); d != 0 || s != 60 {
		t.Errorf("discard mode stored %d results, sqlite %d; want 0 and 60", d, s)
	}
}

func TestEveryBranchSendsItsShareWithItsDescriptorFirst(t *testing.T) {
	o := Options{Branches: 2000, Results: 40000, Batch: 500}
	bodies, err := encode(o, make([]string, o.Branches))
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != o.Branches {
		t.Fatalf("%d requests, want one per branch", len(bodies))
	}
	seen := map[string]int{}
	for _, b := range bodies {
		var batch result.Batch
		if err := json.Unmarshal(b.data, &batch); err != nil {
			t.Fatal(err)
		}
		if batch.Descriptor == nil || len(batch.Results) != 20 || b.n != 20 {
			t.Fatalf("branch %s sent %d results, descriptor %v; want 20 and its descriptor", batch.Branch, len(batch.Results), batch.Descriptor != nil)
		}
		seen[batch.Branch]++
	}
	if len(seen) != o.Branches {
		t.Errorf("results came from %d branches, want %d", len(seen), o.Branches)
	}
}

func TestARefusedBatchFailsTheRun(t *testing.T) {
	var out bytes.Buffer
	// 6000 results in one request: over the collector's 5000 per batch.
	err := Run(context.Background(), Options{Branches: 1, Results: 6000, Batch: 6000, Concurrency: 1, Dir: t.TempDir(), Out: &out})
	if err == nil || !strings.Contains(err.Error(), "413") {
		t.Errorf("err %v, want the collector's 413 to fail the run", err)
	}
}
