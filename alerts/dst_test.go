package alerts_test

import (
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
)

// Escalation steps are real minutes before the deadline, which the
// calendar computes in the branch's zone. On a daylight-saving day a
// wall-clock subtraction would be an hour out; these cases put the steps
// across the change itself.
func TestEscalationOnDaylightSavingDays(t *testing.T) {
	for _, tc := range []struct {
		name, tz, hours string
		// steps are the UTC instants of T-30, T-15 and T-0.
		steps [3]string
	}{
		{"New York, spring forward, doors at 09:00 EDT", "America/New_York", "09:00-17:00",
			[3]string{"2026-03-08T12:15:00Z", "2026-03-08T12:30:00Z", "2026-03-08T12:45:00Z"}},
		{"New York, spring forward, doors at 03:30 EDT: T-30 falls before the gap, at 01:45 EST", "America/New_York", "03:30-12:00",
			[3]string{"2026-03-08T06:45:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:15:00Z"}},
		{"New York, fall back, doors at 02:30 EST: T-30 is the second 01:45, in EST", "America/New_York", "02:30-12:00",
			[3]string{"2026-11-01T06:45:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:15:00Z"}},
		{"Sydney, DST ends, doors at 09:00 AEST", "Australia/Sydney", "09:00-17:00",
			[3]string{"2026-04-04T22:15:00Z", "2026-04-04T22:30:00Z", "2026-04-04T22:45:00Z"}},
		{"Sydney, DST ends, doors at 03:30 AEST: T-30 is the second 02:45", "Australia/Sydney", "03:30-12:00",
			[3]string{"2026-04-04T16:45:00Z", "2026-04-04T17:00:00Z", "2026-04-04T17:15:00Z"}},
		{"Sydney, DST starts, doors at 03:30 AEDT: T-30 is 01:45 AEST, before the gap", "Australia/Sydney", "03:30-12:00",
			[3]string{"2026-10-03T15:45:00Z", "2026-10-03T16:00:00Z", "2026-10-03T16:15:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.ReminderInterval = 4 * time.Hour
			p, b := newPolicy(t, cfg), branch(t, tc.tz, tc.hours)
			var steps [3]time.Time
			for i, s := range tc.steps {
				v, err := time.Parse(time.RFC3339, s)
				if err != nil {
					t.Fatal(err)
				}
				steps[i] = v
			}
			start := steps[0].Add(-40 * time.Minute)
			for _, at := range []time.Time{start, start.Add(time.Minute)} {
				b.LastHeard = at
				p.Observe(b, fail("atm-02", "service", "cassette jammed", at), at)
			}
			if inc := only(t, b, "atm-02"); inc.State != alerts.Firing || len(inc.Notified) != 1 {
				t.Fatalf("before the steps: %s to %v", inc.State, inc.Notified)
			}
			wants := [3][]string{
				{"update #lon-01 escalated", "reply #lon-01 escalated"},
				{"post #south escalated", "update #lon-01 escalated", "reply #lon-01 escalated"},
				{"post #ops escalated", "post tickets escalated", "update #lon-01 escalated", "reply #lon-01 escalated", "update #south escalated", "reply #south escalated"},
			}
			for i, at := range steps {
				early := at.Add(-time.Minute)
				b.LastHeard = early
				sameLines(t, "a minute before step "+tc.steps[i], says(p.Tick(b, early).Messages), nil)
				b.LastHeard = at
				sameLines(t, "at step "+tc.steps[i], says(p.Tick(b, at).Messages), wants[i])
			}
		})
	}
}

func TestEscalationStepsRestartEachBranchDay(t *testing.T) {
	cfg := testConfig()
	cfg.ReminderInterval = 48 * time.Hour
	p, b := newPolicy(t, cfg), london(t)
	for _, s := range []string{"2026-03-02 08:20", "2026-03-02 08:21"} {
		now := local(t, "Europe/London", s)
		b.LastHeard = now
		p.Observe(b, fail("atm-02", "service", "jammed", now), now)
	}
	for _, s := range []string{"2026-03-02 08:30", "2026-03-02 08:45"} {
		now := local(t, "Europe/London", s)
		b.LastHeard = now
		p.Tick(b, now)
	}
	now := local(t, "Europe/London", "2026-03-03 08:15")
	b.LastHeard = now
	sameLines(t, "the next morning at T-30", says(p.Tick(b, now).Messages), []string{
		"update #lon-01 escalated", "reply #lon-01 escalated", "update #south escalated", "reply #south escalated",
		"update #ops escalated", "reply #ops escalated", "update tickets escalated", "reply tickets escalated",
	})
}
