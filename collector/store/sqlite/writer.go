package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"

	msqlite "modernc.org/sqlite"
)

const (
	// queueLen is how many requests may wait for the writer.
	queueLen = 256
	// groupRows bounds the rows committed together, so one commit's latency
	// stays small however many callers are queued.
	groupRows = 20000
)

// request is one write: result chunks, already encoded by the caller,
// and/or one branch upsert (after the results).
type request struct {
	ctx context.Context
	// parts are the results to store, one chunk each, received at received.
	parts    []part
	received int64
	// rows is the request's weight in a group: its results, plus one for
	// any other write.
	rows   int
	branch []any
	// descSum is the SHA-256 of the descriptor in branch, if it has one,
	// whose blob (descblob.go) is branch[1] and JSON text descJSON.
	descSum  [32]byte
	descJSON string
	// prune, when set, deletes results: branch and cutoff (unix nanos).
	prune []any
	// exec, when set, runs one statement: exec[0] is the SQL, the rest its arguments.
	exec []any
	// urgent puts the request before queued bulk writes.
	urgent bool
	// fn, when set, runs arbitrary statements inside the writer's transaction.
	fn    func(ctx context.Context, tx *sql.Tx) (int, error)
	reply chan reply
}

// reply answers a request: rows inserted, or the error.
type reply struct {
	n   int
	err error
}

// writer owns the only writing connection; only its goroutine uses it.
type writer struct {
	db          *sql.DB
	log         *slog.Logger
	insertChunk *sql.Stmt
	overlap     *sql.Stmt
	latest      *sql.Stmt
	byRowid     *sql.Stmt
	recent      recent
	contact     *sql.Stmt
	descriptor  *sql.Stmt
	history     *sql.Stmt
	// bound are the statements above bound to the current transaction.
	bound txStmts
	// stmts are the alert engine's and outbox's statements (statements.go).
	stmts statements
	cp    *checkpointer
	// legacy is set while the results table of schema versions before 13
	// has rows: reads union it, writes look for copies in it, retention
	// deletes from it. Looked up once at open, and again after retention
	// deleted from it (recheckLegacy, the writer's goroutine only), so a
	// new or drained database pays nothing for it.
	legacy        atomic.Bool
	recheckLegacy bool
	// descs holds, per branch, the digest of the descriptor this writer
	// last committed: agents resend an unchanged descriptor (a restarted
	// agent's first batches, every batch of some), and rewriting 20,000
	// descriptors and comparing them with their history was a third of the
	// writer's time in a pre-opening wave. Only the writer's goroutine
	// changes it; the ingest handler reads it (HasDescriptor) under descMu
	// to skip decoding a descriptor the store holds. Nothing else in the
	// collector writes descriptors, and branch rows are never deleted
	// (another process changing them in the same file would go unseen: a
	// SQLite store belongs to one collector).
	descMu sync.RWMutex
	descs  map[string][32]byte
}

// hasDescriptor reports whether sum is the digest of the descriptor this
// writer last committed for branch.
func (w *writer) hasDescriptor(branch string, sum [32]byte) bool {
	w.descMu.RLock()
	defer w.descMu.RUnlock()
	got, ok := w.descs[branch]
	return ok && got == sum
}

