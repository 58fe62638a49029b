package branchdir

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

func TestADescriptorIsDecodedAgainOnlyWhenItsConfigHashChanges(t *testing.T) {
	for _, mode := range []struct {
		name      string
		fullEvery time.Duration
	}{{"listing every contact at each sync", 0}, {"reading changes only", time.Hour}} {
		t.Run(mode.name, func(t *testing.T) {
			d, st, now := fixture(t, mode.fullEvery)
			steps := []struct {
				name        string
				write       func()
				wantDecoded int
				wantName    string
			}{
				{"the agent reporting again with the same config decodes nothing", func() {
					st.put("lon", nil, contactAt(2, "h1"))
				}, 0, "London"},
				{"another collector storing a new config hash decodes the new descriptor", func() {
					st.put("lon", desc("London City"), contactAt(3, "h2"))
				}, 1, "London City"},
				{"the same hash again decodes nothing", func() {
					st.put("lon", nil, contactAt(4, "h2"))
				}, 0, "London City"},
			}
			for _, s := range steps {
				t.Run(s.name, func(t *testing.T) {
					s.write()
					*now = now.Add(time.Minute + 5*time.Second) // past settle
					before := st.descriptors
					b := one(t, d, "lon")
					if got := st.descriptors - before; got != s.wantDecoded {
						t.Errorf("decoded %d descriptors, want %d", got, s.wantDecoded)
					}
					if b.Descriptor == nil || b.Descriptor.Name != s.wantName {
						t.Errorf("descriptor %+v, want %q", b.Descriptor, s.wantName)
					}
					if got, _ := st.Branch(context.Background(), "lon"); !b.Contact.At.Equal(got.Contact.At) {
						t.Errorf("contact at %v, want the stored %v", b.Contact.At, got.Contact.At)
					}
				})
			}
		})
	}
}

func TestWhatIngestStoredIsTakenWithoutReadingTheStore(t *testing.T) {
	d, st, now := fixture(t, time.Hour)
	decoded, listings := st.descriptors, st.listings
	h := &result.Health{SpoolDepth: 9}
	d.Stored("lon", desc("London City"), store.Contact{At: now.Add(time.Second), ConfigHash: "h2", Health: h})
	d.Stored("par", desc("Paris"), store.Contact{At: now.Add(time.Second), ConfigHash: "h1"})
	d.Stored("lon", nil, store.Contact{At: now.Add(2 * time.Second), ConfigHash: "h2"})
	bs, err := d.Of(context.Background(), []string{"par", "lon"})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].ID != "lon" || bs[1].ID != "par" {
		t.Fatalf("Of gave %+v, want lon and par in id order", bs)
	}
	lon := bs[0]
	if lon.Descriptor.Name != "London City" || lon.Contact.Health != h || !lon.Contact.At.Equal(now.Add(2*time.Second)) {
		t.Errorf("lon is %+v: want the descriptor of its first batch, the heartbeat kept, the newest contact", lon)
	}
	if st.descriptors != decoded || st.listings != listings || st.changes != 0 {
		t.Errorf("the store was read: %d descriptors, %d listings, %d incremental reads", st.descriptors-decoded, st.listings-listings, st.changes)
	}
	d.Stored("lon", nil, store.Contact{At: now.Add(time.Second), ConfigHash: "h1"})
	if b := one(t, d, "lon"); !b.Contact.At.Equal(now.Add(2 * time.Second)) {
		t.Errorf("an older request committing last replaced the newer contact: %v", b.Contact.At)
	}
}

