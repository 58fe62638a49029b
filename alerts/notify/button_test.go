package notify

import (
	"errors"
	"testing"
	"time"
)

func TestButtonRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name, action, incident string
		snooze                 time.Duration
	}{
		{"an ack carries the incident id alone", Ack, "inc-123", 0},
		{"a snooze carries its length", Snooze, "inc-123", 30 * time.Minute},
		{"an id with slashes survives a snooze", Snooze, "br-001/atm-02/cash", 2 * time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := ButtonValue(c.action, c.incident, c.snooze)
			id, d, err := ParseButton(c.action, v)
			if err != nil || id != c.incident || d != c.snooze {
				t.Errorf("ParseButton(%q, %q) = %q, %v, %v; want %q, %v", c.action, v, id, d, err, c.incident, c.snooze)
			}
		})
	}
}

func TestParseButtonRejects(t *testing.T) {
	for _, c := range []struct{ name, action, value string }{
		{"an ack without an incident", Ack, ""},
		{"a snooze without a length", Snooze, "inc-1"},
		{"a snooze with a bad length", Snooze, "inc-1/soon"},
		{"a snooze of zero", Snooze, "inc-1/0s"},
		{"a snooze without an incident", Snooze, "/30m"},
		{"an unknown action", "escalate", "inc-1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := ParseButton(c.action, c.value); !errors.Is(err, ErrBadButton) {
				t.Errorf("ParseButton(%q, %q) error = %v, want ErrBadButton", c.action, c.value, err)
			}
		})
	}
}
