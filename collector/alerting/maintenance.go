package alerting

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
)

// Maintenance windows made on the board or through the API (store
// maintenance) mute notifications like a silence: at every refresh each
// branch gets, besides the silences, one silence per occurrence of a window
// of the branch or its region that is on now or starts within the hour,
// for the whole branch or for each device it names. The silence's id is the
// window's, so an incident muted by one says which window.

// maintenanceAhead is how far ahead occurrences are turned into silences:
// well beyond a tick, so a window that starts between two ticks mutes from
// its first minute.
const maintenanceAhead = time.Hour

// wholeBranch stands for "every device" when compiling a window that names
// none (calendar windows always name devices).
const wholeBranch = "\x00branch"

// MaintenanceChanged tells the engine that a maintenance window was made
// or deleted here: it applies the change at once, wherever it runs.
func (s *Service) MaintenanceChanged() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.ring(ctx, store.SignalSilence)
}

// readMaintenance returns the live stored windows, or none when the store
// keeps none.
func (s *Service) readMaintenance(ctx context.Context) ([]store.MaintenanceRecord, error) {
	ms, ok := s.o.Store.(store.Maintenance)
	if !ok {
		return nil, nil
	}
	all, err := ms.MaintenanceWindows(ctx)
	if err != nil {
		return nil, fmt.Errorf("alerts: read maintenance windows: %w", err)
	}
	live := all[:0]
	for _, m := range all {
		if m.DeletedAt.IsZero() {
			live = append(live, m)
		}
	}
	return live, nil
}

// windowSilences turns the windows that apply to b into silences.
func (s *Service) windowSilences(ws []store.MaintenanceRecord, b *branch, now time.Time) []alerts.Silence {
	if b.Descriptor == nil {
		return nil
	}
	var out []alerts.Silence
	for _, m := range ws {
		if m.Branch != b.ID && (m.Branch != "" || m.Region == "" || m.Region != b.Descriptor.Region) {
			continue
		}
		cw := s.compiled(m, b.Descriptor.Calendar.Timezone)
		if cw == nil {
			continue
		}
		devices := m.Window.Devices
		if len(devices) == 0 {
			devices = []string{wholeBranch}
		}
		for _, dev := range devices {
			// An occurrence lasts at most 7 days: spans over [now-8d,
			// now+8d) are whole occurrences, never clipped.
			for _, sp := range cw.Spans(dev, now.Add(-8*24*time.Hour), now.Add(8*24*time.Hour)) {
				if !sp[1].After(now) || !sp[0].Before(now.Add(maintenanceAhead)) {
					continue
				}
				mt := alerts.Matcher{Branch: b.ID}
				if dev != wholeBranch {
					mt.Device = dev
				}
				out = append(out, alerts.Silence{ID: m.ID, Matcher: mt, Start: sp[0], End: sp[1], CreatedBy: m.CreatedBy, Comment: describe(m)})
			}
		}
	}
	return out
}

// compiled compiles a window in a zone once; nil when it does not compile.
func (s *Service) compiled(m store.MaintenanceRecord, tz string) *calendar.CompiledWindow {
	key := m.ID + "\x00" + tz
	if cw, ok := s.windows[key]; ok {
		return cw
	}
	w := m.Window
	if len(w.Devices) == 0 {
		w.Devices = []string{wholeBranch}
	}
	cw, probs := calendar.CompileWindow(w, tz)
	if probs != nil {
		s.o.Log.Warn("alerts: a maintenance window does not compile; it mutes nothing", "window", m.ID, "problem", probs[0].Msg)
	}
	s.windows[key] = cw
	return cw
}

// forgetWindows drops compiled windows that are no longer stored.
func (s *Service) forgetWindows(ws []store.MaintenanceRecord) {
	for key := range s.windows {
		id, _, _ := strings.Cut(key, "\x00")
		if !slices.ContainsFunc(ws, func(m store.MaintenanceRecord) bool { return m.ID == id }) {
			delete(s.windows, key)
		}
	}
}

func describe(m store.MaintenanceRecord) string {
	why := m.Comment
	if why == "" {
		why = m.Window.Name
	}
	return "maintenance window: " + why
}

// Muter describes the silence or maintenance window with that id (an
// incident's MutedBy) in words, for the incident's page; "" when unknown.
func (s *Service) Muter(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	if strings.HasPrefix(id, "maintenance[") {
		return "maintenance window " + id + " of the alerts configuration"
	}
	if strings.HasPrefix(id, "config-maintenance[") {
		return "maintenance window " + id + " of the branch's own configuration (its agent's `maintenance:`)"
	}
	if ms, ok := s.o.Store.(store.Maintenance); ok {
		if all, err := ms.MaintenanceWindows(ctx); err == nil {
			for _, m := range all {
				if m.ID == id {
					where := "branch " + m.Branch
					if m.Branch == "" {
						where = "region " + m.Region
					}
					what := "the whole branch"
					if len(m.Window.Devices) > 0 {
						what = strings.Join(m.Window.Devices, ", ")
					}
					return fmt.Sprintf("maintenance window %s (%s, %s) made by %s: %s", m.ID, where, what, m.CreatedBy, describe(m)[len("maintenance window: "):])
				}
			}
		}
	}
	if ss, err := s.Silences(ctx, time.Time{}); err == nil {
		for _, sil := range ss {
			if sil.ID == id {
				return fmt.Sprintf("silence %s made by %s until %s: %s", sil.ID, sil.CreatedBy, sil.End.UTC().Format("Jan 2 15:04 UTC"), sil.Comment)
			}
		}
	}
	return "silence " + id
}
