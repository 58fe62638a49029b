package readiness

import (
	"context"
	"fmt"
	"slices"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Maintenance is the verdict of a branch-day on which every device of the
// branch is in maintenance at the deadline: nothing is judged, and like a
// closed day it does not count towards on-time readiness.
const Maintenance Verdict = "maintenance"

// Due reports whether a branch-day with verdict v counts towards on-time
// readiness: closed days and days wholly in maintenance do not.
func Due(v Verdict) bool { return store.Due(string(v)) }

// loadMaintenance reads the windows made on the board or API that apply to
// branch b (by its id, or the region of any of its versions), deleted ones
// included, when the store keeps them (store.Maintenance).
func loadMaintenance(ctx context.Context, st any, b store.Branch, vs []store.DescriptorVersion) ([]store.MaintenanceRecord, error) {
	m, ok := st.(store.Maintenance)
	if !ok {
		return nil, nil
	}
	all, err := m.MaintenanceWindows(ctx)
	if err != nil {
		return nil, fmt.Errorf("maintenance windows: %w", err)
	}
	return windowsOf(all, b, vs), nil
}

// windowsOf picks from all the windows that apply to branch b: by its id,
// or the region of any of its versions.
func windowsOf(all []store.MaintenanceRecord, b store.Branch, vs []store.DescriptorVersion) []store.MaintenanceRecord {
	if len(all) == 0 {
		return nil
	}
	regions := map[string]bool{}
	for _, v := range vs {
		if v.Descriptor != nil && v.Descriptor.Region != "" {
			regions[v.Descriptor.Region] = true
		}
	}
	if b.Descriptor != nil && b.Descriptor.Region != "" {
		regions[b.Descriptor.Region] = true
	}
	var out []store.MaintenanceRecord
	for _, w := range all {
		if w.Branch == b.ID || (w.Branch == "" && regions[w.Region]) {
			out = append(out, w)
		}
	}
	return out
}

// withStored returns d with the stored windows that apply to it (a live
// window of its branch or of its region) added to its configured ones; d
// itself is left alone. A window naming no device covers every device of d.
func withStored(d *result.Descriptor, branch string, ws []store.MaintenanceRecord, live func(store.MaintenanceRecord) bool) *result.Descriptor {
	var add []calendar.Window
	for _, m := range ws {
		if !live(m) || !AppliesTo(m, branch, d) {
			continue
		}
		add = append(add, StoredWindow(m, d))
	}
	if len(add) == 0 {
		return d
	}
	c := *d
	c.Maintenance = append(slices.Clip(d.Maintenance), add...)
	return &c
}

// AppliesTo reports whether a stored window applies to branch, described by d.
func AppliesTo(m store.MaintenanceRecord, branch string, d *result.Descriptor) bool {
	if m.Branch != "" {
		return m.Branch == branch
	}
	return d != nil && m.Region != "" && m.Region == d.Region
}

// StoredWindow is a stored window as a branch's calendar window: no devices
// means every device of d, and its name says which window it is, who made
// it and why, so that the board and a revision can name it.
func StoredWindow(m store.MaintenanceRecord, d *result.Descriptor) calendar.Window {
	w := m.Window
	if len(w.Devices) == 0 {
		w.Devices = nil
		for _, dev := range d.Devices {
			w.Devices = append(w.Devices, dev.ID)
		}
	}
	w.Name = Describe(m)
	return w
}

// Describe names a stored window in words: its id, who made it and why.
func Describe(m store.MaintenanceRecord) string {
	why := m.Comment
	if why == "" {
		why = m.Window.Name
	}
	return fmt.Sprintf("maintenance window %s by %s: %q", m.ID, m.CreatedBy, why)
}
