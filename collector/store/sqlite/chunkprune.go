package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/branchready/branchready/collector/store/chunk"
)

// prune deletes branch's results that started before before (unix nanos)
// and returns how many it deleted: the chunks that end before the cutoff
// whole, and the results before it of the chunks that straddle it (at most
// a day's, since a chunk spans less than a day), whose rows are rewritten
// without them.
func (w *writer) prune(ctx context.Context, tx *sql.Tx, branch string, before int64) (int, error) {
	whole, err := w.countOld(ctx, tx, branch, before)
	if err != nil {
		return 0, err
	}
	if whole > 0 {
		if _, err := w.exec(ctx, tx, deleteOldChunksSQL, branch, before); err != nil {
			return 0, fmt.Errorf("delete old chunks: %w", err)
		}
	}
	cut, err := w.cutChunks(ctx, tx, branch, before)
	if err != nil {
		return 0, err
	}
	legacy, err := w.pruneLegacy(ctx, tx, branch, before)
	if err != nil {
		return 0, err
	}
	return whole + cut + legacy, nil
}

// The retention's statements, prepared with the writer's (statements.go):
// the retention deletes each branch's old results in a transaction of its
// own, 20,000 in a row for a bank, and parsing these three statements
// again for each was two thirds of the writer's time in them (perf of a
// 5,000-branch wave whose second round met the retention).
const (
	countOldChunksSQL  = `SELECT COALESCE(SUM(n), 0) FROM result_chunks WHERE branch = ? AND last_at < ?`
	deleteOldChunksSQL = `DELETE FROM result_chunks WHERE branch = ? AND last_at < ?`
	straddlersSQL      = `SELECT rowid, n, body FROM result_chunks
WHERE branch = ? AND last_at >= ? AND last_at < ? AND first_at < ?`
	// anyOldChunkSQL finds a chunk of branch (?1) holding a result that
	// started before ?2: one that ends before it, or straddles it and so
	// ends within a day after (?3). Run on the read pool before the writer
	// is asked to prune.
	anyOldChunkSQL = `SELECT 1 FROM result_chunks WHERE branch = ?1 AND last_at < ?3 AND first_at < ?2 LIMIT 1`
)

// countOld returns how many results branch's chunks that end before
// before hold.
func (w *writer) countOld(ctx context.Context, tx *sql.Tx, branch string, before int64) (int, error) {
	rows, err := w.query(ctx, tx, countOldChunksSQL, branch, before)
	if err != nil {
		return 0, fmt.Errorf("count old chunks: %w", err)
	}
	defer rows.Close()
	var whole int
	if rows.Next() {
		if err := rows.Scan(&whole); err != nil {
			return 0, fmt.Errorf("count old chunks: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("count old chunks: %w", err)
	}
	return whole, nil
}

// straddler is a chunk that starts before a cutoff and ends at or after it.
type straddler struct {
	rowid int64
	n     int
	body  []byte
}

// cutChunks rewrites branch's chunks that straddle before without their
// results older than it, and returns how many results it removed.
func (w *writer) cutChunks(ctx context.Context, tx *sql.Tx, branch string, before int64) (int, error) {
	rows, err := w.query(ctx, tx, straddlersSQL, branch, before, saturatedAdd(before, day), before)
	if err != nil {
		return 0, fmt.Errorf("find chunks across the cutoff: %w", err)
	}
	var cut []straddler
	for rows.Next() {
		var s straddler
		if err := rows.Scan(&s.rowid, &s.n, &s.body); err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("find chunks across the cutoff: %w", err)
		}
		cut = append(cut, s)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("find chunks across the cutoff: %w", err)
	}
	removed := 0
	for _, s := range cut {
		kept, err := chunk.AppendDecoded(nil, s.body, branch, time.Unix(0, before), time.Time{})
		if err != nil {
			return 0, fmt.Errorf("chunk %d of %q: %w", s.rowid, branch, err)
		}
		// kept is not empty: the chunk ends at or after the cutoff.
		p := newPart(branch, kept)
		if _, err := tx.ExecContext(ctx, `UPDATE result_chunks SET first_at = ?, n = ?, body = ? WHERE rowid = ?`,
			p.first, len(kept), p.body, s.rowid); err != nil {
			return 0, fmt.Errorf("rewrite chunk %d of %q: %w", s.rowid, branch, err)
		}
		removed += s.n - len(kept)
	}
	return removed, nil
}

// pruneLegacy deletes branch's results before before from the results
// table of earlier versions, while it has rows, and notes when it has none
// left: from then on reads and writes skip it.
func (w *writer) pruneLegacy(ctx context.Context, tx *sql.Tx, branch string, before int64) (int, error) {
	if !w.legacy.Load() {
		return 0, nil
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM results WHERE branch = ? AND started_at < ?`, branch, before)
	if err != nil {
		return 0, fmt.Errorf("delete results of earlier versions: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	// Once the transaction ends, the writer looks whether the table is
	// empty now (transact): a flag changed here would be wrong if the
	// transaction rolled back.
	w.recheckLegacy = w.recheckLegacy || n > 0
	return int(n), nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// hasLegacy reports whether the results table of earlier versions has rows.
func hasLegacy(ctx context.Context, q querier) (bool, error) {
	var left bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM results)`).Scan(&left); err != nil {
		return false, fmt.Errorf("look for results of earlier versions: %w", err)
	}
	return left, nil
}
