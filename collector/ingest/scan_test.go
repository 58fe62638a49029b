package ingest

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// FuzzPlainAt holds plainAt, which reads eight bytes at a time, to the
// rule it implements read one byte at a time: a string up to its first
// unescaped quote, plain when it has no backslash, no control character
// and valid UTF-8.
func FuzzPlainAt(f *testing.F) {
	for _, s := range []string{`"abc"`, `"0123456789abcdef01234567"x`, `"été"`, "\"\xff\"", `"a\"b"`, "\"ab\x1fcdefghijk\"", `"abcdefgh`,
		`""`, `"` + "\x7f\x20!#[]~" + `"`, `"abcdefg"` + `h"`, `"` + "€ab\x80" + `"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, n, ok := plainAt(b)
		want, wn, wok := slowPlain(b)
		if ok != wok || n != wn || !bytes.Equal(got, want) {
			t.Fatalf("plainAt(%q) = %q, %d, %v; want %q, %d, %v", b, got, n, ok, want, wn, wok)
		}
	})
}

func slowPlain(b []byte) ([]byte, int, bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, 0, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			if !utf8.Valid(b[1:i]) {
				return nil, 0, false
			}
			return b[1:i], i + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// BenchmarkPlainAt reads the strings of a wave result: an id, a time, a
// reason, a device.
func BenchmarkPlainAt(b *testing.B) {
	strs := [][]byte{[]byte(`"01JDXK3V9Q8M7N6P5R4S3T2W1X",`), []byte(`"2026-11-24T08:29:40.123456789Z",`),
		[]byte(`"10.20.30.40:443 answers (connect 3ms)",`), []byte(`"atm-01",`)}
	for b.Loop() {
		for _, s := range strs {
			if _, _, ok := plainAt(s); !ok {
				b.Fatal("not plain")
			}
		}
	}
}
