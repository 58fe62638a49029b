package readiness

import (
	"context"
	"fmt"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// described is a branch's descriptor, decoded and with its calendar
// compiled, as of a contact.
type described struct {
	hash   string
	at     time.Time
	d      *result.Descriptor
	cal    *calendar.Calendar
	calErr error
	// days keeps cal's day (see dayMemo), shared by the copies of x.
	days *dayMemo
}

// fits reports whether the descriptor still holds for contact c: nothing has
// been written since (same contact), or the agent runs the same config
// (same hash: an agent sends its descriptor again whenever its hash
// changes). A missing descriptor is trusted only for the same contact, as
// an agent sends its descriptor once per start.
func (x described) fits(c store.Contact) bool {
	return x.at.Equal(c.At) || (x.d != nil && x.hash != "" && x.hash == c.ConfigHash)
}

// directory is the branch directory the engine reads: Branches, or else
// the engine's own, which is not told of ingest's writes and so lists
// every branch's contact from the store at each refresh.
func (e *Engine) directory() *branchdir.Dir {
	if e.Branches != nil {
		return e.Branches
	}
	if d := e.ownDir.Load(); d != nil {
		return d
	}
	e.ownDir.CompareAndSwap(nil, branchdir.New(branchdir.Options{Source: e.Store, Now: e.Now}))
	return e.ownDir.Load()
}

// branches returns every branch with its descriptor and compiled calendar,
// and the position in the directory's changes the listing reflects.
func (e *Engine) branches(ctx context.Context) ([]store.Branch, []described, branchdir.Cursor, error) {
	bs, mark, err := e.directory().Listing(ctx)
	if err != nil {
		return nil, nil, mark, err
	}
	xs := make([]described, len(bs))
	for i, b := range bs {
		xs[i] = e.describe(b, true)
	}
	return bs, xs, mark, nil
}

// branch returns one branch as of its last contact: from the directory
// when there is one.
func (e *Engine) branch(ctx context.Context, id string) (store.Branch, error) {
	if e.Branches != nil {
		return e.Branches.Branch(ctx, id)
	}
	return e.Store.Branch(ctx, id)
}

// withDescriptors fills in the descriptors of branches listed without them
// (bs is changed in place) from the directory, which decodes a descriptor
// again only when its config hash changes, and compiles their calendars.
func (e *Engine) withDescriptors(ctx context.Context, bs []store.Branch) ([]described, error) {
	if e.Branches == nil {
		if err := e.directory().Describe(ctx, bs); err != nil {
			return nil, err
		}
	}
	xs := make([]described, len(bs))
	for i, b := range bs {
		xs[i] = e.describe(b, true)
	}
	return xs, nil
}

// describe compiles b's calendar, or takes it from the cache when b's
// contact still fits, and caches the result. exact also requires the cached
// descriptor to be b's own (the directory hands out the same decoded
// descriptor while it is unchanged).
func (e *Engine) describe(b store.Branch, exact bool) described {
	e.mu.Lock()
	x, ok := e.descs[b.ID]
	e.mu.Unlock()
	if ok && x.fits(b.Contact) && (!exact || x.d == b.Descriptor) {
		return x
	}
	x = described{hash: b.Contact.ConfigHash, at: b.Contact.At, d: b.Descriptor}
	if b.Descriptor != nil {
		cal, probs := calendar.CompileWith(b.Descriptor.Calendar, e.zones.Load)
		if probs != nil {
			x.calErr = fmt.Errorf("branch %s: calendar: %s: %s", b.ID, probs[0].Path, probs[0].Msg)
		}
		x.cal, x.days = cal, &dayMemo{}
	}
	e.mu.Lock()
	if e.descs == nil {
		e.descs = map[string]described{}
	}
	e.descs[b.ID] = x
	e.mu.Unlock()
	return x
}
