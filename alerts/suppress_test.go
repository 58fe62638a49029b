package alerts_test

import (
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
)

func TestSuppression(t *testing.T) {
	const tz = "Europe/London"
	t.Run("when every check fails to connect, one branch-unreachable incident speaks for the devices", func(t *testing.T) {
		p, b := newPolicy(t, testConfig()), london(t)
		var msgs []string
		for _, s := range []string{"07:00", "07:05"} {
			now := local(t, tz, "2026-03-02 "+s)
			b.LastHeard = now
			for _, o := range []alerts.Observation{
				fail("router", "ping", "10.0.0.1 does not answer ping (0 of 3 replies)", now),
				fail("atm-02", "service", "cannot connect to 10.0.0.12:443: i/o timeout", now),
				fail("printer", "status", "cannot connect to 10.0.0.13:161: connection refused", now),
			} {
				msgs = append(msgs, says(p.Observe(b, o, now).Messages)...)
			}
		}
		sameLines(t, "messages", msgs, []string{"post #lon-01 opened"})
		var unreachable *alerts.Incident
		for _, inc := range b.Incidents {
			if inc.Kind == alerts.KindUnreachable {
				unreachable = inc
			}
		}
		if unreachable == nil || unreachable.State != alerts.Firing {
			t.Fatalf("no firing branch-unreachable incident among %v", b.Incidents)
		}
		if atm := only(t, b, "atm-02"); atm.State != alerts.Firing || atm.SuppressedBy != unreachable.ID {
			t.Errorf("the ATM's incident is %s, suppressed by %q, want firing and suppressed by %s", atm.State, atm.SuppressedBy, unreachable.ID)
		}
		now := local(t, tz, "2026-03-02 07:10")
		b.LastHeard = now
		o := p.Observe(b, pass("router", "ping", now), now)
		sameLines(t, "a device answering again resolves the branch incident; the printer, failing still, speaks (the ATM waits on its router)",
			says(o.Messages), []string{"update #lon-01 resolved", "reply #lon-01 resolved", "post #lon-01 opened"})
		if dev := o.Messages[len(o.Messages)-1].Labels["device"]; dev != "printer" {
			t.Errorf("the post is about %q, want the printer", dev)
		}
	})
	t.Run("a device failing while the device it depends on fails stays quiet until its parent recovers", func(t *testing.T) {
		p, b := newPolicy(t, testConfig()), london(t)
		var msgs []string
		for _, s := range []string{"07:00", "07:05"} {
			now := local(t, tz, "2026-03-02 "+s)
			b.LastHeard = now
			msgs = append(msgs, says(p.Observe(b, fail("router", "ping", "packet loss 40%", now), now).Messages)...)
			msgs = append(msgs, says(p.Observe(b, fail("atm-02", "service", "host answers 503", now), now).Messages)...)
		}
		sameLines(t, "while the router fails", msgs, []string{"post #lon-01 opened"})
		if atm := only(t, b, "atm-02"); atm.SuppressedBy != only(t, b, "router").ID {
			t.Errorf("ATM suppressed by %q", atm.SuppressedBy)
		}
		msgs = nil
		for _, s := range []string{"07:10", "07:15"} {
			now := local(t, tz, "2026-03-02 "+s)
			b.LastHeard = now
			msgs = append(msgs, says(p.Observe(b, pass("router", "ping", now), now).Messages)...)
		}
		sameLines(t, "after the router recovers", msgs, []string{"update #lon-01 resolved", "reply #lon-01 resolved", "post #lon-01 opened"})
	})
	t.Run("a silent agent is its own incident for operations and quiets the branch's others", func(t *testing.T) {
		p, b := newPolicy(t, testConfig()), london(t)
		for _, s := range []string{"07:00", "07:05"} {
			now := local(t, tz, "2026-03-02 "+s)
			b.LastHeard = now
			p.Observe(b, fail("atm-02", "service", "jammed", now), now)
		}
		sameLines(t, "nine minutes after the last word", says(p.Tick(b, local(t, tz, "2026-03-02 07:14")).Messages), nil)
		sameLines(t, "ten minutes after", says(p.Tick(b, local(t, tz, "2026-03-02 07:15")).Messages), []string{"post #ops opened", "post tickets opened"})
		if atm := only(t, b, "atm-02"); atm.SuppressedBy == "" {
			t.Error("the ATM's incident is not suppressed while the agent is silent")
		}
		sameLines(t, "no reminder for the ATM while silent", says(p.Tick(b, local(t, tz, "2026-03-02 07:40")).Messages), nil)
		now := local(t, tz, "2026-03-02 07:41")
		b.LastHeard = now
		sameLines(t, "the agent speaking again resolves it, and the ATM's overdue reminder follows", says(p.Tick(b, now).Messages),
			[]string{"update #ops resolved", "reply #ops resolved", "update tickets resolved", "reply tickets resolved", "reply #lon-01 reminder"})
	})
}

