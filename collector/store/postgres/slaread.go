package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
)

// SLADays returns the day rollups with from <= date <= to.
func (s *Store) SLADays(ctx context.Context, from, to string) ([]store.SLADay, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+store.SLADayColumns+" FROM sla_days WHERE date >= $1 AND date <= $2 ORDER BY date, branch", from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla days: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSLADays(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla days: %w", err)
	}
	return out, nil
}

// SLADevices returns the device rollups with from <= date <= to.
func (s *Store) SLADevices(ctx context.Context, from, to string) ([]store.SLADevice, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+store.SLADeviceColumns+" FROM sla_devices WHERE date >= $1 AND date <= $2 ORDER BY date, branch, device", from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla devices: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSLADevices(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla devices: %w", err)
	}
	return out, nil
}

// SLATotals returns dim's second-level rollups with from <= date <= to.
func (s *Store) SLATotals(ctx context.Context, dim, from, to string) ([]store.SLATotal, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+store.SLATotalColumns+" FROM sla_totals WHERE dim = $1 AND date >= $2 AND date <= $3 ORDER BY date, grp", dim, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla totals: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSLATotals(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla totals: %w", err)
	}
	return out, nil
}

// SLARevisions returns the revisions of days from <= date <= to, of one
// branch or of all when branch is "".
func (s *Store) SLARevisions(ctx context.Context, branch, from, to string) ([]store.SLARevision, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+store.SLARevisionColumns+` FROM sla_revisions
		WHERE ($1 = '' OR branch = $1) AND date >= $2 AND date <= $3 ORDER BY branch, date, at`, branch, from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla revisions: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSLARevisions(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla revisions: %w", err)
	}
	return out, nil
}

// withLast scans one more column than scanResult asks for into last.
type withLast struct {
	row  pgx.Row
	last any
}

func (w withLast) Scan(dest ...any) error { return w.row.Scan(append(dest, w.last)...) }

// SLABranchSums returns the day rows from..to summed per branch (and month).
func (s *Store) SLABranchSums(ctx context.Context, from, to string, byMonth bool) ([]store.SLATotal, error) {
	rows, err := s.pool.Query(ctx, store.SLABranchSumsSQL("string_agg(%s, ',')", "$1::text", "$2::text", byMonth), from, to)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla branch sums: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanSLATotals(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: sla branch sums: %w", err)
	}
	return out, nil
}
