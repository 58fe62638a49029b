package branchdir

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// changesSince is Changes from c, failing the test when it is not ok.
func changesSince(t *testing.T, d *Dir, c Cursor) ([]string, Cursor) {
	t.Helper()
	ids, next, ok := d.Changes(c)
	if !ok {
		t.Fatal("Changes asks for a full listing")
	}
	return ids, next
}

func TestChangesListWhatIngestAndOtherWritersChanged(t *testing.T) {
	ctx := context.Background()
	d, st, now := fixture(t, time.Hour)
	c := d.Mark()
	if ids, _ := changesSince(t, d, c); len(ids) != 0 {
		t.Fatalf("changes %v before anything changed, want none", ids)
	}
	d.Stored("lon", nil, store.Contact{At: now.Add(time.Second), ConfigHash: "h1"})
	d.Stored("par", desc("Paris"), store.Contact{At: now.Add(time.Second)})
	d.Stored("lon", nil, store.Contact{At: now.Add(2 * time.Second), ConfigHash: "h1"})
	ids, c := changesSince(t, d, c)
	if !slices.Equal(ids, []string{"lon", "par"}) {
		t.Errorf("changes %v after ingest stored lon twice and par, want [lon par]", ids)
	}
	st.put("ber", nil, store.Contact{At: now.Add(time.Second), ConfigHash: "h1"}) // another collector
	*now = now.Add(time.Minute)
	if err := d.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if ids, c = changesSince(t, d, c); !slices.Equal(ids, []string{"ber"}) {
		t.Errorf("changes %v after another writer's contact was read, want [ber]", ids)
	}
	*now = now.Add(time.Hour) // a full listing of unchanged contacts
	st.put("par", nil, store.Contact{At: now.Add(-time.Hour).Add(2 * time.Second)})
	if err := d.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if ids, _ = changesSince(t, d, c); !slices.Equal(ids, []string{"par"}) {
		t.Errorf("changes %v after a full listing where only par changed, want [par]", ids)
	}
}

func TestChangesAskForAFullListing(t *testing.T) {
	tests := []struct {
		name   string
		change func(d *Dir, st *fakeStore, now *time.Time)
	}{
		{"when a branch was removed", func(d *Dir, st *fakeStore, now *time.Time) {
			st.remove("ber")
			*now = now.Add(2 * time.Hour)
			_ = d.Sync(context.Background())
		}},
		{"when the record no longer reaches back", func(d *Dir, _ *fakeStore, now *time.Time) {
			for i := range 4 * minLog {
				d.Stored(fmt.Sprint("b", i%3), nil, store.Contact{At: now.Add(time.Duration(i) * time.Millisecond)})
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, st, now := fixture(t, time.Hour)
			c := d.Mark()
			tc.change(d, st, now)
			if ids, next, ok := d.Changes(c); ok {
				t.Errorf("Changes gave %d ids and no full listing", len(ids))
			} else if _, _, ok := d.Changes(next); !ok {
				t.Error("Changes from the position it gave asks for a full listing again")
			}
		})
	}
}

func TestAloneTheDirectoryReadsNoChangesBetweenFullListings(t *testing.T) {
	ctx := context.Background()
	st := newFakeStore()
	st.put("lon", desc("London"), contactAt(0, "h1"))
	now := t0.Add(time.Minute)
	d := New(Options{Source: st, Now: func() time.Time { return now }, FullEvery: time.Hour, Alone: true})
	if _, err := d.All(ctx); err != nil {
		t.Fatal(err)
	}
	d.Stored("lon", nil, contactAt(2, "h1"))
	now = now.Add(5 * time.Minute)
	if b := one(t, d, "lon"); !b.Contact.At.Equal(contactAt(2, "h1").At) {
		t.Errorf("lon's contact at %v, want the one ingest stored", b.Contact.At)
	}
	if st.changes != 0 || st.listings != 0 {
		t.Errorf("%d incremental reads and %d listings between full listings, want none", st.changes, st.listings)
	}
	now = now.Add(time.Hour)
	if _, err := d.All(ctx); err != nil {
		t.Fatal(err)
	}
	if st.listings != 1 {
		t.Errorf("%d full listings after FullEvery, want 1", st.listings)
	}
}

func TestAListingsPositionLeavesOutWhatItHolds(t *testing.T) {
	st := newFakeStore()
	st.put("ber", desc("Berlin"), contactAt(0, "h1"))
	now := t0.Add(time.Minute)
	d := New(Options{Source: st, Now: func() time.Time { return now }, FullEvery: time.Hour})
	bs, c, err := d.Listing(context.Background())
	if err != nil || len(bs) != 1 {
		t.Fatalf("Listing = %d branches, %v; want ber", len(bs), err)
	}
	if ids, _ := changesSince(t, d, c); len(ids) != 0 {
		t.Errorf("changes %v since the first listing's position, want none: the load is in the listing", ids)
	}
	d.Stored("lon", desc("London"), contactAt(1, "h1"))
	if ids, _ := changesSince(t, d, c); !slices.Equal(ids, []string{"lon"}) {
		t.Errorf("changes %v after ingest stored lon, want [lon]", ids)
	}
}
