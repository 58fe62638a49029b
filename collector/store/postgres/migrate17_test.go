package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

// TestMigration17NarrowsTheBranchRows: a branch row written before
// migration 0017 (its descriptor compressed inline) reads as before and
// keeps its descriptor through contacts; after it, a branch's descriptor
// is stored in the TOAST table, once: contacts without it or with the same
// one leave it where it is, and a changed one replaces it.
func TestMigration17NarrowsTheBranchRows(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Start(t).NewDatabase(t)
	pool := poolAtSchema(t, dsn, 16)
	old := wideDescriptor("old")
	oldJSON := string(must(json.Marshal(old)))
	if len(oldJSON) < 2100 {
		t.Fatalf("the descriptor is %d bytes of JSON, want one past the TOAST threshold", len(oldJSON))
	}
	if _, err := pool.Exec(ctx, `INSERT INTO branches (id, descriptor_json, descriptor_sum, contact_at, agent_version, config_hash, clock_skew_ns)
		VALUES ('old', $1, sha256(convert_to($1, 'UTF8')), 1, '1.0.0', 'h', 0)`, oldJSON); err != nil {
		t.Fatal(err)
	}
	pool.Close()

	s := open(t, dsn)
	defer s.Close()
	var options []string
	if err := s.pool.QueryRow(ctx, `SELECT reloptions FROM pg_class WHERE relname = 'branches'`).Scan(&options); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(options) != "[toast_tuple_target=512 fillfactor=70]" {
		t.Errorf("branches' options after the upgrade: %q", options)
	}
	at := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	contact := func(id string, d *result.Descriptor, after time.Duration) {
		t.Helper()
		if err := s.PutBranch(ctx, id, d, store.Contact{At: at.Add(after), AgentVersion: "1.2.3", ConfigHash: "h",
			Health: &result.Health{SpoolDepth: int(after / time.Minute)}}); err != nil {
			t.Fatal(err)
		}
	}
	named := func(id, want string) {
		t.Helper()
		b, err := s.Branch(ctx, id)
		if err != nil || b.Descriptor == nil || b.Descriptor.Name != want {
			t.Fatalf("branch %s = %+v, %v; want its descriptor named %q", id, b.Descriptor, err, want)
		}
	}
	named("old", old.Name)
	contact("old", nil, time.Minute)
	named("old", old.Name)
	if vs := toastedValues(t, s); len(vs) != 0 {
		t.Fatalf("values %v in the TOAST table after the old row's contact, want none (its descriptor stays inline)", vs)
	}

	d := wideDescriptor("new")
	contact("new", d, 0)
	first := toastedValues(t, s)
	if len(first) != 1 {
		t.Fatalf("values %v in the TOAST table after a new branch's descriptor, want one", first)
	}
	contact("new", nil, time.Minute)
	contact("new", d, 2*time.Minute)
	named("new", d.Name)
	if vs := toastedValues(t, s); fmt.Sprint(vs) != fmt.Sprint(first) {
		t.Fatalf("values %v in the TOAST table after contacts without a new descriptor, want still %v", vs, first)
	}
	renamed := wideDescriptor("new")
	renamed.Name = "renamed"
	contact("new", renamed, 3*time.Minute)
	named("new", renamed.Name)
	if vs := toastedValues(t, s); len(vs) != 1 || vs[0] == first[0] {
		t.Fatalf("values %v in the TOAST table after a changed descriptor, want one other than %v", vs, first)
	}
}

// wideDescriptor is benchDescriptor with 15 devices, some 3 KB of JSON
// as a large branch's agent sends.
func wideDescriptor(id string) *result.Descriptor {
	d := benchDescriptor(id)
	for i := range 5 {
		dev := d.Devices[i]
		dev.ID = fmt.Sprintf("dev-%02d", 10+i)
		d.Devices = append(d.Devices, dev)
	}
	return d
}

// toastedValues returns the ids of the values the branches' TOAST table
// holds, in order.
func toastedValues(t *testing.T, s *Store) []uint32 {
	t.Helper()
	ctx := context.Background()
	var table string
	if err := s.pool.QueryRow(ctx, `SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'branches'`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT chunk_id FROM `+table+` ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uint32])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}