func TestSilences(t *testing.T) {
	const tz = "Europe/London"
	for _, tc := range []struct {
		name    string
		matcher alerts.Matcher
		muted   bool
	}{
		{"a silence on the device mutes it", alerts.Matcher{Device: "atm-*"}, true},
		{"a silence on the region mutes it", alerts.Matcher{Region: "south"}, true},
		{"a silence on another branch does not", alerts.Matcher{Branch: "par-01"}, false},
		{"a silence on another check of the device does not", alerts.Matcher{Device: "atm-02", Check: "cash"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, b := newPolicy(t, testConfig()), london(t)
			b.Silences = []alerts.Silence{{ID: "sil-1", Matcher: tc.matcher, Start: local(t, tz, "2026-03-02 06:00"), End: local(t, tz, "2026-03-02 07:30"), CreatedBy: "amy", Comment: "vendor visit"}}
			var msgs []string
			for _, s := range []string{"07:00", "07:05"} {
				now := local(t, tz, "2026-03-02 "+s)
				b.LastHeard = now
				msgs = append(msgs, says(p.Observe(b, fail("atm-02", "service", "jammed", now), now).Messages)...)
			}
			if got := len(msgs) == 0; got != tc.muted {
				t.Fatalf("muted %v, want %v (messages %q)", got, tc.muted, msgs)
			}
			if !tc.muted {
				return
			}
			if inc := only(t, b, "atm-02"); inc.State != alerts.Firing || inc.MutedBy != "sil-1" {
				t.Errorf("a muted incident must still fire: %s muted by %q", inc.State, inc.MutedBy)
			}
			now := local(t, tz, "2026-03-02 07:30")
			b.LastHeard = now
			sameLines(t, "when the silence ends", says(p.Tick(b, now).Messages), []string{"post #lon-01 opened"})
		})
	}
	t.Run("a maintenance window from the configuration mutes like a silence", func(t *testing.T) {
		cfg := testConfig()
		cfg.Maintenance = []alerts.Maintenance{{Matcher: alerts.Matcher{Branch: "lon-*"}, Start: "2026-03-02T06:00:00Z", End: "2026-03-02T08:00:00Z"}}
		p, b := newPolicy(t, cfg), london(t)
		for _, s := range []string{"07:00", "07:05"} {
			now := local(t, tz, "2026-03-02 "+s)
			b.LastHeard = now
			if o := p.Observe(b, fail("atm-02", "service", "jammed", now), now); len(o.Messages) > 0 {
				t.Errorf("sent %q during maintenance", says(o.Messages))
			}
		}
		if inc := only(t, b, "atm-02"); inc.MutedBy != "maintenance[0]" {
			t.Errorf("muted by %q", inc.MutedBy)
		}
	})
}

func TestOperationsOnIncidents(t *testing.T) {
	p, b := newPolicy(t, testConfig()), london(t)
	now := local(t, "Europe/London", "2026-03-02 07:00")
	for _, f := range []func() (alerts.Outcome, error){
		func() (alerts.Outcome, error) { return p.Ack(b, "inc-nope", "amy", now) },
		func() (alerts.Outcome, error) { return p.Snooze(b, "inc-nope", "amy", time.Hour, now) },
	} {
		if _, err := f(); err == nil {
			t.Error("an unknown incident was operated on")
		}
	}
	b.LastHeard = now
	p.Observe(b, fail("atm-02", "service", "jammed", now), now)
	if _, err := p.Snooze(b, only(t, b, "atm-02").ID, "amy", 48*time.Hour, now); err == nil {
		t.Error("a two-day snooze was accepted")
	}
}