func newWriter(db *sql.DB, log *slog.Logger) (*writer, error) {
	w := &writer{db: db, log: log, descs: map[string][32]byte{}, recent: newRecent()}
	legacy, err := hasLegacy(context.Background(), db)
	if err != nil {
		return nil, err
	}
	w.legacy.Store(legacy)
	if w.insertChunk, err = db.Prepare(insertChunkSQL); err != nil {
		return nil, fmt.Errorf("prepare chunk insert: %w", err)
	}
	for _, st := range []struct {
		to  **sql.Stmt
		sql string
	}{{&w.overlap, overlapChunksSQL}, {&w.latest, latestChunksSQL}, {&w.byRowid, chunkByRowidSQL}} {
		if *st.to, err = db.Prepare(st.sql); err != nil {
			return nil, fmt.Errorf("prepare %q: %w", st.sql, err)
		}
	}
	if w.contact, err = db.Prepare(upsertContactSQL); err != nil {
		return nil, fmt.Errorf("prepare contact upsert: %w", err)
	}
	if w.descriptor, err = db.Prepare(putDescriptorSQL); err != nil {
		return nil, fmt.Errorf("prepare descriptor upsert: %w", err)
	}
	if w.history, err = db.Prepare(appendVersionSQL); err != nil {
		return nil, fmt.Errorf("prepare descriptor history: %w", err)
	}
	if w.stmts, err = prepareStatements(context.Background(), db, writerStatements); err != nil {
		return nil, err
	}
	return w, nil
}

// upsertContactSQL records an agent's contact, on every request: a
// request without a heartbeat keeps the last one.
const upsertContactSQL = `INSERT INTO branch_contacts (id, contact_at, agent_version, config_hash, clock_skew_ns, heartbeat)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
	contact_at = excluded.contact_at,
	agent_version = excluded.agent_version,
	config_hash = excluded.config_hash,
	clock_skew_ns = excluded.clock_skew_ns,
	heartbeat = COALESCE(excluded.heartbeat, branch_contacts.heartbeat)`

// putDescriptorSQL stores a branch's descriptor blob (descblob.go) unless
// the one stored is the same descriptor: after a restart the writer no
// longer knows which descriptors it committed, and each branch's first one
// is compared rather than rewritten, by the blobs' version and digest, or
// with ?3, its JSON text, for a descriptor stored before descriptors were
// compressed (kept as it is).
const putDescriptorSQL = `INSERT INTO branches (id, descriptor) VALUES (?1, ?2)
ON CONFLICT (id) DO UPDATE SET descriptor = excluded.descriptor
WHERE substr(branches.descriptor, 1, ` + descPrefixSQL + `) IS NOT substr(excluded.descriptor, 1, ` + descPrefixSQL + `)
	AND branches.descriptor IS NOT ?3`

// appendVersionSQL adds a descriptor version, ?3, the stub of the
// descriptor the branches row now holds (migration 16), unless it is the
// same descriptor as the branch's latest version: compared by digest (a
// blob's or a stub's bytes 2 to 33) or with ?4, its JSON text, for a
// version stored as text. Agents send their descriptor with every batch.
const appendVersionSQL = `INSERT INTO descriptor_history (branch, effective_at, descriptor)
SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM (SELECT descriptor AS d FROM descriptor_history WHERE branch = ?1
	ORDER BY effective_at DESC LIMIT 1) WHERE substr(d, 2, ` + descDigestSQL + `) = substr(?3, 2, ` + descDigestSQL + `) OR d = ?4)
ON CONFLICT (branch, effective_at) DO UPDATE SET descriptor = excluded.descriptor`

// descPrefixSQL and descDigestSQL are descPrefix and the digest's length
// in the statements' text.
const (
	descPrefixSQL = "33"
	descDigestSQL = "32"
)

// run serves requests until both queues are closed and drained. Urgent
// requests (the alert engine's and the outbox's small writes) go before
// queued bulk ones, so a notification does not wait behind seconds of
// ingest when the writer is saturated; both kinds commit together.
func (w *writer) run(reqs, urgent <-chan *request) {
	for reqs != nil || urgent != nil {
		var req *request
		select {
		case r, ok := <-urgent:
			if !ok {
				urgent = nil
				continue
			}
			req = r
		default:
			select {
			case r, ok := <-urgent:
				if !ok {
					urgent = nil
					continue
				}
				req = r
			case r, ok := <-reqs:
				if !ok {
					reqs = nil
					continue
				}
				req = r
			}
		}
		group := gather(reqs, urgent, []*request{req}, req.rows)
		w.commit(group)
	}
}

