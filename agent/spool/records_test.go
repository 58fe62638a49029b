package spool

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/branchready/branchready/result"
)

// NextRecords hands out what Next does, in the same order, each result
// encoded exactly as json.Marshal encodes it.
func TestNextRecordsAreTheResultsOfNextAsJSON(t *testing.T) {
	s := open(t, "", Options{})
	put(t, s, PriorityNormal, "n1", "n2")
	put(t, s, PriorityReadiness, "r1")
	r := res("x1")
	r.Observations = map[string]float64{"connect_seconds": 0.0012, "status_code": 200}
	r.Reason = `<a href="x">é</a> "quoted"`
	if err := s.Put([]result.Result{r}, nil); err != nil {
		t.Fatal(err)
	}
	want, err := s.Next(10)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.NextRecords(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		b, _ := json.Marshal(&want[i])
		if got[i].ID != want[i].ID || string(got[i].JSON) != string(b) {
			t.Errorf("record %d: %s %s\nwant %s %s", i, got[i].ID, got[i].JSON, want[i].ID, b)
		}
	}
}

// A record put before this Open (by an older build, say) is decoded and
// encoded again: a field this build does not know is not shipped.
func TestRecordsFromAnEarlierRunShipInTodaysShape(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, PriorityNormal, "old-1")
	// Rewrite the stored record as an older build might have written it.
	err = s.db.Update(func(tx *bolt.Tx) error {
		k := tx.Bucket(bucketIDs).Get([]byte("old-1"))
		var m map[string]any
		if err := json.Unmarshal(tx.Bucket(bucketResults).Get(k), &m); err != nil {
			return err
		}
		m["retired_field"] = "x"
		v, _ := json.Marshal(m)
		return tx.Bucket(bucketResults).Put(slices.Clone(k), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path, Options{})
	put(t, s, PriorityNormal, "new-1")
	got, err := s.NextRecords(10)
	if err != nil {
		t.Fatal(err)
	}
	old := res("old-1")
	want, _ := json.Marshal(&old)
	if len(got) != 2 || got[0].ID != "old-1" || string(got[0].JSON) != string(want) || got[1].ID != "new-1" {
		t.Fatalf("got %+v\nwant old-1 as %s, then new-1", got, want)
	}
}

func TestLeadingIDReadsOnlyThePlainForm(t *testing.T) {
	cases := []struct {
		name, v, id string
		ok          bool
	}{
		{"a record json.Marshal wrote", `{"id":"0192-ab","branch":"b"}`, "0192-ab", true},
		{"an id with an escape", `{"id":"a\"b","branch":"b"}`, "", false},
		{"another field first", `{"branch":"b","id":"x"}`, "", false},
		{"an empty id", `{"id":"","branch":"b"}`, "", false},
		{"a cut-off record", `{"id":"abc`, "", false},
		{"a record that does not end as an object", `{"id":"abc","x":1`, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, ok := leadingID([]byte(tc.v))
			if id != tc.id || ok != tc.ok {
				t.Errorf("got %q %v, want %q %v", id, ok, tc.id, tc.ok)
			}
		})
	}
}

// A record of this run that no longer parses is dropped as corrupt, as
// Next drops it, rather than shipped.
func TestACorruptRecordOfThisRunIsDroppedNotShipped(t *testing.T) {
	s := open(t, "", Options{})
	put(t, s, PriorityNormal, "good-1", "bad-1")
	err := s.db.Update(func(tx *bolt.Tx) error {
		k := tx.Bucket(bucketIDs).Get([]byte("bad-1"))
		return tx.Bucket(bucketResults).Put(slices.Clone(k), []byte(`{"id":"bad-1","status":}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.NextRecords(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "good-1" {
		t.Fatalf("got %+v, want good-1 alone", got)
	}
	if n := s.Dropped()[ReasonCorrupt]; n != 1 {
		t.Errorf("dropped as corrupt: %d, want 1", n)
	}
}
