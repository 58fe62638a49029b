package alerts

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/render"
)

// message renders one message of inc for target t.
func (p *Policy) message(b *Branch, inc *Incident, t Posted, op notify.Op, event string, now time.Time) notify.Message {
	w := p.words(b, inc, event, now)
	return w.message(t, op)
}

// escalation gathers the words of an escalation step's messages.
func (p *Policy) escalation(b *Branch, inc *Incident, s EscalationStep, now time.Time) *words {
	w := p.words(b, inc, "escalated", now)
	w.d.EscalatedTo, w.d.Step = string(s.To), s.Before
	return w
}

// words are what the messages of one event of an incident show. The
// messages of one decision (an edit of the message and a reply in its
// thread, on each route told) show the same facts, so each locale's words
// are rendered once for all of them.
type words struct {
	p   *Policy
	inc *Incident
	d   render.Data
	now time.Time
	// locale is the locale r and reply were rendered in; reply is ""
	// until a reply was asked for.
	locale  string
	r       *render.Rendered
	reply   string
	replied bool
	// labels are the messages' labels, made for the first of them and
	// shared by the others (nothing writes a message's labels).
	labels map[string]string
}

func (p *Policy) words(b *Branch, inc *Incident, event string, now time.Time) *words {
	return &words{p: p, inc: inc, d: p.data(b, inc, event, now), now: now}
}

// rendered renders the message's words in locale, once per locale in a row.
func (w *words) rendered(locale string) *render.Rendered {
	if w.r == nil || w.locale != locale {
		r := w.p.render.Render(locale, w.d)
		w.r, w.locale, w.reply, w.replied = &r, locale, "", false
	}
	return w.r
}

// message makes the message of op for target t.
func (w *words) message(t Posted, op notify.Op) notify.Message {
	inc, d := w.inc, &w.d
	m := notify.Message{
		IncidentID: inc.ID, Notifier: t.Notifier, Target: t.Target, Op: op, Event: d.Event,
		Severity: string(inc.Severity), State: d.State, Link: d.Link, DecidedAt: w.now,
	}
	if w.labels == nil {
		w.labels = map[string]string{"branch": inc.Key.Branch, "region": inc.Region, "device": inc.Key.Device, "check": inc.Key.Check, "kind": string(inc.Kind)}
	}
	m.Labels = w.labels
	r := w.rendered(t.Locale)
	m.Title, m.Fields = r.Title, slices.Clone(r.Fields)
	if op == notify.Reply {
		if !w.replied {
			w.reply, w.replied = w.p.render.Reply(t.Locale, w.d), true
		}
		m.Text = w.reply
		return m
	}
	m.Text = r.Text
	if inc.State == Firing && !inc.Acked() {
		m.Button = []notify.Button{
			{Action: notify.Ack, Label: r.AckLabel, Value: notify.ButtonValue(notify.Ack, inc.ID, 0)},
			{Action: notify.Snooze, Label: r.SnoozeLabel, Value: notify.ButtonValue(notify.Snooze, inc.ID, DefaultSnooze)},
		}
	}
	return m
}

// data gathers what templates show about inc at now.
func (p *Policy) data(b *Branch, inc *Incident, event string, now time.Time) render.Data {
	d := render.Data{
		Event: event, State: stateWord(inc), Severity: string(inc.Severity), Kind: string(inc.Kind),
		Branch: b.ID, BranchName: b.ID, Region: inc.Region, Device: inc.Key.Device,
		Reason: inc.Reason, Since: p.when(b, inc.Since, now), For: nonNegative(now.Sub(inc.Since)),
		Deadline: p.deadline(b, now), Link: p.link(b.ID),
	}
	if inc.Kind == KindCheck {
		d.Check = inc.Key.Check
	}
	if b.Descriptor != nil && b.Descriptor.Name != "" {
		d.BranchName = b.Descriptor.Name
	}
	if dev, ref := b.check(inc.Key.Device, inc.Key.Check); dev != nil {
		d.DeviceKind, d.Vendor, d.Model = dev.Kind, dev.Vendor, dev.Model
		d.PerHour = p.perHour(b, dev.TransactionsPerDay, now)
		if ref != nil {
			d.CheckKind, d.Remedy = ref.Kind, ref.Remedy
			if d.Remedy == "" {
				d.Remedy = p.cfg.Remedies[ref.Kind]
			}
		}
	}
	if inc.Acked() {
		d.AckedBy, d.AckedAt = inc.AckedBy, p.when(b, inc.AckedAt, now)
	}
	if inc.Snoozed(now) {
		d.SnoozedBy, d.SnoozedUntil = inc.SnoozedBy, p.when(b, inc.SnoozedUntil, now)
	}
	d.EscalatedTo = widest(inc.Notified)
	switch inc.Kind {
	case KindAgentSilent:
		d.Silent = nonNegative(now.Sub(b.LastHeard))
	case KindUnreachable:
		d.Checks, _, _ = p.unreachable(b)
	}
	if inc.State == Resolved {
		d.Lasted = nonNegative(inc.ResolvedAt.Sub(inc.Since))
	}
	return d
}

// stateWord is the state a message shows.
func stateWord(inc *Incident) string {
	switch {
	case inc.State == Resolved:
		return "resolved"
	case inc.Acked():
		return "acknowledged"
	}
	return "firing"
}

// widest returns the widest audience told beyond the branch, "" if none.
func widest(ps []Posted) string {
	w := ""
	for _, p := range ps {
		switch {
		case p.Level == LevelOperations:
			return string(LevelOperations)
		case p.Level == LevelRegion:
			w = string(LevelRegion)
		}
	}
	return w
}

// deadline describes today's readiness deadline as seen at now.
func (p *Policy) deadline(b *Branch, now time.Time) render.Deadline {
	day, ok := p.today(b, now)
	if !ok || !now.Before(day.Closing) {
		return render.Deadline{Phase: "closed"}
	}
	d := render.Deadline{At: p.clock(b, day.Deadline), Opening: p.clock(b, day.Opening), Phase: "passed"}
	if now.Before(day.Deadline) {
		d.Phase, d.Left = "before", day.Deadline.Sub(now)
	}
	return d
}

// perHour spreads a device's daily transactions over the opening hours of
// today, or of the next open day when today is closed.
func (p *Policy) perHour(b *Branch, perDay int, now time.Time) float64 {
	if perDay <= 0 || b.Calendar == nil {
		return 0
	}
	l := now.In(b.Calendar.Location())
	for i := range 8 {
		day := b.Calendar.Day(l.Year(), l.Month(), l.Day()+i)
		if h := day.Closing.Sub(day.Opening).Hours(); day.Open && h > 0 {
			return float64(perDay) / h
		}
	}
	return 0
}

func (p *Policy) link(branch string) string {
	if p.cfg.BaseURL == "" {
		return ""
	}
	return strings.TrimRight(p.cfg.BaseURL, "/") + "/branches/" + url.PathEscape(branch)
}

// clock writes t as a branch-local clock time.
func (p *Policy) clock(b *Branch, t time.Time) string {
	if b.Calendar != nil {
		t = t.In(b.Calendar.Location())
	}
	return t.Format("15:04")
}

// when writes t as a branch-local clock time, with the date when it is
// not today's.
func (p *Policy) when(b *Branch, t, now time.Time) string {
	if b.Calendar != nil {
		t, now = t.In(b.Calendar.Location()), now.In(b.Calendar.Location())
	}
	if t.Format(time.DateOnly) == now.Format(time.DateOnly) {
		return t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}

func nonNegative(d time.Duration) time.Duration { return max(d, 0) }
