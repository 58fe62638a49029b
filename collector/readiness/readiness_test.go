package readiness

import (
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/result"
)

func fixture(t testing.TB) (*result.Descriptor, *calendar.Calendar) {
	t.Helper()
	cal, probs := calendar.Compile(calendar.Spec{
		Timezone: "Europe/London",
		Hours:    calendar.Week{Mon: "09:00-17:00", Tue: "09:00-17:00", Wed: "09:00-17:00", Thu: "09:00-17:00", Fri: "09:00-17:00"},
		Lead:     15 * time.Minute, SweepStart: time.Hour,
	})
	if probs != nil {
		t.Fatal(probs)
	}
	d := &result.Descriptor{Name: "Bank Street", Devices: []result.Device{
		{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}},
		{ID: "sign-01", Kind: "signage", Criticality: result.Degrading, Checks: []result.CheckRef{{Name: "playlist", Kind: "http"}}},
		{ID: "clock", Kind: "other", Criticality: result.Informational, Checks: []result.CheckRef{{Name: "ntp", Kind: "tcp"}}},
	}}
	return d, cal
}

// at returns a London wall-clock time on Tuesday 2026-11-24.
func at(hhmm string) time.Time {
	loc, _ := time.LoadLocation("Europe/London")
	t, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-24 "+hhmm, loc)
	return t
}

func res(dev, check string, s result.Status, hhmm, reason string) result.Result {
	return result.Result{ID: dev + check + hhmm, Branch: "lon", Device: dev, Check: check, Status: s, StartedAt: at(hhmm), Reason: reason}
}

func TestJudge(t *testing.T) {
	okAll := []result.Result{
		res("atm-01", "reachable", result.StatusOK, "08:05", "ok"),
		res("sign-01", "playlist", result.StatusOK, "08:05", "ok"),
		res("clock", "ntp", result.StatusFail, "08:05", "ntp down"),
	}
	tests := []struct {
		name        string
		results     []result.Result
		now         string
		want        Verdict
		final       bool
		readyAt     string
		problem     string
		wantCurrent Verdict
	}{
		{name: "every check passing before the deadline is ready; informational failures do not count",
			results: okAll, now: "09:30", want: Ready, final: true, readyAt: "08:05", wantCurrent: Ready},
		{name: "a failing blocking device makes the branch not ready and names it",
			results: []result.Result{res("atm-01", "reachable", result.StatusFail, "08:05", "connection refused"), res("sign-01", "playlist", result.StatusOK, "08:05", "")},
			now:     "09:30", want: NotReady, final: true, problem: "atm-01/reachable: connection refused", wantCurrent: NotReady},
		{name: "a failing degrading device makes the branch ready but degraded",
			results: []result.Result{res("atm-01", "reachable", result.StatusOK, "08:05", ""), res("sign-01", "playlist", result.StatusFail, "08:05", "stale playlist")},
			now:     "09:30", want: ReadyDegraded, final: true, readyAt: "08:05", problem: "sign-01/playlist: stale playlist", wantCurrent: ReadyDegraded},
		{name: "no results at all is unknown: the agent is silent",
			now: "09:30", want: Unknown, final: true, problem: "atm-01/reachable: no result from the agent since the pre-opening sweep began at 08:00", wantCurrent: Unknown},
		{name: "a pending manual confirmation on a blocking device is not ready",
			results: []result.Result{res("atm-01", "reachable", result.StatusUnknown, "08:05", "waiting for a member of staff to confirm")},
			now:     "08:30", want: NotReady, problem: "atm-01/reachable: waiting for a member of staff to confirm"},
		{name: "a device fixed after the deadline leaves the day not ready but the branch ready now, with a late time to ready",
			results: []result.Result{res("atm-01", "reachable", result.StatusFail, "08:05", "down"), res("sign-01", "playlist", result.StatusOK, "08:05", ""),
				res("atm-01", "reachable", result.StatusOK, "08:55", "")},
			now: "09:30", want: NotReady, final: true, readyAt: "08:55", problem: "atm-01/reachable: down", wantCurrent: Ready},
		{name: "the streak that holds at the deadline gives the time to ready",
			results: []result.Result{res("atm-01", "reachable", result.StatusOK, "08:00", ""), res("atm-01", "reachable", result.StatusFail, "08:10", "down"),
				res("atm-01", "reachable", result.StatusOK, "08:20", ""), res("sign-01", "playlist", result.StatusOK, "08:00", "")},
			now: "08:50", want: Ready, final: true, readyAt: "08:20", wantCurrent: Ready},
		{name: "before the deadline the verdict is provisional",
			results: okAll, now: "08:30", want: Ready, readyAt: "08:05"},
		{name: "results before the pre-opening window do not count",
			results: []result.Result{res("atm-01", "reachable", result.StatusOK, "07:30", "")}, now: "08:30", want: Unknown,
			problem: "atm-01/reachable: no result"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, cal := fixture(t)
			j, err := Judge(d, cal, "2026-11-24", tc.results, at(tc.now))
			if err != nil {
				t.Fatal(err)
			}
			if j.Verdict != tc.want || j.Final != tc.final {
				t.Fatalf("verdict %s final %v, want %s final %v (%+v)", j.Verdict, j.Final, tc.want, tc.final, j)
			}
			if got := ""; tc.readyAt != "" {
				if j.ReadyAt != nil {
					got = j.ReadyAt.In(at("00:00").Location()).Format("15:04")
				}
				if got != tc.readyAt {
					t.Errorf("ready at %q, want %q", got, tc.readyAt)
				}
			} else if j.ReadyAt != nil {
				t.Errorf("ready at %v, want none", j.ReadyAt)
			}
			if tc.problem != "" {
				if len(j.Problems) == 0 {
					t.Fatalf("no problems, want %q", tc.problem)
				}
				p := j.Problems[0]
				if got := p.Device + "/" + p.Check + ": " + p.Reason; !strings.HasPrefix(got, tc.problem) {
					t.Errorf("first problem %q, want %q", got, tc.problem)
				}
			}
			if tc.wantCurrent != "" && (j.Current == nil || j.Current.Verdict != tc.wantCurrent) {
				t.Errorf("current %+v, want %s", j.Current, tc.wantCurrent)
			}
		})
	}
}

