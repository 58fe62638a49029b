package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// TestContactsOfEarlierVersionsStayReadable upgrades a database whose
// contacts were kept in the branches row beside the descriptor (schema 13)
// and holds the store to what migration 14 promises: every read of
// branches and contacts returns what it returned before the upgrade, and
// the next contacts keep the descriptors and heartbeats they do not carry.
func TestContactsOfEarlierVersionsStayReadable(t *testing.T) {
	ctx := context.Background()
	db, path := dbAtSchema(t, 13)
	seedSchema13Branches(t, db)
	since := benchStart.Add(time.Minute)
	before := readSchema13Branches(t, db, since)

	s := openUpgraded(t, db, path)
	after := readBranches(t, s, since)
	if !reflect.DeepEqual(after, before) {
		t.Fatalf("after the upgrade the store reads\n%+v\nwant what schema 13 read\n%+v", after, before)
	}
	var contactIndexes int
	if err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'branches_contact'`).Scan(&contactIndexes); err != nil || contactIndexes != 0 {
		t.Fatalf("the covering index of contacts is still there (%d, %v): every contact would write it", contactIndexes, err)
	}

	later := store.Contact{At: since.Add(time.Hour), AgentVersion: "1.5.0", ConfigHash: "sha256:beef"}
	for _, id := range []string{"br-a", "br-b", "br-c"} {
		if err := s.PutBranch(ctx, id, nil, later); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range before.all {
		got, err := s.Branch(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Descriptor, want.Descriptor) || !reflect.DeepEqual(got.Contact.Health, want.Contact.Health) {
			t.Errorf("after a contact without descriptor or heartbeat, %s has descriptor %+v and heartbeat %+v; want them kept: %+v, %+v",
				want.ID, got.Descriptor, got.Contact.Health, want.Descriptor, want.Contact.Health)
		}
		if !got.Contact.At.Equal(later.At) || got.Contact.AgentVersion != later.AgentVersion {
			t.Errorf("%s's contact is %+v, want the later one %+v", want.ID, got.Contact, later)
		}
	}
}

// branchReads is what the store's reads of branches return.
type branchReads struct {
	all, contacts, some []store.Branch
	one                 map[string]store.Branch
	changed             []store.ContactRow
}

// seedSchema13Branches stores, as schema 13 kept them, a branch with a
// descriptor and a heartbeat, one without either, and one whose contact
// has no time, with the descriptor history migration 6 and the writer kept.
func seedSchema13Branches(t *testing.T, db *sql.DB) {
	t.Helper()
	desc, err := json.Marshal(wideDescriptor())
	if err != nil {
		t.Fatal(err)
	}
	hb, err := store.EncodeHealth(&result.Health{SpoolDepth: 3, Dropped: 1, LastSweep: benchStart})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"br-a", string(desc), benchStart.Add(2 * time.Minute).UnixNano(), "1.4.2", "sha256:0f3a9c", int64(-1500), hb},
		{"br-b", nil, benchStart.UnixNano(), "1.4.1", "sha256:0f3a9d", int64(0), nil},
		{"br-c", string(desc), nil, "1.4.2", "", int64(250), hb},
	}
	for _, r := range rows {
		if _, err := db.Exec(`INSERT INTO branches (id, descriptor, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat)
VALUES (?, ?, ?, ?, ?, ?, ?)`, r...); err != nil {
			t.Fatal(err)
		}
		if r[1] != nil {
			if _, err := db.Exec(`INSERT INTO descriptor_history (branch, effective_at, descriptor) VALUES (?, 0, ?)`, r[0], r[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// readSchema13Branches reads db as the store's reads of schema 13 did.
func readSchema13Branches(t *testing.T, db *sql.DB, since time.Time) branchReads {
	t.Helper()
	const columns = "id, descriptor, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat"
	list := func(q string, args ...any) []store.Branch {
		rows, err := db.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []store.Branch
		for rows.Next() {
			b, err := scanBranch(rows)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	r := branchReads{
		all:      list("SELECT " + columns + " FROM branches ORDER BY id"),
		contacts: list("SELECT id, NULL, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat FROM branches ORDER BY id"),
		one:      map[string]store.Branch{},
	}
	r.some = []store.Branch{r.contacts[0], r.contacts[2]}
	for _, b := range r.all {
		r.one[b.ID] = b
	}
	rows, err := db.Query(`SELECT id, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat
FROM branches INDEXED BY branches_contact WHERE contact_at >= ? ORDER BY id`, since.UnixNano())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	r.changed = scanContactRows(t, rows)
	return r
}

func scanContactRows(t *testing.T, rows *sql.Rows) []store.ContactRow {
	t.Helper()
	out := []store.ContactRow{}
	for rows.Next() {
		var (
			r        store.ContactRow
			at, skew int64
		)
		if err := rows.Scan(&r.ID, &at, &r.Contact.AgentVersion, &r.Contact.ConfigHash, &skew, &r.Heartbeat); err != nil {
			t.Fatal(err)
		}
		r.Contact.At, r.Contact.ClockSkew = time.Unix(0, at).UTC(), time.Duration(skew)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readBranches reads s's branches as branchReads lists them.
func readBranches(t *testing.T, s *Store, since time.Time) branchReads {
	t.Helper()
	ctx := context.Background()
	var (
		r   = branchReads{one: map[string]store.Branch{}}
		err error
	)
	if r.all, err = s.Branches(ctx); err != nil {
		t.Fatal(err)
	}
	if r.contacts, err = s.BranchContacts(ctx); err != nil {
		t.Fatal(err)
	}
	if r.some, err = s.ContactsOf(ctx, []string{"br-c", "br-unknown", "br-a"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"br-a", "br-b", "br-c"} {
		if r.one[id], err = s.Branch(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if r.changed, err = s.BranchesChangedSince(ctx, since); err != nil {
		t.Fatal(err)
	}
	return r
}
