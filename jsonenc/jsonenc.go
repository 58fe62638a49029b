package jsonenc

import (
	"encoding/json"
	"time"
)

// Key appends sep and a quoted key (plain ASCII) with its colon.
func Key(b []byte, sep byte, key string) []byte {
	b = append(b, sep, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// Field appends ,"key":"s".
func Field(b []byte, key, s string) []byte { return String(Key(b, ',', key), s) }

// String appends s quoted. Printable ASCII that encoding/json leaves
// alone (it escapes <, > and & for HTML) is copied; anything else goes
// through encoding/json, so that every escape is its own.
func String(b []byte, s string) []byte {
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

// Time appends t as time.Time's MarshalJSON writes it, failing where it
// fails (a year past 9999).
func Time(b []byte, t time.Time) ([]byte, error) {
	b, err := t.AppendText(append(b, '"'))
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}
