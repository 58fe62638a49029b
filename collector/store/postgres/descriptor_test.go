package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/ingest"
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

// TestDescriptorJSON: WriteBatchJSON stores the descriptor as the agent
// sent it, and whether it changed is decided against the stored checksum,
// whoever wrote it: two collectors share the database, each handing over
// the bytes its agents sent. The bytes encoding/json makes (agents use it)
// have the checksum WriteBatch gives them, so a row written either way is
// unchanged to the other; another form of the same descriptor is written
// once, adding a version of equal content, and is unchanged after that.
func TestDescriptorJSON(t *testing.T) {
	srv := pgtest.Start(t)
	dsn := srv.NewDatabase(t)
	a, b := open(t, dsn), open(t, dsn)
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	at := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	v1, v2 := benchDescriptor("par"), benchDescriptor("par")
	v2.Name = "Rue de Rivoli, renamed"
	raw := func(d *result.Descriptor) string { return string(must(json.Marshal(d))) }
	pretty := string(must(json.MarshalIndent(v1, "", "  ")))
	n := 0
	write := func(s *Store, desc string) {
		t.Helper()
		n++
		rs := wave(at.Add(time.Duration(n)*time.Hour), 3)
		for i := range rs {
			rs[i].Branch = "par"
		}
		c := store.Contact{At: at.Add(time.Duration(n) * time.Minute), AgentVersion: "1.2.3", ConfigHash: "h"}
		var err error
		if desc == "" {
			_, _, err = s.WriteBatchJSON(ctx, "par", rs, at, "", [32]byte{}, c)
		} else {
			_, _, err = s.WriteBatchJSON(ctx, "par", rs, at, desc, sha256.Sum256([]byte(desc)), c)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	stored := func() (string, int) {
		t.Helper()
		var text string
		var versions int
		if err := a.pool.QueryRow(ctx, `SELECT descriptor_json, (SELECT count(*) FROM descriptor_history WHERE branch = 'par')
			FROM branches WHERE id = 'par'`).Scan(&text, &versions); err != nil {
			t.Fatal(err)
		}
		return text, versions
	}
	steps := []struct {
		name     string
		do       func()
		text     string // descriptor_json afterwards
		versions int
		current  string // the name Branch reads
	}{
		{"a first descriptor is stored as sent", func() { write(a, raw(v1)) }, raw(v1), 1, v1.Name},
		{"the same bytes through the other collector change nothing", func() { write(b, raw(v1)) }, raw(v1), 1, v1.Name},
		{"the same descriptor through WriteBatch changes nothing", func() {
			if _, _, err := b.WriteBatch(ctx, "par", nil, at, v1, store.Contact{At: at.Add(time.Hour), ConfigHash: "h"}); err != nil {
				t.Fatal(err)
			}
		}, raw(v1), 1, v1.Name},
		{"a batch without a descriptor keeps the stored one", func() { write(a, "") }, raw(v1), 1, v1.Name},
		{"the other collector stores a changed descriptor", func() { write(b, raw(v2)) }, raw(v2), 2, v2.Name},
		{"the first descriptor again is a change, though this collector sent it last", func() { write(a, raw(v1)) }, raw(v1), 3, v1.Name},
		{"the same descriptor with blanks is written once", func() { write(a, pretty) }, pretty, 4, v1.Name},
		{"and is unchanged after that", func() { write(b, pretty) }, pretty, 4, v1.Name},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do()
			if text, versions := stored(); text != s.text || versions != s.versions {
				t.Fatalf("stored %.60q... with %d versions, want %.60q... with %d", text, versions, s.text, s.versions)
			}
			br, err := a.Branch(ctx, "par")
			if err != nil || br.Descriptor == nil || br.Descriptor.Name != s.current {
				t.Fatalf("branch = %+v, %v; want descriptor %q", br.Descriptor, err, s.current)
			}
		})
	}
}

// The ingest handler hands this store descriptors as the agents sent them.
var _ ingest.DescriptorJSONWriter = (*Store)(nil)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
