package alerting

import (
	"testing"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
)

func TestAllBehind(t *testing.T) {
	msg := func(incident, target string) notify.Message {
		return notify.Message{IncidentID: incident, Notifier: "slack", Target: target}
	}
	row := func(m notify.Message) outbox.Row { return outbox.Row{Message: m} }
	update, reply, other := msg("inc-1", "C1"), msg("inc-1", "C1"), msg("inc-2", "C1")
	for _, c := range []struct {
		name    string
		ms      []notify.Message
		claimed []outbox.Row
		want    bool
	}{
		{"every message claimed needs no wake-up", []notify.Message{update, other}, []outbox.Row{row(update), row(other)}, true},
		{"a reply behind its claimed update needs no wake-up", []notify.Message{update, reply}, []outbox.Row{row(update)}, true},
		{"a message whose route had nothing claimed needs one", []notify.Message{update, reply, other}, []outbox.Row{row(update)}, false},
		{"the same incident on another target needs one", []notify.Message{update, msg("inc-1", "C2")}, []outbox.Row{row(update)}, false},
		{"nothing claimed needs one", []notify.Message{update}, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := allBehind(c.ms, c.claimed); got != c.want {
				t.Errorf("allBehind = %v, want %v", got, c.want)
			}
		})
	}
}
