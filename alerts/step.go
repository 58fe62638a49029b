package alerts

import (
	"fmt"
	"strings"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/result"
)

// thresholds returns the fail and resolve counts for a check: the check
// kind's entry, else the device kind's, else the default, field by field.
func (p *Policy) thresholds(deviceKind, checkKind string) Thresholds {
	t := p.cfg.Thresholds.Default
	for _, o := range []Thresholds{p.cfg.Thresholds.DeviceKinds[deviceKind], p.cfg.Thresholds.CheckKinds[checkKind]} {
		if o.Fail > 0 {
			t.Fail = o.Fail
		}
		if o.Resolve > 0 {
			t.Resolve = o.Resolve
		}
	}
	return t
}

// observe moves the result's incident: a failure opens or feeds it, passes
// in a row resolve it. Unknown results (a manual item not yet confirmed,
// a check that could not judge) move nothing.
func (p *Policy) observe(b *Branch, o *Outcome, obs Observation, now time.Time) {
	if obs.Status == result.StatusUnknown || !obs.Status.Valid() {
		return
	}
	fail := !obs.Status.Passing()
	key := Key{Branch: b.ID, Device: obs.Device, Check: obs.Check}
	inc := b.open(key)
	if inc == nil {
		if !fail {
			return
		}
		inc = p.newIncident(b, key, KindCheck, obs.At)
		b.Incidents = append(b.Incidents, inc)
	} else if !obs.At.After(inc.LastResult) {
		// A late or replayed result: what it says is already overtaken.
		return
	}
	o.changed(inc)
	inc.LastResult = obs.At
	dev, ref := b.check(obs.Device, obs.Check)
	var th Thresholds
	if dev != nil && ref != nil {
		th = p.thresholds(dev.Kind, ref.Kind)
	} else {
		th = p.thresholds("", "")
	}
	if fail {
		inc.Failures++
		inc.Passes = 0
		inc.Reason = obs.Reason
		inc.Unreachable = obs.Unreachable
		if inc.State == Pending && inc.Failures >= th.Fail {
			inc.State, inc.FiredAt = Firing, now
		}
		return
	}
	inc.Passes++
	switch {
	case inc.State == Pending:
		// Never fired, never told: it ends quietly.
		inc.State, inc.ResolvedAt = Resolved, now
	case inc.Passes >= th.Resolve:
		p.resolve(b, o, inc, now)
	}
}

// newIncident starts an episode whose first failure was at since.
func (p *Policy) newIncident(b *Branch, key Key, kind Kind, since time.Time) *Incident {
	sev := Critical
	if kind == KindCheck {
		if d := b.device(key.Device); d != nil {
			sev = SeverityOf(d.Criticality)
		}
	}
	return &Incident{ID: incidentID(key, since), Key: key, Kind: kind, Region: b.region(), State: Pending, Severity: sev, Since: since}
}

// resolve closes a firing incident and, if anyone was told, edits each
// message and says so in its thread, silence or not: a "down" message left
// standing would mislead.
func (p *Policy) resolve(b *Branch, o *Outcome, inc *Incident, now time.Time) {
	inc.State, inc.ResolvedAt = Resolved, now
	o.changed(inc)
	if len(inc.Notified) == 0 {
		return
	}
	w := p.words(b, inc, "resolved", now)
	for _, t := range inc.Notified {
		o.Messages = append(o.Messages, w.message(t, notify.Update), w.message(t, notify.Reply))
	}
}

// branchWide opens or resolves the two incidents about a whole branch:
// its agent is silent, or none of its checks can connect.
func (p *Policy) branchWide(b *Branch, o *Outcome, now time.Time) {
	silent := !b.LastHeard.IsZero() && now.Sub(b.LastHeard) >= p.cfg.AgentSilentAfter
	p.condition(b, o, KindAgentSilent, silent, b.LastHeard, func() string {
		return "no results or heartbeats from the agent since " + p.clock(b, b.LastHeard)
	}, now)
	if silent {
		// No results arrive, so the unreachable judgement cannot change.
		return
	}
	n, since, down := p.unreachable(b)
	p.condition(b, o, KindUnreachable, down, since, func() string { return fmt.Sprintf("all %d checks fail to connect", n) }, now)
}

// condition keeps a branch-wide incident in step with whether its
// condition holds. Such an incident fires at once: the condition is
// already built on the thresholds of the results behind it. reason is
// written only for an incident it opens: a tick judges every branch, and
// formatting reasons nobody reads was most of a tick's work at bank scale.
func (p *Policy) condition(b *Branch, o *Outcome, kind Kind, holds bool, since time.Time, reason func() string, now time.Time) {
	key := Key{Branch: b.ID, Check: string(kind)}
	inc := b.open(key)
	switch {
	case holds && inc == nil:
		inc = p.newIncident(b, key, kind, since)
		inc.State, inc.FiredAt, inc.Reason, inc.Failures, inc.LastResult = Firing, now, reason(), 1, now
		b.Incidents = append(b.Incidents, inc)
		o.changed(inc)
	case !holds && inc != nil:
		p.resolve(b, o, inc, now)
	}
}

// unreachable reports whether every check of the branch that talks to a
// device (not manual items) currently fails to connect, with their count
// and the earliest first failure. A branch of one check is not judged: its
// one device being down says nothing about the network.
func (p *Policy) unreachable(b *Branch) (n int, since time.Time, down bool) {
	if b.Descriptor == nil || len(b.Incidents) < 2 {
		// Fewer than two incidents cannot cover two checks: the usual
		// case at every tick, not worth a walk of the branch's checks.
		return 0, time.Time{}, false
	}
	for _, d := range b.Descriptor.Devices {
		for _, c := range d.Checks {
			if c.Kind == "manual" {
				continue
			}
			n++
			inc := b.open(Key{Branch: b.ID, Device: d.ID, Check: c.Name})
			if inc == nil || !inc.Unreachable || inc.Passes > 0 {
				return n, time.Time{}, false
			}
			if since.IsZero() || inc.Since.Before(since) {
				since = inc.Since
			}
		}
	}
	return n, since, n >= 2
}

// dropUnconfigured resolves incidents of checks that the branch no longer
// has, so that a removed device does not stay "down" forever.
func (p *Policy) dropUnconfigured(b *Branch, o *Outcome, now time.Time) {
	if b.Descriptor == nil {
		return
	}
	for _, inc := range b.Incidents {
		if inc.Kind != KindCheck || !inc.Open() {
			continue
		}
		if _, ref := b.check(inc.Key.Device, inc.Key.Check); ref == nil {
			inc.Reason = "the check is no longer in the branch's configuration"
			if inc.State == Pending {
				inc.State, inc.ResolvedAt = Resolved, now
				o.changed(inc)
				continue
			}
			p.resolve(b, o, inc, now)
		}
	}
}

// connectWords are how the checks word a failure to reach a device at all
// (as opposed to a device that answers and is unwell).
var connectWords = []string{
	"cannot connect", "connection refused", "unreachable", "no route to host", "network is down",
	"does not answer ping", "i/o timeout", "host is down", "cannot ping",
}

// ConnectFailure reports whether a failure reason says the device could
// not be reached at all. The branch-unreachable judgement rests on it.
func ConnectFailure(reason string) bool {
	r := strings.ToLower(reason)
	for _, w := range connectWords {
		if strings.Contains(r, w) {
			return true
		}
	}
	return false
}
