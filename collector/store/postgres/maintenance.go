package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/branchready/branchready/collector/store"
)

var _ store.Maintenance = (*Store)(nil)

// PutMaintenance stores a new maintenance window.
func (s *Store) PutMaintenance(ctx context.Context, m store.MaintenanceRecord) error {
	args, err := store.MaintenanceArgs(m)
	if err == nil {
		_, err = s.pool.Exec(ctx, `INSERT INTO maintenance (`+store.MaintenanceColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, args...)
	}
	if err != nil {
		return fmt.Errorf("postgres store: put maintenance %s: %w", m.ID, err)
	}
	return nil
}

// MaintenanceWindows returns every maintenance window, oldest first.
func (s *Store) MaintenanceWindows(ctx context.Context) ([]store.MaintenanceRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+store.MaintenanceColumns+` FROM maintenance ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("postgres store: maintenance: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanMaintenance(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres store: maintenance: %w", err)
	}
	return out, nil
}

// DeleteMaintenance marks a maintenance window deleted.
func (s *Store) DeleteMaintenance(ctx context.Context, id, by string, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE maintenance SET deleted_by = $1, deleted_at = $2 WHERE id = $3 AND deleted_at = 0`, by, at.UnixNano(), id)
	if err != nil {
		return fmt.Errorf("postgres store: delete maintenance %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres store: delete maintenance %s: %w", id, store.ErrNotFound)
	}
	return nil
}
