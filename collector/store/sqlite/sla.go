package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/branchready/branchready/collector/store"
)

var _ store.SLA = (*Store)(nil)

// PutSLARollups replaces each branch-day's rollup rows in one transaction
// of the writer.
func (s *Store) PutSLARollups(ctx context.Context, rs []store.SLARollup) error {
	if len(rs) == 0 {
		return nil
	}
	dayIns := "INSERT INTO sla_days (" + store.SLADayColumns + ") VALUES (" + placeholders(12) + ")"
	devIns := "INSERT INTO sla_devices (" + store.SLADeviceColumns + ") VALUES (" + placeholders(13) + ")"
	_, err := s.tx(ctx, "put sla rollups", func(ctx context.Context, tx *sql.Tx) (int, error) {
		stmts := make([]*sql.Stmt, 4)
		for i, q := range []string{"DELETE FROM sla_days WHERE date = ? AND branch = ?", "DELETE FROM sla_devices WHERE date = ? AND branch = ?", dayIns, devIns} {
			st, err := tx.PrepareContext(ctx, q)
			if err != nil {
				return 0, err
			}
			defer st.Close()
			stmts[i] = st
		}
		for _, r := range rs {
			for _, del := range stmts[:2] {
				if _, err := del.ExecContext(ctx, r.Day.Date, r.Day.Branch); err != nil {
					return 0, fmt.Errorf("%s %s: %w", r.Day.Branch, r.Day.Date, err)
				}
			}
			if _, err := stmts[2].ExecContext(ctx, store.SLADayArgs(r.Day)...); err != nil {
				return 0, fmt.Errorf("%s %s: %w", r.Day.Branch, r.Day.Date, err)
			}
			for _, v := range r.Devices {
				if _, err := stmts[3].ExecContext(ctx, store.SLADeviceArgs(v)...); err != nil {
					return 0, fmt.Errorf("%s %s %s: %w", v.Branch, v.Date, v.Device, err)
				}
			}
		}
		return 0, nil
	})
	return err
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

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
