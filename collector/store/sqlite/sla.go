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
// of the writer, keeps the second rollup level (sla_totals) in step by
// taking away the replaced rows' figures and adding the new ones, and
// appends any revisions.
func (s *Store) PutSLARollups(ctx context.Context, rs []store.SLARollup) error {
	if len(rs) == 0 {
		return nil
	}
	_, err := s.tx(ctx, "put sla rollups", func(ctx context.Context, tx *sql.Tx) (int, error) {
		delta := store.Totals{}
		if err := replaceRollups(ctx, tx, rs, delta); err != nil {
			return 0, err
		}
		return 0, applyTotals(ctx, tx, delta)
	})
	return err
}

const (
	selOldDay  = "SELECT " + store.SLADayColumns + " FROM sla_days WHERE date = ? AND branch = ?"
	selOldDevs = "SELECT " + store.SLADeviceColumns + " FROM sla_devices WHERE date = ? AND branch = ?"
)

// replaceRollups writes rs over the rows they replace, recording in delta
// the change to the totals.
func replaceRollups(ctx context.Context, tx *sql.Tx, rs []store.SLARollup, delta store.Totals) error {
	queries := []string{selOldDay, selOldDevs,
		"DELETE FROM sla_days WHERE date = ? AND branch = ?", "DELETE FROM sla_devices WHERE date = ? AND branch = ?",
		"INSERT INTO sla_days (" + store.SLADayColumns + ") VALUES (" + placeholders(12) + ")",
		"INSERT INTO sla_devices (" + store.SLADeviceColumns + ") VALUES (" + placeholders(13) + ")",
		"INSERT INTO sla_revisions (" + store.SLARevisionColumns + ") VALUES (" + placeholders(8) + ") ON CONFLICT DO NOTHING"}
	st := make([]*sql.Stmt, len(queries))
	for i, q := range queries {
		p, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer p.Close()
		st[i] = p
	}
	for _, r := range rs {
		key := []any{r.Day.Date, r.Day.Branch}
		old, err := oldRollup(ctx, st[0], st[1], key)
		if err != nil {
			return fmt.Errorf("%s %s: %w", r.Day.Branch, r.Day.Date, err)
		}
		if old != nil {
			delta.Add(*old, -1)
		}
		delta.Add(r, 1)
		for _, del := range st[2:4] {
			if _, err := del.ExecContext(ctx, key...); err != nil {
				return fmt.Errorf("%s %s: %w", r.Day.Branch, r.Day.Date, err)
			}
		}
		if _, err := st[4].ExecContext(ctx, store.SLADayArgs(r.Day)...); err != nil {
			return fmt.Errorf("%s %s: %w", r.Day.Branch, r.Day.Date, err)
		}
		for _, v := range r.Devices {
			if _, err := st[5].ExecContext(ctx, store.SLADeviceArgs(v)...); err != nil {
				return fmt.Errorf("%s %s %s: %w", v.Branch, v.Date, v.Device, err)
			}
		}
		if r.Revision != nil {
			if _, err := st[6].ExecContext(ctx, store.SLARevisionArgs(*r.Revision)...); err != nil {
				return fmt.Errorf("%s %s: revision: %w", r.Day.Branch, r.Day.Date, err)
			}
		}
	}
	return nil
}

// oldRollup returns the stored rows of a branch-day, nil when it has none.
func oldRollup(ctx context.Context, day, devs *sql.Stmt, key []any) (*store.SLARollup, error) {
	rows, err := day.QueryContext(ctx, key...)
	if err != nil {
		return nil, err
	}
	ds, err := store.ScanSLADays(rows)
	rows.Close()
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	rows, err = devs.QueryContext(ctx, key...)
	if err != nil {
		return nil, err
	}
	vs, err := store.ScanSLADevices(rows)
	rows.Close()
	if err != nil {
		return nil, err
	}
	return &store.SLARollup{Day: ds[0], Devices: vs}, nil
}

// applyTotals adds delta to the stored totals, deleting rows left empty.
func applyTotals(ctx context.Context, tx *sql.Tx, delta store.Totals) error {
	sel, err := tx.PrepareContext(ctx, "SELECT "+store.SLATotalColumns+" FROM sla_totals WHERE dim = ? AND date = ? AND grp = ?")
	if err != nil {
		return err
	}
	defer sel.Close()
	up, err := tx.PrepareContext(ctx, "INSERT OR REPLACE INTO sla_totals ("+store.SLATotalColumns+") VALUES ("+placeholders(15)+")")
	if err != nil {
		return err
	}
	defer up.Close()
	del, err := tx.PrepareContext(ctx, "DELETE FROM sla_totals WHERE dim = ? AND date = ? AND grp = ?")
	if err != nil {
		return err
	}
	defer del.Close()
	for _, k := range delta.Keys() {
		d := delta[k]
		cur, err := store.ScanSLATotal(sel.QueryRowContext(ctx, k.Dim, k.Date, k.Group))
		switch {
		case err == sql.ErrNoRows:
			cur = store.SLATotal{Dim: k.Dim, Date: k.Date, Group: k.Group, ToReady: store.Histogram{}}
		case err != nil:
			return fmt.Errorf("sla totals %s %s: %w", k.Dim, k.Date, err)
		}
		cur.Merge(d)
		if cur.Empty() {
			_, err = del.ExecContext(ctx, k.Dim, k.Date, k.Group)
		} else {
			_, err = up.ExecContext(ctx, store.SLATotalArgs(&cur)...)
		}
		if err != nil {
			return fmt.Errorf("sla totals %s %s: %w", k.Dim, k.Date, err)
		}
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
