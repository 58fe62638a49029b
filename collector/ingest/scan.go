package ingest

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"unicode/utf8"

	"github.com/branchready/branchready/result"
)

// The readers below check the bytes they read as they read them: a batch
// is walked once, not first by validJSON and then again to decode it. A
// fast read that succeeds has thus proved its bytes valid JSON (a string
// ends with its quote and holds no control character, a number has
// JSON's form, members and elements are separated as JSON separates
// them); anything else returns false, and the caller checks the whole
// body with validJSON before it decodes the value another way (see
// interner.valid). The helpers that only find ends (stringEnd, valueEnd)
// are used on bodies already known valid.

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

// Classes of a byte inside a JSON string, for plainAt.
const (
	strPlain = iota // printable ASCII other than the two below
	strQuote
	strOther // a backslash (an escape) or a control character
	strHigh  // part of a multi-byte UTF-8 sequence
)

var strClass = func() (t [256]uint8) {
	for c := range 0x20 {
		t[c] = strOther
	}
	t['"'], t['\\'] = strQuote, strOther
	for c := 0x80; c < 0x100; c++ {
		t[c] = strHigh
	}
	return t
}()

// plainAt reads the plain string at the start of b (no escapes, no
// control characters, valid UTF-8: a string encoding/json decodes to its
// bytes as written): the bytes between the quotes (copy them to keep
// them) and the string's length in b. In one pass it does what finding
// the end, looking for a backslash and checking the UTF-8 did in three.
func plainAt(b []byte) ([]byte, int, bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, 0, false
	}
	high := false
	for i := 1; ; i++ {
		for i+8 <= len(b) { // eight bytes at a time to the first that is not plain
			if t := special(binary.LittleEndian.Uint64(b[i:])); t != 0 {
				i += bits.TrailingZeros64(t) / 8
				break
			}
			i += 8
		}
		for i < len(b) && strClass[b[i]] == strPlain {
			i++
		}
		if i >= len(b) {
			return nil, 0, false
		}
		switch strClass[b[i]] {
		case strQuote:
			s := b[1:i]
			if high && !utf8.Valid(s) {
				return nil, 0, false
			}
			return s, i + 1, true
		case strHigh:
			high = true
		default:
			return nil, 0, false
		}
	}
}

// special marks the bytes of x (little-endian) that are not plain in a
// string: a quote, a backslash, a control character or one of 0x80 and
// up. The lowest byte marked is always one of them (a byte above it may
// be marked wrongly, by the borrow of the subtraction).
func special(x uint64) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	q := x ^ (ones * '"')
	s := x ^ (ones * '\\')
	return ((q-ones)&^q | (s-ones)&^s | (x-ones*0x20)&^x | x) & high
}

// numberAt reads the JSON number at the start of b: its bytes, which
// are also its length in b.
func numberAt(b []byte) ([]byte, bool) {
	e, ok := validNumber(b, 0)
	return b[:e], ok
}

// isNull reports whether b starts with null (what follows is the
// caller's to check).
func isNull(b []byte) bool { return len(b) >= 4 && string(b[:4]) == "null" }

// members walks the object at the start of b (after blanks): f gets
// each member's name, as the bytes between the quotes (copy them to keep
// them), and b from the member's value on, and returns the length of the
// value it read, having checked it. Each value is thus walked once, by
// the reader that decodes it, not first to find its end: finding the end
// of each nested list and object before reading it walked a descriptor's
// checks four times. members returns the object's length, and false as
// soon as f does, a name is not plain or the object is not well formed.
func members(b []byte, f func(key, v []byte) (int, bool)) (int, bool) {
	i := ws(b, 0)
	if i >= len(b) || b[i] != '{' {
		return 0, false
	}
	if i = ws(b, i+1); i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		key, n, ok := plainAt(b[i:])
		if !ok {
			return 0, false
		}
		if i = ws(b, i+n); i >= len(b) || b[i] != ':' {
			return 0, false
		}
		vs := ws(b, i+1)
		if vs >= len(b) {
			return 0, false
		}
		if n, ok = f(key, b[vs:]); !ok {
			return 0, false
		}
		if i = ws(b, vs+n); i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = ws(b, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
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
		switch bit {
		case fieldObservations:
			var n int
			var ok bool
			r.Observations, n, ok = in.observations(rest)
			return n, ok
		case fieldDurationMS:
			v, ok := numberAt(rest)
			r.DurationMS, ok = number(v, ok)
			return len(v), ok
		}
		v, n, ok := plainAt(rest)
		if !ok {
			return 0, false
		}
		switch bit {
		case fieldID:
			r.ID = in.keep(v)
		case fieldBranch:
			r.Branch = in.intern(v)
		case fieldDevice:
			r.Device = in.intern(v)
		case fieldCheck:
			r.Check = in.intern(v)
		case fieldKind:
			r.Kind = in.intern(v)
		case fieldStatus:
			r.Status = result.Status(in.intern(v))
		case fieldReason:
			r.Reason = in.intern(v)
		case fieldSweep:
			r.Sweep = in.intern(v)
		case fieldAgentVersion:
			r.AgentVersion = in.intern(v)
		case fieldStartedAt:
			ok = r.StartedAt.UnmarshalJSON(rest[:n]) == nil
		}
		return n, ok
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

// number reads the JSON number v (ok: numberAt read one) as
// encoding/json reads one into a float64.
func number(v []byte, ok bool) (float64, bool) {
	if !ok {
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
		v, ok := numberAt(rest)
		f, ok := number(v, ok)
		m[in.intern(key)] = f
		return len(v), ok
	})
	return m, n, ok
}
