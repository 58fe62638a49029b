package alerting

import (
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
)

// The cache's key must hold every field of a specification: a field added
// to calendar.Spec and not to the key would hand one branch another's
// calendar.
func TestTheCalendarKeyHoldsEveryFieldOfASpecification(t *testing.T) {
	if got, want := reflect.TypeFor[calendarKey]().NumField(), reflect.TypeFor[calendar.Spec]().NumField(); got != want {
		t.Fatalf("calendarKey has %d fields, calendar.Spec %d: add the new field to keyOf", got, want)
	}
}

func TestBranchesWithEqualCalendarsShareOneCompiledAndOthersDoNot(t *testing.T) {
	week := calendar.Week{Mon: "08:00-17:00", Tue: "08:00-17:00"}
	base := calendar.Spec{Timezone: "Europe/London", Hours: week}
	var c calendars
	load := time.LoadLocation
	for _, tc := range []struct {
		name  string
		other calendar.Spec
		same  bool
	}{
		{"an equal specification gets the same calendar", base, true},
		{"another zone gets its own", calendar.Spec{Timezone: "Europe/Paris", Hours: week}, false},
		{"other hours get their own", calendar.Spec{Timezone: "Europe/London", Hours: calendar.Week{Mon: "09:00-17:00"}}, false},
		{"a holiday gets its own", calendar.Spec{Timezone: "Europe/London", Hours: week,
			Holidays: []calendar.Holiday{{Date: "2026-12-25", Name: "Christmas"}}}, false},
		{"another lead gets its own", calendar.Spec{Timezone: "Europe/London", Hours: week, Lead: time.Hour}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, probs := c.compile(base, load)
			if len(probs) > 0 {
				t.Fatal(probs)
			}
			b, _ := c.compile(tc.other, load)
			if (a == b) != tc.same {
				t.Fatalf("same calendar: %v, want %v", a == b, tc.same)
			}
		})
	}
}
