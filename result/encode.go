package result

import (
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/branchready/branchready/jsonenc"
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
	b = jsonenc.String(b, r.ID)
	b = append(b, `,"branch":`...)
	b = jsonenc.String(b, r.Branch)
	b = append(b, `,"device":`...)
	b = jsonenc.String(b, r.Device)
	b = append(b, `,"check":`...)
	b = jsonenc.String(b, r.Check)
	b = append(b, `,"kind":`...)
	b = jsonenc.String(b, r.Kind)
	b = append(b, `,"status":`...)
	b = jsonenc.String(b, string(r.Status))
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
	b = jsonenc.String(b, r.Reason)
	if len(r.Observations) > 0 {
		b = append(b, `,"observations":`...)
		if b, err = AppendObservations(b, r.Observations); err != nil {
			return nil, err
		}
	}
	if r.Sweep != "" {
		b = append(b, `,"sweep":`...)
		b = jsonenc.String(b, r.Sweep)
	}
	if r.AgentVersion != "" {
		b = append(b, `,"agent_version":`...)
		b = jsonenc.String(b, r.AgentVersion)
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
		b = jsonenc.String(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendFloat(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
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
