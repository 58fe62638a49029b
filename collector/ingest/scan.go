package ingest

import (
	"bytes"
	"strconv"
	"unicode/utf8"

	"github.com/branchready/branchready/result"
)

// The helpers below walk JSON that json.Valid has already accepted: they
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
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	s := v[1 : len(v)-1]
	if bytes.IndexByte(s, '\\') >= 0 || !utf8.Valid(s) {
		return "", false
	}
	return string(s), true
}

// members calls f with each member of the object b and returns false as
// soon as f does or a name is not plain.
func members(b []byte, f func(key string, v []byte) bool) bool {
	i := ws(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	for i = ws(b, i+1); i < len(b) && b[i] != '}'; {
		ke := stringEnd(b, i)
		key, ok := plainString(b[i:ke])
		if !ok {
			return false
		}
		vs := ws(b, ws(b, ke)+1) // past the colon
		ve := valueEnd(b, vs)
		if !f(key, b[vs:ve]) {
			return false
		}
		i = ws(b, ve)
		if i < len(b) && b[i] == ',' {
			i = ws(b, i+1)
		}
	}
	return true
}

// fastResult decodes a result in the plain form agents send (the field
// names as written, each once, strings without escapes, no nulls), the
// way encoding/json would. For anything else it returns false and the
// caller decodes the item with encoding/json, which also words errors.
func fastResult(raw []byte) (result.Result, bool) {
	var r result.Result
	var seen uint16
	ok := members(raw, func(key string, v []byte) bool {
		bit, known := resultFields[key]
		if !known || seen&bit != 0 {
			return false
		}
		seen |= bit
		var ok bool
		switch key {
		case "id":
			r.ID, ok = plainString(v)
		case "branch":
			r.Branch, ok = plainString(v)
		case "device":
			r.Device, ok = plainString(v)
		case "check":
			r.Check, ok = plainString(v)
		case "kind":
			r.Kind, ok = plainString(v)
		case "status":
			var s string
			s, ok = plainString(v)
			r.Status = result.Status(s)
		case "reason":
			r.Reason, ok = plainString(v)
		case "sweep":
			r.Sweep, ok = plainString(v)
		case "agent_version":
			r.AgentVersion, ok = plainString(v)
		case "started_at":
			_, ok = plainString(v)
			ok = ok && r.StartedAt.UnmarshalJSON(v) == nil
		case "duration_ms":
			r.DurationMS, ok = number(v)
		case "observations":
			r.Observations, ok = observations(v)
		}
		return ok
	})
	return r, ok
}

// resultFields gives each field of a result a bit, to see repeats.
var resultFields = map[string]uint16{
	"id": 1 << 0, "branch": 1 << 1, "device": 1 << 2, "check": 1 << 3, "kind": 1 << 4, "status": 1 << 5,
	"started_at": 1 << 6, "duration_ms": 1 << 7, "reason": 1 << 8, "observations": 1 << 9, "sweep": 1 << 10,
	"agent_version": 1 << 11,
}

// number reads a JSON number as encoding/json reads one into a float64.
func number(v []byte) (float64, bool) {
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}

// observations reads an object of plain names and numbers.
func observations(v []byte) (map[string]float64, bool) {
	m := map[string]float64{}
	ok := members(v, func(key string, v []byte) bool {
		f, ok := number(v)
		m[key] = f
		return ok
	})
	return m, ok
}
