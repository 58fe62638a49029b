package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// batchWriter is the one-transaction write ingest uses when a store has it.
type batchWriter interface {
	WriteBatch(ctx context.Context, branch string, rs []result.Result, receivedAt time.Time, d *result.Descriptor, c store.Contact) (inserted, duplicates int, err error)
}

// testWriteBatch: a request's results, contact and descriptor are stored
// together; a retried request stores nothing twice, a request without
// results still records the contact, and an unchanged descriptor adds no
// version.
func testWriteBatch(t *testing.T, open Opener) {
	s := opened(t, open)
	bw, ok := s.(batchWriter)
	if !ok {
		t.Fatal("the store has no WriteBatch: ingest would need two commits per request")
	}
	ctx := context.Background()
	rs := samples("par", 0, 25)
	v1, v2 := descriptor("Rue de Rivoli"), descriptor("Rue de Rivoli, renamed")
	for _, send := range []struct {
		name     string
		rs       []result.Result
		desc     *result.Descriptor
		at       time.Duration
		ins, dup int
	}{
		{"the first request", rs[:10], v1, 0, 10, 0},
		{"the next request, overlapping the first", rs[5:20], v1, time.Minute, 10, 5},
		{"a heartbeat without results", nil, nil, 2 * time.Minute, 0, 0},
		{"a request with a changed descriptor", rs[15:], v2, 3 * time.Minute, 5, 5},
		{"that request retried", rs[15:], v2, 4 * time.Minute, 0, 10},
	} {
		ins, dup, err := bw.WriteBatch(ctx, "par", send.rs, base, send.desc, contact(send.at, "1.2.3"))
		if err != nil || ins != send.ins || dup != send.dup {
			t.Fatalf("%s: WriteBatch = %d inserted, %d duplicates, %v; want %d and %d", send.name, ins, dup, err, send.ins, send.dup)
		}
	}
	if got := all(t, s, "par"); len(got) != 25 {
		t.Fatalf("stored %d results, want 25", len(got))
	}
	b, err := s.Branch(ctx, "par")
	if err != nil || b.Descriptor == nil || b.Descriptor.Name != v2.Name || !b.Contact.At.Equal(base.Add(4*time.Minute)) {
		t.Fatalf("branch = %+v, %v; want the renamed descriptor and the last contact", b, err)
	}
	if h, ok := s.(store.History); ok {
		vs, err := h.DescriptorVersions(ctx, "par")
		if err != nil || len(vs) != 2 || vs[0].Descriptor.Name != v1.Name || vs[1].Descriptor.Name != v2.Name {
			t.Fatalf("descriptor versions = %+v, %v; want v1 then v2, each once", vs, err)
		}
	}
}
