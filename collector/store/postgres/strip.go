package postgres

import (
	"context"
	"fmt"

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
	rows, err := s.reads(ctx).Query(ctx, "SELECT "+store.SLADayColumns+" FROM sla_days WHERE date = ANY($1::text[]) AND branch = $2 ORDER BY date",
		dates, branch)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla days of %q: %w", branch, err)
	}
	defer rows.Close()
	out, err := store.ScanSLADays(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla days of %q: %w", branch, err)
	}
	return out, nil
}
