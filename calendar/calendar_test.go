package calendar

import (
	"strings"
	"testing"
	"time"
)

func mustCompile(t *testing.T, s Spec) *Calendar {
	t.Helper()
	c, probs := Compile(s)
	if probs != nil {
		t.Fatalf("compile: %v", probs)
	}
	return c
}

var weekdays = Week{Mon: "09:00-17:00", Tue: "09:00-17:00", Wed: "09:00-17:00", Thu: "09:00-17:00", Fri: "09:00-17:00", Sat: "09:30-12:30"}

func TestDayAcrossTimeZonesAndDaylightSaving(t *testing.T) {
	tests := []struct {
		name, tz, date   string
		wantOpeningUTC   string
		wantDeadlineUTC  string
		wantSweepFromUTC string
	}{
		{"London in winter opens at 09:00 UTC", "Europe/London", "2026-11-24", "09:00", "08:45", "08:00"},
		{"London on the spring-forward Monday opens at 08:00 UTC", "Europe/London", "2026-03-30", "08:00", "07:45", "07:00"},
		{"London on the Saturday of the autumn change keeps local hours", "Europe/London", "2026-10-24", "08:30", "08:15", "07:30"},
		{"New York on the Monday after DST begins opens at 13:00 UTC", "America/New_York", "2026-03-09", "13:00", "12:45", "12:00"},
		{"New York in winter opens at 14:00 UTC", "America/New_York", "2026-11-24", "14:00", "13:45", "13:00"},
		{"Tokyo has no daylight saving and opens at 00:00 UTC", "Asia/Tokyo", "2026-07-01", "00:00", "23:45", "23:00"},
		{"Sydney in its summer opens at 22:00 UTC the day before", "Australia/Sydney", "2026-11-24", "22:00", "21:45", "21:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCompile(t, Spec{Timezone: tc.tz, Hours: weekdays})
			d, err := c.DayByDate(tc.date)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Open {
				t.Fatalf("%s: closed, want open", tc.date)
			}
			for _, x := range []struct {
				what string
				got  time.Time
				want string
			}{{"opening", d.Opening, tc.wantOpeningUTC}, {"deadline", d.Deadline, tc.wantDeadlineUTC}, {"sweep start", d.SweepFrom, tc.wantSweepFromUTC}} {
				if got := x.got.UTC().Format("15:04"); got != x.want {
					t.Errorf("%s %s UTC, want %s", x.what, got, x.want)
				}
			}
		})
	}
}

func TestClosedDaysAndHolidays(t *testing.T) {
	c := mustCompile(t, Spec{Timezone: "Europe/London", Hours: weekdays, Holidays: []Holiday{
		{Date: "2026-12-25", Name: "Christmas Day"},
		{Date: "2026-12-24", Name: "Christmas Eve", Hours: "09:00-12:00"},
	}})
	tests := []struct {
		name, date  string
		open        bool
		holiday     string
		wantClosing string
	}{
		{"a Sunday without hours is closed", "2026-11-22", false, "", ""},
		{"a public holiday is closed and named", "2026-12-25", false, "Christmas Day", ""},
		{"a half day keeps its own hours", "2026-12-24", true, "Christmas Eve", "12:00"},
		{"a Saturday keeps Saturday hours", "2026-11-28", true, "", "12:30"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := c.DayByDate(tc.date)
			if d.Open != tc.open || d.Holiday != tc.holiday {
				t.Fatalf("open %v holiday %q, want %v %q", d.Open, d.Holiday, tc.open, tc.holiday)
			}
			if tc.open && d.Closing.Format("15:04") != tc.wantClosing {
				t.Errorf("closing %s, want %s", d.Closing.Format("15:04"), tc.wantClosing)
			}
			if !tc.open && len(c.Slots(d)) != 0 {
				t.Errorf("a closed day has %d sweeps, want none", len(c.Slots(d)))
			}
		})
	}
}

func TestSlotsRunFromSweepStartToDeadlineThenThroughBusinessHours(t *testing.T) {
	c := mustCompile(t, Spec{Timezone: "Europe/London", Hours: weekdays, RetryInterval: 15 * time.Minute, BusinessInterval: 4 * time.Hour})
	d, _ := c.DayByDate("2026-03-30") // the Monday after the clocks went forward
	var got []string
	for _, s := range c.Slots(d) {
		got = append(got, s.At.Format("15:04")+" "+string(s.Kind))
	}
	want := "08:00 pre_opening,08:15 pre_opening,08:30 pre_opening,08:45 pre_opening,09:00 business_hours,13:00 business_hours"
	if strings.Join(got, ",") != want {
		t.Errorf("slots\n got %s\nwant %s", strings.Join(got, ","), want)
	}
}

func TestNextSkipsClosedDays(t *testing.T) {
	c := mustCompile(t, Spec{Timezone: "Europe/London", Hours: weekdays, BusinessInterval: -1})
	loc := c.Location()
	sat := time.Date(2026, 11, 28, 13, 0, 0, 0, loc) // after Saturday closing
	s, ok := c.Next(sat)
	if !ok {
		t.Fatal("no next slot")
	}
	if got := s.At.In(loc).Format("Mon 15:04"); got != "Mon 08:00" || s.Kind != PreOpening {
		t.Errorf("next slot %s %s, want Mon 08:00 pre_opening", got, s.Kind)
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	_, probs := Compile(Spec{Timezone: "Mars/Olympus", Hours: Week{Mon: "9-5", Tue: "17:00-09:00"}, Lead: 2 * time.Hour, SweepStart: time.Hour,
		Holidays: []Holiday{{Date: "25/12/2026"}}})
	var got []string
	for _, p := range probs {
		got = append(got, p.Path+": "+p.Msg)
	}
	want := []string{
		`timezone: "Mars/Olympus": unknown time zone (use an IANA name such as Europe/London)`,
		`hours.mon: "9-5": must be HH:MM-HH:MM (e.g. 09:00-17:00) or closed`,
		`hours.tue: "17:00-09:00": closing time must be after opening time`,
		`holidays[0].date: "25/12/2026": must be a date YYYY-MM-DD`,
		`lead: 2h0m0s: must not exceed sweep_start (1h0m0s), or the pre-opening sweep would start after the deadline`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
