package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/chunk"
	"github.com/branchready/branchready/result"
)

// A read of [from, to) takes the chunks with last_at >= from and
// first_at < to; since a chunk spans less than a day, their last_at is
// also below to + 24 h, which bounds the index scan.
const (
	chunksOfBranchSQL = `SELECT branch, received_at, body FROM result_chunks
WHERE branch = ?1 AND last_at >= ?2 AND last_at < ?3 AND first_at < ?4 ORDER BY last_at`
	legacyColumns = "id, branch, device, check_name, kind, status, started_at, duration_ms, reason, observations, sweep, agent_version"
	// legacySQL reads the results table of earlier versions; the caller
	// adds the branches.
	legacySQL = `SELECT ` + legacyColumns + `, received_at FROM results WHERE started_at >= ? AND started_at < ? AND branch `
)

// Results returns branch's results with from <= started_at < to, oldest
// first (ties by id, so the order is stable).
func (s *Store) Results(ctx context.Context, branch string, from, to time.Time) ([]result.Result, error) {
	rs := []result.Result{}
	var dec chunk.Decoder
	err := s.eachChunk(ctx, chunksOfBranchSQL, chunkArgs([]any{branch}, from, to), func(branch string, _ int64, body []byte) error {
		var err error
		rs, err = dec.AppendDecoded(rs, body, branch, from, to)
		return err
	})
	if err == nil && s.w.legacy.Load() {
		err = s.eachLegacy(ctx, []any{branch}, from, to, func(r result.Result, _ int64) { rs = append(rs, r) })
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite store: results of %q: %w", branch, err)
	}
	chunk.Sort(rs)
	return rs, nil
}

// ReceivedResults returns a branch's results with from <= started_at < to,
// oldest first, each with the time its batch was received.
func (s *Store) ReceivedResults(ctx context.Context, branch string, from, to time.Time) ([]store.ReceivedResult, error) {
	out := []store.ReceivedResult{}
	var (
		rs  []result.Result
		dec chunk.Decoder
	)
	err := s.eachChunk(ctx, chunksOfBranchSQL, chunkArgs([]any{branch}, from, to), func(branch string, recv int64, body []byte) error {
		var err error
		if rs, err = dec.AppendDecoded(rs[:0], body, branch, from, to); err != nil {
			return err
		}
		at := time.Unix(0, recv).UTC()
		for _, r := range rs {
			out = append(out, store.ReceivedResult{Result: r, ReceivedAt: at})
		}
		return nil
	})
	if err == nil && s.w.legacy.Load() {
		err = s.eachLegacy(ctx, []any{branch}, from, to, func(r result.Result, recv int64) {
			out = append(out, store.ReceivedResult{Result: r, ReceivedAt: time.Unix(0, recv).UTC()})
		})
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite store: results of %q: %w", branch, err)
	}
	byStart := func(a, b store.ReceivedResult) int { return chunk.Compare(a.Result, b.Result) }
	if !slices.IsSortedFunc(out, byStart) {
		slices.SortFunc(out, byStart)
	}
	return out, nil
}

// resultsOf reads the results of branches (at most bulkChunk) into out,
// decoding with dec.
func (s *Store) resultsOf(ctx context.Context, dec *chunk.Decoder, branches []string, from, to time.Time, out map[string][]result.Result) error {
	args := make([]any, 0, len(branches)+3)
	for _, b := range branches {
		args = append(args, b)
	}
	q := `SELECT branch, received_at, body FROM result_chunks WHERE branch IN (?` + strings.Repeat(",?", len(branches)-1) +
		`) AND last_at >= ? AND last_at < ? AND first_at < ? ORDER BY branch, last_at`
	err := s.eachChunk(ctx, q, chunkArgs(args, from, to), func(branch string, _ int64, body []byte) error {
		rs, err := dec.AppendDecoded(out[branch], body, branch, from, to)
		if len(rs) > 0 {
			out[branch] = rs
		}
		return err
	})
	if err != nil {
		return err
	}
	if s.w.legacy.Load() {
		if err := s.eachLegacy(ctx, args[:len(branches)], from, to, func(r result.Result, _ int64) { out[r.Branch] = append(out[r.Branch], r) }); err != nil {
			return err
		}
	}
	for _, b := range branches {
		chunk.Sort(out[b])
	}
	return nil
}

// chunkArgs appends to args the bounds of a chunk read of [from, to).
func chunkArgs(args []any, from, to time.Time) []any {
	lo, hi := from.UnixNano(), to.UnixNano()
	return append(args, lo, saturatedAdd(hi, day), hi)
}

// eachChunk runs q, which selects branch, received_at and body, and calls
// fn with each row.
func (s *Store) eachChunk(ctx context.Context, q string, args []any, fn func(branch string, recv int64, body []byte) error) error {
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		branch string
		recv   int64
		body   []byte
	)
	for rows.Next() {
		if err := rows.Scan(&branch, &recv, &body); err != nil {
			return err
		}
		if err := fn(branch, recv, body); err != nil {
			return fmt.Errorf("chunk of %q received at %d: %w", branch, recv, err)
		}
	}
	return rows.Err()
}

// eachLegacy calls fn with the results of branches in [from, to) from the
// results table of earlier versions, each with its received_at.
func (s *Store) eachLegacy(ctx context.Context, branches []any, from, to time.Time, fn func(result.Result, int64)) error {
	q := legacySQL + "IN (?" + strings.Repeat(",?", len(branches)-1) + ")"
	rows, err := s.rdb.QueryContext(ctx, q, append([]any{from.UnixNano(), to.UnixNano()}, branches...)...)
	if err != nil {
		return fmt.Errorf("results of earlier versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var recv int64
		r, err := scanResult(withLast{rows, &recv})
		if err != nil {
			return fmt.Errorf("results of earlier versions: %w", err)
		}
		fn(r, recv)
	}
	return rows.Err()
}

// withLast scans one more column than scanResult asks for into last.
type withLast struct {
	sc   scanner
	last any
}

func (w withLast) Scan(dest ...any) error { return w.sc.Scan(append(dest, w.last)...) }
