package branchdir

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Source is the store the directory reads: every branch with its
// descriptor (at start), and one branch.
type Source interface {
	Branches(ctx context.Context) ([]store.Branch, error)
	Branch(ctx context.Context, id string) (store.Branch, error)
}

// ContactLister is a store that lists every branch without its descriptor:
// a full listing then decodes only the descriptors whose hash changed.
type ContactLister interface {
	BranchContacts(ctx context.Context) ([]store.Branch, error)
}

// ChangeLister is a store that lists the contacts changed since a time:
// with it, Sync reads only other writers' changes between full listings.
// The store may leave out the contacts this process's ingest stored
// through it and told the directory of (Stored): the PostgreSQL store
// does, so that a wave's own contacts are not read back.
type ChangeLister interface {
	BranchesChangedSince(ctx context.Context, since time.Time) ([]store.ContactRow, error)
}

// Options configure a directory.
type Options struct {
	Source Source
	Now    func() time.Time
	// FullEvery is how often Sync lists every branch instead of the
	// changes only (a safety net for a change an incremental read missed,
	// and what removes branches). Zero lists every branch at every Sync:
	// for a directory not told of ingest's writes (tests, tools).
	FullEvery time.Duration
	// Alone says that no other process writes the store's contacts (one
	// collector on SQLite): every change then comes from ingest here
	// (Stored), so Sync reads nothing between full listings instead of
	// reading back this collector's own writes, and a branch the store
	// has no row of has no result but those ingest here hands over.
	Alone bool
	// Overlap is how far before the newest contact it has seen an
	// incremental read starts: a contact committed more than this after
	// its time, behind a newer one already read, waits for the next full
	// listing. Default 10 s.
	Overlap time.Duration
}

// entry is a branch as the directory holds it.
type entry struct {
	b store.Branch
	// known: b.Descriptor is the one the store holds (nil: none). An
	// unknown descriptor is read from the store before b is handed out.
	known bool
	gen   uint64 // the update that last changed it (see removeMissing)
	// told are the newest contact times ingest here stored (Stored), a
	// ring: a contact read from the store that is none of them was
	// written by another collector (see elsewhere).
	told [toldKept]time.Time
	next uint8 // where in told the next one goes
	// ext is the position after the change that last read a contact
	// written elsewhere (zero: none), extAt that contact's time.
	ext   uint64
	extAt time.Time
}

// toldKept is how many of ingest's contacts per branch are remembered: a
// listing read while several requests of one branch commit may return any
// of them. One forgotten is taken for another collector's: its branch is
// read again once.
const toldKept = 4

// stored notes that ingest here committed contact time t; x.mu is held.
func (e *entry) stored(t time.Time) {
	e.told[e.next] = t
	e.next = (e.next + 1) % toldKept
}

// wasTold reports whether ingest here stored contact time t.
func (e *entry) wasTold(t time.Time) bool {
	for _, at := range e.told {
		if at.Equal(t) {
			return true
		}
	}
	return false
}

// Dir is a branch directory. Its methods are safe for concurrent use.
type Dir struct {
	o Options

	syncMu   sync.Mutex // one Sync at a time
	loaded   bool       // a first full read succeeded
	lastFull time.Time

	mu sync.Mutex
	// mark is the newest contact time read from the store.
	mark time.Time
	m    map[string]*entry
	ids  []string // sorted ids of m; nil after an id was added or removed
	gen  uint64
	// log records the ids changed, the first being change number logBase;
	// removals counts the branches removed (see Changes).
	log      []string
	logBase  uint64
	removals uint64
}

// Alone reports whether the directory was told that no other process
// writes the store (Options.Alone).
func (x *Dir) Alone() bool { return x.o.Alone }

// New returns an empty directory; the first Sync (or All) fills it.
func New(o Options) *Dir {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Overlap <= 0 {
		o.Overlap = 10 * time.Second
	}
	return &Dir{o: o, m: map[string]*entry{}}
}

