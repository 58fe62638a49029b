package sla

import (
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/result"
)

// Device availability leaves maintenance out of both business hours and
// time up. New York, Tuesday 2026-03-10, open 09:00-17:00 (8 h = 28,800 s);
// no business sweeps, so a result holds until closing.
func TestAvailabilityLeavesMaintenanceOut(t *testing.T) {
	const ny = "America/New_York"
	at := func(v string) time.Time { return local(t, ny, "2026-03-10 "+v) }
	w := func(start, end string) calendar.Window {
		return calendar.Window{Devices: []string{"atm-01"}, Start: "2026-03-10 " + start, End: "2026-03-10 " + end}
	}
	tests := []struct {
		name         string
		status       result.Status
		windows      []calendar.Window
		business, up float64 // seconds
	}{
		{name: "without maintenance the ATM is up all business hours", status: result.StatusOK, business: 28800, up: 28800},
		{name: "two hours of maintenance at midday come off both", status: result.StatusOK,
			windows: []calendar.Window{w("12:00", "14:00")}, business: 21600, up: 21600},
		{name: "a failing ATM in maintenance for two hours is down six, not eight", status: result.StatusFail,
			windows: []calendar.Window{w("12:00", "14:00")}, business: 21600, up: 0},
		{name: "only the part of a window within business hours counts (08:00-10:00: one hour)", status: result.StatusOK,
			windows: []calendar.Window{w("08:00", "10:00")}, business: 25200, up: 25200},
		{name: "overlapping windows count once (12:00-14:00 and 13:00-15:00: three hours)", status: result.StatusOK,
			windows: []calendar.Window{w("12:00", "14:00"), w("13:00", "15:00")}, business: 18000, up: 18000},
		{name: "a weekly Tuesday window 16:00 for 2h covers the last business hour", status: result.StatusOK,
			windows: []calendar.Window{{Devices: []string{"atm-01"}, Weekday: "tue", At: "16:00", For: 2 * time.Hour}}, business: 25200, up: 25200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := *devices
			d.Devices = d.Devices[:1]
			d.Calendar = calendar.Spec{Timezone: ny, Hours: calendar.Week{Tue: "09:00-17:00"}, Lead: 15 * time.Minute,
				SweepStart: time.Hour, BusinessInterval: -1}
			d.Maintenance = tc.windows
			cal, probs := calendar.Compile(d.Calendar)
			if probs != nil {
				t.Fatal(probs)
			}
			day, _ := cal.DayByDate("2026-03-10")
			rs := []result.Result{r("atm-01", "reachable", tc.status, at("08:10"))}
			j, err := readiness.Judge(&d, cal, day.Date, rs, at("18:00"))
			if err != nil {
				t.Fatal(err)
			}
			up := Facts("ny1", &d, day, j, rs, Staleness(cal.Spec()), at("18:00"))
			if got := up.Devices[0]; got.BusinessSeconds != tc.business || got.UpSeconds != tc.up {
				t.Errorf("business %v s, up %v s; want %v, %v", got.BusinessSeconds, got.UpSeconds, tc.business, tc.up)
			}
		})
	}
}
