package sla

import (
	"context"
	"fmt"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// MaxDays bounds a report's range: a year and a day.
const MaxDays = 367

// Reports builds reports from the rollups in a store, never from results.
type Reports struct {
	Store    store.SLA
	Settings Settings
	// RowsOnly reads the first-level rows for every grouping: a report
	// for a person who sees only some branches filters those rows, and
	// the totals, summed over every branch, cannot be filtered.
	RowsOnly bool
}

// Report reads the rollups q needs and aggregates them: the second-level
// totals for the bank, regions, device kinds, vendors and models (days ×
// groups rows); for branches over the whole range or by month, the
// per-branch monthly totals for whole months and the day rows at the edges
// summed per branch by the database; otherwise the day rows for branches
// and the device rows for devices.
// A report as at the deadline reads day rows and the revisions.
func (r Reports) Report(ctx context.Context, q Query) (Report, error) {
	if q.Period == "" {
		q.Period = Whole
	}
	if q.AsOf == "" {
		q.AsOf = Latest
	}
	if r.RowsOnly {
		return r.RowsReport(ctx, q)
	}
	if dim := totalsDim(q.GroupBy); dim != "" && (q.AsOf == Latest || q.GroupBy.DeviceGrouping()) {
		ts, err := r.Store.SLATotals(ctx, dim, q.From, q.To)
		if err != nil {
			return Report{}, fmt.Errorf("sla report: %w", err)
		}
		return BuildTotals(q, r.Settings, ts), nil
	}
	if q.GroupBy == ByBranch && q.AsOf == Latest && (q.Period == Whole || q.Period == Month) {
		ts, err := r.branchTotals(ctx, q)
		if err != nil {
			return Report{}, fmt.Errorf("sla report: %w", err)
		}
		return BuildTotals(q, r.Settings, ts), nil
	}
	return r.RowsReport(ctx, q)
}

// branchTotals reads a branch report's sums: the months q covers whole
// from the per-branch monthly totals, the days at either end summed per
// branch by the database.
func (r Reports) branchTotals(ctx context.Context, q Query) ([]store.SLATotal, error) {
	first, last, ok := wholeMonths(q.From, q.To)
	if !ok {
		return r.Store.SLABranchSums(ctx, q.From, q.To, q.Period == Month)
	}
	out, err := r.Store.SLATotals(ctx, store.DimBranchMonth, first.Format("2006-01"), last.Format("2006-01"))
	if err != nil {
		return nil, err
	}
	edges := [][2]string{
		{q.From, first.AddDate(0, 0, -1).Format(time.DateOnly)},
		{last.AddDate(0, 1, 0).Format(time.DateOnly), q.To},
	}
	for _, e := range edges {
		if e[0] > e[1] {
			continue
		}
		ts, err := r.Store.SLABranchSums(ctx, e[0], e[1], q.Period == Month)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	return out, nil
}

// wholeMonths returns the first days of the first and last calendar months
// lying wholly within from..to, and false when there is none.
func wholeMonths(from, to string) (first, last time.Time, ok bool) {
	f, err1 := time.Parse(time.DateOnly, from)
	t, err2 := time.Parse(time.DateOnly, to)
	if err1 != nil || err2 != nil {
		return first, last, false
	}
	first = time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC)
	if f.Day() != 1 {
		first = first.AddDate(0, 1, 0)
	}
	last = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	if t.AddDate(0, 0, 1).Month() == t.Month() { // to is not a month's last day
		last = last.AddDate(0, -1, 0)
	}
	return first, last, !last.Before(first)
}

// RowsReport builds q from the first-level rows alone (day or device rows),
// the path every grouping had before the totals; tests hold the two equal.
func (r Reports) RowsReport(ctx context.Context, q Query) (Report, error) {
	if q.Period == "" {
		q.Period = Whole
	}
	if q.GroupBy.DeviceGrouping() {
		devs, err := r.Store.SLADevices(ctx, q.From, q.To)
		if err != nil {
			return Report{}, fmt.Errorf("sla report: %w", err)
		}
		return Build(q, r.Settings, nil, devs), nil
	}
	days, err := r.Days(ctx, q.From, q.To, q.AsOf)
	if err != nil {
		return Report{}, fmt.Errorf("sla report: %w", err)
	}
	return Build(q, r.Settings, days, nil), nil
}

// Days returns the day rollups from..to, for plots that need them raw (the
// time-to-ready distribution); as at the deadline, each revised day carries
// the verdict and time to ready known before its first revision.
func (r Reports) Days(ctx context.Context, from, to string, asOf AsOf) ([]store.SLADay, error) {
	days, err := r.Store.SLADays(ctx, from, to)
	if err != nil || asOf != AtDeadline {
		return days, err
	}
	revs, err := r.Store.SLARevisions(ctx, "", from, to)
	if err != nil {
		return nil, err
	}
	first := map[[2]string]store.SLARevision{}
	for _, v := range revs {
		k := [2]string{v.Branch, v.Date}
		if _, ok := first[k]; !ok {
			first[k] = v
		}
	}
	for i, d := range days {
		if v, ok := first[[2]string{d.Branch, d.Date}]; ok {
			days[i].Verdict, days[i].ToReadySeconds = v.VerdictBefore, v.ToReadyBeforeSeconds
		}
	}
	return days, nil
}

// ParseRange checks a report's from and to dates (YYYY-MM-DD, branch-local,
// both inclusive) and returns them normalised.
func ParseRange(from, to string) (string, string, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return "", "", fmt.Errorf("from %q: must be a date YYYY-MM-DD", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return "", "", fmt.Errorf("to %q: must be a date YYYY-MM-DD", to)
	}
	if t.Before(f) {
		return "", "", fmt.Errorf("to %s: must not be before from %s", to, from)
	}
	if days := int(t.Sub(f).Hours()/24) + 1; days > MaxDays {
		return "", "", fmt.Errorf("from %s to %s: %d days; a report covers at most %d", from, to, days, MaxDays)
	}
	return f.Format(time.DateOnly), t.Format(time.DateOnly), nil
}
