package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/branchready/branchready/result"
)

// bulkChunk is how many branches one query names: far below SQLite's
// limit on bound parameters, and enough that a board of 20,000 branches
// is judged from 40 queries instead of 20,000.
const bulkChunk = 500

// ResultsOf returns the results of several branches with from <=
// started_at < to, by branch, each oldest first (ties by id). A branch with
// no results has no entry. The readiness engine judges thousands of
// branches from a few of these reads rather than one query each.
func (s *Store) ResultsOf(ctx context.Context, branches []string, from, to time.Time) (map[string][]result.Result, error) {
	out := make(map[string][]result.Result, len(branches))
	for start := 0; start < len(branches); start += bulkChunk {
		chunk := branches[start:min(start+bulkChunk, len(branches))]
		if err := s.resultsOf(ctx, chunk, from, to, out); err != nil {
			return nil, fmt.Errorf("sqlite store: results of %d branches: %w", len(branches), err)
		}
	}
	return out, nil
}

func (s *Store) resultsOf(ctx context.Context, branches []string, from, to time.Time, out map[string][]result.Result) error {
	args := make([]any, 0, len(branches)+2)
	for _, b := range branches {
		args = append(args, b)
	}
	args = append(args, from.UnixNano(), to.UnixNano())
	q := `SELECT id, branch, device, check_name, kind, status, started_at, duration_ms, reason, observations, sweep, agent_version
FROM results WHERE branch IN (?` + strings.Repeat(",?", len(branches)-1) + `) AND started_at >= ? AND started_at < ?
ORDER BY branch, started_at, id`
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanResult(rows)
		if err != nil {
			return err
		}
		out[r.Branch] = append(out[r.Branch], r)
	}
	return rows.Err()
}