// gatherYields bounds how many times the writer gives way to the callers
// before a commit.
const gatherYields = 4

// gather adds to group the requests queued now, then gives way to the
// other goroutines (runtime.Gosched) and takes what they queued meanwhile,
// again while each turn brings more, up to gatherYields turns or
// groupRows. A commit costs much whatever it holds (the WAL header and
// sync, the pages every request touches, and SQLite's walk of its whole
// page cache after a transaction that split a b-tree page, see
// writerCacheKiB), and in a wave the writer used to commit as soon as a
// request came: groups of 17 requests on average, most under 8, while
// dozens of handlers were about to queue theirs. A turn costs nothing
// when nobody else is running: Gosched returns at once, nothing came, and
// the group commits as before. No request is answered before the commit
// that holds it.
func gather(reqs, urgent <-chan *request, group []*request, rows int) []*request {
	group, rows = drain(urgent, group, rows)
	group, rows = drain(reqs, group, rows)
	for range gatherYields {
		if rows >= groupRows {
			break
		}
		had := len(group)
		runtime.Gosched()
		group, rows = drain(urgent, group, rows)
		group, rows = drain(reqs, group, rows)
		if len(group) == had {
			break
		}
	}
	return group
}

// drain adds the requests already waiting on q to group, up to groupRows.
func drain(q <-chan *request, group []*request, rows int) ([]*request, int) {
	for q != nil && rows < groupRows {
		select {
		case r, ok := <-q:
			if !ok {
				return group, rows
			}
			group = append(group, r)
			rows += r.rows
		default:
			return group, rows
		}
	}
	return group, rows
}

