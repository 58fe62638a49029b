package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/chunk"
	"github.com/branchready/branchready/result"
)

// readChunks reads the chunks of some branches ($1) that may hold results
// started in [from, to): last_at >= from ($4) and first_at < to ($3). A
// chunk lies in one UTC day, so one that ends at or after from starts on
// from's day or later: first_at >= $2, the start of from's day, which
// prunes the day partitions before it.
const readChunks = `SELECT branch, received_at, body FROM result_chunks
WHERE branch = ANY($1) AND first_at >= $2 AND first_at < $3 AND last_at >= $4`

// legacyColumns are the columns scanResult reads from the results table
// written before the chunks.
const legacyColumns = `id, branch, device, check_name, kind, status, started_at, duration_ms, reason,
	observations::text, sweep, agent_version`

// querier is a pool, or a connection or transaction, that runs queries.
type querier interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

// eachResult decodes the results started in [from, to) of the branches'
// chunks, and of the results table written before them while it may hold
// some, and hands each with its receipt time to f, in no particular order.
func (s *Store) eachResult(ctx context.Context, q querier, branches []string, from, to time.Time,
	f func(r result.Result, received int64)) error {
	rows, err := q.Query(ctx, readChunks, branches, dayStart(from.UnixNano()), to.UnixNano(), from.UnixNano())
	if err != nil {
		return err
	}
	var rs []result.Result
	for rows.Next() {
		var branch string
		var received int64
		if err := rows.Scan(&branch, &received, nil); err != nil {
			rows.Close()
			return err
		}
		if rs, err = chunk.AppendDecoded(rs[:0], rows.RawValues()[2], branch, from, to); err != nil {
			rows.Close()
			return fmt.Errorf("branch %q: %w", branch, err)
		}
		for _, r := range rs {
			f(r, received)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if s.legacyEnd == 0 || from.UnixNano() >= s.legacyEnd {
		return nil
	}
	rows, err = q.Query(ctx, "SELECT "+legacyColumns+`, received_at FROM results
WHERE branch = ANY($1) AND started_at >= $2 AND started_at < $3`, branches, from.UnixNano(), to.UnixNano())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var received int64
		r, err := scanResult(withLast{rows, &received})
		if err != nil {
			return err
		}
		f(r, received)
	}
	return rows.Err()
}

// Results returns branch's results with from <= started_at < to, oldest
// first (ties by id, so the order is stable).
func (s *Store) Results(ctx context.Context, branch string, from, to time.Time) ([]result.Result, error) {
	out := []result.Result{}
	err := s.eachResult(ctx, s.reads(ctx), []string{branch}, from, to, func(r result.Result, _ int64) {
		out = append(out, r)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres store: results of %q: %w", branch, err)
	}
	chunk.Sort(out)
	return out, nil
}

// ReceivedResults returns a branch's results with from <= started_at < to,
// oldest first, each with the time it was received.
func (s *Store) ReceivedResults(ctx context.Context, branch string, from, to time.Time) ([]store.ReceivedResult, error) {
	out := []store.ReceivedResult{}
	err := s.eachResult(ctx, s.pool, []string{branch}, from, to, func(r result.Result, received int64) {
		out = append(out, store.ReceivedResult{Result: r, ReceivedAt: time.Unix(0, received).UTC()})
	})
	if err != nil {
		return nil, fmt.Errorf("postgres store: results of %q: %w", branch, err)
	}
	slices.SortFunc(out, func(a, b store.ReceivedResult) int { return chunk.Compare(a.Result, b.Result) })
	return out, nil
}

// ResultsOf returns the results of several branches with from <=
// started_at < to, by branch, each oldest first (ties by id). A branch with
// no results has no entry. The readiness engine judges thousands of
// branches from one of these reads rather than one query each: a few
// chunk rows per branch, decoded here.
func (s *Store) ResultsOf(ctx context.Context, branches []string, from, to time.Time) (map[string][]result.Result, error) {
	out := make(map[string][]result.Result, len(branches))
	if len(branches) == 0 {
		return out, nil
	}
	err := s.eachResult(ctx, s.pool, branches, from, to, func(r result.Result, _ int64) {
		out[r.Branch] = append(out[r.Branch], r)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres store: results of %d branches: %w", len(branches), err)
	}
	for _, rs := range out {
		chunk.Sort(rs)
	}
	return out, nil
}
