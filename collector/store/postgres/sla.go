package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/store"
)

var _ store.SLA = (*Store)(nil)

// PutSLARollups replaces each branch-day's rollup rows in one transaction.
func (s *Store) PutSLARollups(ctx context.Context, rs []store.SLARollup) error {
	if len(rs) == 0 {
		return nil
	}
	dayIns := "INSERT INTO sla_days (" + store.SLADayColumns + ") VALUES (" + placeholders(12) + ")"
	devIns := "INSERT INTO sla_devices (" + store.SLADeviceColumns + ") VALUES (" + placeholders(13) + ")"
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range rs {
			b.Queue("DELETE FROM sla_days WHERE branch = $1 AND date = $2", r.Day.Branch, r.Day.Date)
			b.Queue("DELETE FROM sla_devices WHERE branch = $1 AND date = $2", r.Day.Branch, r.Day.Date)
			b.Queue(dayIns, store.SLADayArgs(r.Day)...)
			for _, v := range r.Devices {
				b.Queue(devIns, store.SLADeviceArgs(v)...)
			}
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("postgres store: put sla rollups: %w", err)
	}
	return nil
}

func placeholders(n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "$" + strconv.Itoa(i+1)
	}
	return strings.Join(ps, ", ")
}

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
