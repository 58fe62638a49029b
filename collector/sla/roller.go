package sla

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
)

// Source is the part of the store the roller reads and writes.
type Source interface {
	Branches(ctx context.Context) ([]store.Branch, error)
	store.SLA
}

// Roller writes the rollups of final branch-days. A day is final for the
// SLA once the branch has closed: its verdict was fixed at the deadline,
// and its availability needs the whole of its business hours.
//
// RollUp is idempotent (a day's rows are replaced, never added to), so it
// may run on every collector; with several collectors behind one
// PostgreSQL, running it on the alerting leader alone only saves work.
type Roller struct {
	Store Source
	Log   *slog.Logger
	// Lookback is how far back a day missing its rollup is rolled up; keep
	// it inside the results' retention, or days whose results are gone
	// would roll up as unknown. Default 35 days.
	Lookback time.Duration
	// Recheck is how long after closing a rolled-up day is judged again,
	// so that late results from an agent's spool (or a confirmation) revise
	// it. Default 72 hours.
	Recheck time.Duration
	// Batch is how many branch-days are written per transaction; default 500.
	Batch int
	// Retention is how long raw results are kept (0: for ever). A day
	// whose results may be gone is never judged again: a maintenance
	// window added for it after the fact is refused with a warning naming
	// the retention, rather than the day rolled up again as silent.
	Retention time.Duration
}

// Stats says what one RollUp did.
type Stats struct {
	Judged, Written, Revised int
}

// RollUp finds final branch-days within the lookback that have no rollup
// (or whose judgement changed within the recheck window) and writes them.
// A branch's rollups start at its first day with results, so a branch
// added today does not look silent for the weeks before it existed.
func (r *Roller) RollUp(ctx context.Context, now time.Time) (Stats, error) {
	var st Stats
	bs, err := r.Store.Branches(ctx)
	if err != nil {
		return st, fmt.Errorf("sla roll-up: %w", err)
	}
	lookback := r.Lookback
	if lookback <= 0 {
		lookback = 35 * 24 * time.Hour
	}
	// Dates are branch-local: widen the UTC range by a day on each side.
	from, to := now.Add(-lookback-24*time.Hour).UTC().Format(time.DateOnly), now.Add(24*time.Hour).UTC().Format(time.DateOnly)
	rows, err := r.Store.SLADays(ctx, from, to)
	if err != nil {
		return st, fmt.Errorf("sla roll-up: %w", err)
	}
	have := map[string]map[string]store.SLADay{}
	for _, d := range rows {
		if have[d.Branch] == nil {
			have[d.Branch] = map[string]store.SLADay{}
		}
		have[d.Branch][d.Date] = d
	}
	var pending []store.SLARollup
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := r.Store.PutSLARollups(ctx, pending); err != nil {
			return fmt.Errorf("sla roll-up: %w", err)
		}
		st.Written += len(pending)
		pending = pending[:0]
		return nil
	}
	for _, b := range bs {
		if b.Descriptor == nil {
			continue
		}
		ups, err := r.branch(ctx, b, have[b.ID], now, lookback, &st)
		if err != nil {
			if ctx.Err() != nil {
				return st, err
			}
			// One branch that cannot be rolled up must not stop the others.
			r.log().Warn("sla roll-up of a branch failed", "branch", b.ID, "err", err)
			continue
		}
		pending = append(pending, ups...)
		if len(pending) >= r.batch() {
			if err := flush(); err != nil {
				return st, err
			}
		}
	}
	return st, flush()
}

