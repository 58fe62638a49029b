package readiness

import (
	"maps"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// FirstBatcher is a store that tells whether a batch ingest stored through
// it held the first results the store ever had of its branch (the
// PostgreSQL store's FirstBatch). With other collectors on the store, a
// branch new to this process is otherwise read from the store at its
// first judgement, since one of them may have stored its first batch:
// during the first wave after branches are imported, every branch.
type FirstBatcher interface {
	FirstBatch(branch string, at time.Time) bool
}

// firstBatch reports whether the batch of branch ingest committed with
// contact c held the first results the store ever had of the branch, so
// that the engine may hold the branch's results from it on, as it does
// alone on its store. A branch for which the directory has read another
// collector's contact is not taken on the store's word: that collector's
// batch may have come between the commit and this call. One that comes
// later is noticed by its contact, as for any branch held. The caller
// holds e.hmu.
func (e *Engine) firstBatch(branch string, c store.Contact) bool {
	fb, ok := e.Store.(FirstBatcher)
	if !ok || !fb.FirstBatch(branch, c.At) {
		return false
	}
	return e.Branches == nil || !e.Branches.WrittenElsewhere(branch)
}

// alone reports whether this process is the only writer of the store (the
// shared directory says so: one collector on SQLite). Then a branch the
// store had no row of when it was listed has no result but those ingest
// here hands in (see Handed).
func (e *Engine) alone() bool {
	return e.Branches != nil && e.Branches.Alone()
}

// readElsewhere has the branches another collector wrote since the last
// refresh (the directory read a contact of theirs that ingest here did
// not store; see branchdir.Dir.ChangedElsewhere) read from the store at
// this refresh: what is held of them misses that collector's results,
// even when a batch here has since replaced its contact in the directory.
// It returns dirty with them added, for the caller to judge.
func (e *Engine) readElsewhere(dirty map[string]bool) map[string]bool {
	if e.Branches == nil {
		return dirty
	}
	ids := e.Branches.ChangedElsewhere(e.cursor)
	if len(ids) == 0 {
		return dirty
	}
	e.hmu.Lock()
	for _, id := range ids {
		if h := e.held[id]; h != nil {
			e.unload(h)
		}
	}
	e.hmu.Unlock()
	return withIDs(dirty, ids)
}

// withIDs returns dirty with ids added, as a copy: the caller's map is the
// refresh's record of what it judges.
func withIDs(dirty map[string]bool, ids []string) map[string]bool {
	if len(ids) == 0 {
		return dirty
	}
	more := make(map[string]bool, len(dirty)+len(ids))
	maps.Copy(more, dirty)
	for _, id := range ids {
		more[id] = true
	}
	return more
}
