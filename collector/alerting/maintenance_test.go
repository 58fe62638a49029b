package alerting

import (
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

func TestStoredMaintenanceWindowsBecomeSilences(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Date(2026, 11, 29, 3, 0, 0, 0, berlin) // a Sunday, 03:00 in Berlin
	b := &branch{Branch: alerts.Branch{ID: "ber-001", Descriptor: &result.Descriptor{Region: "north",
		Calendar: calendar.Spec{Timezone: "Europe/Berlin"}}}}
	oneOff := func(start, end string, devices ...string) calendar.Window {
		return calendar.Window{Devices: devices, Start: start, End: end}
	}
	at := func(hhmm string) time.Time {
		t, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-29 "+hhmm, berlin)
		return t
	}
	for _, c := range []struct {
		name string
		m    store.MaintenanceRecord
		want []alerts.Silence
	}{
		{"a window for some devices of the branch mutes each of them",
			store.MaintenanceRecord{ID: "mw-1", Branch: "ber-001", Comment: "ATM swap", Window: oneOff("2026-11-29 02:00", "2026-11-29 06:00", "atm-01", "atm-02")},
			[]alerts.Silence{
				{ID: "mw-1", Matcher: alerts.Matcher{Branch: "ber-001", Device: "atm-01"}, Start: at("02:00"), End: at("06:00"), Comment: "maintenance window: ATM swap"},
				{ID: "mw-1", Matcher: alerts.Matcher{Branch: "ber-001", Device: "atm-02"}, Start: at("02:00"), End: at("06:00"), Comment: "maintenance window: ATM swap"}}},
		{"a window naming no device mutes the whole branch",
			store.MaintenanceRecord{ID: "mw-2", Branch: "ber-001", Comment: "power works", Window: oneOff("2026-11-29 02:00", "2026-11-29 06:00")},
			[]alerts.Silence{{ID: "mw-2", Matcher: alerts.Matcher{Branch: "ber-001"}, Start: at("02:00"), End: at("06:00"), Comment: "maintenance window: power works"}}},
		{"a window of the branch's region mutes the branch",
			store.MaintenanceRecord{ID: "mw-3", Region: "north", Comment: "WAN works", Window: calendar.Window{Weekday: "sun", At: "02:00", For: 4 * time.Hour}},
			[]alerts.Silence{{ID: "mw-3", Matcher: alerts.Matcher{Branch: "ber-001"}, Start: at("02:00"), End: at("06:00"), Comment: "maintenance window: WAN works"}}},
		{"a window starting within the hour is ready to mute from its first minute",
			store.MaintenanceRecord{ID: "mw-4", Branch: "ber-001", Comment: "soon", Window: oneOff("2026-11-29 03:30", "2026-11-29 04:00")},
			[]alerts.Silence{{ID: "mw-4", Matcher: alerts.Matcher{Branch: "ber-001"}, Start: at("03:30"), End: at("04:00"), Comment: "maintenance window: soon"}}},
		{"a window of another region mutes nothing",
			store.MaintenanceRecord{ID: "mw-5", Region: "south", Window: calendar.Window{Weekday: "sun", At: "02:00", For: 4 * time.Hour}}, nil},
		{"a window of another branch mutes nothing",
			store.MaintenanceRecord{ID: "mw-6", Branch: "ber-002", Window: oneOff("2026-11-29 02:00", "2026-11-29 06:00")}, nil},
		{"a window that ended mutes nothing",
			store.MaintenanceRecord{ID: "mw-7", Branch: "ber-001", Window: oneOff("2026-11-29 01:00", "2026-11-29 02:00")}, nil},
		{"a recurring window on another weekday mutes nothing",
			store.MaintenanceRecord{ID: "mw-8", Branch: "ber-001", Window: calendar.Window{Weekday: "sat", At: "02:00", For: 4 * time.Hour}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := New(Options{})
			got := s.windowSilences([]store.MaintenanceRecord{c.m}, b, now)
			for i := range got {
				got[i].Start, got[i].End = got[i].Start.In(berlin), got[i].End.In(berlin)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("silences\n%+v\nwant\n%+v", got, c.want)
			}
			for _, sil := range got {
				if sil.Start.Before(now) && !sil.Active(now) {
					t.Errorf("%s started but is not active now", sil.ID)
				}
			}
		})
	}
}
