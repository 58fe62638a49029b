package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store/chunk"
)

// The results table of migration 0012 (one row per result) is written no
// more since migration 0013: its rows stay readable until retention drops
// its day partitions (expire.go), and until then reads add them and the
// dedup check looks there too, but only for times before legacyEnd, which
// Open finds from its partitions. Once it is empty (a retention after the
// upgrade), a collector started later finds legacyEnd 0 and reads only
// chunks.

// legacyEnd returns the end (unix ns, exclusive) of the newest day
// partition of the results table that holds a row, or of the newest row of
// its DEFAULT partition, whichever is later; 0 when it holds none. Each
// partition is asked for one row, newest first, so a full table costs a
// query, an empty one a query per partition (at most the retention's
// days).
func legacyEnd(ctx context.Context, pool querier) (int64, error) {
	var end int64
	rows, err := pool.Query(ctx, "SELECT max(started_at) + 1 FROM "+legacyTable.defaultName())
	if err != nil {
		return 0, fmt.Errorf("results written before chunks: %w", err)
	}
	last, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[*int64])
	if err != nil {
		return 0, fmt.Errorf("results written before chunks: %w", err)
	}
	if last != nil {
		end = *last
	}
	ps, err := partitions(ctx, pool, legacyTable)
	if err != nil {
		return 0, fmt.Errorf("results written before chunks: %w", err)
	}
	for _, p := range slices.Backward(ps) {
		if p.to <= end {
			break
		}
		rows, err := pool.Query(ctx, "SELECT EXISTS (SELECT 1 FROM "+pgx.Identifier{p.name}.Sanitize()+")")
		if err != nil {
			return 0, fmt.Errorf("results written before chunks: %w", err)
		}
		some, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[bool])
		if err != nil {
			return 0, fmt.Errorf("results written before chunks: %w", err)
		}
		if some {
			return p.to, nil
		}
	}
	return end, nil
}

// DeleteResults removes branch's results that started before before and
// returns how many it removed: its chunks that end before before, and
// from a chunk that spans before, the results before it (the chunk is
// written again without them), under the branch's lock so that no write
// of the branch interleaves. Retention of every branch at once drops
// whole days instead (ExpireResults).
func (s *Store) DeleteResults(ctx context.Context, branch string, before time.Time) (int64, error) {
	var n int64
	cut := before.UnixNano()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockBranches, []string{branch}); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `WITH gone AS (DELETE FROM result_chunks WHERE branch = $1 AND last_at < $2 RETURNING n)
			SELECT coalesce(sum(n), 0) FROM gone`, branch, cut).Scan(&n); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `DELETE FROM result_chunks WHERE branch = $1 AND first_at < $2 AND last_at >= $2
			RETURNING received_at, body`, branch, cut)
		if err != nil {
			return err
		}
		var kept []chunkRow
		for rows.Next() {
			var received int64
			if err := rows.Scan(&received, nil); err != nil {
				rows.Close()
				return err
			}
			all, err := chunk.Decode(rows.RawValues()[1], branch)
			if err != nil {
				rows.Close()
				return err
			}
			rest, _ := chunk.AppendDecoded(nil, rows.RawValues()[1], branch, before, time.Time{})
			n += int64(len(all) - len(rest))
			kept = append(kept, newChunkRow(rest, time.Unix(0, received), 0))
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range kept {
			if _, err := tx.Exec(ctx, insertChunk, c.branch, c.first, c.last, c.received, int32(len(c.rs)),
				c.minID, c.maxID, c.body); err != nil {
				return err
			}
		}
		if s.legacyEnd == 0 {
			return nil
		}
		tag, err := tx.Exec(ctx, `DELETE FROM results WHERE branch = $1 AND started_at < $2`, branch, cut)
		n += tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("postgres store: delete results of %q: %w", branch, err)
	}
	return n, nil
}
