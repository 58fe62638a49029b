package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
)

var _ store.ResultsExpirer = (*Store)(nil)

// ExpireResults applies the results' retention to every branch at once:
// it drops the day partitions that end by before (never a DELETE of their
// rows, so no dead tuples for vacuum), removes the stray rows of the
// DEFAULT partition older than before, and makes the partitions of the
// days ahead of now and of the days the DEFAULT partition holds rows for.
// It does so for result_chunks and, while it holds any, for the results
// table written before it (whose partitions are only dropped). It returns
// the number of results removed, counted before each drop. Partition DDL
// waits at most ddlLockTimeout for its lock; a partition it could not
// drop is left for the next run and does not fail the others.
func (s *Store) ExpireResults(ctx context.Context, before, now time.Time) (int64, error) {
	if err := s.ensureAround(ctx, before, now); err != nil {
		return 0, err
	}
	var total int64
	var failed error
	for _, t := range []partTable{chunkTable, legacyTable} {
		n, err := s.expire(ctx, t, before)
		total += n
		if err != nil {
			if ctx.Err() != nil || !errors.Is(err, errPartitionKept) {
				return total, err
			}
			failed = err
		}
	}
	return total, failed
}

// errPartitionKept marks a partition that could not be dropped this run.
var errPartitionKept = errors.New("partition kept")

// expire drops t's partitions that end by before and deletes its DEFAULT
// partition's rows older than before, and returns how many results they
// held.
func (s *Store) expire(ctx context.Context, t partTable, before time.Time) (int64, error) {
	ps, err := partitions(ctx, s.pool, t)
	if err != nil {
		return 0, fmt.Errorf("postgres store: expire results: %w", err)
	}
	var total int64
	var failed error
	for _, p := range ps {
		if p.to > before.UnixNano() {
			continue
		}
		n, err := s.dropPartition(ctx, t, p)
		total += n
		if err != nil {
			if ctx.Err() != nil {
				return total, err
			}
			failed = fmt.Errorf("%w: %w", errPartitionKept, err)
		}
	}
	n, err := s.deleteStrays(ctx, t, before)
	total += n
	if err != nil {
		return total, err
	}
	return total, failed
}

// ensureAround makes the chunk partitions from the later of before and
// PartitionsBehind days ago to PartitionsAhead days ahead, and those of
// the days the DEFAULT partition holds rows for from before on.
func (s *Store) ensureAround(ctx context.Context, before, now time.Time) error {
	from := now.Add(-PartitionsBehind * day)
	if before.After(from) {
		from = before
	}
	if _, err := s.EnsurePartitions(ctx, from, now.Add(PartitionsAhead*day)); err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT floor(first_at::numeric / $2)::bigint * $2
		FROM result_chunks_default WHERE first_at >= $1`, before.UnixNano(), int64(day))
	if err != nil {
		return fmt.Errorf("postgres store: days of the default partition: %w", err)
	}
	days, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("postgres store: days of the default partition: %w", err)
	}
	for _, d := range days {
		t := time.Unix(0, d).UTC()
		if _, err := s.EnsurePartitions(ctx, t, t); err != nil {
			return err
		}
	}
	return nil
}

// dropPartition counts the results of a partition of t and drops it, in
// one transaction.
func (s *Store) dropPartition(ctx context.Context, t partTable, p partition) (int64, error) {
	var n int64
	err := s.partitionTx(ctx, func(tx pgx.Tx) error {
		name := pgx.Identifier{p.name}.Sanitize()
		// The detach takes the exclusive lock first, so no row arrives
		// between the count and the drop.
		if _, err := tx.Exec(ctx, "ALTER TABLE "+t.name+" DETACH PARTITION "+name); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT "+t.count+" FROM "+name).Scan(&n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DROP TABLE "+name)
		return err
	})
	if err != nil {
		if isLockTimeout(err) {
			s.log.Warn("retention: results partition busy; dropped at the next run", "partition", p.name)
		}
		return 0, fmt.Errorf("postgres store: drop partition %s: %w", p.name, err)
	}
	return n, nil
}

// deleteStrays removes the rows of t's DEFAULT partition older than
// before: results that arrived for a day whose partition had been dropped
// (a spool delivering a month late, with a retention shorter than ingest
// accepts). A chunk lies in one day, so its first start decides.
func (s *Store) deleteStrays(ctx context.Context, t partTable, before time.Time) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, "WITH gone AS (DELETE FROM "+t.defaultName()+" WHERE "+t.key+" < $1 RETURNING *) SELECT "+
		t.count+" FROM gone", before.UnixNano()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres store: expire results of the default partition: %w", err)
	}
	return n, nil
}

var _ store.SLAExpirer = (*Store)(nil)

// ExpireSLA deletes the SLA rollups of dates before date, in one
// transaction, and returns how many rows it deleted.
func (s *Store) ExpireSLA(ctx context.Context, date string) (int64, error) {
	var total int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, q := range store.SLAExpiryStatements {
			tag, err := tx.Exec(ctx, q, date)
			if err != nil {
				return err
			}
			total += tag.RowsAffected()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("postgres store: expire sla rollups before %s: %w", date, err)
	}
	return total, nil
}
