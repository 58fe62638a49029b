package alerts_test

import (
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/result"
)

// action is one thing that happens to the branch at a moment.
type action func(t *testing.T, p *alerts.Policy, b *alerts.Branch, now time.Time) alerts.Outcome

func atmFails(t *testing.T, p *alerts.Policy, b *alerts.Branch, now time.Time) alerts.Outcome {
	b.LastHeard = now
	return p.Observe(b, fail("atm-02", "service", "cannot dispense: cassette jammed", now), now)
}

func atmPasses(t *testing.T, p *alerts.Policy, b *alerts.Branch, now time.Time) alerts.Outcome {
	b.LastHeard = now
	return p.Observe(b, pass("atm-02", "service", now), now)
}

func printerFails(t *testing.T, p *alerts.Policy, b *alerts.Branch, now time.Time) alerts.Outcome {
	b.LastHeard = now
	return p.Observe(b, fail("printer", "status", "paper out", now), now)
}

// tick is a tick while the agent sends heartbeats.
func tick(t *testing.T, p *alerts.Policy, b *alerts.Branch, now time.Time) alerts.Outcome {
	b.LastHeard = now
	return p.Tick(b, now)
}

func ackATM(t *testing.T, p *alerts.Policy, b *alerts.Branch, now time.Time) alerts.Outcome {
	o, err := p.Ack(b, only(t, b, "atm-02").ID, "amy", now)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func snoozeATM(t *testing.T, p *alerts.Policy, b *alerts.Branch, now time.Time) alerts.Outcome {
	o, err := p.Snooze(b, only(t, b, "atm-02").ID, "amy", 30*time.Minute, now)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

type step struct {
	at   string // branch-local time on Monday 2 March 2026
	do   action
	want []string
	// state of the ATM's incident afterwards; "" when it has none open.
	state alerts.State
}

func TestIncidentLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   func(*alerts.Config)
		steps []step
	}{
		{name: "one failure is not enough to fire, and a pass ends it without a word", steps: []step{
			{"08:00", atmFails, nil, alerts.Pending},
			{"08:05", atmPasses, nil, ""},
		}},
		{name: "a second failure in a row fires to the branch channel, and two passes resolve it with an edit and a reply", steps: []step{
			{"08:00", atmFails, nil, alerts.Pending},
			{"08:05", atmFails, []string{"post #lon-01 opened"}, alerts.Firing},
			{"08:10", atmPasses, nil, alerts.Firing},
			{"08:12", atmPasses, []string{"update #lon-01 resolved", "reply #lon-01 resolved"}, ""},
		}},
		{name: "a device that flaps stays one incident with one message", steps: []step{
			{"07:00", atmFails, nil, alerts.Pending},
			{"07:05", atmFails, []string{"post #lon-01 opened"}, alerts.Firing},
			{"07:10", atmPasses, nil, alerts.Firing},
			{"07:15", atmFails, nil, alerts.Firing},
			{"07:20", atmPasses, nil, alerts.Firing},
			{"07:25", atmFails, nil, alerts.Firing},
		}},
		{name: "a device kind's threshold of one fires at the first failure", cfg: func(c *alerts.Config) {
			c.Thresholds.DeviceKinds = map[string]alerts.Thresholds{"atm": {Fail: 1}}
		}, steps: []step{
			{"07:00", atmFails, []string{"post #lon-01 opened"}, alerts.Firing},
		}},
		{name: "a check kind's threshold beats its device kind's", cfg: func(c *alerts.Config) {
			c.Thresholds.DeviceKinds = map[string]alerts.Thresholds{"atm": {Fail: 1}}
			c.Thresholds.CheckKinds = map[string]alerts.Thresholds{"tcp": {Fail: 3}}
		}, steps: []step{
			{"07:00", atmFails, nil, alerts.Pending},
			{"07:01", atmFails, nil, alerts.Pending},
			{"07:02", atmFails, []string{"post #lon-01 opened"}, alerts.Firing},
		}},
		{name: "an open incident is reminded in its thread every 30 minutes", steps: []step{
			{"06:00", atmFails, nil, alerts.Pending},
			{"06:01", atmFails, []string{"post #lon-01 opened"}, alerts.Firing},
			{"06:30", tick, nil, alerts.Firing},
			{"06:31", tick, []string{"reply #lon-01 reminder"}, alerts.Firing},
			{"06:45", tick, nil, alerts.Firing},
			{"07:01", tick, []string{"reply #lon-01 reminder"}, alerts.Firing},
		}},
		{name: "an acknowledged incident edits its message and is not reminded", steps: []step{
			{"06:00", atmFails, nil, alerts.Pending},
			{"06:01", atmFails, []string{"post #lon-01 opened"}, alerts.Firing},
			{"06:10", ackATM, []string{"update #lon-01 acknowledged"}, alerts.Firing},
			{"07:31", tick, nil, alerts.Firing},
		}},
		{name: "a snoozed incident is not reminded until the snooze ends", steps: []step{
			{"06:00", atmFails, nil, alerts.Pending},
			{"06:01", atmFails, []string{"post #lon-01 opened"}, alerts.Firing},
			{"06:25", snoozeATM, []string{"update #lon-01 snoozed"}, alerts.Firing},
			{"06:40", tick, nil, alerts.Firing},
			{"06:55", tick, []string{"reply #lon-01 reminder"}, alerts.Firing},
		}},
		{name: "a late result older than the last one applied changes nothing", steps: []step{
			{"06:00", atmFails, nil, alerts.Pending},
			{"06:05", atmFails, []string{"post #lon-01 opened"}, alerts.Firing},
			{"06:10", atmPasses, nil, alerts.Firing},
			{"06:03", atmPasses, nil, alerts.Firing},
		}},
		{name: "a blocking device failing in business hours tells the branch and the region", steps: []step{
			{"10:00", atmFails, nil, alerts.Pending},
			{"10:05", atmFails, []string{"post #lon-01 opened", "post #south opened"}, alerts.Firing},
			{"10:06", tick, nil, alerts.Firing},
		}},
		{name: "a degrading device failing in business hours tells only the branch", steps: []step{
			{"10:00", printerFails, nil, ""},
			{"10:05", printerFails, []string{"post #lon-01 opened"}, ""},
		}},
		{name: "escalation before the deadline: T-30 nudges the branch, T-15 tells the region, T-0 operations", steps: []step{
			{"07:50", atmFails, nil, alerts.Pending},
			{"07:55", atmFails, []string{"post #lon-01 opened"}, alerts.Firing},
			{"08:14", tick, nil, alerts.Firing},
			{"08:15", tick, []string{"update #lon-01 escalated", "reply #lon-01 escalated"}, alerts.Firing},
			{"08:20", ackATM, []string{"update #lon-01 acknowledged"}, alerts.Firing},
			{"08:30", tick, []string{"post #south escalated", "update #lon-01 escalated", "reply #lon-01 escalated"}, alerts.Firing},
			{"08:44", tick, nil, alerts.Firing},
			{"08:45", tick, []string{"post #ops escalated", "post tickets escalated",
				"update #lon-01 escalated", "reply #lon-01 escalated", "update #south escalated", "reply #south escalated"}, alerts.Firing},
			{"09:30", tick, nil, alerts.Firing},
			{"09:35", atmPasses, nil, alerts.Firing},
			{"09:40", atmPasses, []string{"update #lon-01 resolved", "reply #lon-01 resolved", "update #south resolved", "reply #south resolved",
				"update #ops resolved", "reply #ops resolved", "update tickets resolved", "reply tickets resolved"}, ""},
		}},
		{name: "an incident that fires after T-15 goes straight to the branch and the region", steps: []step{
			{"08:31", atmFails, nil, alerts.Pending},
			{"08:36", atmFails, []string{"post #lon-01 opened", "post #south opened"}, alerts.Firing},
			{"08:37", tick, nil, alerts.Firing},
			{"08:45", tick, []string{"post #ops escalated", "post tickets escalated",
				"update #lon-01 escalated", "reply #lon-01 escalated", "update #south escalated", "reply #south escalated"}, alerts.Firing},
		}},
		{name: "a warning does not escalate at the deadline", steps: []step{
			{"08:00", printerFails, nil, ""},
			{"08:05", printerFails, []string{"post #lon-01 opened"}, ""},
			{"08:30", tick, nil, ""},
			{"08:45", tick, []string{"reply #lon-01 reminder"}, ""},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			run(t, newPolicy(t, cfg), london(t), "Europe/London", "2026-03-02 ", tc.steps)
		})
	}
}

func run(t *testing.T, p *alerts.Policy, b *alerts.Branch, tz, date string, steps []step) {
	t.Helper()
	for i, s := range steps {
		now := local(t, tz, date+s.at)
		o := s.do(t, p, b, now)
		sameLines(t, "step "+s.at, says(o.Messages), s.want)
		got := alerts.State("")
		for _, inc := range b.Incidents {
			if inc.Key.Device == "atm-02" {
				got = inc.State
			}
		}
		if got != s.state {
			t.Errorf("step %d (%s): ATM incident %q, want %q", i, s.at, got, s.state)
		}
	}
}

func TestUnknownResultsMoveNothing(t *testing.T) {
	p, b := newPolicy(t, testConfig()), london(t)
	now := local(t, "Europe/London", "2026-03-02 08:00")
	o := p.Observe(b, alerts.Observation{Device: "book", Check: "feedback_book", Status: result.StatusUnknown, Reason: "waiting", At: now}, now)
	if len(o.Changed) != 0 || len(b.Incidents) != 0 {
		t.Errorf("an unknown result opened %v", o.Changed)
	}
}
