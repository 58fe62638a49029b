package branchdir

import "slices"

// Cursor is a position in the directory's record of changes (see Changes).
type Cursor struct {
	seq      uint64 // changes recorded before it
	removals uint64 // branches removed before it
}

// Mark is the position after the last change recorded: a caller that lists
// every branch takes it first, and then asks Changes from it.
func (x *Dir) Mark() Cursor {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.cursor()
}

// cursor is the position after the last change; x.mu is held.
func (x *Dir) cursor() Cursor {
	return Cursor{seq: x.logBase + uint64(len(x.log)), removals: x.removals}
}

// Changes returns the ids of the branches added or changed (contact or
// descriptor) since c, sorted, and the position after them. ok is false
// when the caller must take every branch again instead (All): branches
// were removed since c, or the record no longer reaches back to it. A
// branch changed by ingest (Stored) or by a Sync is listed: a caller that
// Syncs and then asks Changes sees every change All would show, without
// walking every branch.
func (x *Dir) Changes(c Cursor) (ids []string, next Cursor, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	next = x.cursor()
	if c.removals != x.removals || c.seq < x.logBase || c.seq > next.seq {
		return nil, next, false
	}
	ids = slices.Clone(x.log[c.seq-x.logBase:])
	slices.Sort(ids)
	return slices.Compact(ids), next, true
}

// changed records that branch id was added or changed; x.mu is held. The
// record keeps at least the last two changes per branch, and is cut by
// half when it grows past that: a reader that fell further behind takes
// every branch again.
func (x *Dir) changed(id string) {
	x.log = append(x.log, id)
	if limit := 2*len(x.m) + minLog; len(x.log) > limit {
		drop := len(x.log) / 2
		x.log = slices.Clone(x.log[drop:])
		x.logBase += uint64(drop)
	}
}

// minLog is the least number of changes the record keeps.
const minLog = 1024

// ChangedElsewhere returns the ids of the branches for which, since c, the
// directory read from the store a contact ingest here did not store:
// another collector committed a batch of them, whose results this process
// was not handed. The contact the directory holds may be a later one of
// this process (ingest here committed after the other collector), or it
// may still be this process's newer one (the other collector committed
// last): either way the branch's results are to be read from the store
// again. A contact the directory never read (replaced in the store before
// a Sync read it) is not listed.
func (x *Dir) ChangedElsewhere(c Cursor) []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	var ids []string
	if c.seq >= x.logBase && c.seq <= x.logBase+uint64(len(x.log)) {
		for _, id := range x.log[c.seq-x.logBase:] {
			if e := x.m[id]; e != nil && e.ext > c.seq {
				ids = append(ids, id)
			}
		}
	} else {
		for id, e := range x.m {
			if e.ext > c.seq {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// WrittenElsewhere reports whether the directory has ever read a contact of
// branch id that ingest here did not store: another collector wrote it.
func (x *Dir) WrittenElsewhere(id string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	e := x.m[id]
	return e != nil && !e.extAt.IsZero()
}
