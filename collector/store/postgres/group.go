package postgres

import (
	"context"
	"errors"
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
// of all their results, one upsert of all their contacts, one commit. A
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
	bw         branchWrite
	done       chan writeRes // buffered: the writer never waits for the caller
}

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
		return 0, ctx.Err()
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
// When the insert meets a copy stored meanwhile (see insertResults), the
// group is written again leaving such copies out. When the transaction
// fails otherwise and the group has more than one request, each is
// written again alone, so that one bad request fails alone.
func (s *Store) writeGroup(group []*writeReq) {
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	counts, err := s.writeTogether(ctx, insertResults, group)
	if isUniqueViolation(err) {
		counts, err = s.writeTogether(ctx, insertResultsOnConflict, group)
	}
	if err != nil && len(group) > 1 {
		for _, r := range group {
			n, err := s.writeTogether(ctx, insertResultsOnConflict, []*writeReq{r})
			r.done <- writeRes{inserted: n[0], err: err}
		}
		return
	}
	for i, r := range group {
		r.done <- writeRes{inserted: counts[i], err: err}
	}
}

// writeTogether stores the requests (of distinct branches) in one
// pipelined batch, which PostgreSQL runs as one implicit transaction, with
// the insert statement given (insertResults or insertResultsOnConflict),
// and returns how many results of each it stored.
func (s *Store) writeTogether(ctx context.Context, insert string, group []*writeReq) ([]int, error) {
	counts := make([]int, len(group))
	var all []result.Result
	var received []int64
	owner := map[string]int{} // result id -> its request
	for i, r := range group {
		for _, x := range r.rs {
			if _, dup := owner[x.ID]; !dup {
				owner[x.ID] = i
				all = append(all, x)
				received = append(received, r.receivedAt.UnixNano())
			}
		}
	}
	var b pgx.Batch
	if len(all) > 0 {
		cols, err := columnsOf(all, time.Time{})
		if err != nil {
			return counts, err
		}
		cols.received = received
		queueInsert(&b, insert+" RETURNING id", all, cols).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
				}
				counts[owner[id]]++
			}
			return rows.Err()
		})
	}
	queueContacts(&b, group)
	if err := s.pool.SendBatch(ctx, &b).Close(); err != nil {
		return make([]int, len(group)), err
	}
	return counts, nil
}
