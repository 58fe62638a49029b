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

// PutSLARollups replaces each branch-day's rollup rows in one transaction,
// keeps the second rollup level (sla_totals) in step by taking away the
// replaced rows' figures and adding the new ones, and appends any revisions.
// The totals rows are locked (SELECT ... FOR UPDATE) in key order, so two
// collectors rolling up at once wait for each other instead of losing a sum.
func (s *Store) PutSLARollups(ctx context.Context, rs []store.SLARollup) error {
	if len(rs) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		delta := store.Totals{}
		old, err := oldRollups(ctx, tx, rs)
		if err != nil {
			return err
		}
		for _, o := range old {
			delta.Add(*o, -1)
		}
		b := &pgx.Batch{}
		dayIns := "INSERT INTO sla_days (" + store.SLADayColumns + ") VALUES (" + placeholders(12) + ")"
		devIns := "INSERT INTO sla_devices (" + store.SLADeviceColumns + ") VALUES (" + placeholders(13) + ")"
		revIns := "INSERT INTO sla_revisions (" + store.SLARevisionColumns + ") VALUES (" + placeholders(8) + ") ON CONFLICT DO NOTHING"
		for _, r := range rs {
			delta.Add(r, 1)
			b.Queue("DELETE FROM sla_days WHERE branch = $1 AND date = $2", r.Day.Branch, r.Day.Date)
			b.Queue("DELETE FROM sla_devices WHERE branch = $1 AND date = $2", r.Day.Branch, r.Day.Date)
			b.Queue(dayIns, store.SLADayArgs(r.Day)...)
			for _, v := range r.Devices {
				b.Queue(devIns, store.SLADeviceArgs(v)...)
			}
			if r.Revision != nil {
				b.Queue(revIns, store.SLARevisionArgs(*r.Revision)...)
			}
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return applyTotals(ctx, tx, delta)
	})
	if err != nil {
		return fmt.Errorf("postgres store: put sla rollups: %w", err)
	}
	return nil
}

// oldRollups returns the stored rows of rs's branch-days, keyed by branch and date.
func oldRollups(ctx context.Context, tx pgx.Tx, rs []store.SLARollup) (map[[2]string]*store.SLARollup, error) {
	branches, dates := make([]string, len(rs)), make([]string, len(rs))
	for i, r := range rs {
		branches[i], dates[i] = r.Day.Branch, r.Day.Date
	}
	const keys = "(branch, date) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
	rows, err := tx.Query(ctx, "SELECT "+store.SLADayColumns+" FROM sla_days WHERE "+keys+" FOR UPDATE", branches, dates)
	if err != nil {
		return nil, err
	}
	days, err := store.ScanSLADays(rows)
	rows.Close()
	if err != nil {
		return nil, err
	}
	out := map[[2]string]*store.SLARollup{}
	for _, d := range days {
		out[[2]string{d.Branch, d.Date}] = &store.SLARollup{Day: d}
	}
	rows, err = tx.Query(ctx, "SELECT "+store.SLADeviceColumns+" FROM sla_devices WHERE "+keys, branches, dates)
	if err != nil {
		return nil, err
	}
	devs, err := store.ScanSLADevices(rows)
	rows.Close()
	if err != nil {
		return nil, err
	}
	for _, v := range devs {
		if o := out[[2]string{v.Branch, v.Date}]; o != nil {
			o.Devices = append(o.Devices, v)
		}
	}
	return out, nil
}

// applyTotals adds delta to the stored totals, deleting rows left empty.
func applyTotals(ctx context.Context, tx pgx.Tx, delta store.Totals) error {
	keys := delta.Keys()
	dims, dates, groups := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		dims[i], dates[i], groups[i] = k.Dim, k.Date, k.Group
	}
	rows, err := tx.Query(ctx, "SELECT "+store.SLATotalColumns+` FROM sla_totals
		WHERE (dim, date, grp) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
		ORDER BY dim, date, grp FOR UPDATE`, dims, dates, groups)
	if err != nil {
		return err
	}
	cur, err := store.ScanSLATotals(rows)
	rows.Close()
	if err != nil {
		return err
	}
	have := map[store.TotalKey]*store.SLATotal{}
	for i := range cur {
		have[store.TotalKey{Dim: cur[i].Dim, Date: cur[i].Date, Group: cur[i].Group}] = &cur[i]
	}
	b := &pgx.Batch{}
	set := make([]string, 0, 12)
	for _, c := range strings.Split(store.SLATotalColumns, ", ")[3:] {
		set = append(set, c+" = excluded."+c)
	}
	upsert := "INSERT INTO sla_totals (" + store.SLATotalColumns + ") VALUES (" + placeholders(15) + ") ON CONFLICT (dim, date, grp) DO UPDATE SET " + strings.Join(set, ", ")
	for _, k := range keys {
		t := have[k]
		if t == nil {
			t = &store.SLATotal{Dim: k.Dim, Date: k.Date, Group: k.Group, ToReady: store.Histogram{}}
		}
		t.Merge(delta[k])
		if t.Empty() {
			b.Queue("DELETE FROM sla_totals WHERE dim = $1 AND date = $2 AND grp = $3", k.Dim, k.Date, k.Group)
		} else {
			b.Queue(upsert, store.SLATotalArgs(t)...)
		}
	}
	return tx.SendBatch(ctx, b).Close()
}

func placeholders(n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "$" + strconv.Itoa(i+1)
	}
	return strings.Join(ps, ", ")
}