func TestAChangeByAnotherWriterIsReadIncrementally(t *testing.T) {
	d, st, now := fixture(t, time.Hour)
	st.put("ber", nil, store.Contact{At: now.Add(time.Second), ConfigHash: "h1", Health: &result.Health{SpoolDepth: 4}})
	st.put("ams", desc("Amsterdam"), store.Contact{At: now.Add(time.Second), ConfigHash: "h1"})
	*now = now.Add(2 * time.Second)
	bs, err := d.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 || bs[0].ID != "ams" || bs[0].Descriptor.Name != "Amsterdam" {
		t.Fatalf("All = %+v, want the new branch ams first, with its descriptor", bs)
	}
	if h := bs[1].Contact.Health; h == nil || h.SpoolDepth != 4 {
		t.Errorf("ber's heartbeat %+v, want the one the other writer stored", h)
	}
	if st.listings != 0 || st.changes != 1 {
		t.Errorf("%d full listings and %d incremental reads, want none and one", st.listings, st.changes)
	}
	want := t0.Add(time.Minute + time.Second - 10*time.Second) // newest contact seen, less the overlap
	if _, err := d.All(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := st.sinces[len(st.sinces)-1]; !got.Equal(want) {
		t.Errorf("the next read starts at %v, want %v", got, want)
	}
}

func TestARemovedBranchDisappearsAtTheNextFullListing(t *testing.T) {
	d, st, now := fixture(t, time.Hour)
	st.remove("ber")
	d.Stored("par", desc("Paris"), store.Contact{At: now.Add(time.Second)}) // ingest here, not yet listed
	*now = now.Add(time.Minute)
	if bs, _ := d.All(context.Background()); len(bs) != 3 {
		t.Fatalf("between full listings %d branches, want all 3 still", len(bs))
	}
	*now = now.Add(time.Hour)
	st.put("par", desc("Paris"), store.Contact{At: now.Add(time.Second)})
	bs, err := d.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].ID != "lon" || bs[1].ID != "par" {
		t.Errorf("after the full listing %+v, want lon and par", bs)
	}
	if _, err := d.Branch(context.Background(), "ber"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Branch(ber) = %v, want not found", err)
	}
}

// hookedStore runs during a listing, after the store was read.
type hookedStore struct {
	*fakeStore
	during func()
}

func (h hookedStore) Branches(ctx context.Context) ([]store.Branch, error) {
	bs, err := h.fakeStore.Branches(ctx)
	h.during()
	return bs, err
}

func TestABranchIngestAddsDuringAFullListingIsKept(t *testing.T) {
	var d *Dir
	st := hookedStore{fakeStore: newFakeStore(), during: func() {
		d.Stored("par", desc("Paris"), store.Contact{At: t0}) // committed after the listing read the store
	}}
	d = New(Options{Source: st})
	bs, err := d.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0].Descriptor.Name != "Paris" {
		t.Errorf("All = %+v, want par as ingest handed it", bs)
	}
}

func TestAContactJustCommittedWaitsForIngestToHandItsDescriptorOver(t *testing.T) {
	d, st, now := fixture(t, time.Hour)
	c := store.Contact{At: now.Add(-time.Second), ConfigHash: "h2"}
	st.put("lon", desc("London City"), c) // ingest here committed it
	decoded := st.descriptors
	if b := one(t, d, "lon"); b.Descriptor.Name != "London" {
		t.Errorf("before the handover lon has %q, want the old descriptor still", b.Descriptor.Name)
	}
	d.Stored("lon", desc("London City"), c)
	*now = now.Add(settle)
	if b := one(t, d, "lon"); b.Descriptor.Name != "London City" {
		t.Errorf("after the handover lon has %q, want the new descriptor", b.Descriptor.Name)
	}
	if st.descriptors != decoded {
		t.Errorf("%d descriptors read from the store, want none", st.descriptors-decoded)
	}
	// Another collector's change is taken once it has settled.
	st.put("ber", desc("Berlin Mitte"), store.Contact{At: *now, ConfigHash: "h2"})
	*now = now.Add(settle)
	if b := one(t, d, "ber"); b.Descriptor.Name != "Berlin Mitte" {
		t.Errorf("ber has %q, want the descriptor another collector stored", b.Descriptor.Name)
	}
}