func TestJudgeClosedDay(t *testing.T) {
	d, cal := fixture(t)
	j, err := Judge(d, cal, "2026-11-22", nil, at("09:00"))
	if err != nil {
		t.Fatal(err)
	}
	if j.Verdict != Closed || j.Open {
		t.Fatalf("Sunday: verdict %s open %v, want closed", j.Verdict, j.Open)
	}
	if !j.Final {
		t.Errorf("a closed Sunday judged on the Tuesday after is not final")
	}
	future, err := Judge(d, cal, "2026-11-29", nil, at("09:00"))
	if err != nil {
		t.Fatal(err)
	}
	if future.Verdict != Closed || future.Final {
		t.Errorf("next Sunday: verdict %s final %v, want closed and not yet final", future.Verdict, future.Final)
	}
}

func TestAProblemIsDatedFromWhenItBegan(t *testing.T) {
	d, cal := fixture(t)
	rs := []result.Result{
		res("atm-01", "reachable", result.StatusOK, "08:00", ""),
		res("atm-01", "reachable", result.StatusFail, "08:10", "connection refused"),
		res("atm-01", "reachable", result.StatusFail, "08:20", "connection refused"),
		res("atm-01", "reachable", result.StatusFail, "08:30", "connection refused"),
	}
	j, err := Judge(d, cal, "2026-11-24", rs, at("08:35"))
	if err != nil {
		t.Fatal(err)
	}
	if len(j.Problems) == 0 || j.Problems[0].Device != "atm-01" {
		t.Fatalf("problems %+v, want atm-01 first", j.Problems)
	}
	p := j.Problems[0]
	if !p.Since.Equal(at("08:10")) || !p.At.Equal(at("08:30")) {
		t.Errorf("failing since %v (latest %v), want since 08:10, latest 08:30", p.Since, p.At)
	}
}
