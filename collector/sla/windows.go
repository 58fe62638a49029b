package sla

import (
	"fmt"
	"strings"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// windowsChanged returns the stored maintenance windows of a branch that
// were made or deleted after since and cover some device of the branch
// (described by d, with its own windows) during the day's pre-opening
// window or business hours: a day they touch is judged again, however
// old, so that a window added after the fact revises the day.
func windowsChanged(ws []store.MaintenanceRecord, branch string, d *result.Descriptor, day calendar.Day, since time.Time) []store.MaintenanceRecord {
	var out []store.MaintenanceRecord
	for _, m := range ws {
		if !m.Changed().After(since) || !readiness.AppliesTo(m, branch, d) {
			continue
		}
		c, probs := calendar.CompileWindow(readiness.StoredWindow(m, d), d.Calendar.Timezone)
		if probs != nil {
			continue
		}
		for _, dev := range c.Devices {
			if c.Overlap(dev, day.SweepFrom, day.Closing) > 0 {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// windowReason says which windows changed, when, by whom and why.
func windowReason(ws []store.MaintenanceRecord, loc *time.Location) string {
	var parts []string
	for _, m := range ws {
		what := "added " + m.CreatedAt.In(loc).Format("Jan 2 15:04 MST")
		if !m.DeletedAt.IsZero() {
			what = fmt.Sprintf("deleted by %s %s", m.DeletedBy, m.DeletedAt.In(loc).Format("Jan 2 15:04 MST"))
		}
		parts = append(parts, readiness.Describe(m)+" "+what)
	}
	return strings.Join(parts, "; ")
}
