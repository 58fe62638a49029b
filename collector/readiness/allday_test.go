package readiness

import (
	"testing"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/result"
)

// A lobby open around the clock is judged at its daily check time: a
// failure at 03:00 that was fixed by 05:30 leaves the day ready, with the
// deadline at check_time - lead.
func TestABranchOpenAroundTheClockIsJudgedAtItsCheckTime(t *testing.T) {
	all := "00:00-24:00"
	cal, probs := calendar.Compile(calendar.Spec{Timezone: "Europe/London",
		Hours: calendar.Week{Mon: all, Tue: all, Wed: all, Thu: all, Fri: all, Sat: all, Sun: all}})
	if probs != nil {
		t.Fatal(probs)
	}
	d, _ := fixture(t)
	rs := []result.Result{
		res("atm-01", "reachable", result.StatusFail, "03:00", "connection refused"),
		res("atm-01", "reachable", result.StatusOK, "05:30", "ok"),
		res("sign-01", "playlist", result.StatusOK, "05:30", "ok"),
	}
	j, err := Judge(d, cal, "2026-11-24", rs, at("12:00"))
	if err != nil {
		t.Fatal(err)
	}
	loc := cal.Location()
	if got := j.Deadline.In(loc).Format("15:04"); got != "05:45" || j.Opening.In(loc).Format("15:04") != "06:00" {
		t.Errorf("opening %s, deadline %s; want 06:00 and 05:45", j.Opening.In(loc).Format("15:04"), got)
	}
	if j.Verdict != Ready || !j.Final {
		t.Errorf("verdict %s (final %v), want a final ready", j.Verdict, j.Final)
	}
	if j.ReadyAt == nil || !j.ReadyAt.Equal(at("05:30")) {
		t.Errorf("ready at %v, want 05:30", j.ReadyAt)
	}
}
