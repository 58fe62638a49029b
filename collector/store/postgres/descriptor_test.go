package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

// TestDescriptorStoredBefore0014: a branch whose descriptor and versions
// were stored as jsonb before migration 0014 (no checksum) reads as
// before; the same descriptor sent again adds no version (it is compared,
// parsed, with the latest one, once) and leaves the row in the text form
// with its checksum; a changed one adds a version.
func TestDescriptorStoredBefore0014(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.NewDatabase(t)
	s := open(t, dsn)
	defer s.Close()
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	v1, v2 := benchDescriptor("par"), benchDescriptor("par")
	v2.Name = "Rue de Rivoli, renamed"
	put := func(d *result.Descriptor, after time.Duration) {
		t.Helper()
		if err := s.PutBranch(ctx, "par", d, store.Contact{At: at.Add(after), AgentVersion: "1.2.3", ConfigHash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	versions := func() []string {
		t.Helper()
		vs, err := s.DescriptorVersions(ctx, "par")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, v := range vs {
			names = append(names, v.Descriptor.Name)
		}
		return names
	}
	put(v1, 0)
	execSQL(t, dsn, `UPDATE branches SET descriptor = descriptor_json::jsonb, descriptor_json = NULL, descriptor_sum = NULL;
		UPDATE descriptor_history SET descriptor = descriptor_json::jsonb, descriptor_json = NULL`)
	if b, err := s.Branch(ctx, "par"); err != nil || b.Descriptor == nil || b.Descriptor.Name != v1.Name {
		t.Fatalf("branch stored as jsonb = %+v, %v; want its descriptor", b, err)
	}
	if got := versions(); len(got) != 1 {
		t.Fatalf("versions stored as jsonb = %q, want one", got)
	}
	put(v1, time.Minute)
	if got := versions(); len(got) != 1 {
		t.Fatalf("after the same descriptor again: versions %q, want one", got)
	}
	var textForm bool
	if err := s.pool.QueryRow(ctx, `SELECT descriptor IS NULL AND descriptor_json IS NOT NULL AND descriptor_sum IS NOT NULL
		FROM branches WHERE id = 'par'`).Scan(&textForm); err != nil || !textForm {
		t.Fatalf("the row after a contact with its descriptor: text form %v, %v; want the text and its checksum", textForm, err)
	}
	put(v1, 2*time.Minute)
	put(nil, 3*time.Minute)
	put(v2, 4*time.Minute)
	put(v2, 5*time.Minute)
	if got := versions(); len(got) != 2 || got[0] != v1.Name || got[1] != v2.Name {
		t.Fatalf("versions = %q, want %q then %q", got, v1.Name, v2.Name)
	}
	if b, err := s.Branch(ctx, "par"); err != nil || b.Descriptor == nil || b.Descriptor.Name != v2.Name {
		t.Fatalf("branch = %+v, %v; want the renamed descriptor", b, err)
	}
}
