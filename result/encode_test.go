package result

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/jsonenc"
)

// TestResultEncodingIsJSONMarshalsByteForByte holds AppendJSON to
// json.Marshal: the collector reads either, the spool keeps records this
// build put as they are, and the shipper's batch is what encoding a
// Batch writes.
func TestResultEncodingIsJSONMarshalsByteForByte(t *testing.T) {
	at := time.Date(2026, 11, 26, 8, 15, 0, 123456789, time.FixedZone("CET", 3600))
	base := Result{ID: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Branch: "nyc-5th", Device: "atm-01", Check: "port",
		Kind: "tcp", Status: StatusOK, StartedAt: at, DurationMS: 1.234, Reason: "10.1.2.3:9100 answers (connect 1ms)",
		Observations: map[string]float64{"connect_seconds": 0.001234}, Sweep: "business", AgentVersion: "1.4.0"}
	with := func(f func(r *Result)) Result {
		r := base
		f(&r)
		return r
	}
	for _, tc := range []struct {
		name string
		r    Result
	}{
		{"a healthy TCP probe", base},
		{"a reason with quotes, a backslash, HTML and a newline", with(func(r *Result) {
			r.Reason = "GET https://bank.example/login?a=1&b=<2>: got \"Sign in\" \\ not\nfound"
		})},
		{"names and a reason beyond ASCII, invalid UTF-8 and line separators", with(func(r *Result) {
			r.Device, r.Reason = "caixa-ção", "réponse \xff\xfe \u2028 \u2029 \x00\x1f\x7f ✓"
		})},
		{"no observations, sweep or version", with(func(r *Result) {
			r.Observations, r.Sweep, r.AgentVersion = nil, "", ""
		})},
		{"an empty observation map", with(func(r *Result) { r.Observations = map[string]float64{} })},
		{"many observations, in no order", with(func(r *Result) {
			r.Observations = map[string]float64{"z": 1, "a": -0.5, "m<&>": 2e21, "b": 1e-7, "c": 123456789.125, "d": 0, "e": -1e-300,
				"f": 1e20, "g": 5e-324, "h": math.MaxFloat64, "i": math.Copysign(0, -1)}
		})},
		{"durations at the edges of exponent form", with(func(r *Result) { r.DurationMS = 1e-6 })},
		{"a tiny duration", with(func(r *Result) { r.DurationMS = 9.99e-7 })},
		{"a huge duration", with(func(r *Result) { r.DurationMS = 1e21 })},
		{"a UTC time without nanoseconds", with(func(r *Result) { r.StartedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) })},
		{"a time with trailing zeros in its fraction", with(func(r *Result) { r.StartedAt = at.Truncate(time.Millisecond) })},
		{"the zero time", with(func(r *Result) { r.StartedAt = time.Time{} })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(&tc.r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := AppendJSON([]byte("prefix"), &tc.r)
			if err != nil {
				t.Fatalf("AppendJSON: %v", err)
			}
			if !bytes.Equal(got[len("prefix"):], want) {
				t.Errorf("got  %s\nwant %s", got[len("prefix"):], want)
			}
		})
	}
}

func TestWhatJSONCannotHoldIsRefusedAsByJSONMarshal(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Result
	}{
		{"a NaN observation", Result{ID: "x", Observations: map[string]float64{"v": math.NaN()}}},
		{"an infinite duration", Result{ID: "x", DurationMS: math.Inf(1)}},
		{"a time past year 9999", Result{ID: "x", StartedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := json.Marshal(&tc.r); err == nil {
				t.Fatal("json.Marshal took it; the test's premise is wrong")
			}
			if b, err := AppendJSON(nil, &tc.r); err == nil {
				t.Errorf("AppendJSON wrote %s, want an error", b)
			}
		})
	}
}

// TestTheEncoderKnowsEveryFieldOfAResult fails when Result gains,
// loses or renames a field: AppendJSON must then be changed with it.
func TestTheEncoderKnowsEveryFieldOfAResult(t *testing.T) {
	var tags []string
	rt := reflect.TypeFor[Result]()
	for i := range rt.NumField() {
		tags = append(tags, rt.Field(i).Name+" "+rt.Field(i).Type.String()+" "+rt.Field(i).Tag.Get("json"))
	}
	want := []string{"ID string id", "Branch string branch", "Device string device", "Check string check", "Kind string kind",
		"Status result.Status status", "StartedAt time.Time started_at", "DurationMS float64 duration_ms", "Reason string reason",
		"Observations map[string]float64 observations,omitempty", "Sweep string sweep,omitempty",
		"AgentVersion string agent_version,omitempty"}
	if got := strings.Join(tags, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("Result is now\n%s\nAppendJSON encodes\n%s", got, strings.Join(want, "\n"))
	}
}

func TestStringsAndNumbersEncodeAsJSONMarshalsThemOverManyRandomValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2026))
	alphabet := []string{"a", "Z", "0", " ", "\"", "\\", "<", ">", "&", "\n", "\t", "\x01", "\x7f", "é", "✓", "\u2028", "\xff", "/"}
	for range 2000 {
		var sb strings.Builder
		for range rng.IntN(12) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := sb.String()
		want, _ := json.Marshal(s)
		if got := jsonenc.String(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		if rng.IntN(2) == 0 {
			f = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(50)-25))
		}
		want, _ = json.Marshal(f)
		if got, _ := appendFloat(nil, f); !bytes.Equal(got, want) {
			t.Fatalf("%v: got %s, want %s", f, got, want)
		}
	}
}
