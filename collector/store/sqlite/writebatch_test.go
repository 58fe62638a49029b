package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

func testDescriptor(name string) *result.Descriptor {
	return &result.Descriptor{Name: name, Calendar: calendar.Spec{Timezone: "Europe/Paris"},
		Devices: []result.Device{{ID: "atm-00", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "cash-dispenser", Kind: "tcp"}}}}}
}

func TestWriteBatchStoresResultsContactAndDescriptorTogether(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "collector.db"), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	rs := benchResults(0, 250, randomID)
	for i := range rs {
		rs[i].Branch = "br-0000"
	}
	v1, v2 := testDescriptor("Rivoli"), testDescriptor("Rivoli, renamed")
	sends := []struct {
		rs   []result.Result
		desc *result.Descriptor
		at   time.Duration
	}{
		{rs[:100], v1, 0}, {rs[100:200], v1, time.Minute}, {nil, v1, 2 * time.Minute}, {rs[150:], v2, 3 * time.Minute}, {nil, v2, 4 * time.Minute},
	}
	inserted := 0
	for _, b := range sends {
		ins, dup, err := s.WriteBatch(ctx, "br-0000", b.rs, benchStart, b.desc, store.Contact{At: benchStart.Add(b.at), AgentVersion: "1.2.3"})
		if err != nil || ins+dup != len(b.rs) {
			t.Fatalf("WriteBatch = %d inserted, %d duplicates, %v; want %d in all", ins, dup, err, len(b.rs))
		}
		inserted += ins
	}
	if inserted != 250 {
		t.Errorf("%d results inserted, want 250 (the overlap counted as duplicates)", inserted)
	}
	b, err := s.Branch(ctx, "br-0000")
	if err != nil || b.Descriptor == nil || b.Descriptor.Name != v2.Name || !b.Contact.At.Equal(benchStart.Add(4*time.Minute)) {
		t.Fatalf("branch = %+v, %v; want the renamed descriptor and the last contact", b, err)
	}
	vs, err := s.DescriptorVersions(ctx, "br-0000")
	if err != nil || len(vs) != 2 || vs[0].Descriptor.Name != v1.Name || vs[1].Descriptor.Name != v2.Name {
		t.Fatalf("descriptor versions = %+v, %v; want v1 then v2, each once", vs, err)
	}
}

func TestADescriptorIsRememberedOnlyOnceCommitted(t *testing.T) {
	w := idleWriter(t)
	req := func(bad bool) *request {
		r := resultsRequest(t, context.Background(), 0, 10)
		if bad {
			damage(t, w, r.parts[0].branch)
		} else if _, err := w.db.Exec(`DELETE FROM result_chunks`); err != nil {
			t.Fatal(err)
		}
		if err := r.setBranch("br-0000", testDescriptor("Rivoli"), store.Contact{At: benchStart}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	failed := req(true)
	w.commit([]*request{failed})
	if r := <-failed.reply; r.err == nil {
		t.Fatal("the request for a branch with a damaged chunk succeeded")
	}
	if _, ok := w.descs["br-0000"]; ok {
		t.Fatal("the descriptor of a rolled-back request is remembered as committed")
	}
	good := req(false)
	w.commit([]*request{good})
	if r := <-good.reply; r.err != nil || r.n != 10 {
		t.Fatalf("reply = %d, %v; want 10 stored", r.n, r.err)
	}
	var n int
	w.db.QueryRow("SELECT COUNT(*) FROM descriptor_history WHERE branch = 'br-0000'").Scan(&n)
	if _, ok := w.descs["br-0000"]; !ok || n != 1 {
		t.Fatalf("remembered %v, %d history rows; want the committed descriptor remembered and stored once", ok, n)
	}
}
