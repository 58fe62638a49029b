package notify

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// AppendJSON appends the message's JSON: the bytes json.Marshal writes (a
// test holds the two together, field by field), without reflection. The
// collector stores every message it decides as JSON in the outbox, and
// encoding/json walking the struct and sorting the labels map by
// reflection cost more than the rest of saving it.
func (m *Message) AppendJSON(b []byte) ([]byte, error) {
	b = appendKey(b, '{', "incident_id")
	b = appendString(b, m.IncidentID)
	b = appendField(b, "notifier", m.Notifier)
	b = appendField(b, "target", m.Target)
	b = appendField(b, "op", string(m.Op))
	b = appendField(b, "event", m.Event)
	b = appendField(b, "severity", m.Severity)
	b = appendField(b, "state", m.State)
	b = appendField(b, "title", m.Title)
	b = appendField(b, "text", m.Text)
	if len(m.Fields) > 0 {
		b = appendKey(b, ',', "fields")
		for i, f := range m.Fields {
			b = appendKey(append(b, "[,"[min(i, 1)]), '{', "label")
			b = appendString(b, f.Label)
			b = append(appendField(b, "value", f.Value), '}')
		}
		b = append(b, ']')
	}
	if m.Link != "" {
		b = appendField(b, "link", m.Link)
	}
	if len(m.Button) > 0 {
		b = appendKey(b, ',', "buttons")
		for i, x := range m.Button {
			b = appendKey(append(b, "[,"[min(i, 1)]), '{', "action")
			b = appendString(b, x.Action)
			b = appendField(b, "label", x.Label)
			b = append(appendField(b, "value", x.Value), '}')
		}
		b = append(b, ']')
	}
	if len(m.Labels) > 0 {
		b = appendKey(b, ',', "labels")
		keys := make([]string, 0, len(m.Labels))
		for k := range m.Labels {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, strings.Compare) // encoding/json's order
		for i, k := range keys {
			b = appendString(append(b, "{,"[min(i, 1)]), k)
			b = appendString(append(b, ':'), m.Labels[k])
		}
		b = append(b, '}')
	}
	b = appendKey(b, ',', "decided_at")
	b, err := appendTime(b, m.DecidedAt)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendKey appends sep and a quoted key (plain ASCII) with its colon.
func appendKey(b []byte, sep byte, key string) []byte {
	b = append(b, sep, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendField appends ,"key":"s".
func appendField(b []byte, key, s string) []byte {
	return appendString(appendKey(b, ',', key), s)
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
