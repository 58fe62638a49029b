package sqlite

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// observations encodes m as JSON text, or NULL when there are none.
func observations(m map[string]float64) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	if b, ok := appendObservations(make([]byte, 0, 32*len(m)), m); ok {
		return string(b), nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode observations: %w", err)
	}
	return string(b), nil
}

// appendObservations appends m to b as encoding/json.Marshal would, for the
// shapes agents send (plain names, finite numbers json writes without an
// exponent), and returns false for anything else, which the caller hands
// to encoding/json. Marshal's reflection and key sorting were a twentieth
// of the writer's CPU per result (BenchmarkWriteBatchWave).
func appendObservations(b []byte, m map[string]float64) ([]byte, bool) {
	var small [8]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if !plainKey(k) {
			return nil, false
		}
		f := m[k]
		if a := math.Abs(f); math.IsNaN(f) || math.IsInf(f, 0) || (a != 0 && (a < 1e-6 || a >= 1e21)) {
			return nil, false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	return append(b, '}'), true
}

// plainKey reports whether encoding/json writes k as it is: printable
// ASCII that needs no escape, HTML's <, > and & included.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		switch c := k[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
