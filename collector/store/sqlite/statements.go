package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/branchready/branchready/collector/store"
)

// The alert engine's and the outbox's statements, run for every message
// and outbox row. The driver parses a statement given as text on every
// call; in a 20,000-branch wave that parsing was a fifteenth of the
// collector's CPU, so these are prepared once (see statements).
const (
	// claimEnqueued finds the rows just enqueued (seq >= the first's) that
	// head their route, to be leased (leaseRowsSQL); the unary + keeps
	// SQLite from reading every pending row through outbox_pending
	// instead. A SELECT, then the lease: an UPDATE picking its rows by a
	// subquery, RETURNING them, built three temporary b-trees a save.
	claimEnqueued = `SELECT o.seq FROM outbox o WHERE o.seq >= ?1 AND +o.state = 'pending' AND o.not_before <= ?2 AND o.claimed_until = 0
				AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.state = 'pending' AND p.incident = o.incident
					AND p.notifier = o.notifier AND p.target = o.target AND p.seq < o.seq)`
	claimHeadsSQL = `SELECT ` + store.OutboxColumns + `, claimed_until FROM outbox
			WHERE seq IN (
				SELECT o.seq FROM (SELECT MIN(seq) AS seq FROM outbox WHERE state = 'pending' GROUP BY incident, notifier, target) h
				JOIN outbox o ON o.seq = h.seq
				WHERE o.not_before <= ? AND o.claimed_until <= ?
				ORDER BY o.seq LIMIT ?)`
	deliveredSQL = `UPDATE outbox SET state = 'delivered', done_at = ?, channel = ?, ts = ?, attempts = attempts + 1, claimed_until = 0
			WHERE seq = ? AND state = 'pending'`
	keepThreadSQL = `INSERT INTO threads (incident, notifier, target, channel, ts)
			SELECT incident, notifier, target, ?, ? FROM outbox WHERE seq = ? AND op = 'post'
			ON CONFLICT (incident, notifier, target) DO NOTHING`
	retrySQL = `UPDATE outbox SET attempts = attempts + 1, last_error = ?, not_before = ?, claimed_until = 0
			WHERE seq = ? AND state = 'pending'`
	failSQL = `UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, done_at = ?, claimed_until = 0
			WHERE seq = ? AND state = 'pending'`
	renewSQL   = `UPDATE outbox SET claimed_until = ? WHERE seq = ? AND claimed_until = ? AND state = 'pending'`
	releaseSQL = `UPDATE outbox SET not_before = ?, claimed_until = 0 WHERE seq = ? AND state = 'pending'`
	threadSQL  = `SELECT channel, ts FROM threads WHERE incident = ? AND notifier = ? AND target = ?`
)

// writerStatements and readerStatements are prepared when the store opens,
// on the writer's connection and on the read pool.
var (
	writerStatements = append(append([]string{claimEnqueued, claimHeadsSQL,
		deliveredSQL, keepThreadSQL, retrySQL, failSQL, renewSQL, releaseSQL, recordSQL, threadPutSQL, nextHeadsSQL, leaseRowsSQL,
		countOldChunksSQL, deleteOldChunksSQL, straddlersSQL},
		upsertIncidentsSQL[:]...), enqueueSQL[:]...)
	readerStatements = []string{threadSQL, anyOldChunkSQL}
)

// statements holds prepared statements by their text. It is filled before
// the store is used and only read after, so it needs no lock. The writer's
// are prepared before its transactions begin: its one connection is then
// free (preparing inside a transaction would wait for it forever).
type statements map[string]*sql.Stmt

func prepareStatements(ctx context.Context, db *sql.DB, texts []string) (statements, error) {
	st := make(statements, len(texts))
	for _, q := range texts {
		p, err := db.PrepareContext(ctx, q)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("prepare %q: %w", q, err), st.close())
		}
		st[q] = p
	}
	return st, nil
}

// exec runs the statement q in the writer's transaction tx, bound once per
// transaction (txStmts) when it is one of the writer's prepared statements.
// Only the writer's goroutine calls it, as it does txStmts.in.
func (w *writer) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	if p := w.stmts[q]; p != nil {
		return w.bound.in(ctx, tx, p).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// query is exec for a statement that returns rows.
func (w *writer) query(ctx context.Context, tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	if p := w.stmts[q]; p != nil {
		return w.bound.in(ctx, tx, p).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, q, args...)
}

// queryRow runs q on the pool it was prepared on.
func (st statements) queryRow(ctx context.Context, db *sql.DB, q string, args ...any) *sql.Row {
	if p := st[q]; p != nil {
		return p.QueryRowContext(ctx, args...)
	}
	return db.QueryRowContext(ctx, q, args...)
}

func (st statements) close() error {
	var errs []error
	for _, p := range st {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}

// txStmts holds the writer's prepared statements bound to its current
// transaction. Binding one (Tx.StmtContext) allocates a statement, records
// it as a dependency of its parent under the pool's lock, and undoes both
// at the commit; the writer bound its chunk insert and branch upsert (and
// the alert engine's and outbox's statements, exec and query) again
// for every request, about 7% of its transactions' CPU (perf of
// BenchmarkWriterSmallGroups: 0.53% of the process against transact's
// 5.7%, 0.11% once each is bound once per transaction).
// Only the writer's goroutine uses it.
type txStmts struct {
	tx    *sql.Tx // the transaction bound ones belong to
	bound map[*sql.Stmt]*sql.Stmt
}

// in returns s bound to tx, binding it on its first use in tx. Holding tx
// keeps a later transaction from reusing its address while bound is kept.
func (b *txStmts) in(ctx context.Context, tx *sql.Tx, s *sql.Stmt) *sql.Stmt {
	if b.tx != tx || b.bound == nil {
		b.tx = tx
		if b.bound == nil {
			b.bound = map[*sql.Stmt]*sql.Stmt{}
		}
		clear(b.bound)
	}
	if st := b.bound[s]; st != nil {
		return st
	}
	st := tx.StmtContext(ctx, s)
	b.bound[s] = st
	return st
}
