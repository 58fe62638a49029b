package loadgen

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store/sqlite"
)

func TestBothModesRunTheSamePathAndOnlySQLiteStores(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	o := Options{Branches: 3, Results: 60, Batch: 10, Concurrency: 2, Gzip: true, Dir: dir, Out: &out}
	if err := Run(context.Background(), o); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	squeezed := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{"discard 60 results", "sqlite 60 results", "ratio stored/discarded"} {
		if !strings.Contains(squeezed, want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	stored := func(mode string) int {
		st, err := sqlite.Open(context.Background(), filepath.Join(dir, "loadgen-"+mode+"-1.db"), nil)
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

func TestARefusedBatchFailsTheRun(t *testing.T) {
	var out bytes.Buffer
	// 6000 results in one request: over the collector's 5000 per batch.
	err := Run(context.Background(), Options{Branches: 1, Results: 6000, Batch: 6000, Concurrency: 1, Dir: t.TempDir(), Out: &out})
	if err == nil || !strings.Contains(err.Error(), "413") {
		t.Errorf("err %v, want the collector's 413 to fail the run", err)
	}
}
