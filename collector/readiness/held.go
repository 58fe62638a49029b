package readiness

import (
	"cmp"
	"hash/fnv"
	"slices"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// maxHeld bounds the results the engine keeps for one branch: a branch that
// reports more in one day is judged from the store, as before, rather than
// holding an unbounded day in memory.
const maxHeld = 20000

// DefaultHeldBudget bounds the results the engine keeps for all branches
// together (about 300 bytes each): the pre-opening wave of 20,000 branches
// (400,000 results) and several more sweeps fit, while a busy day, 20,000
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
	rs      []result.Result
	loading bool
	pending []result.Result
	// spoiled: a retried batch came in during the load, whose results the
	// store may hold in another version: the load is not installed.
	spoiled bool
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
			if !slices.ContainsFunc(h.rs, func(x result.Result) bool { return x.ID == r.ID }) {
				e.unload(h)
				break
			}
		}
	case h.loaded:
		before := len(h.rs)
		if later(h.rs, rs) {
			h.rs = appendLater(h.rs, rs, h.lo, h.hi)
		} else {
			h.rs = merge(h.rs, compact(rs, h.lo, h.hi))
		}
		e.heldN += len(h.rs) - before
		if len(h.rs) > maxHeld || e.heldN > e.heldBudget() {
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
	e.heldN -= len(h.rs)
	h.loaded, h.whole, h.rs = false, false, nil
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
	h.loaded, h.whole, h.at, h.lo, h.hi, h.rs = true, true, at, time.Time{}, time.Time{}, nil
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

// later reports whether every one of rs comes after everything held (in
// store order): an agent's next sweep, which is most batches.
func later(held, rs []result.Result) bool {
	if len(held) == 0 {
		return true
	}
	last := held[len(held)-1]
	for _, r := range rs {
		if byTimeID(last, r) >= 0 {
			return false
		}
	}
	return true
}

// appendLater is merge for a batch that is later (see later): what
// compact copies of it is appended to held and put in store order there,
// without the copy merge makes and without looking anything up in held.
// Readers judging from held see only up to its length, which nothing here
// changes.
func appendLater(held, rs []result.Result, lo, hi time.Time) []result.Result {
	n := len(held)
	out := appendCompact(slices.Grow(held, len(rs)), rs, lo, hi)
	tail := out[n:]
	if !slices.IsSortedFunc(tail, byTimeID) {
		slices.SortFunc(tail, byTimeID)
	}
	return out[:n+len(slices.CompactFunc(tail, sameResult))]
}

// byTimeID is the store's order: by event time, ties by id.
func byTimeID(a, b result.Result) int {
	if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// sameResult reports whether a and b are one result: its id at its time.
func sameResult(a, b result.Result) bool { return a.ID == b.ID && a.StartedAt.Equal(b.StartedAt) }

// has reports whether rs (in store order) holds r: its id at its time.
func has(rs []result.Result, r result.Result) bool {
	_, found := slices.BinarySearchFunc(rs, r, byTimeID)
	return found
}

// merge returns held (store order) with add's results it does not hold,
// keeping held's version of an id it holds. Readers may be judging from
// held meanwhile: it is never changed below its length, so results later
// than all it holds are appended and any other makes a new slice.
//
// An agent ships a sweep's results in time order, after those it shipped
// before: such a batch is neither sorted nor looked up in held, which was
// most of what handing a batch in cost.
func merge(held, add []result.Result) []result.Result {
	if !slices.IsSortedFunc(add, byTimeID) {
		slices.SortFunc(add, byTimeID)
	}
	add = slices.CompactFunc(add, sameResult)
	if len(add) == 0 {
		return held
	}
	if len(held) == 0 || byTimeID(held[len(held)-1], add[0]) < 0 {
		return append(held, add...) // all later than any held: none is held
	}
	add = slices.DeleteFunc(add, func(r result.Result) bool { return has(held, r) })
	if len(add) == 0 {
		return held
	}
	if byTimeID(held[len(held)-1], add[0]) < 0 {
		return append(held, add...)
	}
	out := make([]result.Result, 0, len(held)+len(add))
	i, j := 0, 0
	for i < len(held) && j < len(add) {
		if byTimeID(held[i], add[j]) <= 0 {
			out = append(out, held[i])
			i++
		} else {
			out = append(out, add[j])
			j++
		}
	}
	out = append(out, held[i:]...)
	return append(out, add[j:]...)
}

// heldResults returns branch b's held results from <= started_at < to, when
// the engine holds that whole range, no contact newer than b's, and (see
// Recheck) has not held them too long.
func (e *Engine) heldResults(b store.Branch, from, to, now time.Time) ([]result.Result, bool) {
	e.hmu.Lock()
	defer e.hmu.Unlock()
	h := e.held[b.ID]
	if h != nil && h.loaded && h.whole {
		e.narrow(h, from, to)
	}
	if h == nil || !h.loaded || from.Before(h.lo) || h.hi.Before(to) || b.Contact.At.After(h.contact.At) ||
		(e.Recheck > 0 && !now.Before(h.at.Add(e.Recheck+spread(b.ID, e.Recheck)))) {
		return nil, false
	}
	return inRange(h.rs, from, to), true
}

// narrow has h, which holds every result of its branch, hold those with
// from <= started_at < to only (a copy: readers may judge from the old
// slice); the caller holds e.hmu.
func (e *Engine) narrow(h *held, from, to time.Time) {
	kept := slices.Clone(inRange(h.rs, from, to))
	e.heldN += len(kept) - len(h.rs)
	h.whole, h.lo, h.hi, h.rs = false, from, to, kept
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
	if ok {
		h.loaded, h.at, h.lo, h.hi, h.rs = true, now, from, to, kept
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
