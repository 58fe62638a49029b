package postgres

import (
	"sync"
	"time"
)

// The first batch of a branch: during the first wave after the branches
// were imported, every branch's first batch reaches a collector whose
// readiness engine holds nothing of it. Alone on its store (SQLite) the
// engine knows the store had nothing else; sharing PostgreSQL with other
// collectors, it read each such branch back from the store once, a
// statement per branch or few (20,000 a wave). The store knows better: a
// batch whose chunks found no head for their branch (insertChunks, under
// the branch's lock) is the first results the store ever held of it. The
// store remembers such a batch until the engine asks (FirstBatch), and
// forgets it when a later write of the branch here commits before the
// engine asked, whose results the engine may then have been handed
// without holding them.

// firstBatches are the batches of branches that were their first, by
// branch: the contact time (unix ns) they came with; and the branches
// this store has written chunks of, which have a head (never deleted):
// a group of such branches only is written with insertChunks, which does
// not tell.
type firstBatches struct {
	mu     sync.Mutex
	m      map[string]int64
	headed map[string]struct{}
}

// mayBeFirst reports whether some chunk of cs is of a branch this store
// has not written a chunk of.
func (f *firstBatches) mayBeFirst(cs []chunkRow) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range cs {
		if _, ok := f.headed[c.branch]; !ok {
			return true
		}
	}
	return false
}

// wrote notes the branches of chunks written by a committed transaction
// (insertChunks raises or makes the head of every branch it is given).
func (f *firstBatches) wrote(cs []chunkRow) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.headed == nil {
		f.headed = map[string]struct{}{}
	}
	for _, c := range cs {
		f.headed[c.branch] = struct{}{}
	}
}

// note records that the batch of branch with contact time at was its
// first, or (first false) that a later write of branch committed.
func (f *firstBatches) note(branch string, at int64, first bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !first {
		delete(f.m, branch)
		return
	}
	if f.m == nil {
		f.m = map[string]int64{}
	}
	f.m[branch] = at
}

// forget notes a write of branch that was not its first.
func (f *firstBatches) forget(branch string) { f.note(branch, 0, false) }

// take reports, once, whether the batch of branch with contact time at
// was its first and no write of branch here committed after it.
func (f *firstBatches) take(branch string, at int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	got, ok := f.m[branch]
	if ok && got == at {
		delete(f.m, branch)
		return true
	}
	return false
}

// FirstBatch reports whether the batch that WriteBatch stored for branch
// with contact time at held the first results the store ever had of the
// branch (its fresh ones: none were duplicates), with no later write of
// the branch through this store committed since. It answers true once.
// Another collector's write after it is not known here: the caller learns
// of it from the branch's contact, as of any branch it holds.
func (s *Store) FirstBatch(branch string, at time.Time) bool {
	return s.firsts.take(branch, at.UnixNano())
}

// noteFirsts records, after the commit of a group's transaction, which of
// its requests were their branch's first batch: every chunk of the
// request stored by insertChunks, whose branch had no head. A store that
// may hold results in the table written before the chunks (legacyEnd)
// claims none.
func (s *Store) noteFirsts(group []*writeReq, cs []chunkRow, stored map[chunkKey]bool, headless map[string]bool) {
	all := make([]bool, len(group))
	for i, r := range group {
		all[i] = len(r.rs) > 0 && headless[r.branch] && s.legacyEnd == 0 && r.contact.at != nil
	}
	for _, c := range cs {
		if !stored[chunkKey{c.branch, c.first}] {
			all[c.owner] = false
		}
	}
	for i, r := range group {
		var at int64
		if r.contact.at != nil {
			at = *r.contact.at
		}
		s.firsts.note(r.branch, at, all[i])
	}
}
