package alerts

import (
	"strings"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/calendar"
)

// settle brings every open incident's suppression and muting up to date
// and posts the first message of firing incidents that are free to speak
// and have not yet spoken (just fired, or their silence just ended).
func (p *Policy) settle(b *Branch, o *Outcome, now time.Time) {
	for _, inc := range b.Incidents {
		if !inc.Open() {
			continue
		}
		sup, mut := p.suppressor(b, inc), p.muter(b, inc, now)
		if sup != inc.SuppressedBy || mut != inc.MutedBy {
			inc.SuppressedBy, inc.MutedBy = sup, mut
			o.changed(inc)
		}
		// One that is already passing again is on its way out: announcing
		// it now would only be noise.
		if inc.State == Firing && sup == "" && mut == "" && len(inc.Notified) == 0 && inc.Passes == 0 {
			p.post(b, o, inc, now)
		}
	}
}

// post sends an incident's first message to the audiences it fires to.
func (p *Policy) post(b *Branch, o *Outcome, inc *Incident, now time.Time) {
	levels := p.firingLevels(b, inc, now)
	for _, t := range p.targets(b, levels) {
		inc.Notified = append(inc.Notified, t)
		o.Messages = append(o.Messages, p.message(b, inc, t, notify.Post, "opened", now))
	}
	inc.LastNotified = now
	o.changed(inc)
}

// firingLevels says who hears of an incident first. Agent silence goes to
// operations. In business hours the severity decides. Otherwise the branch
// hears first, together with every audience whose escalation step before
// today's deadline has already passed (the incident is late news for them).
func (p *Policy) firingLevels(b *Branch, inc *Incident, now time.Time) []Level {
	if inc.Kind == KindAgentSilent {
		return []Level{LevelOperations}
	}
	day, ok := p.today(b, now)
	if ok && !now.Before(day.Opening) && now.Before(day.Closing) {
		return p.severityLevels(inc.Severity)
	}
	levels := []Level{LevelBranch}
	if due := p.dueSteps(b, inc, day, now); due > 0 {
		for _, s := range p.cfg.Escalation[:due] {
			levels = append(levels, s.To)
		}
		inc.EscalationDay, inc.EscalationSteps = day.Date, due
	}
	return levels
}

func (p *Policy) severityLevels(s Severity) []Level {
	switch s {
	case Warning:
		return p.cfg.Routing.Severity.Warning
	case Info:
		return p.cfg.Routing.Severity.Info
	}
	return p.cfg.Routing.Severity.Critical
}

// today returns the branch-day of now, ok false on a closed day or without
// a calendar.
func (p *Policy) today(b *Branch, now time.Time) (calendar.Day, bool) {
	if b.Calendar == nil {
		return calendar.Day{}, false
	}
	d := b.Calendar.DayOf(now)
	return d, d.Open
}

// dueSteps counts the escalation steps that apply to inc today and whose
// time (deadline minus the step's lead, in real elapsed time, so DST days
// are right) has come. Only critical incidents (the branch is not ready
// while they fail) escalate, and only those that fired before today's
// opening: an incident of business hours follows its severity routing.
// After closing nothing escalates until the next day's steps.
func (p *Policy) dueSteps(b *Branch, inc *Incident, day calendar.Day, now time.Time) int {
	if !day.Open || inc.Severity != Critical || inc.Kind == KindAgentSilent {
		return 0
	}
	if !inc.FiredAt.Before(day.Opening) || !now.Before(day.Closing) {
		return 0
	}
	n := 0
	for _, s := range p.cfg.Escalation {
		if now.Before(day.Deadline.Add(-s.Before)) {
			break
		}
		n++
	}
	return n
}

// escalate runs the escalation steps that have come due since the last
// tick. New audiences get the incident's message; those who have it get
// a thread reply and an edited message saying who else now knows. An
// acknowledged or snoozed incident escalates all the same: the deadline
// does not wait for whoever is on it.
func (p *Policy) escalate(b *Branch, o *Outcome, inc *Incident, now time.Time) {
	day, ok := p.today(b, now)
	if !ok {
		return
	}
	if inc.EscalationDay != day.Date {
		inc.EscalationDay, inc.EscalationSteps = day.Date, 0
	}
	due := p.dueSteps(b, inc, day, now)
	if due <= inc.EscalationSteps {
		return
	}
	steps := p.cfg.Escalation[inc.EscalationSteps:due]
	inc.EscalationSteps = due
	last := steps[len(steps)-1]
	var levels []Level
	for _, s := range steps {
		levels = append(levels, s.To)
	}
	had := len(inc.Notified)
	w := p.escalation(b, inc, last, now)
	for _, t := range p.targets(b, levels) {
		if !inc.posted(t.Notifier, t.Target) {
			inc.Notified = append(inc.Notified, t)
			o.Messages = append(o.Messages, w.message(t, notify.Post))
		}
	}
	for _, t := range inc.Notified[:had] {
		o.Messages = append(o.Messages, w.message(t, notify.Update), w.message(t, notify.Reply))
	}
	inc.LastNotified = now
	o.changed(inc)
}

// remind repeats a firing incident in its threads while nobody has taken
// it on.
func (p *Policy) remind(b *Branch, o *Outcome, inc *Incident, now time.Time) {
	if inc.Acked() || inc.Snoozed(now) || now.Sub(inc.LastNotified) < p.cfg.ReminderInterval {
		return
	}
	w := p.words(b, inc, "reminder", now)
	for _, t := range inc.Notified {
		o.Messages = append(o.Messages, w.message(t, notify.Reply))
	}
	inc.Reminders++
	inc.LastNotified = now
	o.changed(inc)
}

// targets resolves audiences to targets, without repeats. A branch without
// its own channel uses the default; a region without one, and operations
// when unset, fall back as Routing documents.
func (p *Policy) targets(b *Branch, levels []Level) []Posted {
	r := p.cfg.Routing
	var out []Posted
	for _, l := range levels {
		var ts []Target
		switch l {
		case LevelBranch:
			ts = r.Branches[b.ID]
			if len(ts) == 0 {
				ts = r.Default
			}
		case LevelRegion:
			ts = r.Regions[b.region()]
		}
		if len(ts) == 0 && l != LevelBranch {
			ts = r.Operations
			if len(ts) == 0 {
				ts = r.Default
			}
		}
		for _, t := range ts {
			pt := Posted{Notifier: t.Notifier, Target: t.Target, Locale: t.Locale, Level: l}
			if pt.Target == "" {
				pt.Target = strings.TrimPrefix(t.Notifier, "webhook:")
			}
			if pt.Locale == "" {
				pt.Locale = p.cfg.Locale
			}
			if !containsTarget(out, pt) {
				out = append(out, pt)
			}
		}
	}
	return out
}

func containsTarget(ps []Posted, t Posted) bool {
	for _, p := range ps {
		if p.Notifier == t.Notifier && p.Target == t.Target {
			return true
		}
	}
	return false
}
