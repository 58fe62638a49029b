package sqlite

import (
	"context"
	"fmt"

	"github.com/branchready/branchready/collector/store"
)

// SLADays returns the day rollups with from <= date <= to.
func (s *Store) SLADays(ctx context.Context, from, to string) ([]store.SLADay, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+store.SLADayColumns+" FROM sla_days WHERE date >= ? AND date <= ? ORDER BY date, branch", from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla days: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSLADays(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla days: %w", err)
	}
	return out, nil
}

// SLADevices returns the device rollups with from <= date <= to.
func (s *Store) SLADevices(ctx context.Context, from, to string) ([]store.SLADevice, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+store.SLADeviceColumns+" FROM sla_devices WHERE date >= ? AND date <= ? ORDER BY date, branch, device", from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla devices: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSLADevices(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla devices: %w", err)
	}
	return out, nil
}

// SLATotals returns dim's second-level rollups with from <= date <= to.
func (s *Store) SLATotals(ctx context.Context, dim, from, to string) ([]store.SLATotal, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+store.SLATotalColumns+" FROM sla_totals WHERE dim = ? AND date >= ? AND date <= ? ORDER BY date, grp", dim, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla totals: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSLATotals(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla totals: %w", err)
	}
	return out, nil
}

// SLARevisions returns the revisions of days from <= date <= to, of one
// branch or of all when branch is "".
func (s *Store) SLARevisions(ctx context.Context, branch, from, to string) ([]store.SLARevision, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+store.SLARevisionColumns+` FROM sla_revisions
		WHERE (? = '' OR branch = ?) AND date >= ? AND date <= ? ORDER BY branch, date, at`, branch, branch, from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla revisions: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSLARevisions(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla revisions: %w", err)
	}
	return out, nil
}

// SLABranchSums returns the day rows from..to summed per branch (and month).
func (s *Store) SLABranchSums(ctx context.Context, from, to string, byMonth bool) ([]store.SLATotal, error) {
	rows, err := s.rdb.QueryContext(ctx, store.SLABranchSumsSQL("group_concat(%s, ',')", "?1", "?2", byMonth), from, to)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla branch sums: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSLATotals(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: sla branch sums: %w", err)
	}
	return out, nil
}
