package alerts

import (
	"strconv"
	"time"

	"github.com/branchready/branchready/jsonenc"
)

// AppendJSON appends the incident's JSON: the bytes json.Marshal writes
// (a test holds the two together, field by field), without reflection.
// The engine encodes each incident it changes to store it, once or more
// for every message of a wave, and encoding/json walking the struct was a
// fifth of the engine's own work per message.
func (inc *Incident) AppendJSON(b []byte) ([]byte, error) {
	var err error
	b = jsonenc.Key(b, '{', "id")
	b = jsonenc.String(b, inc.ID)
	b = jsonenc.Key(b, ',', "key")
	b = jsonenc.Key(b, '{', "branch")
	b = jsonenc.String(b, inc.Key.Branch)
	if inc.Key.Device != "" {
		b = jsonenc.Key(b, ',', "device")
		b = jsonenc.String(b, inc.Key.Device)
	}
	b = jsonenc.Key(b, ',', "check")
	b = append(jsonenc.String(b, inc.Key.Check), '}')
	b = appendStringField(b, "kind", string(inc.Kind), false)
	b = appendStringField(b, "region", inc.Region, true)
	b = appendStringField(b, "state", string(inc.State), false)
	b = appendStringField(b, "severity", string(inc.Severity), false)
	b = jsonenc.Key(b, ',', "since")
	if b, err = jsonenc.Time(b, inc.Since); err != nil {
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
		b = append(jsonenc.Key(b, ',', "unreachable"), "true"...)
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
		b = jsonenc.Key(b, ',', "notified")
		for i, p := range inc.Notified {
			sep := byte(',')
			if i == 0 {
				sep = '['
			}
			b = jsonenc.Key(append(b, sep), '{', "notifier")
			b = jsonenc.String(b, p.Notifier)
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

// appendStringField appends ,"key":"s", nothing for an empty s when
// omitEmpty.
func appendStringField(b []byte, key, s string, omitEmpty bool) []byte {
	if omitEmpty && s == "" {
		return b
	}
	return jsonenc.Field(b, key, s)
}

func appendIntField(b []byte, key string, n int) []byte {
	return strconv.AppendInt(jsonenc.Key(b, ',', key), int64(n), 10)
}

// appendTimeField appends ,"key":time, nothing for the zero time
// (omitzero).
func appendTimeField(b []byte, key string, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return b, nil
	}
	return jsonenc.Time(jsonenc.Key(b, ',', key), t)
}