// Stored records what ingest has just committed for a branch: its
// descriptor (nil when the batch carried none: the store keeps the one it
// had) and its contact (Health nil keeps the stored heartbeat), as the
// store's upsert does. d and c.Health are shared from now on.
func (x *Dir) Stored(id string, d *result.Descriptor, c store.Contact) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e := x.entry(id)
	e.stored(c.At)
	if c.At.Before(e.b.Contact.At) {
		return // an older request committed last; the newer contact stays
	}
	if c.Health == nil {
		c.Health = e.b.Contact.Health
	}
	e.b.Contact = c
	x.changed(id)
	switch {
	case d != nil:
		e.b.Descriptor, e.known = d, true
	case e.b.Descriptor == nil:
		// The store may hold one another collector wrote; a missing
		// descriptor is trusted for the contact it was read with only.
		e.known = false
	}
}

// entry returns id's entry, adding an unknown one; x.mu is held.
func (x *Dir) entry(id string) *entry {
	x.gen++
	e := x.m[id]
	if e == nil {
		e = &entry{b: store.Branch{ID: id}}
		x.m[id] = e
		x.ids = nil
		x.changed(id)
	}
	e.gen = x.gen
	return e
}

// All brings the directory up to date (Sync) and returns every branch,
// ordered by id.
func (x *Dir) All(ctx context.Context) ([]store.Branch, error) {
	bs, _, err := x.Listing(ctx)
	return bs, err
}

// Listing is All with the position in the directory's changes it reflects:
// Changes from it lists what changed after the branches were copied.
func (x *Dir) Listing(ctx context.Context) ([]store.Branch, Cursor, error) {
	if err := x.Sync(ctx); err != nil {
		return nil, Cursor{}, err
	}
	if err := x.fill(ctx, nil); err != nil {
		return nil, Cursor{}, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ids == nil {
		x.ids = make([]string, 0, len(x.m))
		for id := range x.m {
			x.ids = append(x.ids, id)
		}
		slices.Sort(x.ids)
	}
	bs := make([]store.Branch, len(x.ids))
	for i, id := range x.ids {
		bs[i] = x.m[id].b
	}
	return bs, x.cursor(), nil
}

// Of returns the branches of ids the directory holds, ordered by id,
// without a Sync: the contacts are those ingest handed over or the last
// Sync read. Ids it does not hold are read from the store, and left out
// when the store has none either.
func (x *Dir) Of(ctx context.Context, ids []string) ([]store.Branch, error) {
	ids = slices.Sorted(slices.Values(ids))
	ids = slices.Compact(ids)
	if err := x.fill(ctx, ids); err != nil {
		return nil, err
	}
	return x.Held(ids), nil
}

// Held returns the branches of ids whose descriptor the directory knows,
// as Of does but never reading the store: a caller with a faster way to
// read the others (several at once) reads them itself.
func (x *Dir) Held(ids []string) []store.Branch {
	out := make([]store.Branch, 0, len(ids))
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, id := range ids {
		if e := x.m[id]; e != nil && e.known {
			out = append(out, e.b)
		}
	}
	return out
}

// Describe takes branches whose contacts were just read from the store,
// without descriptors (bs is changed in place), into the directory and
// sets each one's descriptor from it, reading from the store only those
// whose config hash changed since the directory last held them. A branch
// the store no longer has keeps its contact alone.
func (x *Dir) Describe(ctx context.Context, bs []store.Branch) error {
	ids := make([]string, len(bs))
	x.mu.Lock()
	for i, b := range bs {
		x.apply(b, false)
		ids[i] = b.ID
	}
	x.mu.Unlock()
	if err := x.fill(ctx, ids); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for i, b := range bs {
		if e := x.m[b.ID]; e != nil && e.known {
			bs[i].Descriptor = e.b.Descriptor
		}
	}
	return nil
}

// Branch returns one branch as Of does, or an error wrapping
// store.ErrNotFound.
func (x *Dir) Branch(ctx context.Context, id string) (store.Branch, error) {
	bs, err := x.Of(ctx, []string{id})
	if err != nil {
		return store.Branch{}, err
	}
	if len(bs) == 0 {
		return store.Branch{}, fmt.Errorf("branch directory: %q: %w", id, store.ErrNotFound)
	}
	return bs[0], nil
}
