package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/branchready/branchready/collector/store"
)

// BranchSLADays returns one branch's day rollups of the given dates
// (YYYY-MM-DD; a date without a rollup is left out), ordered by date: the
// branch page's strip of its last days, read from the rollups instead of
// judging a month of raw results. The dates are looked up one by one in
// the (date, branch) key: a date range with the branch as a filter would
// walk every branch's rows of the month.
func (s *Store) BranchSLADays(ctx context.Context, branch string, dates []string) ([]store.SLADay, error) {
	if len(dates) == 0 {
		return []store.SLADay{}, nil
	}
	args := make([]any, 0, len(dates)+1)
	for _, d := range dates {
		args = append(args, d)
	}
	args = append(args, branch)
	q := "SELECT " + store.SLADayColumns + " FROM sla_days WHERE date IN (?" + strings.Repeat(",?", len(dates)-1) + ") AND branch = ? ORDER BY date"
	rows, err := s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla days of %q: %w", branch, err)
	}
	defer rows.Close()
	out, err := store.ScanSLADays(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla days of %q: %w", branch, err)
	}
	return out, nil
}
