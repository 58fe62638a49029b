package notify

import (
	"encoding/json"
	"unicode/utf8"
)

// DecodeJSON decodes a message as json.Unmarshal decodes it into a zero
// Message (a test and a fuzz target hold the two together). The message
// of every row the outbox hands the delivery loop back from the store is
// decoded (an incident's next message, claimed as its previous one is
// recorded), and encoding/json scanning the whole text twice and filling
// the struct by reflection was most of reading such a row. So the JSON
// AppendJSON writes (no space, the keys it writes, each once, in their
// letter case, strings with the escapes it writes) is read directly, and
// anything else (a null, an unknown or repeated key, another case, an
// empty list, a \u surrogate, a byte that is not UTF-8 or a control
// character) is left to encoding/json, so that every error is its own.
func DecodeJSON(b []byte) (Message, error) {
	var m Message
	if plainMessage(b, &m) {
		return m, nil
	}
	m = Message{}
	err := json.Unmarshal(b, &m)
	return m, err
}

// The keys of a message, as bits of a set of those read.
const (
	kIncident = 1 << iota
	kNotifier
	kTarget
	kOp
	kEvent
	kSeverity
	kState
	kTitle
	kText
	kFields
	kLink
	kButtons
	kLabels
	kDecided
)

// plainMessage reads b into m when it is plain (see DecodeJSON).
func plainMessage(b []byte, m *Message) bool {
	r := reader{b: b}
	if !r.byte('{') {
		return false
	}
	seen := 0
	for first := true; ; first = false {
		if r.byte('}') {
			return !first && r.i == len(b)
		}
		if !first && !r.byte(',') {
			return false
		}
		key, ok := r.rawString()
		if !ok || !r.byte(':') {
			return false
		}
		bit, ok := r.member(string(key), m)
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
	}
}

// member reads the value of key into m, returning key's bit.
func (r *reader) member(key string, m *Message) (int, bool) {
	var s *string
	bit := 0
	switch key {
	case "incident_id":
		s, bit = &m.IncidentID, kIncident
	case "notifier":
		s, bit = &m.Notifier, kNotifier
	case "target":
		s, bit = &m.Target, kTarget
	case "op":
		v, ok := r.string()
		m.Op = Op(v)
		return kOp, ok
	case "event":
		s, bit = &m.Event, kEvent
	case "severity":
		s, bit = &m.Severity, kSeverity
	case "state":
		s, bit = &m.State, kState
	case "title":
		s, bit = &m.Title, kTitle
	case "text":
		s, bit = &m.Text, kText
	case "link":
		s, bit = &m.Link, kLink
	case "fields":
		return kFields, r.fields(m)
	case "buttons":
		return kButtons, r.buttons(m)
	case "labels":
		return kLabels, r.labels(m)
	case "decided_at":
		start := r.i
		if _, ok := r.rawString(); !ok {
			return 0, false
		}
		// encoding/json hands a time its quoted text, as here.
		return kDecided, m.DecidedAt.UnmarshalJSON(r.b[start:r.i]) == nil
	default:
		return 0, false
	}
	v, ok := r.string()
	*s = v
	return bit, ok
}

// fields reads [{"label":L,"value":V},...], at least one.
func (r *reader) fields(m *Message) bool {
	return r.list(func() bool {
		var f Field
		ok := r.key("{", "label") && r.stringTo(&f.Label) && r.key(",", "value") && r.stringTo(&f.Value) && r.byte('}')
		m.Fields = append(m.Fields, f)
		return ok
	})
}

// buttons reads [{"action":A,"label":L,"value":V},...], at least one.
func (r *reader) buttons(m *Message) bool {
	return r.list(func() bool {
		var x Button
		ok := r.key("{", "action") && r.stringTo(&x.Action) && r.key(",", "label") && r.stringTo(&x.Label) &&
			r.key(",", "value") && r.stringTo(&x.Value) && r.byte('}')
		m.Button = append(m.Button, x)
		return ok
	})
}

// labels reads {"k":"v",...}, at least one, each key once.
func (r *reader) labels(m *Message) bool {
	if !r.byte('{') {
		return false
	}
	m.Labels = make(map[string]string, 5)
	for first := true; ; first = false {
		if r.byte('}') {
			return !first
		}
		if !first && !r.byte(',') {
			return false
		}
		k, ok := r.string()
		if !ok || !r.byte(':') {
			return false
		}
		if _, dup := m.Labels[k]; dup {
			return false
		}
		v, ok := r.string()
		if !ok {
			return false
		}
		m.Labels[k] = v
	}
}

// reader reads plain JSON from b at i.
type reader struct {
	b []byte
	i int
}

func (r *reader) byte(c byte) bool {
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// list reads [item,...] of at least one item.
func (r *reader) list(item func() bool) bool {
	if !r.byte('[') {
		return false
	}
	for first := true; ; first = false {
		if !first && r.byte(']') {
			return true
		}
		if !first && !r.byte(',') {
			return false
		}
		if !item() {
			return false
		}
	}
}

// key reads open (one byte) then "name": as written.
func (r *reader) key(open, name string) bool {
	if !r.byte(open[0]) || !r.byte('"') {
		return false
	}
	end := r.i + len(name)
	if end+2 > len(r.b) || string(r.b[r.i:end]) != name || r.b[end] != '"' || r.b[end+1] != ':' {
		return false
	}
	r.i = end + 2
	return true
}

func (r *reader) stringTo(s *string) bool {
	v, ok := r.string()
	*s = v
	return ok
}

// rawString reads a string without escapes, returning its bytes.
func (r *reader) rawString() ([]byte, bool) {
	if !r.byte('"') {
		return nil, false
	}
	start := r.i
	for r.i < len(r.b) {
		switch c := r.b[r.i]; {
		case c == '"':
			r.i++
			return r.b[start : r.i-1], utf8.Valid(r.b[start : r.i-1])
		case c < 0x20 || c == '\\':
			return nil, false
		}
		r.i++
	}
	return nil, false
}

// string reads a string, undoing the escapes encoding/json writes: the
// short ones and \u of a character that is not a surrogate half.
func (r *reader) string() (string, bool) {
	if !r.byte('"') {
		return "", false
	}
	start := r.i
	var out []byte // nil until an escape is met
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			seg := r.b[start:r.i]
			r.i++
			if !utf8.Valid(seg) {
				return "", false
			}
			if out == nil {
				return string(seg), true
			}
			return string(append(out, seg...)), true
		case c < 0x20:
			return "", false
		case c != '\\':
			r.i++
			continue
		}
		seg := r.b[start:r.i]
		if !utf8.Valid(seg) || r.i+1 >= len(r.b) {
			return "", false
		}
		if out == nil {
			out = make([]byte, 0, len(seg)+64)
		}
		out = append(out, seg...)
		e := r.b[r.i+1]
		r.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			c, ok := hex4(r.b[r.i:])
			if !ok || 0xD800 <= c && c < 0xE000 {
				return "", false
			}
			out = utf8.AppendRune(out, c)
			r.i += 4
		default:
			return "", false
		}
		start = r.i
	}
	return "", false
}

// hex4 reads four hexadecimal digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var c rune
	for _, h := range b[:4] {
		switch {
		case '0' <= h && h <= '9':
			h -= '0'
		case 'a' <= h && h <= 'f':
			h -= 'a' - 10
		case 'A' <= h && h <= 'F':
			h -= 'A' - 10
		default:
			return 0, false
		}
		c = c<<4 | rune(h)
	}
	return c, true
}