// commit writes group in one transaction and answers each request. When the
// transaction fails, each request is retried alone, so one bad request
// cannot fail its neighbours.
func (w *writer) commit(group []*request) {
	live := group[:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.reply <- reply{err: err}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	counts, err := w.transact(live)
	if err == nil {
		for i, r := range live {
			r.reply <- reply{n: counts[i]}
		}
		return
	}
	if len(live) == 1 {
		live[0].reply <- reply{err: err}
		return
	}
	w.log.Warn("group commit failed, retrying its requests one by one", "requests", len(live), "err", err)
	for _, r := range live {
		counts, err := w.transact([]*request{r})
		if err != nil {
			r.reply <- reply{err: err}
			continue
		}
		r.reply <- reply{n: counts[0]}
	}
}

// transact applies reqs in one transaction and returns each one's count.
func (w *writer) transact(reqs []*request) (counts []int, err error) {
	// The writer's statements run without a caller's context: once a group
	// has begun, all of it commits or none of it does.
	ctx := context.Background()
	defer func() { w.afterTransaction(ctx, err) }()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	counts = make([]int, len(reqs))
	for i, r := range reqs {
		if counts[i], err = w.apply(ctx, tx, r); err != nil {
			return nil, errors.Join(err, tx.Rollback())
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	w.descMu.Lock()
	for _, r := range reqs {
		if r.branch != nil && r.branch[1] != nil {
			w.descs[r.branch[0].(string)] = r.descSum
		}
	}
	w.descMu.Unlock()
	if w.cp != nil {
		w.cp.committed(walFrames(ctx, w.db))
	}
	return counts, nil
}

// walFrames returns how many pages db's one connection (the writer's)
// wrote to the WAL since the last call: SQLite's count of the pages its cache wrote
// (SQLITE_DBSTATUS_CACHE_WRITE, reset as it is read), one frame each in WAL
// mode. The checkpointer bounds the WAL by it (checkpoint.go); 0 if the
// driver cannot tell, and then only lulls and the writer's own
// autocheckpoint bound the WAL.
func walFrames(ctx context.Context, db *sql.DB) int64 {
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0
	}
	defer conn.Close()
	var n int
	_ = conn.Raw(func(dc any) error {
		st, ok := dc.(msqlite.DBStatus)
		if !ok {
			return nil
		}
		var err error
		n, _, err = st.Status(msqlite.DBStatusCacheWrite, true)
		return err
	})
	return int64(n)
}

// afterTransaction forgets the branches' latest chunks when the
// transaction that just ended failed (recent.go), and looks, when retention
// deleted results of earlier versions in it, whether any are left.
func (w *writer) afterTransaction(ctx context.Context, err error) {
	if err != nil {
		w.forgetRecent()
	}
	if !w.recheckLegacy {
		return
	}
	w.recheckLegacy = false
	left, err := hasLegacy(ctx, w.db)
	if err != nil {
		w.log.Warn("keeping on reading results of earlier versions", "err", err)
		return
	}
	w.legacy.Store(left)
}

// apply executes one request inside tx and returns the rows it inserted.
func (w *writer) apply(ctx context.Context, tx *sql.Tx, r *request) (int, error) {
	if r.fn != nil {
		return r.fn(ctx, tx)
	}
	if r.exec != nil {
		if _, err := tx.ExecContext(ctx, r.exec[0].(string), r.exec[1:]...); err != nil {
			return 0, err
		}
		return 0, nil
	}
	if r.prune != nil {
		n, err := w.prune(ctx, tx, r.prune[0].(string), r.prune[1].(int64))
		if err != nil {
			return 0, fmt.Errorf("delete results: %w", err)
		}
		return n, nil
	}
	inserted, err := w.storeParts(ctx, tx, r.parts, r.received)
	if err != nil {
		return 0, err
	}
	if r.branch != nil {
		if err := w.putBranch(ctx, tx, r); err != nil {
			return 0, err
		}
	}
	return inserted, nil
}

// putBranch upserts r's contact and, when its descriptor is not the one
// this writer last committed for the branch, stores the descriptor and
// appends it to the descriptor history.
//
// Every contact is written, though one differs from the last mostly by its
// time: the contact is what a restarted collector and the board show of an
// agent's last call, and branchdir tells another collector's contacts from
// this one's by their times: a full listing that read a time this
// collector's ingest did not report among its last few (branchdir's told
// ring) would take the branch as changed elsewhere and have its results
// read again. The contact is a row of branch_contacts, a dozen to a page,
// so it dirties one page shared with other branches; when it lived in the
// branches row beside the descriptor (which fills most of a page) and in a
// covering index, each contact dirtied two pages of its own (migration 14).
func (w *writer) putBranch(ctx context.Context, tx *sql.Tx, r *request) error {
	args := r.branch
	id, desc := args[0].(string), args[1]
	if _, err := w.bound.in(ctx, tx, w.contact).ExecContext(ctx, id, args[2], args[3], args[4], args[5], args[6]); err != nil {
		return fmt.Errorf("put branch: contact: %w", err)
	}
	if desc == nil || w.hasDescriptor(id, r.descSum) {
		return nil
	}
	res, err := w.bound.in(ctx, tx, w.descriptor).ExecContext(ctx, id, desc, r.descJSON)
	if err != nil {
		return fmt.Errorf("put branch: descriptor: %w", err)
	}
	// The stored descriptor is this one (a restarted writer's first
	// sight of it): it was appended to the history when it was stored,
	// in the same transaction, so reading the history to compare is
	// needless (a page read and a compare of kilobytes a branch in the
	// first wave after a restart).
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return nil
	}
	effective := args[2]
	if effective == nil {
		effective = int64(0)
	}
	if _, err := w.bound.in(ctx, tx, w.history).ExecContext(ctx, id, effective, descriptorStub(r.descSum), r.descJSON); err != nil {
		return fmt.Errorf("put branch: descriptor history: %w", err)
	}
	return nil
}

// close releases the statements and the writing connection.
func (w *writer) close() error {
	return errors.Join(w.insertChunk.Close(), w.overlap.Close(), w.latest.Close(), w.byRowid.Close(),
		w.contact.Close(), w.descriptor.Close(), w.history.Close(), w.stmts.close(), w.db.Close())
}
