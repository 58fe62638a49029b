package alerting

import (
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/result"
)

func TestABranchsConfiguredMaintenanceWindowsMuteItsDevices(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 11, 29, 3, 0, 0, 0, berlin) // a Sunday, 03:00 in Berlin
	desc := func(ws ...calendar.Window) *result.Descriptor {
		return &result.Descriptor{Calendar: calendar.Spec{Timezone: "Europe/Berlin"}, Maintenance: ws}
	}
	for _, c := range []struct {
		name    string
		d       *result.Descriptor
		devices []string
	}{
		{"a weekly window that is on now mutes the devices it names",
			desc(calendar.Window{Name: "ATM software update", Devices: []string{"atm-01"}, Weekday: "sun", At: "02:00", For: 2 * time.Hour}), []string{"atm-01"}},
		{"a one-off window starting within the hour mutes from its first minute",
			desc(calendar.Window{Devices: []string{"pc-01", "pc-02"}, Start: "2026-11-29 03:30", End: "2026-11-29 05:00"}), []string{"pc-01", "pc-02"}},
		{"a window on another weekday mutes nothing",
			desc(calendar.Window{Devices: []string{"atm-01"}, Weekday: "sat", At: "02:00", For: 2 * time.Hour}), nil},
		{"a window that ended mutes nothing",
			desc(calendar.Window{Devices: []string{"atm-01"}, Start: "2026-11-29 01:00", End: "2026-11-29 02:00"}), nil},
		{"a branch without windows gets no silence", desc(), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := New(Options{})
			b := &branch{Branch: alerts.Branch{ID: "ber-001", Descriptor: c.d}, configHash: "h1"}
			got := s.configuredSilences(b, now)
			if len(got) != len(c.devices) {
				t.Fatalf("got %d silences %+v, want one for each of %v", len(got), got, c.devices)
			}
			for i, sil := range got {
				if sil.Matcher.Branch != "ber-001" || sil.Matcher.Device != c.devices[i] {
					t.Errorf("silence %d matches %+v, want device %s of ber-001", i, sil.Matcher, c.devices[i])
				}
				if !sil.Active(now) && !sil.Start.Before(now.Add(maintenanceAhead)) {
					t.Errorf("silence %d (%v–%v) neither on now nor within the hour", i, sil.Start, sil.End)
				}
			}
		})
	}
}

func TestAChangedBranchConfigurationRecompilesItsWindows(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 11, 29, 3, 0, 0, 0, berlin)
	s := New(Options{})
	b := &branch{Branch: alerts.Branch{ID: "ber-001", Descriptor: &result.Descriptor{Calendar: calendar.Spec{Timezone: "Europe/Berlin"},
		Maintenance: []calendar.Window{{Devices: []string{"atm-01"}, Weekday: "sun", At: "02:00", For: 2 * time.Hour}}}}, configHash: "h1"}
	if got := s.configuredSilences(b, now); len(got) != 1 {
		t.Fatalf("first configuration: %d silences, want 1", len(got))
	}
	b.Descriptor = &result.Descriptor{Calendar: calendar.Spec{Timezone: "Europe/Berlin"}}
	b.configHash = "h2"
	if got := s.configuredSilences(b, now); len(got) != 0 {
		t.Fatalf("after the window was removed from the configuration: %d silences, want none", len(got))
	}
}
