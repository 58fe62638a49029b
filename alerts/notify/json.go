package notify

import (
	"slices"
	"strings"

	"github.com/branchready/branchready/jsonenc"
)

// AppendJSON appends the message's JSON: the bytes json.Marshal writes (a
// test holds the two together, field by field), without reflection. The
// collector stores every message it decides as JSON in the outbox, and
// encoding/json walking the struct and sorting the labels map by
// reflection cost more than the rest of saving it.
func (m *Message) AppendJSON(b []byte) ([]byte, error) {
	b = jsonenc.Key(b, '{', "incident_id")
	b = jsonenc.String(b, m.IncidentID)
	b = appendField(b, "notifier", m.Notifier)
	b = appendField(b, "target", m.Target)
	b = appendField(b, "op", string(m.Op))
	b = appendField(b, "event", m.Event)
	b = appendField(b, "severity", m.Severity)
	b = appendField(b, "state", m.State)
	b = appendField(b, "title", m.Title)
	b = appendField(b, "text", m.Text)
	if len(m.Fields) > 0 {
		b = jsonenc.Key(b, ',', "fields")
		for i, f := range m.Fields {
			b = jsonenc.Key(append(b, "[,"[min(i, 1)]), '{', "label")
			b = jsonenc.String(b, f.Label)
			b = append(appendField(b, "value", f.Value), '}')
		}
		b = append(b, ']')
	}
	if m.Link != "" {
		b = appendField(b, "link", m.Link)
	}
	if len(m.Button) > 0 {
		b = jsonenc.Key(b, ',', "buttons")
		for i, x := range m.Button {
			b = jsonenc.Key(append(b, "[,"[min(i, 1)]), '{', "action")
			b = jsonenc.String(b, x.Action)
			b = appendField(b, "label", x.Label)
			b = append(appendField(b, "value", x.Value), '}')
		}
		b = append(b, ']')
	}
	if len(m.Labels) > 0 {
		b = jsonenc.Key(b, ',', "labels")
		keys := make([]string, 0, len(m.Labels))
		for k := range m.Labels {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, strings.Compare) // encoding/json's order
		for i, k := range keys {
			b = jsonenc.String(append(b, "{,"[min(i, 1)]), k)
			b = jsonenc.String(append(b, ':'), m.Labels[k])
		}
		b = append(b, '}')
	}
	b = jsonenc.Key(b, ',', "decided_at")
	b, err := jsonenc.Time(b, m.DecidedAt)
	if err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendField appends ,"key":"s".
func appendField(b []byte, key, s string) []byte {
	return jsonenc.String(jsonenc.Key(b, ',', key), s)
}
