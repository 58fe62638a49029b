package ingest

import (
	"strconv"

	"github.com/branchready/branchready/result"
)

// fastResult decodes a result in the plain form agents send (the field
// names as written, each once, strings without escapes, no nulls), the
// way encoding/json would, from the start of raw into r (zero), and
// returns its length. For anything else it returns false, leaving r
// partly filled, and the caller decodes the item with encoding/json,
// which also words errors. Strings repeated across the batch's results
// (branch, device, kind, status, sweep...) are shared through in; the id
// is always new.
func (in *interner) fastResult(raw []byte, r *result.Result) (int, bool) {
	// The object is walked here rather than by walk: a closure called
	// for each member, itself calling the name reader passed to walk, were
	// two indirect calls per field, twelve fields a result.
	i := ws(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return 0, false
	}
	if i = ws(raw, i+1); i < len(raw) && raw[i] == '}' {
		return i + 1, true
	}
	var seen uint16
	for {
		bit, n, ok := resultKey(raw[i:])
		if !ok || bit == 0 || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		if i = ws(raw, i+n); i >= len(raw) || raw[i] != ':' {
			return 0, false
		}
		vs := ws(raw, i+1)
		if vs >= len(raw) {
			return 0, false
		}
		if n, ok = in.resultField(r, bit, raw[vs:]); !ok {
			return 0, false
		}
		if i = ws(raw, vs+n); i >= len(raw) {
			return 0, false
		}
		switch raw[i] {
		case ',':
			i = ws(raw, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// resultField reads the value of r's field bit at the start of rest into
// r, and returns its length; false when it is not in the plain form.
func (in *interner) resultField(r *result.Result, bit uint16, rest []byte) (int, bool) {
	switch bit {
	case fieldObservations:
		var n int
		var ok bool
		r.Observations, n, ok = in.observations(rest)
		return n, ok
	case fieldDurationMS:
		v, ok := numberAt(rest)
		r.DurationMS, ok = number(v, ok)
		return len(v), ok
	}
	v, n, ok := plainAt(rest)
	if !ok {
		return 0, false
	}
	switch bit {
	case fieldID:
		r.ID = in.keep(v)
	case fieldBranch:
		r.Branch = in.intern(v)
	case fieldDevice:
		r.Device = in.intern(v)
	case fieldCheck:
		r.Check = in.intern(v)
	case fieldKind:
		r.Kind = in.intern(v)
	case fieldStatus:
		r.Status = result.Status(in.intern(v))
	case fieldReason:
		r.Reason = in.intern(v)
	case fieldSweep:
		r.Sweep = in.intern(v)
	case fieldAgentVersion:
		r.AgentVersion = in.intern(v)
	case fieldStartedAt:
		var fast bool
		if r.StartedAt, fast = utcTime(v); !fast {
			ok = r.StartedAt.UnmarshalJSON(rest[:n]) == nil
		}
	}
	return n, ok
}

// Each field of a result has a bit, to see repeats.
const (
	fieldID uint16 = 1 << iota
	fieldBranch
	fieldDevice
	fieldCheck
	fieldKind
	fieldStatus
	fieldStartedAt
	fieldDurationMS
	fieldReason
	fieldObservations
	fieldSweep
	fieldAgentVersion
)

// resultKey reads the member name at the start of b as plainAt would, and
// returns its field's bit (0 for none): a name agents write is compared
// in place with the one or two it may be, rather than read as a string
// (plainAt) and then looked up, a fifth of a result's decoding. Each
// comparison is with constants of at most eight bytes, which the compiler
// makes loads and compares instead of a call of the runtime's comparison
// (a table of names did that, for every field). Any other name
// is read by plainAt.
func resultKey(b []byte) (uint16, int, bool) {
	if len(b) > 2 && b[0] == '"' {
		k := b[1:]
		switch k[0] {
		case 'i':
			if named(k, `id"`) {
				return fieldID, 4, true
			}
		case 'b':
			if named(k, `branch"`) {
				return fieldBranch, 8, true
			}
		case 'd':
			if named(k, `device"`) {
				return fieldDevice, 8, true
			}
			if named2(k, `duration`, `_ms"`) {
				return fieldDurationMS, 13, true
			}
		case 'c':
			if named(k, `check"`) {
				return fieldCheck, 7, true
			}
		case 'k':
			if named(k, `kind"`) {
				return fieldKind, 6, true
			}
		case 's':
			if named(k, `status"`) {
				return fieldStatus, 8, true
			}
			if named2(k, `started_`, `at"`) {
				return fieldStartedAt, 12, true
			}
			if named(k, `sweep"`) {
				return fieldSweep, 7, true
			}
		case 'r':
			if named(k, `reason"`) {
				return fieldReason, 8, true
			}
		case 'o':
			if named2(k, `observat`, `ions"`) {
				return fieldObservations, 14, true
			}
		case 'a':
			if named2(k, `agent_ve`, `rsion"`) {
				return fieldAgentVersion, 15, true
			}
		}
	}
	key, n, ok := plainAt(b)
	return resultField(key), n, ok
}

// named reports whether k starts with name, a constant of at most eight
// bytes (inlined: the compiler makes the comparison a load and a compare
// only for such a constant).
func named(k []byte, name string) bool {
	return len(k) >= len(name) && string(k[:len(name)]) == name
}

// named2 is named for the name head+tail, head eight bytes long.
func named2(k []byte, head, tail string) bool {
	return len(k) >= len(head)+len(tail) && string(k[:len(head)]) == head && string(k[len(head):len(head)+len(tail)]) == tail
}

// resultField returns the bit of a result's field name, 0 for none.
func resultField(key []byte) uint16 {
	switch string(key) {
	case "id":
		return fieldID
	case "branch":
		return fieldBranch
	case "device":
		return fieldDevice
	case "check":
		return fieldCheck
	case "kind":
		return fieldKind
	case "status":
		return fieldStatus
	case "started_at":
		return fieldStartedAt
	case "duration_ms":
		return fieldDurationMS
	case "reason":
		return fieldReason
	case "observations":
		return fieldObservations
	case "sweep":
		return fieldSweep
	case "agent_version":
		return fieldAgentVersion
	}
	return 0
}

// number reads the JSON number v (ok: numberAt read one) as
// encoding/json reads one into a float64.
func number(v []byte, ok bool) (float64, bool) {
	if !ok {
		return 0, false
	}
	if f, ok := decimal(v); ok {
		return f, true
	}
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}

// observations reads an object of plain names and numbers at the start
// of v, and its length. A repeated name keeps its last value, as in
// encoding/json.
func (in *interner) observations(v []byte) (map[string]float64, int, bool) {
	m := make(map[string]float64, 1)
	n, ok := members(v, func(key, rest []byte) (int, bool) {
		v, ok := numberAt(rest)
		f, ok := number(v, ok)
		m[in.intern(key)] = f
		return len(v), ok
	})
	return m, n, ok
}
