package branchdir

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// A contact the directory reads from the store that ingest here did not
// store is another collector's, whose results this process was not handed:
// ChangedElsewhere lists its branch from the position before the read,
// whether the contact is newer than the one held, older (committed after a
// later one here), or replaced since by one ingest here stored. Contacts
// ingest here stored, read back, are not listed, nor one listed already.
func TestChangedElsewhereListsTheContactsAnotherCollectorStored(t *testing.T) {
	sec := func(s int) store.Contact {
		return store.Contact{At: t0.Add(time.Hour + time.Duration(s)*time.Second), ConfigHash: "h1"}
	}
	tests := []struct {
		name string
		// run stores and syncs from position c; want is then listed.
		run  func(t *testing.T, d *Dir, st *fakeStore, now *time.Time)
		want []string
	}{
		{"ingest's own contacts read back are not listed", func(t *testing.T, d *Dir, st *fakeStore, now *time.Time) {
			for _, s := range []int{1, 2, 3} { // the store holds the one committed last
				st.put("lon", nil, sec(s))
				d.Stored("lon", nil, sec(s))
			}
			st.put("lon", nil, sec(2))
			syncAt(t, d, now, 10)
		}, nil},
		{"a newer contact another collector stored is listed", func(t *testing.T, d *Dir, st *fakeStore, now *time.Time) {
			st.put("lon", nil, sec(1))
			syncAt(t, d, now, 10)
		}, []string{"lon"}},
		{"an older contact another collector committed after one here is listed", func(t *testing.T, d *Dir, st *fakeStore, now *time.Time) {
			st.put("lon", nil, sec(5))
			d.Stored("lon", nil, sec(5))
			st.put("lon", nil, sec(4))
			syncAt(t, d, now, 10)
		}, []string{"lon"}},
		{"a contact read and then replaced by one ingest here stored is listed", func(t *testing.T, d *Dir, st *fakeStore, now *time.Time) {
			st.put("ber", nil, sec(1))
			syncAt(t, d, now, 10)
			st.put("ber", nil, sec(12))
			d.Stored("ber", nil, sec(12))
		}, []string{"ber"}},
		{"a branch the directory did not hold is listed", func(t *testing.T, d *Dir, st *fakeStore, now *time.Time) {
			st.put("par", desc("Paris"), sec(1))
			syncAt(t, d, now, 10)
		}, []string{"par"}},
		{"a contact read again at the next sync is listed once", func(t *testing.T, d *Dir, st *fakeStore, now *time.Time) {
			st.put("lon", nil, sec(5))
			d.Stored("lon", nil, sec(5))
			st.put("lon", nil, sec(4))
			syncAt(t, d, now, 10)
			c := d.Mark()
			syncAt(t, d, now, 12)
			if ids := d.ChangedElsewhere(c); len(ids) != 0 {
				t.Errorf("ChangedElsewhere lists %v again after a second read of the same contact", ids)
			}
		}, []string{"lon"}},
		{"the branches are listed when the record of changes no longer reaches back", func(t *testing.T, d *Dir, st *fakeStore, now *time.Time) {
			st.put("lon", nil, sec(1))
			syncAt(t, d, now, 10)
			for i := range 4 * minLog {
				d.Stored(fmt.Sprint("b", i%3), nil, sec(20+i))
			}
		}, []string{"lon"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, st, now := fixture(t, time.Hour)
			c := d.Mark()
			tc.run(t, d, st, now)
			if got := d.ChangedElsewhere(c); !slices.Equal(got, tc.want) {
				t.Errorf("ChangedElsewhere = %v, want %v", got, tc.want)
			}
		})
	}
}

// syncAt reads the store's changes at t0 + 1 h + s seconds.
func syncAt(t *testing.T, d *Dir, now *time.Time, s int) {
	t.Helper()
	*now = t0.Add(time.Hour + time.Duration(s)*time.Second)
	if err := d.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// WrittenElsewhere tells a branch whose contact from another collector the
// directory has read from one it only heard of from ingest here.
func TestWrittenElsewhere(t *testing.T) {
	now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	f := newFakeStore()
	x := New(Options{Source: f, Now: func() time.Time { return now }})
	x.Stored("par", nil, store.Contact{At: now})
	f.put("par", nil, store.Contact{At: now})
	f.put("lon", nil, store.Contact{At: now})
	if err := x.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if x.WrittenElsewhere("par") || !x.WrittenElsewhere("lon") || x.WrittenElsewhere("ber") {
		t.Errorf("written elsewhere: par %v, lon %v, ber %v; want false, true, false",
			x.WrittenElsewhere("par"), x.WrittenElsewhere("lon"), x.WrittenElsewhere("ber"))
	}
}
