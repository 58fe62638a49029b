package alerts

import (
	"errors"
	"fmt"
	"time"

	"github.com/branchready/branchready/alerts/notify"
)

// Errors of the operations people perform on incidents.
var (
	// ErrNoIncident: no open incident of the branch has that id (it may
	// have resolved since the button was drawn).
	ErrNoIncident = errors.New("no open incident with that id")
	// ErrBadSnooze: a snooze must last a positive time, at most a day.
	ErrBadSnooze = errors.New("a snooze lasts more than 0 and at most 24h")
)

// MaxSnooze bounds a snooze, so that a slip of the finger cannot mute an
// incident for a week.
const MaxSnooze = 24 * time.Hour

// Ack records that by has taken the incident on: reminders stop, the
// incident's messages are edited to say who and when, and it still
// escalates at the deadline if it is not fixed by then.
func (p *Policy) Ack(b *Branch, id, by string, now time.Time) (Outcome, error) {
	return p.operate(b, id, now, "acknowledged", func(inc *Incident) {
		inc.AckedBy, inc.AckedAt = by, now
	})
}

// Unack takes an acknowledgement (and any snooze) back: reminders resume.
func (p *Policy) Unack(b *Branch, id, by string, now time.Time) (Outcome, error) {
	return p.operate(b, id, now, "unacknowledged", func(inc *Incident) {
		inc.AckedBy, inc.AckedAt = "", time.Time{}
		inc.SnoozedBy, inc.SnoozedUntil = "", time.Time{}
	})
}

// Snooze holds the incident's reminders for d. Escalation at the deadline
// still happens.
func (p *Policy) Snooze(b *Branch, id, by string, d time.Duration, now time.Time) (Outcome, error) {
	if d <= 0 || d > MaxSnooze {
		return Outcome{}, fmt.Errorf("snooze %v: %w", d, ErrBadSnooze)
	}
	return p.operate(b, id, now, "snoozed", func(inc *Incident) {
		inc.SnoozedBy, inc.SnoozedUntil = by, now.Add(d)
	})
}

// operate changes an open incident and edits its messages in place.
func (p *Policy) operate(b *Branch, id string, now time.Time, event string, change func(*Incident)) (Outcome, error) {
	inc := b.byID(id)
	if inc == nil {
		return Outcome{}, fmt.Errorf("incident %s: %w", id, ErrNoIncident)
	}
	change(inc)
	o := Outcome{Changed: []*Incident{inc}}
	w := p.words(b, inc, event, now)
	for _, t := range inc.Notified {
		o.Messages = append(o.Messages, w.message(t, notify.Update))
	}
	return o, nil
}
