package notify

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Button actions.
const (
	Ack    = "ack"
	Snooze = "snooze"
)

// ErrBadButton is returned for a button value that names no incident or a
// snooze without a valid length.
var ErrBadButton = errors.New("bad button value")

// ButtonValue is the Value of a button: the incident id, and for a snooze
// "/" and its length ("inc-123/30m"). The engine writes it, the interaction
// handlers read it back with ParseButton.
func ButtonValue(action, incident string, snooze time.Duration) string {
	if action == Snooze {
		return incident + "/" + snooze.String()
	}
	return incident
}

// ParseButton reads a button value back. For an ack the whole value is the
// incident id; for a snooze the length follows the last "/" (so an id may
// itself contain slashes).
func ParseButton(action, value string) (incident string, snooze time.Duration, err error) {
	switch action {
	case Ack:
		if value == "" {
			return "", 0, fmt.Errorf("ack %q: %w", value, ErrBadButton)
		}
		return value, 0, nil
	case Snooze:
		i := strings.LastIndexByte(value, '/')
		if i <= 0 {
			return "", 0, fmt.Errorf("snooze %q: %w", value, ErrBadButton)
		}
		d, err := time.ParseDuration(value[i+1:])
		if err != nil || d <= 0 {
			return "", 0, fmt.Errorf("snooze %q: length must be a positive duration: %w", value, ErrBadButton)
		}
		return value[:i], d, nil
	default:
		return "", 0, fmt.Errorf("action %q: %w", action, ErrBadButton)
	}
}
