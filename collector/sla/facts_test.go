package sla

import (
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/result"
)

func compile(t *testing.T, tz, sunday, monday string) *calendar.Calendar {
	t.Helper()
	cal, probs := calendar.Compile(calendar.Spec{Timezone: tz, Hours: calendar.Week{Sun: sunday, Mon: monday},
		Lead: 15 * time.Minute, SweepStart: time.Hour, BusinessInterval: 15 * time.Minute})
	if probs != nil {
		t.Fatal(probs)
	}
	return cal
}

var devices = &result.Descriptor{Name: "Main Street", Region: "east", Devices: []result.Device{
	{ID: "atm-01", Kind: "atm", Vendor: "NCR", Model: "SelfServ 84", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}},
	{ID: "pc-01", Kind: "banking_pc", Criticality: result.Degrading, Checks: []result.CheckRef{{Name: "login", Kind: "http"}}},
}}

// local parses a wall-clock time in tz.
func local(t *testing.T, tz, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func utc(s string) time.Time {
	v, _ := time.Parse("2006-01-02 15:04", s)
	return v
}

func r(dev, check string, s result.Status, at time.Time) result.Result {
	return result.Result{ID: dev + at.String(), Device: dev, Check: check, Status: s, StartedAt: at}
}

func TestFacts(t *testing.T) {
	const ny, syd = "America/New_York", "Australia/Sydney"
	nyAt := func(s string) time.Time { return local(t, ny, s) }
	tests := []struct {
		name     string
		tz       string
		sunday   string
		date     string
		results  []result.Result
		verdict  readiness.Verdict
		toReady  *float64 // seconds relative to the deadline
		business float64  // per device
		up       map[string]float64
		failures map[string]int
		repairs  map[string]float64 // repair seconds, one repair each
		blamed   string
	}{
		{name: "an ordinary New York day: a short ATM outage repaired, a PC that failed before opening, silence counted as down",
			tz: ny, date: "2026-03-09", results: []result.Result{
				r("atm-01", "reachable", result.StatusOK, nyAt("2026-03-09 08:05")),
				r("pc-01", "login", result.StatusFail, nyAt("2026-03-09 08:05")),
				r("atm-01", "reachable", result.StatusOK, nyAt("2026-03-09 09:00")),
				r("pc-01", "login", result.StatusFail, nyAt("2026-03-09 09:00")),
				r("atm-01", "reachable", result.StatusFail, nyAt("2026-03-09 10:00")),
				r("atm-01", "reachable", result.StatusOK, nyAt("2026-03-09 10:30")),
				r("atm-01", "reachable", result.StatusOK, nyAt("2026-03-09 11:00")),
				r("pc-01", "login", result.StatusOK, nyAt("2026-03-09 13:00")),
			},
			// ATM up 09:00-10:00 and 10:30-12:00 (the 11:00 result holds an hour);
			// PC up 13:00-14:00.
			verdict: readiness.ReadyDegraded, toReady: ptr(-40 * 60), business: 8 * 3600,
			up:       map[string]float64{"atm-01": 2.5 * 3600, "pc-01": 3600},
			failures: map[string]int{"atm-01": 1, "pc-01": 1},
			repairs:  map[string]float64{"atm-01": 30 * 60, "pc-01": 4*3600 + 55*60}},
		{name: "New York springs forward inside opening hours: 01:00 to 05:00 is three real hours",
			tz: ny, sunday: "01:00-05:00", date: "2026-03-08", results: []result.Result{
				r("atm-01", "reachable", result.StatusOK, nyAt("2026-03-08 00:40")),
				r("pc-01", "login", result.StatusOK, nyAt("2026-03-08 00:40")),
				r("atm-01", "reachable", result.StatusOK, nyAt("2026-03-08 01:30")),
				r("atm-01", "reachable", result.StatusOK, nyAt("2026-03-08 03:30")), // 02:30 EST + 1h: no gap
				r("atm-01", "reachable", result.StatusOK, nyAt("2026-03-08 04:30")),
			},
			verdict: readiness.Ready, toReady: ptr(-5 * 60), business: 3 * 3600,
			// The PC's 00:40 result holds until 01:40 EST: 40 minutes of business hours.
			up: map[string]float64{"atm-01": 3 * 3600, "pc-01": 40 * 60}},
		{name: "Sydney falls back inside opening hours: 01:30 to 05:00 is four and a half real hours; late and repaired",
			tz: syd, sunday: "01:30-05:00", date: "2026-04-05", results: []result.Result{
				r("atm-01", "reachable", result.StatusFail, utc("2026-04-04 14:00")), // 01:00 AEDT
				r("pc-01", "login", result.StatusOK, utc("2026-04-04 14:00")),
				r("atm-01", "reachable", result.StatusOK, utc("2026-04-04 15:30")), // 02:30 AEDT, the first one
				r("atm-01", "reachable", result.StatusOK, utc("2026-04-04 16:30")), // 02:30 AEST
				r("atm-01", "reachable", result.StatusOK, utc("2026-04-04 17:30")),
				r("atm-01", "reachable", result.StatusOK, utc("2026-04-04 18:30")),
			},
			// Deadline 01:15 AEDT (14:15Z); ready at 15:30Z: 75 minutes late.
			verdict: readiness.NotReady, toReady: ptr(75 * 60), business: 4.5 * 3600,
			up:       map[string]float64{"atm-01": 3.5 * 3600, "pc-01": 30 * 60},
			failures: map[string]int{"atm-01": 1},
			repairs:  map[string]float64{"atm-01": 90 * 60}, blamed: "atm-01"},
		{name: "a day without a single result is unknown, never ready and all down",
			tz: ny, date: "2026-03-09", verdict: readiness.Unknown, business: 8 * 3600, blamed: "atm-01"},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			cal := compile(t, c.tz, c.sunday, "09:00-17:00")
			day, _ := cal.DayByDate(c.date)
			j, err := readiness.Judge(devices, cal, c.date, c.results, day.Closing.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			got := Facts("b1", devices, day, j, c.results, Staleness(cal.Spec()), day.Closing)
			if got.Day.Verdict != string(c.verdict) {
				t.Errorf("verdict %s, want %s", got.Day.Verdict, c.verdict)
			}
			if (got.Day.ToReadySeconds == nil) != (c.toReady == nil) || c.toReady != nil && *got.Day.ToReadySeconds != *c.toReady {
				t.Errorf("time to ready %v, want %v", deref(got.Day.ToReadySeconds), deref(c.toReady))
			}
			var upSum float64
			for _, v := range got.Devices {
				if v.BusinessSeconds != c.business {
					t.Errorf("%s: business seconds %v, want %v", v.Device, v.BusinessSeconds, c.business)
				}
				if v.UpSeconds != c.up[v.Device] {
					t.Errorf("%s: up %v s, want %v", v.Device, v.UpSeconds, c.up[v.Device])
				}
				if v.Failures != c.failures[v.Device] {
					t.Errorf("%s: %d failures, want %d", v.Device, v.Failures, c.failures[v.Device])
				}
				if v.RepairSeconds != c.repairs[v.Device] {
					t.Errorf("%s: repair %v s, want %v", v.Device, v.RepairSeconds, c.repairs[v.Device])
				}
				if v.Blamed != (v.Device == c.blamed) {
					t.Errorf("%s: blamed %v, want %v", v.Device, v.Blamed, v.Device == c.blamed)
				}
				upSum += v.UpSeconds
			}
			if got.Day.DeviceSeconds != 2*c.business || got.Day.UpSeconds != upSum {
				t.Errorf("day sums %v / %v s, want %v / %v", got.Day.UpSeconds, got.Day.DeviceSeconds, upSum, 2*c.business)
			}
		})
	}
}

func ptr(v float64) *float64 { return &v }

func deref(p *float64) any {
	if p == nil {
		return "never"
	}
	return *p
}
