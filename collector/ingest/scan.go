package ingest

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
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
	return walk(b, plainAt, f)
}

// walk is members with the names read by name, which returns what f is
// given for one (fastResult knows a result's names without reading them
// as strings), its length in b, and false when it is not a plain name.
func walk[K any](b []byte, name func(b []byte) (K, int, bool), f func(key K, v []byte) (int, bool)) (int, bool) {
	i := ws(b, 0)
	if i >= len(b) || b[i] != '{' {
		return 0, false
	}
	if i = ws(b, i+1); i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	for {
		key, n, ok := name(b[i:])
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
