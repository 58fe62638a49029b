package notify_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
)

// sameAsUnmarshal decodes b with DecodeJSON and with json.Unmarshal into a
// zero message, and wants the same message, or an error from both.
func sameAsUnmarshal(t *testing.T, b []byte) {
	t.Helper()
	got, gerr := notify.DecodeJSON(b)
	var want notify.Message
	werr := json.Unmarshal(b, &want)
	if (gerr == nil) != (werr == nil) || (werr == nil && !reflect.DeepEqual(got, want)) {
		t.Fatalf("DecodeJSON of %q:\n%#v (%v)\njson.Unmarshal:\n%#v (%v)", b, got, gerr, want, werr)
	}
	if werr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("DecodeJSON of %q fails with %q, json.Unmarshal with %q", b, gerr, werr)
	}
}

// encoded is a message as the outbox keeps it.
func encoded(t testing.TB, m notify.Message) []byte {
	b, err := m.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeJSONReadsWhatUnmarshalReads(t *testing.T) {
	at := time.Date(2026, 11, 27, 7, 30, 1, 120000000, time.FixedZone("", 3600))
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"a message with every field set", encoded(t, filled("lon-01", at))},
		{"a message as the engine decides it", encoded(t, decided())},
		{"escapes of HTML, quotes, controls and non-ASCII", encoded(t, filled("<b>\"&\n\t\r\b\f\\/\u2028分行\x01", at.UTC()))},
		{"a zero message", encoded(t, notify.Message{})},
		{"spaces between members (left to encoding/json)", []byte(`{"incident_id": "inc-1", "op":"post"}`)},
		{"a key in another letter case", []byte(`{"Incident_ID":"inc-1"}`)},
		{"a key given twice", []byte(`{"target":"a","target":"b"}`)},
		{"labels given twice", []byte(`{"labels":{"a":"1"},"labels":{"b":"2"}}`)},
		{"a label given twice", []byte(`{"labels":{"a":"1","a":"2"}}`)},
		{"an unknown key", []byte(`{"incident_id":"inc-1","x":[1,{"y":null}]}`)},
		{"a null", []byte(`{"fields":null,"title":null}`)},
		{"empty lists and labels", []byte(`{"fields":[],"buttons":[],"labels":{}}`)},
		{"a field with its keys the other way round", []byte(`{"fields":[{"value":"v","label":"l"}]}`)},
		{"a surrogate pair", []byte(`{"text":"\ud83d\ude00 and \ud800 alone"}`)},
		{"a byte that is not UTF-8", []byte("{\"text\":\"a\xffb\"}")},
		{"a raw control character", []byte("{\"text\":\"a\nb\"}")},
		{"a bad escape", []byte(`{"text":"a\qb"}`)},
		{"a number for a string", []byte(`{"text":12}`)},
		{"a time that is not one", []byte(`{"decided_at":"yesterday"}`)},
		{"a time with an escape", []byte(`{"decided_at":"2026-11-27T07:30:01\u002e12Z"}`)},
		{"text after the object", []byte(`{"op":"post"} {}`)},
		{"space after the object", []byte("{\"op\":\"post\"}\n")},
		{"a cut message", encoded(t, decided())[:200]},
		{"nothing", nil},
	} {
		t.Run(tc.name, func(t *testing.T) { sameAsUnmarshal(t, tc.b) })
	}
}

// FuzzDecodeJSON compares DecodeJSON with json.Unmarshal over arbitrary
// bytes, seeded with messages AppendJSON wrote, and over messages filled
// with arbitrary strings.
func FuzzDecodeJSON(f *testing.F) {
	at := time.Date(2026, 11, 27, 7, 30, 1, 120000000, time.UTC)
	f.Add(encoded(f, decided()), "lon-01")
	f.Add(encoded(f, filled("<\"é\u2028\n", at)), "\\u00e9\x7f")
	f.Add([]byte(`{"fields":[{"label":"a","value":"b"}],"labels":{"k":"v"},"buttons":[{"action":"ack","label":"A","value":"ack/inc-1"}]}`), "")
	f.Fuzz(func(t *testing.T, b []byte, s string) {
		sameAsUnmarshal(t, b)
		sameAsUnmarshal(t, encoded(t, filled(s, at)))
	})
}

func BenchmarkDecodeJSON(b *testing.B) {
	body := encoded(b, decided())
	b.Run("DecodeJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := notify.DecodeJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m notify.Message
			if err := json.Unmarshal(body, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
