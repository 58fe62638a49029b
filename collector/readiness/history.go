package readiness

import (
	"context"
	"fmt"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Rules are a branch's descriptor versions, each with its compiled
// calendar, so that every branch-day is judged by the version in force on
// it: adding an ATM or a holiday today leaves last week's verdicts alone.
type Rules struct {
	versions []store.DescriptorVersion
	cals     []*calendar.Calendar
	branch   string
	// stored are the maintenance windows made on the board or API for the
	// branch or its region, deleted ones included; For adds the live ones.
	stored []store.MaintenanceRecord
}

// NewRules compiles the versions of a branch (oldest first); latest is the
// branch's current descriptor, used alone when the store keeps no history.
// A version whose calendar does not compile is left out (it was never
// judged by either), but the latest one must compile.
func NewRules(latest *result.Descriptor, vs []store.DescriptorVersion) (*Rules, error) {
	if len(vs) == 0 {
		vs = []store.DescriptorVersion{{Descriptor: latest}}
	}
	r := &Rules{}
	for i, v := range vs {
		cal, probs := calendar.Compile(v.Descriptor.Calendar)
		if probs != nil {
			if i == len(vs)-1 {
				return nil, fmt.Errorf("calendar: %s: %s", probs[0].Path, probs[0].Msg)
			}
			continue
		}
		r.versions = append(r.versions, v)
		r.cals = append(r.cals, cal)
	}
	return r, nil
}

// LoadRules reads a branch's descriptor versions when the store keeps them
// (store.History), and falls back to its current descriptor otherwise; and
// the maintenance windows made on the board or API for the branch or its
// region when the store keeps them (store.Maintenance).
func LoadRules(ctx context.Context, st any, b store.Branch) (*Rules, error) {
	var vs []store.DescriptorVersion
	if h, ok := st.(store.History); ok {
		var err error
		if vs, err = h.DescriptorVersions(ctx, b.ID); err != nil {
			return nil, err
		}
	}
	ms, err := loadMaintenance(ctx, st, b, vs)
	if err != nil {
		return nil, err
	}
	r, err := NewRules(b.Descriptor, vs)
	if err != nil {
		return nil, err
	}
	r.branch, r.stored = b.ID, ms
	return r, nil
}

// Stored returns the maintenance windows made on the board or API that
// apply to the branch, deleted ones included.
func (r *Rules) Stored() []store.MaintenanceRecord { return r.stored }

// Latest returns the newest version and its calendar.
func (r *Rules) Latest() (*result.Descriptor, *calendar.Calendar) {
	n := len(r.versions) - 1
	return r.versions[n].Descriptor, r.cals[n]
}

// For returns the version that judges a branch-local date, with the live
// maintenance windows stored for the branch added: the newest version that
// took effect by the day's deadline (on a closed day, by the day's end),
// each version's day read from its own calendar. A date before the first
// version is judged by the first.
func (r *Rules) For(date string) (*result.Descriptor, *calendar.Calendar, error) {
	return r.forDate(date, func(m store.MaintenanceRecord) bool { return m.DeletedAt.IsZero() })
}

// AsOf is For with the stored windows as they stood at t (made by then, not
// yet deleted): what the collector knew of the day's maintenance at t.
func (r *Rules) AsOf(date string, t time.Time) (*result.Descriptor, *calendar.Calendar, error) {
	return r.forDate(date, func(m store.MaintenanceRecord) bool {
		return !m.CreatedAt.After(t) && (m.DeletedAt.IsZero() || m.DeletedAt.After(t))
	})
}

func (r *Rules) forDate(date string, live func(store.MaintenanceRecord) bool) (*result.Descriptor, *calendar.Calendar, error) {
	for i := len(r.versions) - 1; i >= 0; i-- {
		day, err := r.cals[i].DayByDate(date)
		if err != nil {
			return nil, nil, fmt.Errorf("date %q: must be YYYY-MM-DD", date)
		}
		if i == 0 || !r.versions[i].EffectiveAt.After(cutoff(r.cals[i], day)) {
			return withStored(r.versions[i].Descriptor, r.branch, r.stored, live), r.cals[i], nil
		}
	}
	return nil, nil, fmt.Errorf("no descriptor") // unreachable: NewRules keeps the latest
}

// cutoff is the moment by which a version must have taken effect to judge
// day: its deadline, or the end of a closed day.
func cutoff(cal *calendar.Calendar, day calendar.Day) time.Time {
	if day.Open {
		return day.Deadline
	}
	t, _ := time.ParseInLocation(time.DateOnly, day.Date, cal.Location())
	return t.AddDate(0, 0, 1)
}
