package sqlite

import (
	"encoding/json"
	"math"
	"testing"
)

func TestObservationsAreEncodedAsEncodingJSONDoes(t *testing.T) {
	tests := []struct {
		name string
		m    map[string]float64
	}{
		{"one latency", map[string]float64{"latency_seconds": 0.00325}},
		{"several names in sorted order", map[string]float64{"b": 1, "a": 2.5, "c": -0, "aa": 1e20}},
		{"integers and large numbers", map[string]float64{"bytes": 123456789, "big": 9.99e20, "neg": -42}},
		{"tiny and huge numbers with an exponent", map[string]float64{"tiny": 1e-7, "huge": 1e21, "small": 1e-6}},
		{"names json escapes", map[string]float64{"a<b": 1, "quote\"": 2, "tab\t": 3, "é": 4, "x&y": 5}},
		{"many names", map[string]float64{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "j": 0.1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, _ := json.Marshal(tt.m)
			got, err := observations(tt.m)
			if err != nil || got != string(want) {
				t.Fatalf("observations = %v, %v; want %s", got, err, want)
			}
		})
	}
	t.Run("a number JSON cannot hold is refused as before", func(t *testing.T) {
		if _, err := observations(map[string]float64{"x": math.NaN()}); err == nil {
			t.Fatal("NaN encoded")
		}
	})
}

func FuzzObservations(f *testing.F) {
	f.Add("latency_seconds", 0.00325, "b", 1e21)
	f.Fuzz(func(t *testing.T, k1 string, v1 float64, k2 string, v2 float64) {
		m := map[string]float64{k1: v1, k2: v2}
		want, werr := json.Marshal(m)
		got, err := observations(m)
		if (werr != nil) != (err != nil) || (err == nil && got != string(want)) {
			t.Fatalf("observations(%v) = %v, %v; json.Marshal = %s, %v", m, got, err, want, werr)
		}
	})
}
