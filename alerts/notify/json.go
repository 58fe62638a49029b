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
	b = jsonenc.Field(b, "notifier", m.Notifier)
	b = jsonenc.Field(b, "target", m.Target)
	b = jsonenc.Field(b, "op", string(m.Op))
	b = jsonenc.Field(b, "event", m.Event)
	b = jsonenc.Field(b, "severity", m.Severity)
	b = jsonenc.Field(b, "state", m.State)
	b = jsonenc.Field(b, "title", m.Title)
	b = jsonenc.Field(b, "text", m.Text)
	if len(m.Fields) > 0 {
		b = jsonenc.Key(b, ',', "fields")
		for i, f := range m.Fields {
			b = jsonenc.Key(append(b, "[,"[min(i, 1)]), '{', "label")
			b = jsonenc.String(b, f.Label)
			b = append(jsonenc.Field(b, "value", f.Value), '}')
		}
		b = append(b, ']')
	}
	if m.Link != "" {
		b = jsonenc.Field(b, "link", m.Link)
	}
	if len(m.Button) > 0 {
		b = jsonenc.Key(b, ',', "buttons")
		for i, x := range m.Button {
			b = jsonenc.Key(append(b, "[,"[min(i, 1)]), '{', "action")
			b = jsonenc.String(b, x.Action)
			b = jsonenc.Field(b, "label", x.Label)
			b = append(jsonenc.Field(b, "value", x.Value), '}')
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
