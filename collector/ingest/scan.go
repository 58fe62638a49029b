package ingest

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/branchready/branchready/result"
)

// The helpers below walk JSON that validJSON has already accepted: they
// find where values end and read the plain shapes agents send, and never
// have to judge syntax themselves.

// ws skips blanks from i.
func ws(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string starting at b[i] == '"'.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// valueEnd returns the index just past the value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\r', '\n', ',', '}', ']':
			return i
		}
	}
	return i
}

// plainString returns the contents of the JSON string v when encoding/json
// would decode it to the same bytes: no escapes, valid UTF-8.
func plainString(v []byte) (string, bool) {
	s, ok := plainBytes(v)
	return string(s), ok
}

// plainBytes is plainString without the copy: the bytes between the quotes.
func plainBytes(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	s := v[1 : len(v)-1]
	if bytes.IndexByte(s, '\\') >= 0 || !utf8.Valid(s) {
		return nil, false
	}
	return s, true
}

// members walks the object at the start of b (after blanks): f gets
// each member's name, as the bytes between the quotes (copy them to keep
// them), and b from the member's value on, and returns the length of the
// value it read. Each value is thus walked once, by the reader that
// decodes it, not first to find its end: finding the end of each nested
// list and object before reading it walked a descriptor's checks four
// times. members returns the object's length, and false as soon as f
// does or a name is not plain.
func members(b []byte, f func(key, v []byte) (int, bool)) (int, bool) {
	i := ws(b, 0)
	if i >= len(b) || b[i] != '{' {
		return 0, false
	}
	for i = ws(b, i+1); i < len(b) && b[i] != '}'; {
		ke := stringEnd(b, i)
		key, ok := plainBytes(b[i:ke])
		if !ok {
			return 0, false
		}
		vs := ws(b, ws(b, ke)+1) // past the colon
		n, ok := f(key, b[vs:])
		if !ok {
			return 0, false
		}
		if i = ws(b, vs+n); i < len(b) && b[i] == ',' {
			i = ws(b, i+1)
		}
	}
	return i + 1, true
}

// fastResult decodes a result in the plain form agents send (the field
// names as written, each once, strings without escapes, no nulls), the
// way encoding/json would, from the start of raw, and returns its length.
// For anything else it returns false and the caller decodes the item with
// encoding/json, which also words errors. Strings repeated across the
// batch's results (branch, device, kind, status, sweep...) are shared
// through in; the id is always new.
func (in *interner) fastResult(raw []byte) (result.Result, int, bool) {
	var r result.Result
	var seen uint16
	n, ok := members(raw, func(key, rest []byte) (int, bool) {
		bit := resultField(key)
		if bit == 0 || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		if bit == fieldObservations {
			var n int
			var ok bool
			r.Observations, n, ok = in.observations(rest)
			return n, ok
		}
		e := valueEnd(rest, 0)
		v := rest[:e]
		var ok bool
		switch bit {
		case fieldID:
			r.ID, ok = plainString(v)
		case fieldBranch:
			r.Branch, ok = in.plain(v)
		case fieldDevice:
			r.Device, ok = in.plain(v)
		case fieldCheck:
			r.Check, ok = in.plain(v)
		case fieldKind:
			r.Kind, ok = in.plain(v)
		case fieldStatus:
			var s string
			s, ok = in.plain(v)
			r.Status = result.Status(s)
		case fieldReason:
			r.Reason, ok = in.plain(v)
		case fieldSweep:
			r.Sweep, ok = in.plain(v)
		case fieldAgentVersion:
			r.AgentVersion, ok = in.plain(v)
		case fieldStartedAt:
			_, ok = plainBytes(v)
			ok = ok && r.StartedAt.UnmarshalJSON(v) == nil
		case fieldDurationMS:
			r.DurationMS, ok = number(v)
		}
		return e, ok
	})
	return r, n, ok
}

// Each field of a result has a bit, to see repeats.
const (
	fieldID uint16 = 1 << iota
	fieldBranch
	fieldDevice
	fieldCheck
	fieldKind
	fieldStatus
	fieldStartedAt
	fieldDurationMS
	fieldReason
	fieldObservations
	fieldSweep
	fieldAgentVersion
)

// resultField returns the bit of a result's field name, 0 for none.
func resultField(key []byte) uint16 {
	switch string(key) {
	case "id":
		return fieldID
	case "branch":
		return fieldBranch
	case "device":
		return fieldDevice
	case "check":
		return fieldCheck
	case "kind":
		return fieldKind
	case "status":
		return fieldStatus
	case "started_at":
		return fieldStartedAt
	case "duration_ms":
		return fieldDurationMS
	case "reason":
		return fieldReason
	case "observations":
		return fieldObservations
	case "sweep":
		return fieldSweep
	case "agent_version":
		return fieldAgentVersion
	}
	return 0
}

// number reads a JSON number as encoding/json reads one into a float64.
func number(v []byte) (float64, bool) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}

// observations reads an object of plain names and numbers at the start
// of v, and its length. A repeated name keeps its last value, as in
// encoding/json.
func (in *interner) observations(v []byte) (map[string]float64, int, bool) {
	m := make(map[string]float64, 1)
	n, ok := members(v, func(key, rest []byte) (int, bool) {
		e := valueEnd(rest, 0)
		f, ok := number(rest[:e])
		m[in.intern(key)] = f
		return e, ok
	})
	return m, n, ok
}
