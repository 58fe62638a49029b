package readiness

import (
	"hash/fnv"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// maxHeld bounds the results the engine keeps for one branch: a branch that
// reports more in one day is judged from the store, as before, rather than
// holding an unbounded day in memory.
const maxHeld = 20000

// DefaultHeldBudget bounds the results the engine keeps for all branches
// together (about 120 bytes each, packed: see heldSet): the pre-opening
// wave of 20,000 branches (400,000 results) and several more sweeps fit,
// while a busy day, 20,000
// branches x 35 sweeps x 20 checks = 14 million results, would not. A batch
// that would go over it has its branch let go and judged from the store,
// as before the engine held results.
const DefaultHeldBudget = 2_000_000

// held is what the engine keeps of a branch between judgements, so that
// judging it again after ingest stored a batch reads nothing from the
// store: every stored result of the branch with lo <= started_at < hi (the
// range today's judgement reads), oldest first and ties by id as the store
// returns them, and the newest contact this process knows.
//
// It is loaded from the store (at a cold start, a day change, a changed
// skew or calendar, or when another collector wrote the branch) and then
// kept current by Handed. A load reads the store after it begins (loading);
// batches handed in meanwhile wait in pending and are merged in when the
// read is installed, so that none is lost whichever side of the read it
// was committed on.
type held struct {
	contact store.Contact
	// known: contact came from ingest here, so the store need not be asked
	// for it; Invalidate clears it.
	known  bool
	loaded bool
	// whole: loaded holds every result the store has of the branch, of
	// any time (lo and hi are zero): it had none when holding began (see
	// holdNothing). The first judgement narrows it to its range.
	whole   bool
	at      time.Time // when it was loaded (see Engine.Recheck)
	lo, hi  time.Time
	set     heldSet
	loading bool
	pending []result.Result
	// spoiled: a retried batch came in during the load, whose results the
	// store may hold in another version: the load is not installed.
	spoiled bool
	// bounded: every result the store has of the branch was handed in
	// here since it was held whole (see holdWhole), and floor is the
	// earliest one's time (zero: none), kept when the held results are
	// narrowed to today's. A branch page's strip of past days need not
	// read the store for days before it (see NoResultsBefore).
	bounded bool
	floor   time.Time
}

// Handed records a batch ingest committed for branch: its contact and the
// results as stored (event times corrected for skew). fresh is false when
// the store already held some of them (a retried batch): those keep the
// version stored first. The branch is then judged again from memory.
//
// Ingest calls it after the commit and answers with the moment it returns
// as the batch's stored_at: a judgement made at or after it includes the
// batch, and the branch is judged again at or after it. It is read while
// the branch is marked to be judged again, so that a refresh that takes
// the mark judges after it: were stored_at taken once Handed returned, a
// refresh could take the mark and judge in between (ingest's goroutine
// waiting on a loaded machine), judged_at would stay before stored_at and
// nothing would judge the branch again until MaxAge.
func (e *Engine) Handed(branch string, c store.Contact, rs []result.Result, fresh bool) (storedAt time.Time) {
	e.hmu.Lock()
	if e.held == nil {
		e.held = map[string]*held{}
	}
	h := e.held[branch]
	if h == nil {
		h = &held{}
		e.held[branch] = h
		if e.listed && fresh && e.alone() {
			// Not in the directory at any listing (see register): the
			// store had no contact of the branch, so no result, before
			// this batch and those committed with it, which are all
			// handed in here from now on. With other collectors on the
			// store, one of them may have stored the branch's first
			// batch since the listing: its first judgement here reads
			// the store, after this batch's commit and so after that
			// one's.
			h.holdWhole(e.now())
		}
	}
	if fresh && len(rs) > 0 && !h.loaded && !h.loading && e.firstBatch(branch, c) {
		// The store had no result of the branch before this batch (see
		// firstBatch): it is held from this batch on, as above.
		h.holdWhole(e.now())
	}
	if !c.At.Before(h.contact.At) {
		h.contact, h.known = c, true
	}
	switch {
	case h.loading:
		h.pending = appendCompact(h.pending, rs, time.Time{}, time.Time{})
		h.spoiled = h.spoiled || !fresh
	case h.loaded && !fresh:
		// Results new to this branch's memory were refused by the store as
		// duplicates of a version read elsewhere: read them again.
		for _, r := range rs {
			if !h.set.hasID(r.ID) {
				e.unload(h)
				break
			}
		}
	case h.loaded:
		if h.bounded {
			for _, r := range rs {
				if h.floor.IsZero() || r.StartedAt.Before(h.floor) {
					h.floor = r.StartedAt
				}
			}
		}
		before := h.set.len()
		var ok bool
		if later(h.set, rs) {
			h.set, ok = appendLater(h.set, rs, h.lo, h.hi)
		} else {
			h.set, ok = mergeHeld(h.set, compact(rs, h.lo, h.hi))
		}
		e.heldN += h.set.len() - before
		if !ok || h.set.len() > maxHeld || e.heldN > e.heldBudget() {
			e.unload(h)
		}
	}
	e.hmu.Unlock()
	e.mu.Lock()
	if e.dirty == nil {
		e.dirty = map[string]bool{}
	}
	e.dirty[branch] = true
	storedAt = e.now()
	e.mu.Unlock()
	e.poke()
	return storedAt
}

// unload lets go of what is held of a branch; the caller holds e.hmu.
func (e *Engine) unload(h *held) {
	e.heldN -= h.set.len()
	h.loaded, h.whole, h.set, h.bounded = false, false, heldSet{}, false
}

// register notes the branches of a full listing: each has a held entry
// from now on, so that a batch handed in for a branch without one is of a
// branch the listing did not have. The directory lists every branch the
// store has a contact of (branches are never removed from the store), and
// is told of ingest's writes before the engine is handed them, so such a
// branch had no result stored before its first batch here, when this
// collector is alone on its store (alone). With several collectors,
// another one may have stored the branch since the listing: it is read
// from the store at its first judgement.
func (e *Engine) register(bs []store.Branch) {
	e.hmu.Lock()
	defer e.hmu.Unlock()
	if e.held == nil {
		e.held = make(map[string]*held, len(bs))
	}
	for _, b := range bs {
		if e.held[b.ID] == nil {
			e.held[b.ID] = &held{}
		}
	}
	e.listed = true
}

// holdNothing begins holding the results of the branches at indexes todo
// of bs that have never reported (no contact as listed), with none: the
// store has no result of a branch without a contact (ingest commits a
// batch's results with, or before, its contact), so every result it will
// have is one ingest hands in from now on. The first wave after a start,
// of branches imported but never heard from, is then judged from memory
// instead of reading every branch from the store once.
//
// A batch handed in before this, whatever the listing said, has set the
// held contact (contacts only move forward): such a branch is left to be
// read from the store. A batch another collector stored is noticed by its
// contact as any other (reconcile, readElsewhere, Recheck).
func (e *Engine) holdNothing(bs []store.Branch, todo []int, now time.Time) {
	n := 0
	for _, i := range todo {
		if bs[i].Contact.At.IsZero() {
			n++
		}
	}
	if n == 0 {
		return
	}
	e.hmu.Lock()
	defer e.hmu.Unlock()
	if e.held == nil {
		e.held = map[string]*held{}
	}
	for _, i := range todo {
		if !bs[i].Contact.At.IsZero() {
			continue
		}
		h := e.held[bs[i].ID]
		if h == nil {
			h = &held{}
			e.held[bs[i].ID] = h
		}
		if h.loaded || h.loading || !h.contact.At.IsZero() {
			continue
		}
		h.holdWhole(now)
	}
}

// holdWhole begins holding every result of h's branch, with none, from at:
// the store had none of them, so every one it will have is handed in from
// now on (a branch never heard of, or a first batch the store vouches for).
func (h *held) holdWhole(at time.Time) {
	h.loaded, h.whole, h.at, h.lo, h.hi, h.set = true, true, at, time.Time{}, time.Time{}, heldSet{}
	h.bounded, h.floor = true, time.Time{}
}

func (e *Engine) heldBudget() int {
	if e.HeldBudget > 0 {
		return e.HeldBudget
	}
	return DefaultHeldBudget
}

// Held returns how many results the engine keeps in memory for judging.
func (e *Engine) Held() int {
	e.hmu.Lock()
	defer e.hmu.Unlock()
	return e.heldN
}

// compact copies what judging needs of the results with lo <= started_at
// < hi (all when hi is zero): the store's copy keeps the rest, and the
// caller's slice may be reused.
func compact(rs []result.Result, lo, hi time.Time) []result.Result {
	n := 0
	for _, r := range rs {
		if hi.IsZero() || within(r.StartedAt, lo, hi) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return appendCompact(make([]result.Result, 0, n), rs, lo, hi)
}

// appendCompact appends to dst what compact copies of rs.
func appendCompact(dst, rs []result.Result, lo, hi time.Time) []result.Result {
	for _, r := range rs {
		if hi.IsZero() || within(r.StartedAt, lo, hi) {
			dst = append(dst, result.Result{ID: r.ID, Device: r.Device, Check: r.Check, Status: r.Status, StartedAt: r.StartedAt,
				Reason: r.Reason, Sweep: r.Sweep})
		}
	}
	return dst
}

// heldResults returns branch b's held results from <= started_at < to, when
// the engine holds that whole range, no contact newer than b's, and (see
// Recheck) has not held them too long. The set is a view the caller may
// decode outside hmu (see heldSet).
func (e *Engine) heldResults(b store.Branch, from, to, now time.Time) (heldSet, bool) {
	e.hmu.Lock()
	defer e.hmu.Unlock()
	h := e.held[b.ID]
	if h != nil && h.loaded && h.whole {
		e.narrow(h, from, to)
	}
	if h == nil || !h.loaded || from.Before(h.lo) || h.hi.Before(to) || !e.current(h, b, now) {
		return heldSet{}, false
	}
	return h.set.inRange(from, to), true
}

// current reports whether what is held of b may be trusted at now: no
// contact of b is newer than the held one and (see Recheck) it has not
// been held too long. The caller holds e.hmu.
func (e *Engine) current(h *held, b store.Branch, now time.Time) bool {
	return !b.Contact.At.After(h.contact.At) && (e.Recheck <= 0 || now.Before(h.at.Add(e.Recheck+spread(b.ID, e.Recheck))))
}

// NoResultsBefore returns a time before which the store holds no result
// of branch b, when the engine knows one: it has held b since the store
// had no result of it (a branch first heard of since this collector
// started), and every result stored of it since was handed in here. It
// is the earliest of those results' times, or, when there is none, the
// latest time a result can have. A page drawing b's past days reads no
// results for the days before it. ok is false when the engine cannot
// tell (the branch was read from the store, or another collector wrote
// it): the caller reads the store.
func (e *Engine) NoResultsBefore(b store.Branch) (t time.Time, ok bool) {
	now := e.now()
	e.hmu.Lock()
	defer e.hmu.Unlock()
	h := e.held[b.ID]
	if h == nil || !h.loaded || !h.bounded || !e.current(h, b, now) {
		return time.Time{}, false
	}
	if h.floor.IsZero() {
		return maxPacked, true
	}
	return h.floor, true
}

// narrow has h, which holds every result of its branch, hold those with
// from <= started_at < to only (a copy, with an arena of their own:
// readers may judge from the old set); the caller holds e.hmu.
func (e *Engine) narrow(h *held, from, to time.Time) {
	v := h.set.inRange(from, to)
	if v.len() == h.set.len() {
		// Nothing to drop (a branch's first batches are all of its day):
		// the set is already what is to be held, and copying it would
		// pack every result a second time.
		h.whole, h.lo, h.hi = false, from, to
		return
	}
	kept := heldSet{ps: make([]packed, 0, v.len())}
	for i := range v.len() {
		if !kept.add(v.result(i)) { // cannot happen: each was packed before
			e.unload(h)
			return
		}
	}
	e.heldN += kept.len() - h.set.len()
	h.whole, h.lo, h.hi, h.set = false, from, to, kept
}

// spread is a branch's share of d, the same at every call, so that
// branches loaded together are not all read again at once.
func spread(id string, d time.Duration) time.Duration {
	h := fnv.New64a()
	_, _ = h.Write([]byte(id))
	return time.Duration(h.Sum64() % uint64(d))
}

// startLoads marks the branches about to be read from the store: batches
// handed in from now on wait for the read (see held).
func (e *Engine) startLoads(bs []store.Branch, g []job) {
	e.hmu.Lock()
	defer e.hmu.Unlock()
	if e.held == nil {
		e.held = map[string]*held{}
	}
	for _, j := range g {
		b := bs[j.i]
		h := e.held[b.ID]
		if h == nil {
			h = &held{}
			e.held[b.ID] = h
		}
		e.unload(h)
		h.loading, h.pending, h.spoiled = true, nil, false
		if b.Contact.At.After(h.contact.At) {
			h.contact, h.known = b.Contact, false
		}
	}
}

// install keeps the results read from the store for branch b (from <=
// started_at < to, store order) at now with the batches handed in during the
// read, and returns them.
func (e *Engine) install(b store.Branch, rs []result.Result, from, to, now time.Time) []result.Result {
	e.hmu.Lock()
	defer e.hmu.Unlock()
	h := e.held[b.ID]
	if h == nil || !h.loading {
		return rs
	}
	kept := merge(compact(rs, time.Time{}, time.Time{}), compact(h.pending, from, to))
	ok := !h.spoiled && len(kept) <= maxHeld && e.heldN+len(kept) <= e.heldBudget()
	h.loading, h.pending, h.spoiled = false, nil, false
	if set, packed := packAll(kept); ok && packed {
		h.loaded, h.at, h.lo, h.hi, h.set = true, now, from, to, set
		e.heldN += len(kept)
	}
	return kept
}

// abortLoads forgets the loads of a failed read.
func (e *Engine) abortLoads(bs []store.Branch, g []job) {
	e.hmu.Lock()
	defer e.hmu.Unlock()
	for _, j := range g {
		if h := e.held[bs[j.i].ID]; h != nil {
			h.loading, h.pending, h.spoiled = false, nil, false
		}
	}
}

// reconcile puts into bs (as listed or read from the store) the newer
// contacts ingest handed in here, and forgets what is held of a branch
// whose stored contact this process has not seen: another collector wrote
// it (or a batch here whose telling is still on its way), so its results
// are read again. It returns the indexes of bs whose contact it replaced.
func (e *Engine) reconcile(bs []store.Branch) []int {
	e.hmu.Lock()
	defer e.hmu.Unlock()
	var newer []int
	for i := range bs {
		h := e.held[bs[i].ID]
		switch {
		case h == nil:
		case h.contact.At.After(bs[i].Contact.At):
			bs[i].Contact = h.contact
			newer = append(newer, i)
		case !h.contact.At.Equal(bs[i].Contact.At):
			e.unload(h)
			h.contact, h.known = bs[i].Contact, false
		}
	}
	return newer
}

// knownContacts returns, of ids, the branches whose newest contact ingest
// handed in here, and the ids left to read from the store.
func (e *Engine) knownContacts(ids []string) (known []store.Branch, rest []string) {
	e.hmu.Lock()
	defer e.hmu.Unlock()
	for _, id := range ids {
		if h := e.held[id]; h != nil && h.known {
			known = append(known, store.Branch{ID: id, Contact: h.contact})
		} else {
			rest = append(rest, id)
		}
	}
	return known, rest
}

// forgetContact has branch id's contact read from the store again.
func (e *Engine) forgetContact(id string) {
	e.hmu.Lock()
	defer e.hmu.Unlock()
	if h := e.held[id]; h != nil {
		h.known = false
	}
}
