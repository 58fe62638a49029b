package readiness

import (
	"context"
	"fmt"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// ContactLister is a store that lists branches without their descriptors
// (Descriptor nil). With it, a board refresh reads only contacts, and the
// engine decodes a descriptor again only when its config hash changes.
type ContactLister interface {
	BranchContacts(ctx context.Context) ([]store.Branch, error)
}

// bulkAfter is how many branches missing from the descriptor cache (and at
// least a quarter of all) make one read of every branch cheaper than
// reading each of them.
const bulkAfter = 64

// described is a branch's descriptor, decoded and with its calendar
// compiled, as of a contact.
type described struct {
	hash   string
	at     time.Time
	d      *result.Descriptor
	cal    *calendar.Calendar
	calErr error
}

// fits reports whether the descriptor still holds for contact c: nothing has
// been written since (same contact), or the agent runs the same config
// (same hash: an agent sends its descriptor again whenever its hash
// changes). A missing descriptor is trusted only for the same contact, as
// an agent sends its descriptor once per start.
func (x described) fits(c store.Contact) bool {
	return x.at.Equal(c.At) || (x.d != nil && x.hash != "" && x.hash == c.ConfigHash)
}

// branches returns every branch with its descriptor and compiled calendar,
// decoding only the descriptors the cache does not hold.
func (e *Engine) branches(ctx context.Context) ([]store.Branch, []described, error) {
	lister, ok := e.Store.(ContactLister)
	if !ok {
		bs, err := e.Store.Branches(ctx)
		if err != nil {
			return nil, nil, err
		}
		return bs, e.describeAll(bs), nil
	}
	bs, err := lister.BranchContacts(ctx)
	if err != nil {
		return nil, nil, err
	}
	xs, err := e.withDescriptors(ctx, bs)
	if err != nil {
		return nil, nil, err
	}
	return bs, xs, nil
}

// withDescriptors fills in the descriptors of branches listed without them
// (bs is changed in place), decoding only those the cache does not hold.
func (e *Engine) withDescriptors(ctx context.Context, bs []store.Branch) ([]described, error) {
	xs := make([]described, len(bs))
	var miss []int
	e.mu.Lock()
	for i, b := range bs {
		if x, ok := e.descs[b.ID]; ok && x.fits(b.Contact) {
			xs[i], bs[i].Descriptor = x, x.d
		} else {
			miss = append(miss, i)
		}
	}
	e.mu.Unlock()
	if err := e.fill(ctx, bs, xs, miss); err != nil {
		return nil, err
	}
	return xs, nil
}

// fill reads the branches at indexes miss from the store: all branches at
// once when many are missing (a cold start), one by one otherwise.
func (e *Engine) fill(ctx context.Context, bs []store.Branch, xs []described, miss []int) error {
	if len(miss) == 0 {
		return nil
	}
	byID := map[string]store.Branch{}
	// Reading every branch decodes every descriptor: worth it at a cold
	// start, not for the few hundred branches a wave's first reports make
	// new at each refresh (which would decode all 20,000 a few times a
	// second).
	if len(miss) > bulkAfter && len(miss) > len(bs)/4 {
		all, err := e.Store.Branches(ctx)
		if err != nil {
			return err
		}
		for _, b := range all {
			byID[b.ID] = b
		}
	} else {
		for _, i := range miss {
			b, err := e.Store.Branch(ctx, bs[i].ID)
			if err != nil {
				return fmt.Errorf("branch %s: %w", bs[i].ID, err)
			}
			byID[b.ID] = b
		}
	}
	for _, i := range miss {
		if b, ok := byID[bs[i].ID]; ok { // a branch removed meanwhile keeps its contact alone
			bs[i] = b
		}
		xs[i] = e.describe(bs[i], false)
	}
	return nil
}

func (e *Engine) describeAll(bs []store.Branch) []described {
	xs := make([]described, len(bs))
	for i, b := range bs {
		xs[i] = e.describe(b, true)
	}
	return xs
}

// describe compiles b's calendar, or takes it from the cache when b's
// contact still fits, and caches the result. exact also requires the cached
// descriptor to be b's own (a store that hands out the same decoded
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
		x.cal = cal
	}
	e.mu.Lock()
	if e.descs == nil {
		e.descs = map[string]described{}
	}
	e.descs[b.ID] = x
	e.mu.Unlock()
	return x
}
