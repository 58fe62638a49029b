package branchdir

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// bulkAfter is how many branches with an unknown descriptor (and at least
// a quarter of all) make one read of every branch cheaper than reading
// each of them.
const bulkAfter = 64

// settle is how long an incremental read leaves alone a new contact that
// would need its descriptor read from the store: ingest commits a batch a
// moment before it hands the batch's descriptor over (Stored).
const settle = 2 * time.Second

// Sync reads what other writers changed in the store since the last Sync:
// every branch at the first, then the contacts changed since shortly before
// the newest one seen, and every contact again each FullEvery. A descriptor
// is read again only for a branch whose config hash changed.
func (x *Dir) Sync(ctx context.Context) error {
	x.syncMu.Lock()
	defer x.syncMu.Unlock()
	now := x.o.Now()
	cl, incremental := x.o.Source.(ChangeLister)
	switch {
	case !x.loaded:
		return x.load(ctx, now)
	case x.o.Alone && x.o.FullEvery > 0 && now.Sub(x.lastFull) < x.o.FullEvery:
		return nil // nobody else writes: ingest told us everything
	case incremental && x.o.FullEvery > 0 && now.Sub(x.lastFull) < x.o.FullEvery:
		return x.readChanges(ctx, cl, now)
	default:
		return x.relist(ctx, now)
	}
}

// load reads every branch with its descriptor.
func (x *Dir) load(ctx context.Context, now time.Time) error {
	x.mu.Lock()
	start := x.gen
	x.mu.Unlock()
	bs, err := x.o.Source.Branches(ctx)
	if err != nil {
		return fmt.Errorf("branch directory: %w", err)
	}
	x.mu.Lock()
	for _, b := range bs {
		x.apply(b, true)
	}
	x.removeMissing(bs, start)
	x.mu.Unlock()
	x.loaded, x.lastFull = true, now
	return nil
}

// relist lists every branch's contact (or every branch, from a store that
// cannot list contacts alone) and forgets the branches no longer listed.
func (x *Dir) relist(ctx context.Context, now time.Time) error {
	cl, ok := x.o.Source.(ContactLister)
	if !ok {
		return x.load(ctx, now)
	}
	x.mu.Lock()
	start := x.gen
	x.mu.Unlock()
	bs, err := cl.BranchContacts(ctx)
	if err != nil {
		return fmt.Errorf("branch directory: %w", err)
	}
	x.mu.Lock()
	for _, b := range bs {
		x.apply(b, false)
	}
	x.removeMissing(bs, start)
	x.mu.Unlock()
	x.lastFull = now
	return nil
}

