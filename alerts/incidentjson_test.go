package alerts_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
)

// filled returns an incident with every field set (strings to s, numbers
// to n, times to at, flags true, lists of one), by reflection: a field
// added to Incident and not to AppendJSON makes the comparison fail.
func filled(s string, n int, at time.Time) alerts.Incident {
	var inc alerts.Incident
	fill(reflect.ValueOf(&inc).Elem(), s, n, at)
	return inc
}

func fill(v reflect.Value, s string, n int, at time.Time) {
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(at))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Int:
		v.SetInt(int64(n))
	case v.Kind() == reflect.Bool:
		v.SetBool(true)
	case v.Kind() == reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), s, n, at)
		}
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), s, n, at)
		}
	default:
		panic("incident field of kind " + v.Kind().String() + ": teach fill and AppendJSON")
	}
}

func sameAsMarshal(t *testing.T, inc alerts.Incident) {
	t.Helper()
	want, werr := json.Marshal(&inc)
	got, gerr := inc.AppendJSON(nil)
	if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
		t.Fatalf("AppendJSON:\n%s (%v)\njson.Marshal:\n%s (%v)", got, gerr, want, werr)
	}
}

func TestIncidentAppendJSONWritesWhatMarshalWrites(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 7, 30, 1, 120000000, time.UTC)
	for _, tc := range []struct {
		name string
		inc  alerts.Incident
	}{
		{"a zero incident keeps its always-written fields", alerts.Incident{}},
		{"every field set is written", filled("lon-01", 3, at)},
		{"a time in a zone keeps its offset", filled("x", 1, at.In(paris))},
		{"HTML, quotes, controls and non-ASCII are escaped as encoding/json escapes them", filled("<a href=\"x\">&\t\u2028é\xff</a>", -7, at)},
		{"a firing check incident as the engine stores it", alerts.Incident{ID: "inc-1", Key: alerts.Key{Branch: "b1", Device: "dev-1", Check: "check-2"},
			Kind: alerts.KindCheck, Region: "r", State: alerts.Firing, Severity: alerts.Critical, Since: at, FiredAt: at, Reason: "cannot connect",
			Failures: 1, Unreachable: true, LastResult: at, Notified: []alerts.Posted{{Notifier: "slack", Target: "#b1", Level: alerts.LevelBranch}}}},
		{"a year past 9999 fails as Marshal fails", alerts.Incident{Since: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		t.Run(tc.name, func(t *testing.T) { sameAsMarshal(t, tc.inc) })
	}
}

// FuzzIncidentAppendJSON compares AppendJSON with json.Marshal over
// incidents filled with arbitrary strings, numbers and times.
func FuzzIncidentAppendJSON(f *testing.F) {
	f.Add("lon-01", 3, int64(1795766400), int64(0))
	f.Add("<\"é\u2028", -1, int64(-62135596800), int64(999999999))
	f.Fuzz(func(t *testing.T, s string, n int, sec, nsec int64) {
		sameAsMarshal(t, filled(s, n, time.Unix(sec, nsec).UTC()))
		inc := filled(s, n, time.Unix(sec, nsec).In(time.FixedZone("", int(nsec%86400))))
		inc.Region, inc.Notified, inc.Unreachable = "", nil, false
		sameAsMarshal(t, inc)
	})
}

// An incident as the engine stores it with each message, encoded by
// encoding/json and by AppendJSON.
func BenchmarkIncidentJSON(b *testing.B) {
	at := time.Date(2026, 11, 27, 7, 30, 1, 120000000, time.UTC)
	inc := alerts.Incident{ID: "inc-0123456789abcdef", Key: alerts.Key{Branch: "b00042", Device: "dev-1", Check: "check-2"},
		Kind: alerts.KindCheck, Region: "region-02", State: alerts.Firing, Severity: alerts.Critical, Since: at, FiredAt: at,
		Reason: "cannot connect: connection refused (wave round 3)", Failures: 1, Unreachable: true, LastResult: at, LastNotified: at,
		Notified: []alerts.Posted{{Notifier: "slack", Target: "#b00042", Locale: "en", Level: alerts.LevelBranch}}}
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(&inc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := inc.AppendJSON(make([]byte, 0, 512)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
