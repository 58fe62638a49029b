package alerts

import (
	"encoding/json"
	"strconv"
	"time"
)

// AppendJSON appends the incident's JSON: the bytes json.Marshal writes
// (a test holds the two together, field by field), without reflection.
// The engine encodes each incident it changes to store it, once or more
// for every message of a wave, and encoding/json walking the struct was a
// fifth of the engine's own work per message.
func (inc *Incident) AppendJSON(b []byte) ([]byte, error) {
	var err error
	b = appendKey(b, '{', "id")
	b = appendString(b, inc.ID)
	b = appendKey(b, ',', "key")
	b = appendKey(b, '{', "branch")
	b = appendString(b, inc.Key.Branch)
	if inc.Key.Device != "" {
		b = appendKey(b, ',', "device")
		b = appendString(b, inc.Key.Device)
	}
	b = appendKey(b, ',', "check")
	b = append(appendString(b, inc.Key.Check), '}')
	b = appendStringField(b, "kind", string(inc.Kind), false)
	b = appendStringField(b, "region", inc.Region, true)
	b = appendStringField(b, "state", string(inc.State), false)
	b = appendStringField(b, "severity", string(inc.Severity), false)
	b = appendKey(b, ',', "since")
	if b, err = appendTime(b, inc.Since); err != nil {
		return nil, err
	}
	for _, f := range [...]struct {
		name string
		t    time.Time
	}{{"fired_at", inc.FiredAt}, {"resolved_at", inc.ResolvedAt}} {
		if b, err = appendTimeField(b, f.name, f.t); err != nil {
			return nil, err
		}
	}
	b = appendStringField(b, "reason", inc.Reason, false)
	b = appendIntField(b, "failures", inc.Failures)
	b = appendIntField(b, "passes", inc.Passes)
	if inc.Unreachable {
		b = append(appendKey(b, ',', "unreachable"), "true"...)
	}
	for _, f := range [...]struct {
		name string
		t    time.Time
	}{{"last_result", inc.LastResult}, {"last_notified", inc.LastNotified}} {
		if b, err = appendTimeField(b, f.name, f.t); err != nil {
			return nil, err
		}
	}
	b = appendIntField(b, "reminders", inc.Reminders)
	b = appendStringField(b, "acked_by", inc.AckedBy, true)
	if b, err = appendTimeField(b, "acked_at", inc.AckedAt); err != nil {
		return nil, err
	}
	b = appendStringField(b, "snoozed_by", inc.SnoozedBy, true)
	if b, err = appendTimeField(b, "snoozed_until", inc.SnoozedUntil); err != nil {
		return nil, err
	}
	b = appendStringField(b, "escalation_day", inc.EscalationDay, true)
	b = appendIntField(b, "escalation_steps", inc.EscalationSteps)
	if len(inc.Notified) > 0 {
		b = appendKey(b, ',', "notified")
		for i, p := range inc.Notified {
			sep := byte(',')
			if i == 0 {
				sep = '['
			}
			b = appendKey(append(b, sep), '{', "notifier")
			b = appendString(b, p.Notifier)
			b = appendStringField(b, "target", p.Target, false)
			b = appendStringField(b, "locale", p.Locale, false)
			b = append(appendStringField(b, "level", string(p.Level), false), '}')
		}
		b = append(b, ']')
	}
	b = appendStringField(b, "suppressed_by", inc.SuppressedBy, true)
	b = appendStringField(b, "muted_by", inc.MutedBy, true)
	return append(b, '}'), nil
}

// appendKey appends sep and a quoted key (plain ASCII) with its colon.
func appendKey(b []byte, sep byte, key string) []byte {
	b = append(b, sep, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendStringField appends ,"key":"s", nothing for an empty s when
// omitEmpty.
func appendStringField(b []byte, key, s string, omitEmpty bool) []byte {
	if omitEmpty && s == "" {
		return b
	}
	return appendString(appendKey(b, ',', key), s)
}

func appendIntField(b []byte, key string, n int) []byte {
	return strconv.AppendInt(appendKey(b, ',', key), int64(n), 10)
}

// appendTimeField appends ,"key":time, nothing for the zero time
// (omitzero).
func appendTimeField(b []byte, key string, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return b, nil
	}
	return appendTime(appendKey(b, ',', key), t)
}

// appendTime appends t as time.Time's MarshalJSON writes it, failing
// where it fails (a year past 9999).
func appendTime(b []byte, t time.Time) ([]byte, error) {
	b, err := t.AppendText(append(b, '"'))
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}

// appendString appends s quoted. Printable ASCII that encoding/json leaves
// alone (it escapes <, > and & for HTML) is copied; anything else goes
// through encoding/json, so that every escape is its own.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
