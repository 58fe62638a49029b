package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
)

func TestValidateShowsWhichEntrySetsEachOfTheNextDays(t *testing.T) {
	w := "09:00-17:00"
	cal, probs := calendar.Compile(calendar.Spec{Timezone: "Europe/London", Hours: calendar.Week{Mon: w, Tue: w, Wed: w, Thu: w, Fri: w},
		Holidays: []calendar.Holiday{
			{Date: "2026-12-25", Name: "Christmas", Source: "england.yaml"},
			{Date: "2026-12-24", Name: "Christmas Eve", Hours: "09:00-12:00"},
		},
		Rules: []calendar.Rule{{Name: "staff training", Weekdays: []string{"fri"}, Nth: -1, Opens: "10:30"}}})
	if probs != nil {
		t.Fatal(probs)
	}
	var b strings.Builder
	printDays(&b, cal, time.Date(2026, 12, 23, 12, 0, 0, 0, time.UTC), 4)
	want := `next 4 days (branch-local):
  Wed 2026-12-23  09:00-17:00, ready by 08:45  from hours.wed
  Thu 2026-12-24  09:00-12:00, ready by 08:45  from holidays: 2026-12-24
  Fri 2026-12-25  closed                       from holiday file england.yaml: 2026-12-25
  Sat 2026-12-26  closed                       from hours.sat
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	// 25 December 2026 is the last Friday of the month: the holiday file's
	// closure beats the training rule, and validate says so.
}
