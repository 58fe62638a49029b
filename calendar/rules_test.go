package calendar

import (
	"strings"
	"testing"
	"time"
)

// TestSpecialHours: recurring rules and the precedence between dated
// entries, rules and the week, each day hand-checked against a 2026 wall
// calendar.
func TestSpecialHours(t *testing.T) {
	week := Week{Mon: "09:00-17:00", Tue: "09:00-17:00", Wed: "09:00-17:00", Thu: "09:00-17:00", Fri: "09:00-17:00"}
	spec := func(tz string) Spec {
		return Spec{Timezone: tz, Hours: week, Lead: 15 * time.Minute, SweepStart: time.Hour,
			Holidays: []Holiday{
				// A holiday file closes 2026-08-28 (the last Friday of August)...
				{Date: "2026-08-28", Name: "file closure", Source: "england.yaml"},
				// ...and the branch's own entry, listed after it, wins.
				{Date: "2026-08-28", Name: "open for the fair", Hours: "08:00-12:00"},
				// A file entry alone stands, and beats every rule.
				{Date: "2026-07-31", Name: "summer bank day", Source: "england.yaml"},
				// The first file to list a date wins over a later file.
				{Date: "2026-06-01", Name: "first file", Hours: "11:00-15:00", Source: "a.yaml"},
				{Date: "2026-06-01", Name: "second file", Source: "b.yaml"},
			},
			Rules: []Rule{
				{Name: "staff training", Weekdays: []string{"fri"}, Nth: -1, Opens: "10:30"},
				{Name: "summer hours", Weekdays: []string{"mon", "tue", "wed", "thu", "fri"}, From: "06-01", To: "08-31", Hours: "08:30-16:00"},
				{Name: "winter sundays", Weekdays: []string{"sun"}, Nth: 2, From: "12-01", To: "03-31", Hours: "02:30-05:00"},
				{Name: "spring sunday", Weekdays: []string{"sun"}, Nth: -1, From: "03-01", To: "03-31", Hours: "10:00-14:00"},
			},
		}
	}
	tests := []struct {
		name, tz, date   string
		open             bool
		opening, closing string // branch-local HH:MM
		deadlineUTC      string // HH:MM UTC, hand-computed
		rule             string
	}{
		{name: "an ordinary Tuesday keeps the week's hours", tz: "Europe/London", date: "2026-11-24",
			open: true, opening: "09:00", closing: "17:00", deadlineUTC: "08:45", rule: "hours.tue"},
		{name: "the last Friday of November opens at 10:30 and keeps its closing", tz: "Europe/London", date: "2026-11-27",
			open: true, opening: "10:30", closing: "17:00", deadlineUTC: "10:15", rule: "rules[0] staff training"},
		{name: "the Friday before it is not the last one", tz: "Europe/London", date: "2026-11-20",
			open: true, opening: "09:00", closing: "17:00", deadlineUTC: "08:45", rule: "hours.fri"},
		{name: "a summer Wednesday keeps summer hours (BST, UTC+1)", tz: "Europe/London", date: "2026-07-15",
			open: true, opening: "08:30", closing: "16:00", deadlineUTC: "07:15", rule: "rules[1] summer hours"},
		{name: "the last Friday of July is listed first: training beats summer hours, but a file holiday beats both", tz: "Europe/London", date: "2026-07-31",
			open: false, rule: "holiday file england.yaml: 2026-07-31"},
		{name: "the last Friday of June: training (listed first) opens at 10:30 on a day summer hours do not set", tz: "Europe/London", date: "2026-06-26",
			open: true, opening: "10:30", closing: "17:00", deadlineUTC: "09:15", rule: "rules[0] staff training"},
		{name: "an inline entry overrides a holiday file's for the same date", tz: "Europe/London", date: "2026-08-28",
			open: true, opening: "08:00", closing: "12:00", deadlineUTC: "06:45", rule: "holidays: 2026-08-28"},
		{name: "between two holiday files the first listed wins", tz: "Europe/London", date: "2026-06-01",
			open: true, opening: "11:00", closing: "15:00", deadlineUTC: "09:45", rule: "holiday file a.yaml: 2026-06-01"},
		{name: "1 September is past summer hours", tz: "Europe/London", date: "2026-09-01",
			open: true, opening: "09:00", closing: "17:00", deadlineUTC: "07:45", rule: "hours.tue"},
		{name: "a rule can open a day the week keeps closed: the last Sunday of March is the EU spring-forward day, 10:00 BST",
			tz: "Europe/London", date: "2026-03-29", open: true, opening: "10:00", closing: "14:00", deadlineUTC: "08:45", rule: "rules[3] spring sunday"},
		{name: "New York's spring-forward Sunday: a 02:30 opening falls in the gap and moves to 03:30 EDT, the deadline 15 real minutes before",
			tz: "America/New_York", date: "2026-03-08", open: true, opening: "03:30", closing: "05:00", deadlineUTC: "07:15", rule: "rules[2] winter sundays"},
		{name: "a span across the new year matches in January (02:30 EST)", tz: "America/New_York", date: "2026-01-11",
			open: true, opening: "02:30", closing: "05:00", deadlineUTC: "07:15", rule: "rules[2] winter sundays"},
		{name: "and not in April", tz: "America/New_York", date: "2026-04-12", open: false, rule: "hours.sun"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cal, probs := Compile(spec(tc.tz))
			if probs != nil {
				t.Fatal(probs)
			}
			d, err := cal.DayByDate(tc.date)
			if err != nil {
				t.Fatal(err)
			}
			if d.Rule != tc.rule {
				t.Errorf("rule %q, want %q", d.Rule, tc.rule)
			}
			if d.Open != tc.open {
				t.Fatalf("open %v, want %v", d.Open, tc.open)
			}
			if !tc.open {
				return
			}
			loc := cal.Location()
			if got := d.Opening.In(loc).Format("15:04"); got != tc.opening {
				t.Errorf("opening %s, want %s", got, tc.opening)
			}
			if got := d.Closing.In(loc).Format("15:04"); got != tc.closing {
				t.Errorf("closing %s, want %s", got, tc.closing)
			}
			if got := d.Deadline.UTC().Format("15:04"); got != tc.deadlineUTC {
				t.Errorf("deadline %s UTC, want %s", got, tc.deadlineUTC)
			}
		})
	}
}

func TestInvalidRulesAreReportedWithTheirPath(t *testing.T) {
	s := Spec{Timezone: "UTC", Hours: Week{Mon: "09:00-17:00"}, Rules: []Rule{
		{Weekdays: []string{"friday"}, Nth: 5, Opens: "10:30"},
		{From: "06-31", Hours: "9-5"},
		{Opens: "10:00", Hours: "10:00-12:00"},
	}, Holidays: []Holiday{{Date: "2026-12-24"}, {Date: "2026-12-24", Hours: "09:00-12:00"}}}
	_, probs := Compile(s)
	var got []string
	for _, p := range probs {
		got = append(got, p.Path+": "+p.Msg)
	}
	want := []string{
		`holidays[1].date: "2026-12-24": already given by holidays[0]`,
		`rules[0].weekdays[0]: "friday": must be mon, tue, wed, thu, fri, sat or sun`,
		`rules[0].nth: 5: must be 1-4 or -1 (the last), with weekdays set`,
		`rules[1].from: "06-31": must be MM-DD, e.g. 06-01`,
		`rules[1]: set both from and to, or neither`,
		`rules[1].hours: "9-5": must be HH:MM-HH:MM (e.g. 09:00-17:00) or closed`,
		`rules[2]: set exactly one of hours and opens`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
