package postgres

import "sync"

// unsureSet is the branches whose contact a group writer committed with
// nobody told (Store.unsure): each is listed by every BranchesChangedSince
// that begins before a read after its commit has succeeded.
type unsureSet struct {
	mu  sync.Mutex
	seq uint64
	m   map[string]uint64 // branch: seq when added
}

// add lists branch until a read that begins after now succeeds.
func (u *unsureSet) add(branch string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[string]uint64{}
	}
	u.seq++
	u.m[branch] = u.seq
}

// take returns the branches listed now and the mark to pass to done once
// a read that began after this has succeeded.
func (u *unsureSet) take() (ids []string, mark uint64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	ids = make([]string, 0, len(u.m))
	for id := range u.m {
		ids = append(ids, id)
	}
	return ids, u.seq
}

// done forgets the branches added at or before mark: a read that began
// after their commits has listed them.
func (u *unsureSet) done(mark uint64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for id, seq := range u.m {
		if seq <= mark {
			delete(u.m, id)
		}
	}
}
