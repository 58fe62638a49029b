package result

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
)

// errUnsupportedFloat is returned for a NaN or infinite number, which JSON
// cannot hold (json.Marshal refuses them too).
var errUnsupportedFloat = errors.New("json: unsupported value: NaN or infinite number")

// AppendJSON appends r as json.Marshal encodes it, byte for byte (a test
// holds the two together over the fields Result has), without reflection:
// encoding every result of a sweep through encoding/json was a few percent
// of the agent's CPU on 500 TCP probes (issue 11), as much as shipping them.
func AppendJSON(b []byte, r *Result) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"branch":`...)
	b = appendString(b, r.Branch)
	b = append(b, `,"device":`...)
	b = appendString(b, r.Device)
	b = append(b, `,"check":`...)
	b = appendString(b, r.Check)
	b = append(b, `,"kind":`...)
	b = appendString(b, r.Kind)
	b = append(b, `,"status":`...)
	b = appendString(b, string(r.Status))
	b = append(b, `,"started_at":"`...)
	b, err := r.StartedAt.AppendText(b) // what Time.MarshalJSON writes between its quotes
	if err != nil {
		return nil, err
	}
	b = append(b, `","duration_ms":`...)
	if b, err = appendFloat(b, r.DurationMS); err != nil {
		return nil, err
	}
	b = append(b, `,"reason":`...)
	b = appendString(b, r.Reason)
	if len(r.Observations) > 0 {
		b = append(b, `,"observations":`...)
		if b, err = AppendObservations(b, r.Observations); err != nil {
			return nil, err
		}
	}
	if r.Sweep != "" {
		b = append(b, `,"sweep":`...)
		b = appendString(b, r.Sweep)
	}
	if r.AgentVersion != "" {
		b = append(b, `,"agent_version":`...)
		b = appendString(b, r.AgentVersion)
	}
	return append(b, '}'), nil
}

// AppendObservations appends m as json.Marshal encodes it, byte for byte
// (keys sorted, a NaN or infinity refused), without reflection; the stores
// write results' observations with it too.
func AppendObservations(b []byte, m map[string]float64) ([]byte, error) {
	var small [8]string
	keys := small[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendFloat(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendString appends s quoted. Printable ASCII that encoding/json leaves
// alone (it escapes <, > and & for HTML) is copied; anything else goes
// through encoding/json, so every escape is its own.
func appendString(b []byte, s string) []byte {
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

// appendFloat appends f as encoding/json writes a float64: the shortest
// decimal that reads back as f, in exponent form below 1e-6 and from 1e21,
// with a one-digit negative exponent unpadded (1e-7, not 1e-07).
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errUnsupportedFloat
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}