// readChanges reads the contacts changed since shortly before the newest
// one read so far, decoding the heartbeats of the contacts it does not
// hold only.
func (x *Dir) readChanges(ctx context.Context, cl ChangeLister, now time.Time) error {
	x.mu.Lock()
	since := x.mark
	x.mu.Unlock()
	if now.Before(since) { // a writer's clock ahead of ours must not hide later changes
		since = now
	}
	rows, err := cl.BranchesChangedSince(ctx, since.Add(-x.o.Overlap))
	if err != nil {
		return fmt.Errorf("branch directory: %w", err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, r := range rows {
		e := x.m[r.ID]
		if e != nil && !r.Contact.At.After(e.b.Contact.At) {
			x.seen(r.Contact)
			// Held already (most often: this collector's ingest wrote
			// it), or older: another collector committed it after a
			// later one here.
			x.elsewhere(r.ID, e, r.Contact.At)
			continue
		}
		if e != nil && now.Sub(r.Contact.At) < settle && !sameDescriptor(e.b, r.Contact) {
			// Most likely committed by ingest here and about to be handed
			// over with its descriptor: taking it now would read the
			// descriptor from the store. Not seen, so the next read
			// (well within the overlap) lists it again.
			continue
		}
		b, err := r.Branch()
		if err != nil {
			return fmt.Errorf("branch directory: %w", err)
		}
		x.apply(b, false)
	}
	return nil
}

// seen moves the mark to a contact read from the store; x.mu is held.
func (x *Dir) seen(c store.Contact) {
	if c.At.After(x.mark) {
		x.mark = c.At
	}
}

// apply takes a branch read from the store (with its descriptor when
// withDescriptor) into the directory; x.mu is held. A contact older than
// the one held (ingest here committed after the read) is not taken.
func (x *Dir) apply(b store.Branch, withDescriptor bool) {
	x.seen(b.Contact)
	e := x.entry(b.ID)
	was := *e
	ext := foreign(e, b.Contact.At)
	newer := !b.Contact.At.Before(e.b.Contact.At)
	if withDescriptor {
		if newer || !e.known {
			e.b.Descriptor, e.known = b.Descriptor, true
		}
	} else if newer && e.known && !sameDescriptor(e.b, b.Contact) {
		e.known = false
	}
	if newer {
		e.b.Contact = b.Contact
	}
	if ext || e.known != was.known || e.b.Descriptor != was.b.Descriptor || e.b.Contact != was.b.Contact {
		x.changed(b.ID)
	}
	if ext {
		e.ext, e.extAt = x.cursor().seq, b.Contact.At
	}
}

// elsewhere records that the store holds contact time t of branch id
// when ingest here did not store it and it is not the one held: another
// collector wrote it, with results this process was not handed (see
// ChangedElsewhere). x.mu is held.
func (x *Dir) elsewhere(id string, e *entry, t time.Time) {
	if foreign(e, t) {
		x.changed(id)
		e.ext, e.extAt = x.cursor().seq, t
	}
}

// foreign reports whether contact time t, read from the store, is one of
// another collector that e does not reflect yet.
func foreign(e *entry, t time.Time) bool {
	return !t.IsZero() && !t.Equal(e.b.Contact.At) && !t.Equal(e.extAt) && !e.wasTold(t)
}

// sameDescriptor reports whether the descriptor held for b still holds for
// contact c: the agent runs the same config (an agent sends its descriptor
// again whenever its hash changes), or nothing was written since. A
// missing descriptor is trusted only for the same contact, as an agent
// sends its descriptor once per start.
func sameDescriptor(b store.Branch, c store.Contact) bool {
	return b.Contact.At.Equal(c.At) || (b.Descriptor != nil && c.ConfigHash != "" && c.ConfigHash == b.Contact.ConfigHash)
}

// removeMissing forgets the branches a full listing did not list, unless
// changed since it began (ingest here added or updated them); x.mu is held.
func (x *Dir) removeMissing(listed []store.Branch, start uint64) {
	in := make(map[string]bool, len(listed))
	for _, b := range listed {
		in[b.ID] = true
	}
	for id, e := range x.m {
		if !in[id] && e.gen <= start {
			delete(x.m, id)
			x.ids = nil
			x.removals++
		}
	}
}

// fill reads from the store the descriptors the directory does not know,
// of ids (nil: of every branch): all branches at once when many are
// missing (a start), one by one otherwise. An id the store does not have
// is left out.
func (x *Dir) fill(ctx context.Context, ids []string) error {
	var miss []string
	x.mu.Lock()
	total := len(x.m)
	if ids == nil {
		for id, e := range x.m {
			if !e.known {
				miss = append(miss, id)
			}
		}
	} else {
		for _, id := range ids {
			if e := x.m[id]; e == nil || !e.known {
				miss = append(miss, id)
			}
		}
	}
	x.mu.Unlock()
	if len(miss) == 0 {
		return nil
	}
	var got []store.Branch
	if len(miss) > bulkAfter && len(miss) > total/4 {
		all, err := x.o.Source.Branches(ctx)
		if err != nil {
			return fmt.Errorf("branch directory: %w", err)
		}
		got = all
	} else {
		for _, id := range miss {
			b, err := x.o.Source.Branch(ctx, id)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("branch directory: %w", err)
			}
			got = append(got, b)
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, b := range got {
		if e := x.m[b.ID]; e == nil || !e.known {
			x.apply(b, true)
		}
	}
	return nil
}
