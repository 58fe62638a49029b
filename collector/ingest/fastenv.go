package ingest

import (
	"strconv"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/result"
)

// The batch's envelope (agent, health, descriptor) in the plain form agents
// send is read by hand, as fastResult reads results: encoding/json's
// reflection over a descriptor of a few KB was a quarter of the handler's
// time in the first round of a wave. The rules are fastResult's: field
// names as the json tags write them, each once; strings without escapes;
// integers without fraction or exponent. Anything else returns false and
// the caller decodes the value with encoding/json, which also words the
// errors. null leaves a field at its zero value, as it does in a fresh
// value decoded by encoding/json; the values filled here are always fresh.
// Like fastResult's, these readers check the bytes they read (scan.go).

// fields gives each name of an object a bit, to see repeats.
type fields map[string]uint32

// object walks the object at the start of v as members does, calling f
// with each member's bit in known and v from its value on; false when a
// name is unknown or repeated, or f says so.
func (known fields) object(v []byte, f func(bit uint32, rest []byte) (int, bool)) (int, bool) {
	var seen uint32
	return members(v, func(key, rest []byte) (int, bool) {
		bit, ok := known[string(key)]
		if !ok || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		return f(bit, rest)
	})
}

// list walks the list (or null) at the start of v, calling f with v from
// each element on; f returns the element's length. A list, even an empty
// one, makes a non-nil slice in encoding/json, which start does; null
// leaves the slice nil.
func list(v []byte, start func(), f func(rest []byte) (int, bool)) (int, bool) {
	if isNull(v) {
		return 4, true
	}
	if len(v) == 0 || v[0] != '[' {
		return 0, false
	}
	start()
	i := ws(v, 1)
	if i < len(v) && v[i] == ']' {
		return i + 1, true
	}
	for {
		if i >= len(v) {
			return 0, false
		}
		n, ok := f(v[i:])
		if !ok {
			return 0, false
		}
		if i = ws(v, i+n); i >= len(v) {
			return 0, false
		}
		switch v[i] {
		case ',':
			i = ws(v, i+1)
		case ']':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// nested reads the object (or null) at the start of rest with read.
func nested(rest []byte, read func(v []byte) (int, bool)) (int, bool) {
	if isNull(rest) {
		return 4, true
	}
	return read(rest)
}

// fallback decodes the value at the start of rest with encoding/json:
// rare parts (holidays, rules, maintenance windows) read alone to the
// value they would have read in place, once the body is known valid.
func (in *interner) fallback(rest []byte, v any) (int, bool) {
	if !in.valid() {
		return 0, false
	}
	e := valueEnd(rest, 0)
	return e, strict(rest[:e], v) == nil
}

// str reads a plain string into *s; null leaves it.
func (in *interner) str(rest []byte, s *string) (int, bool) {
	if isNull(rest) {
		return 4, true
	}
	v, n, ok := plainAt(rest)
	if ok {
		*s = in.intern(v)
	}
	return n, ok
}

// integer reads a JSON integer as encoding/json reads one into an int64:
// no fraction, no exponent, within range. null leaves *n.
func integer(rest []byte, n *int64) (int, bool) {
	if isNull(rest) {
		return 4, true
	}
	v, ok := numberAt(rest)
	if !ok {
		return 0, false
	}
	x, err := strconv.ParseInt(string(v), 10, 64)
	*n = x
	return len(v), err == nil
}

// intField reads a JSON integer into an int (64 bits wide where the
// collector runs; refused when it does not fit).
func intField(rest []byte, n *int) (int, bool) {
	var x int64
	e, ok := integer(rest, &x)
	if !ok || int64(int(x)) != x {
		return 0, false
	}
	*n = int(x)
	return e, true
}

func duration(rest []byte, d *time.Duration) (int, bool) {
	var x int64
	e, ok := integer(rest, &x)
	*d = time.Duration(x)
	return e, ok
}

// timeField reads an RFC 3339 time from a plain string, as
// time.Time.UnmarshalJSON does.
func timeField(rest []byte, t *time.Time) (int, bool) {
	v, n, ok := plainAt(rest)
	if !ok {
		return n, false
	}
	if u, fast := utcTime(v); fast {
		*t = u
		return n, true
	}
	return n, t.UnmarshalJSON(rest[:n]) == nil
}

var agentFields = fields{"version": 1, "config_hash": 2, "sent_at": 4, "health": 8}

// fastAgent decodes a batch's agent object at the start of v, and
// returns its length.
func (in *interner) fastAgent(v []byte, a *result.Agent) (int, bool) {
	return agentFields.object(v, func(bit uint32, rest []byte) (int, bool) {
		switch bit {
		case 1:
			return in.str(rest, &a.Version)
		case 2:
			return in.str(rest, &a.ConfigHash)
		case 4:
			return timeField(rest, &a.SentAt)
		}
		return nested(rest, func(v []byte) (int, bool) {
			a.Health = new(result.Health)
			return in.fastHealth(v, a.Health)
		})
	})
}

var healthFields = fields{"spool_depth": 1, "dropped": 2, "dropped_by_reason": 4, "held": 8, "last_sweep": 16, "last_sweep_ready": 32}

func (in *interner) fastHealth(v []byte, h *result.Health) (int, bool) {
	return healthFields.object(v, func(bit uint32, rest []byte) (int, bool) {
		switch bit {
		case 1:
			return intField(rest, &h.SpoolDepth)
		case 2:
			return unsigned(rest, &h.Dropped)
		case 4:
			return nested(rest, func(v []byte) (int, bool) {
				h.DroppedByReason = map[string]uint64{}
				return members(v, func(key, rest []byte) (int, bool) {
					var n uint64
					e, ok := unsigned(rest, &n)
					_, repeated := h.DroppedByReason[string(key)]
					h.DroppedByReason[in.intern(key)] = n
					return e, ok && !repeated
				})
			})
		case 8:
			return intField(rest, &h.Held)
		case 16:
			return timeField(rest, &h.LastSweep)
		}
		return boolean(rest, &h.LastSweepReady)
	})
}

// unsigned reads a JSON integer as encoding/json reads one into a uint64.
func unsigned(rest []byte, n *uint64) (int, bool) {
	v, ok := numberAt(rest)
	if !ok || v[0] == '-' {
		return 0, false
	}
	x, err := strconv.ParseUint(string(v), 10, 64)
	*n = x
	return len(v), err == nil
}

// boolean reads true, false or null (which leaves *b).
func boolean(rest []byte, b *bool) (int, bool) {
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		*b = true
		return 4, true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		return 5, true
	}
	return 4, isNull(rest)
}

var descriptorFields = fields{"name": 1, "region": 2, "calendar": 4, "devices": 8, "groups": 16, "maintenance": 32}

// fastDescriptor decodes a batch's descriptor at the start of v, and
// returns its length.
func (in *interner) fastDescriptor(v []byte) (*result.Descriptor, int, bool) {
	d := new(result.Descriptor)
	n, ok := descriptorFields.object(v, func(bit uint32, rest []byte) (int, bool) {
		switch bit {
		case 1:
			return in.str(rest, &d.Name)
		case 2:
			return in.str(rest, &d.Region)
		case 4:
			return nested(rest, func(v []byte) (int, bool) { return in.fastCalendar(v, &d.Calendar) })
		case 8:
			return in.devices(rest, d)
		case 16:
			return list(rest, func() { d.Groups = []result.Group{} }, func(e []byte) (int, bool) {
				d.Groups = append(d.Groups, result.Group{})
				return in.fastGroup(e, &d.Groups[len(d.Groups)-1])
			})
		}
		return in.fallback(rest, &d.Maintenance)
	})
	return d, n, ok
}

var calendarFields = fields{"timezone": 1, "hours": 2, "holidays": 4, "rules": 8, "lead_ns": 16, "sweep_start_ns": 32,
	"retry_interval_ns": 64, "business_interval_ns": 128, "check_time": 256}

func (in *interner) fastCalendar(v []byte, c *calendar.Spec) (int, bool) {
	return calendarFields.object(v, func(bit uint32, rest []byte) (int, bool) {
		switch bit {
		case 1:
			return in.str(rest, &c.Timezone)
		case 2:
			return nested(rest, func(v []byte) (int, bool) { return in.fastWeek(v, &c.Hours) })
		case 4:
			return in.fallback(rest, &c.Holidays)
		case 8:
			return in.fallback(rest, &c.Rules)
		case 16:
			return duration(rest, &c.Lead)
		case 32:
			return duration(rest, &c.SweepStart)
		case 64:
			return duration(rest, &c.RetryInterval)
		case 128:
			return duration(rest, &c.BusinessInterval)
		}
		return in.str(rest, &c.CheckTime)
	})
}

var weekFields = fields{"mon": 1, "tue": 2, "wed": 4, "thu": 8, "fri": 16, "sat": 32, "sun": 64}

func (in *interner) fastWeek(v []byte, w *calendar.Week) (int, bool) {
	days := [...]*string{&w.Mon, &w.Tue, &w.Wed, &w.Thu, &w.Fri, &w.Sat, &w.Sun}
	return weekFields.object(v, func(bit uint32, rest []byte) (int, bool) {
		i := 0
		for bit > 1 {
			bit >>= 1
			i++
		}
		return in.str(rest, days[i])
	})
}

var deviceFields = fields{"id": 1, "kind": 2, "criticality": 4, "vendor": 8, "model": 16, "checks": 32,
	"transactions_per_day": 64, "depends_on": 128}

var checkRefFields = fields{"name": 1, "kind": 2, "remedy": 4}

func (in *interner) fastCheckRef(v []byte, c *result.CheckRef) (int, bool) {
	return checkRefFields.object(v, func(bit uint32, rest []byte) (int, bool) {
		switch bit {
		case 1:
			return in.str(rest, &c.Name)
		case 2:
			return in.str(rest, &c.Kind)
		}
		return in.str(rest, &c.Remedy)
	})
}

var groupFields = fields{"name": 1, "devices": 2, "min": 4, "criticality": 8}

func (in *interner) fastGroup(v []byte, g *result.Group) (int, bool) {
	return groupFields.object(v, func(bit uint32, rest []byte) (int, bool) {
		switch bit {
		case 1:
			return in.str(rest, &g.Name)
		case 2:
			return list(rest, func() { g.Devices = []string{} }, func(e []byte) (int, bool) {
				if isNull(e) {
					return 0, false
				}
				g.Devices = append(g.Devices, "")
				return in.str(e, &g.Devices[len(g.Devices)-1])
			})
		case 4:
			return intField(rest, &g.Min)
		}
		return in.str(rest, (*string)(&g.Criticality))
	})
}
