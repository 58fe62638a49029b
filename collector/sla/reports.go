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

// Report reads the rollups q needs (day rows, or device rows for device
// groupings) and aggregates them.
func (r Reports) Report(ctx context.Context, q Query) (Report, error) {
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
	days, err := r.Store.SLADays(ctx, q.From, q.To)
	if err != nil {
		return Report{}, fmt.Errorf("sla report: %w", err)
	}
	return Build(q, r.Settings, days, nil), nil
}

// Days returns the day rollups from..to, for plots that need them raw (the
// time-to-ready distribution).
func (r Reports) Days(ctx context.Context, from, to string) ([]store.SLADay, error) {
	return r.Store.SLADays(ctx, from, to)
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
