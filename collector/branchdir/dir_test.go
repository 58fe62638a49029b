package branchdir

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

var t0 = time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)

// fakeStore holds branches as a SQL store does (descriptor kept when a
// contact comes without one) and counts the descriptors and heartbeats it
// decodes: every Branch, every branch of Branches, every changed row the
// directory decodes is counted by the directory's caller through rows.
type fakeStore struct {
	mu          sync.Mutex
	bs          map[string]store.Branch
	descriptors int // descriptors handed out (each decoded from JSON in a real store)
	listings    int // full listings of contacts
	changes     int // incremental reads
	sinces      []time.Time
}

func newFakeStore() *fakeStore { return &fakeStore{bs: map[string]store.Branch{}} }

// put writes as another collector would.
func (f *fakeStore) put(id string, d *result.Descriptor, c store.Contact) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.bs[id]
	b.ID = id
	if d != nil {
		b.Descriptor = d
	}
	if c.Health == nil {
		c.Health = b.Contact.Health
	}
	b.Contact = c
	f.bs[id] = b
}

func (f *fakeStore) remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.bs, id)
}

func (f *fakeStore) sorted() []store.Branch {
	var out []store.Branch
	for _, b := range f.bs {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b store.Branch) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (f *fakeStore) Branches(context.Context) ([]store.Branch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.sorted()
	for i := range out {
		if out[i].Descriptor != nil {
			f.descriptors++
			d := *out[i].Descriptor // decoded anew
			out[i].Descriptor = &d
		}
	}
	return out, nil
}

func (f *fakeStore) Branch(_ context.Context, id string) (store.Branch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.bs[id]
	if !ok {
		return b, fmt.Errorf("fake: %q: %w", id, store.ErrNotFound)
	}
	if b.Descriptor != nil {
		f.descriptors++
		d := *b.Descriptor
		b.Descriptor = &d
	}
	return b, nil
}

func (f *fakeStore) BranchContacts(context.Context) ([]store.Branch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listings++
	out := f.sorted()
	for i := range out {
		out[i].Descriptor = nil
	}
	return out, nil
}

func (f *fakeStore) BranchesChangedSince(_ context.Context, since time.Time) ([]store.ContactRow, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.changes++
	f.sinces = append(f.sinces, since)
	var out []store.ContactRow
	for _, b := range f.sorted() {
		if b.Contact.At.Before(since) {
			continue
		}
		r := store.ContactRow{ID: b.ID, Contact: b.Contact}
		r.Contact.Health = nil
		if h := b.Contact.Health; h != nil {
			r.Heartbeat = fmt.Appendf(nil, `{"spool_depth":%d}`, h.SpoolDepth)
		}
		out = append(out, r)
	}
	return out, nil
}

func desc(name string) *result.Descriptor { return &result.Descriptor{Name: name} }

func contactAt(min int, hash string) store.Contact {
	return store.Contact{At: t0.Add(time.Duration(min) * time.Minute), ConfigHash: hash, AgentVersion: "1.0.0"}
}

// fixture is a directory over a store of two branches, loaded, its clock
// at now.
func fixture(t *testing.T, fullEvery time.Duration) (*Dir, *fakeStore, *time.Time) {
	t.Helper()
	st := newFakeStore()
	st.put("ber", desc("Berlin"), contactAt(0, "h1"))
	st.put("lon", desc("London"), contactAt(0, "h1"))
	now := t0.Add(time.Minute)
	d := New(Options{Source: st, Now: func() time.Time { return now }, FullEvery: fullEvery})
	if _, err := d.All(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d, st, &now
}

func one(t *testing.T, d *Dir, id string) store.Branch {
	t.Helper()
	bs, err := d.All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.ID == id {
			return b
		}
	}
	t.Fatalf("%s is not in the directory (%d branches)", id, len(bs))
	return store.Branch{}
}

// Held hands out only what the directory knows, and reads nothing: a
// branch another collector stored since the last Sync, or one told of
// without its descriptor, is left to the caller.
func TestHeldHandsOutWhatTheDirectoryKnowsWithoutReadingTheStore(t *testing.T) {
	d, st, _ := fixture(t, time.Hour)
	st.put("par", desc("Paris"), contactAt(1, "h1"))
	d.Stored("rom", nil, contactAt(1, "h1"))
	before := st.descriptors
	got := d.Held([]string{"lon", "par", "rom"})
	if len(got) != 1 || got[0].ID != "lon" || got[0].Descriptor == nil || got[0].Descriptor.Name != "London" {
		t.Errorf("held %+v, want London alone", got)
	}
	if st.descriptors != before {
		t.Errorf("%d descriptors read from the store, want none", st.descriptors-before)
	}
}
