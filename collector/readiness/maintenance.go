package readiness

import (
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/result"
)

// windows compiles a descriptor's maintenance windows.
func windows(d *result.Descriptor) []*calendar.CompiledWindow {
	return calendar.CompileWindows(d.Maintenance, d.Calendar.Timezone)
}

// inMaintenance reports whether a device is in a maintenance window at t.
func (e *evaluator) inMaintenance(device string, t time.Time) bool {
	for _, w := range e.maint {
		if w.Covers(device, t) {
			return true
		}
	}
	return false
}

// excluded returns the items at t that are not judged, by device: those in
// maintenance. Nil when there are none.
func (e *evaluator) excluded(t time.Time) map[string]bool {
	var out map[string]bool
	if len(e.maint) == 0 { // most branches, for every result judged
		return nil
	}
	for _, it := range e.items {
		if e.inMaintenance(it.Device, t) {
			if out == nil {
				out = map[string]bool{}
			}
			out[it.Device] = true
		}
	}
	return out
}

// devices returns the distinct devices with expected checks.
func (e *evaluator) devices() map[string]bool {
	out := map[string]bool{}
	for _, it := range e.items {
		out[it.Device] = true
	}
	return out
}
