package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/branchready/branchready/collector/store"
)

var _ store.Maintenance = (*Store)(nil)

// PutMaintenance stores a new maintenance window.
func (s *Store) PutMaintenance(ctx context.Context, m store.MaintenanceRecord) error {
	args, err := store.MaintenanceArgs(m)
	if err != nil {
		return fmt.Errorf("sqlite store: put maintenance %s: %w", m.ID, err)
	}
	_, err = s.tx(ctx, "put maintenance "+m.ID, func(ctx context.Context, tx *sql.Tx) (int, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO maintenance (`+store.MaintenanceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
		return 0, err
	})
	return err
}

// MaintenanceWindows returns every maintenance window, oldest first.
func (s *Store) MaintenanceWindows(ctx context.Context) ([]store.MaintenanceRecord, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+store.MaintenanceColumns+` FROM maintenance ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: maintenance: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanMaintenance(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: maintenance: %w", err)
	}
	return out, nil
}

// DeleteMaintenance marks a maintenance window deleted.
func (s *Store) DeleteMaintenance(ctx context.Context, id, by string, at time.Time) error {
	_, err := s.tx(ctx, "delete maintenance "+id, func(ctx context.Context, tx *sql.Tx) (int, error) {
		res, err := tx.ExecContext(ctx, `UPDATE maintenance SET deleted_by = ?, deleted_at = ? WHERE id = ? AND deleted_at = 0`, by, at.UnixNano(), id)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return 0, store.ErrNotFound
		}
		return 0, nil
	})
	return err
}
