package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/branchready/branchready/calendar"
)

// MaintenanceRecord is a maintenance window made on the board or through
// the API, for one branch or a whole region: who made it and why are kept,
// and a deleted window is kept too (DeletedAt set), so that the SLA roller
// can tell which past days a change of windows touched.
type MaintenanceRecord struct {
	ID string `json:"id"`
	// Branch or Region says where the window applies; exactly one is set.
	Branch string `json:"branch,omitempty"`
	Region string `json:"region,omitempty"`
	// Window is the window as in a branch's configuration; no devices means
	// every device of the branch (or of each branch of the region).
	Window    calendar.Window `json:"window"`
	Comment   string          `json:"comment"`
	CreatedBy string          `json:"created_by"`
	CreatedAt time.Time       `json:"created_at"`
	DeletedBy string          `json:"deleted_by,omitempty"`
	DeletedAt time.Time       `json:"deleted_at,omitzero"`
}

// Changed is the last moment the record changed: its deletion, or its creation.
func (m MaintenanceRecord) Changed() time.Time {
	if !m.DeletedAt.IsZero() {
		return m.DeletedAt
	}
	return m.CreatedAt
}

// Maintenance keeps the maintenance windows made on the board and through
// the API. Both stores implement it; storetest holds them to it.
type Maintenance interface {
	// PutMaintenance stores a new window; an id already stored is an error.
	PutMaintenance(ctx context.Context, m MaintenanceRecord) error
	// MaintenanceWindows returns every window, deleted ones included,
	// oldest first.
	MaintenanceWindows(ctx context.Context) ([]MaintenanceRecord, error)
	// DeleteMaintenance marks a window deleted by someone at a moment; an
	// unknown or already deleted id is ErrNotFound.
	DeleteMaintenance(ctx context.Context, id, by string, at time.Time) error
}

// MaintenanceColumns are the columns ScanMaintenance reads.
const MaintenanceColumns = "id, branch, region, spec, comment, created_by, created_at, deleted_by, deleted_at"

// MaintenanceArgs are a record's values in the order of MaintenanceColumns.
func MaintenanceArgs(m MaintenanceRecord) ([]any, error) {
	spec, err := json.Marshal(m.Window)
	if err != nil {
		return nil, err
	}
	var deleted int64
	if !m.DeletedAt.IsZero() {
		deleted = m.DeletedAt.UnixNano()
	}
	return []any{m.ID, m.Branch, m.Region, string(spec), m.Comment, m.CreatedBy, m.CreatedAt.UnixNano(), m.DeletedBy, deleted}, nil
}

// ScanMaintenance reads rows of MaintenanceColumns, times in unix
// nanoseconds (deleted_at 0: not deleted), the window as JSON text.
func ScanMaintenance(rows Rows) ([]MaintenanceRecord, error) {
	out := []MaintenanceRecord{}
	for rows.Next() {
		var m MaintenanceRecord
		var spec string
		var created, deleted int64
		if err := rows.Scan(&m.ID, &m.Branch, &m.Region, &spec, &m.Comment, &m.CreatedBy, &created, &m.DeletedBy, &deleted); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(spec), &m.Window); err != nil {
			return nil, err
		}
		m.CreatedAt = time.Unix(0, created).UTC()
		if deleted != 0 {
			m.DeletedAt = time.Unix(0, deleted).UTC()
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Due reports whether a branch-day with this verdict counts towards on-time
// readiness: closed days and days with the whole branch in maintenance do not.
func Due(verdict string) bool { return verdict != "closed" && verdict != "maintenance" }
