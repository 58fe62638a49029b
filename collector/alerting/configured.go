package alerting

import (
	"fmt"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/calendar"
)

// A branch's own maintenance windows (the `maintenance:` of its agent's
// configuration, carried in its descriptor) mute its notifications the way
// windows made on the board do: the devices in them are not judged, so an
// incident about them would only be noise.

// configuredWindows are a branch's windows compiled for one config hash.
type configuredWindows struct {
	hash    string
	windows []*calendar.CompiledWindow
}

// configuredSilences turns b's configured windows that are on now or start
// within the hour into silences of the devices they name.
func (s *Service) configuredSilences(b *branch, now time.Time) []alerts.Silence {
	d := b.Descriptor
	if d == nil || len(d.Maintenance) == 0 {
		delete(s.configured, b.ID)
		return nil
	}
	c, ok := s.configured[b.ID]
	if !ok || c.hash != b.configHash {
		c = configuredWindows{hash: b.configHash, windows: calendar.CompileWindows(d.Maintenance, d.Calendar.Timezone)}
		s.configured[b.ID] = c
	}
	var out []alerts.Silence
	for i, cw := range c.windows {
		for _, dev := range cw.Devices {
			// An occurrence lasts at most 7 days: spans over [now-8d,
			// now+8d) are whole occurrences, never clipped.
			for _, sp := range cw.Spans(dev, now.Add(-8*24*time.Hour), now.Add(8*24*time.Hour)) {
				if !sp[1].After(now) || !sp[0].Before(now.Add(maintenanceAhead)) {
					continue
				}
				why := cw.Name
				if why == "" {
					why = "configured"
				}
				out = append(out, alerts.Silence{
					ID:        fmt.Sprintf("config-maintenance[%s/%d]", b.ID, i),
					Matcher:   alerts.Matcher{Branch: b.ID, Device: dev},
					Start:     sp[0],
					End:       sp[1],
					CreatedBy: "branch configuration",
					Comment:   "maintenance window: " + why,
				})
			}
		}
	}
	return out
}
