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
}

// Report reads the rollups q needs and aggregates them: the second-level
// totals for the bank, regions, device kinds, vendors and models (days ×
// groups rows); for branches over the whole range or by month, the day rows
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
	if dim := totalsDim(q.GroupBy); dim != "" && (q.AsOf == Latest || q.GroupBy.DeviceGrouping()) {
		ts, err := r.Store.SLATotals(ctx, dim, q.From, q.To)
		if err != nil {
			return Report{}, fmt.Errorf("sla report: %w", err)
		}
		return BuildTotals(q, r.Settings, ts), nil
	}
	if q.GroupBy == ByBranch && q.AsOf == Latest && (q.Period == Whole || q.Period == Month) {
		ts, err := r.Store.SLABranchSums(ctx, q.From, q.To, q.Period == Month)
		if err != nil {
			return Report{}, fmt.Errorf("sla report: %w", err)
		}
		return BuildTotals(q, r.Settings, ts), nil
	}
	return r.RowsReport(ctx, q)
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
