package notify_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts/notify"
)

// filled returns a message with every field set (strings to s, times to
// at, lists of two, labels under three keys), by reflection: a field added
// to Message and not to AppendJSON makes the comparison fail.
func filled(s string, at time.Time) notify.Message {
	var m notify.Message
	fill(reflect.ValueOf(&m).Elem(), s, at)
	return m
}

func fill(v reflect.Value, s string, at time.Time) {
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(at))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), s, at)
		}
	case v.Kind() == reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for _, k := range []string{"region", s, "branch"} {
			v.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(s+k))
		}
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), s, at)
		}
	default:
		panic("message field of kind " + v.Kind().String() + ": teach fill and AppendJSON")
	}
}

func sameAsMarshal(t *testing.T, m notify.Message) {
	t.Helper()
	want, werr := json.Marshal(m)
	got, gerr := m.AppendJSON(nil)
	if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON:\n%s (%v)\njson.Marshal:\n%s (%v)", got, gerr, want, werr)
	}
}

func TestMessageAppendJSONWritesWhatMarshalWrites(t *testing.T) {
	at := time.Date(2026, 11, 27, 7, 30, 1, 120000000, time.FixedZone("", 3600))
	for _, tc := range []struct {
		name string
		m    notify.Message
	}{
		{"a zero message keeps its always-written fields", notify.Message{}},
		{"every field set is written, labels sorted", filled("lon-01", at)},
		{"HTML, quotes, controls and non-ASCII are escaped as encoding/json escapes them", filled("<b>\"&\n\u2028分行\xff", at.UTC())},
		{"empty lists and labels are left out", notify.Message{IncidentID: "inc-1", Fields: []notify.Field{}, Button: []notify.Button{}, Labels: map[string]string{}}},
		{"a year past 9999 fails as Marshal fails", notify.Message{DecidedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		t.Run(tc.name, func(t *testing.T) { sameAsMarshal(t, tc.m) })
	}
}

// FuzzMessageAppendJSON compares AppendJSON with json.Marshal over
// messages filled with arbitrary strings and times.
func FuzzMessageAppendJSON(f *testing.F) {
	f.Add("lon-01 (London Bridge): atm-02 reachable failing", int64(1795766400), int64(0))
	f.Add("<\"é\u2028", int64(-62135596800), int64(999999999))
	f.Fuzz(func(t *testing.T, s string, sec, nsec int64) {
		sameAsMarshal(t, filled(s, time.Unix(sec, nsec).UTC()))
		m := filled(s, time.Unix(sec, nsec).In(time.FixedZone("", int(nsec%86400))))
		m.Link, m.Button, m.Labels = "", nil, map[string]string{s: "", "": s}
		sameAsMarshal(t, m)
	})
}

// A message as the engine decides it, encoded for the outbox by
// encoding/json and by AppendJSON.
func BenchmarkMessageJSON(b *testing.B) {
	m := decided()
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.AppendJSON(make([]byte, 0, 1024)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// decided is a message as the engine decides it.
func decided() notify.Message {
	return notify.Message{IncidentID: "inc-0123456789abcdef", Notifier: "slack", Target: "#b00042", Op: notify.Post, Event: "opened",
		Severity: "critical", State: "firing", Title: "Branch 00042 (b00042): dev-1 check-2 failing",
		Text:      "Branch 00042 (b00042): dev-1 check-2 failing\ncannot connect: connection refused (wave round 3)\nStatus: Firing\nSince: 07:12 (0 min ago)",
		Fields:    []notify.Field{{Label: "Status", Value: "Firing"}, {Label: "Since", Value: "07:12 (0 min ago)"}},
		Button:    []notify.Button{{Action: notify.Ack, Label: "Acknowledge", Value: "ack"}, {Action: notify.Snooze, Label: "Snooze 30 min", Value: "snooze"}},
		Labels:    map[string]string{"branch": "b00042", "region": "region-02", "device": "dev-1", "check": "check-2", "kind": "check"},
		DecidedAt: time.Date(2026, 11, 27, 7, 30, 1, 120000000, time.UTC)}
}
