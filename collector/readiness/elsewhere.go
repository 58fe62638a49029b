package readiness

import "maps"

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