// branch returns the rollups of one branch that need writing.
func (r *Roller) branch(ctx context.Context, b store.Branch, have map[string]store.SLADay, now time.Time, lookback time.Duration, st *Stats) ([]store.SLARollup, error) {
	rules, err := readiness.LoadRules(ctx, r.Store, b)
	if err != nil {
		return nil, err
	}
	_, latest := rules.Latest()
	recheck := r.Recheck
	if recheck <= 0 {
		recheck = 72 * time.Hour
	}
	start := now.Add(-lookback).In(latest.Location())
	started := false // at the first day rolled up or with results
	var out []store.SLARollup
	for i := 0; ; i++ {
		// Each day is judged by the descriptor in force on it.
		date := latest.Day(start.Year(), start.Month(), start.Day()+i).Date
		d, cal, err := rules.For(date)
		if err != nil {
			return nil, err
		}
		day, _ := cal.DayByDate(date)
		if !day.Open {
			if day.Date > now.In(cal.Location()).Format(time.DateOnly) {
				return out, nil
			}
			continue
		}
		if now.Before(day.Closing) {
			return out, nil
		}
		old, rolled := have[day.Date]
		started = started || rolled
		var changed []store.MaintenanceRecord
		if rolled {
			changed = windowsChanged(rules.Stored(), b.ID, d, day, old.RolledAt)
		}
		// A window added or deleted since the roll-up revises the day
		// whatever its age; otherwise only the recheck window does.
		if rolled && now.Sub(day.Closing) > recheck && len(changed) == 0 {
			continue
		}
		if r.expired(b.ID, day, rolled, changed, now) {
			continue
		}
		recv, err := r.Store.ReceivedResults(ctx, b.ID, day.SweepFrom.Add(-readiness.Grace), day.Closing)
		if err != nil {
			return nil, err
		}
		if !started && len(recv) == 0 {
			continue
		}
		started = true
		rs := plain(recv)
		j, err := readiness.Judge(d, cal, day.Date, rs, now)
		if err != nil {
			return nil, err
		}
		st.Judged++
		up := Facts(b.ID, d, day, j, rs, Staleness(cal.Spec()), now)
		if rolled {
			if sameDay(old, up.Day) {
				if len(changed) > 0 {
					// Written again all the same, so that its roll-up
					// time passes the window and it is not judged again.
					out = append(out, up)
				}
				continue
			}
			st.Revised++
			up.Revision = laterRevision(old, up.Day, recv, changed, cal.Location(), now)
		} else {
			// What was known at the deadline: the results received by
			// then, and the stored windows made by then.
			cut := day.Deadline.Add(ShipAllowance)
			known, late := receivedBy(recv, cut)
			dd, _, err := rules.AsOf(date, cut)
			if err != nil {
				return nil, err
			}
			jd, err := readiness.Judge(dd, cal, day.Date, known, now)
			if err != nil {
				return nil, err
			}
			up.Revision = firstRevision(b.ID, j, jd, late, windowsChanged(rules.Stored(), b.ID, d, day, cut), cal.Location(), now)
		}
		out = append(out, up)
	}
}

// sameDay compares two rollups of a day, ignoring when they were made and
// the millisecond rounding of the store.
func sameDay(a, b store.SLADay) bool {
	a.RolledAt, b.RolledAt = time.Time{}, time.Time{}
	ra, rb := store.SLADayArgs(a), store.SLADayArgs(b)
	return reflect.DeepEqual(ra, rb)
}

func (r *Roller) batch() int {
	if r.Batch <= 0 {
		return 500
	}
	return r.Batch
}

func (r *Roller) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

// expired reports whether a day's raw results may have been removed by the
// retention, so that it cannot be judged (again). A rolled-up day a
// maintenance window would revise is refused with a warning that names
// the retention: judged on no results it would become silent.
func (r *Roller) expired(branch string, day calendar.Day, rolled bool, changed []store.MaintenanceRecord, now time.Time) bool {
	if r.Retention <= 0 || !day.SweepFrom.Add(-readiness.Grace).Before(now.Add(-r.Retention)) {
		return false
	}
	if rolled && len(changed) > 0 {
		r.log().Warn("sla roll-up: a maintenance window changed after the fact is not applied to this day: its raw results are older than the retention, so the day cannot be judged again; its rollup is kept as it was",
			"branch", branch, "date", day.Date, "retention", r.Retention, "window", changed[0].ID)
	}
	return true
}
