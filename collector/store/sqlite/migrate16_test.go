package sqlite

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// TestDescriptorsOfEarlierVersionsStayReadable upgrades a database whose
// descriptors were stored as JSON text, in the branches row and again in
// the history (schema 15), and holds the store to what compressed
// descriptors and migration 16 promise: the descriptors and versions read
// as they did; the same descriptor sent again adds no version and leaves
// the text as it is; a changed one is stored once, its version a stub
// read through the branches row; and when it changes again, the stub
// takes the descriptor it stood for, so every version stays readable.
func TestDescriptorsOfEarlierVersionsStayReadable(t *testing.T) {
	ctx := context.Background()
	db, path := dbAtSchema(t, 15)
	v1, v2, v3 := wideDescriptor(), wideDescriptor(), wideDescriptor()
	v2.Name, v3.Name = "Rivoli (moved)", "Rivoli (moved again)"
	contact := func(minutes int) store.Contact {
		return store.Contact{At: benchStart.Add(timeMinutes(minutes)), AgentVersion: "1.4.2"}
	}
	js1, err := json.Marshal(v1)
	if err != nil {
		t.Fatal(err)
	}
	// As the writer of schema 15 stored a branch's first descriptor.
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO branch_contacts (id, contact_at, agent_version, config_hash, clock_skew_ns) VALUES ('br-a', ?, '1.4.2', '', 0)`, []any{contact(0).At.UnixNano()}},
		{`INSERT INTO branches (id, descriptor) VALUES ('br-a', ?)`, []any{string(js1)}},
		{`INSERT INTO descriptor_history (branch, effective_at, descriptor) VALUES ('br-a', ?, ?)`, []any{contact(0).At.UnixNano(), string(js1)}},
	} {
		if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}

	s := openUpgraded(t, db, path)
	want := []store.DescriptorVersion{{EffectiveAt: contact(0).At, Descriptor: v1}}
	checkVersions(t, s, "after the upgrade", want, v1, "text", "text")

	if err := s.PutBranch(ctx, "br-a", v1, contact(1)); err != nil {
		t.Fatal(err)
	}
	checkVersions(t, s, "after the same descriptor came again", want, v1, "text", "text")

	if err := s.PutBranch(ctx, "br-a", v2, contact(2)); err != nil {
		t.Fatal(err)
	}
	want = append(want, store.DescriptorVersion{EffectiveAt: contact(2).At, Descriptor: v2})
	checkVersions(t, s, "after a change", want, v2, "blob", "text,stub")

	if err := s.PutBranch(ctx, "br-a", v3, contact(3)); err != nil {
		t.Fatal(err)
	}
	want = append(want, store.DescriptorVersion{EffectiveAt: contact(3).At, Descriptor: v3})
	checkVersions(t, s, "after a second change", want, v3, "blob", "text,blob,stub")
}

// checkVersions fails t unless br-a reads the versions want and the
// descriptor current, stored as the kinds given ("text", "blob", "stub").
func checkVersions(t *testing.T, s *Store, when string, want []store.DescriptorVersion, current *result.Descriptor, branchKind, historyKinds string) {
	t.Helper()
	ctx := context.Background()
	vs, err := s.DescriptorVersions(ctx, "br-a")
	if err != nil || !reflect.DeepEqual(vs, want) {
		t.Fatalf("%s: versions %+v, %v; want %+v", when, vs, err, want)
	}
	b, err := s.Branch(ctx, "br-a")
	if err != nil || !reflect.DeepEqual(b.Descriptor, current) {
		t.Fatalf("%s: Branch = %+v, %v; want %+v", when, b.Descriptor, err, current)
	}
	const kind = `CASE WHEN typeof(descriptor) = 'text' THEN 'text' WHEN length(descriptor) = 33 THEN 'stub' ELSE 'blob' END`
	var bk, hk string
	if err := s.rdb.QueryRowContext(ctx, `SELECT `+kind+` FROM branches WHERE id = 'br-a'`).Scan(&bk); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.QueryRowContext(ctx, `SELECT group_concat(k) FROM (SELECT `+kind+` AS k FROM descriptor_history
		WHERE branch = 'br-a' ORDER BY effective_at)`).Scan(&hk); err != nil {
		t.Fatal(err)
	}
	if bk != branchKind || hk != historyKinds {
		t.Fatalf("%s: the branch row is %s and the history %s; want %s and %s", when, bk, hk, branchKind, historyKinds)
	}
}
