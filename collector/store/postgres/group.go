package postgres

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/result"
)

// Group commit: ingest calls WriteBatch once per agent request (one
// branch, some 20 results), and during the pre-opening wave tens of
// requests are in flight at once. Each transaction costs the server a
// fixed share (statements to bind and start, partitions to lock and prune,
// a commit to flush) that at 20 results outweighs the rows themselves, so
// a few writer goroutines each take every request waiting when they become
// free and store them in one transaction: one lock statement, one insert
// of all their chunks, one upsert of all their contacts, one commit. A
// request that finds a writer idle is written at once, alone, as before;
// requests wait only for a commit they could not have had sooner.
const (
	// groupWriters is how many transactions of requests may be in flight
	// at once; it also bounds the connections writes hold, leaving the
	// rest of the pool to readers.
	groupWriters = 2
	// groupMax bounds the requests of one transaction (some 20 results
	// each), keeping its statements' arrays and its commit wait modest.
	groupMax = 64
	// groupTimeout bounds one group's transaction: it runs for all its
	// callers, so it does not end with any one caller's context.
	groupTimeout = time.Minute
)

// errClosed answers a write after Close.
var errClosed = errors.New("postgres store: closed")

// writeReq is one WriteBatch call waiting for a writer.
type writeReq struct {
	branch     string
	rs         []result.Result // first copies only
	receivedAt time.Time
	contact    contactRow
	done       chan writeRes // buffered: the writer never waits for the caller
	// state is pending until the writer answers (answered) or the caller
	// gives up (abandoned), whichever comes first.
	state atomic.Int32
}

// writeReq states.
const (
	pending int32 = iota
	answered
	abandoned
)

// writeRes is a writeReq's outcome: how many of its results were stored.
type writeRes struct {
	inserted int
	err      error
}

// startWriters starts the group writers; Close stops them.
func (s *Store) startWriters() {
	s.writes = make(chan *writeReq, groupMax*groupWriters)
	for range groupWriters {
		s.writers.Add(1)
		go func() {
			defer s.writers.Done()
			s.writeLoop()
		}()
	}
}

// submit hands r to a writer and waits for its outcome or ctx's end. A
// request whose caller gave up may still be stored: the agent's retry
// then finds its results and counts them as duplicates.
func (s *Store) submit(ctx context.Context, r *writeReq) (int, error) {
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return 0, errClosed
	}
	select {
	case s.writes <- r:
		s.closeMu.RUnlock()
	case <-ctx.Done():
		s.closeMu.RUnlock()
		return 0, ctx.Err()
	}
	select {
	case res := <-r.done:
		return res.inserted, res.err
	case <-ctx.Done():
		if r.state.CompareAndSwap(pending, abandoned) {
			return 0, ctx.Err()
		}
		res := <-r.done // answered meanwhile: the caller learns what was stored
		return res.inserted, res.err
	}
}

// writeLoop takes a request, then every request waiting (up to groupMax,
// one per branch: a branch's contact is upserted once per statement), and
// writes them together, until Close closes the queue.
func (s *Store) writeLoop() {
	var next *writeReq
	for {
		if next == nil {
			r, ok := <-s.writes
			if !ok {
				return
			}
			next = r
		}
		group, branches := []*writeReq{next}, map[string]bool{next.branch: true}
		next = nil
	drain:
		for len(group) < groupMax {
			select {
			case r, ok := <-s.writes:
				if !ok {
					break drain
				}
				if branches[r.branch] {
					next = r // the branch's second request goes in the next transaction
					break drain
				}
				branches[r.branch] = true
				group = append(group, r)
			default:
				break drain
			}
		}
		s.writeGroup(group)
	}
}

// writeGroup stores a group in one transaction and answers each request.
// When the transaction fails and the group has more than one request,
// each is written again alone, so that one bad request fails alone.
func (s *Store) writeGroup(group []*writeReq) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	counts, errs, err := s.writeTogether(ctx, group)
	if err != nil && len(group) > 1 {
		for _, r := range group {
			n, errs, err := s.writeTogether(ctx, []*writeReq{r})
			s.answer(r, writeRes{inserted: n[0], err: firstErr(err, errs[0])}, err == nil)
		}
		return
	}
	for i, r := range group {
		s.answer(r, writeRes{inserted: counts[i], err: firstErr(err, errs[i])}, err == nil)
	}
}

// answer hands r its outcome. When its contact was committed but its
// caller does not learn so (it gave up waiting, or res is an error of
// the request's checked writes), ingest tells the branch directory
// nothing: the branch is then listed as unsure (see BranchesChangedSince).
func (s *Store) answer(r *writeReq, res writeRes, committed bool) {
	if !r.state.CompareAndSwap(pending, answered) || res.err != nil {
		if committed {
			s.unsure.add(r.branch)
		}
	}
	r.done <- res
}

// firstErr returns a unless it is nil, else b.
func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// writeTogether stores the requests (of distinct branches) in one
// pipelined batch, which PostgreSQL runs as one implicit transaction: the
// lock of their branches and the upsert of their contacts (one statement,
// groupUpsertContacts, when no descriptor came), then the insert of their
// chunks that no stored chunk may hold copies of (insertChunks). It
// returns how many results of each it stored, err when that transaction
// failed (nothing stored), and in errs[i] the failure of request i's
// checked writes (writeChecked, after the commit: its chunks that may
// repeat stored results, a retry's). Those are written after the
// contact, never before it.
func (s *Store) writeTogether(ctx context.Context, group []*writeReq) (counts []int, errs []error, err error) {
	counts, errs = make([]int, len(group)), make([]error, len(group))
	var cs []chunkRow
	for i, r := range group {
		cs = append(cs, chunksOf(r.rs, r.receivedAt, i)...)
	}
	var b pgx.Batch
	stored := map[chunkKey]bool{}
	var headless map[string]bool
	fast := s.fastChunks(cs)
	var locks []string
	if len(fast) > 0 {
		locks = branchesOf(fast)
	}
	s.queueContacts(&b, group, locks)
	if len(fast) > 0 {
		if s.firsts.mayBeFirst(fast) {
			headless = map[string]bool{}
		}
		queueChunks(&b, fast, stored, headless)
	}
	if err := s.pool.SendBatch(ctx, &b).Close(); err != nil {
		return counts, errs, err
	}
	s.noteFirsts(group, cs, stored, headless)
	s.firsts.wrote(fast)
	for _, c := range cs {
		if stored[chunkKey{c.branch, c.first}] {
			counts[c.owner] += len(c.rs)
			continue
		}
		if errs[c.owner] != nil {
			continue
		}
		n, err := s.writeChecked(ctx, c)
		counts[c.owner] += n
		errs[c.owner] = err
	}
	return counts, errs, nil
}
