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

// fields gives each name of an object a bit, to see repeats.
type fields map[string]uint32

// object calls f with the index of each member's name in known and its
// value; false when a name is unknown or repeated, or f says so.
func (known fields) object(v []byte, f func(bit uint32, v []byte) bool) bool {
	var seen uint32
	return members(v, func(key []byte, v []byte) bool {
		bit, ok := known[string(key)]
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		return f(bit, v)
	})
}

// elements calls f with each element of the list v; false when v is not a
// list or f says so. A list, even an empty one, makes a non-nil slice in
// encoding/json, which start reports.
func elements(v []byte, start func(), f func(e []byte) bool) bool {
	if len(v) == 0 || v[0] != '[' {
		return false
	}
	start()
	for i := ws(v, 1); i < len(v) && v[i] != ']'; {
		e := valueEnd(v, i)
		if !f(v[i:e]) {
			return false
		}
		if i = ws(v, e); i < len(v) && v[i] == ',' {
			i = ws(v, i+1)
		}
	}
	return true
}

func isNull(v []byte) bool { return len(v) == 4 && v[0] == 'n' }

// str reads a plain string into *s; null leaves it.
func (in *interner) str(v []byte, s *string) bool {
	if isNull(v) {
		return true
	}
	if len(v) < 2 || v[0] != '"' {
		return false
	}
	out, ok := in.plain(v)
	*s = out
	return ok
}

// integer reads a JSON integer as encoding/json reads one into an int64:
// no fraction, no exponent, within range. null leaves *n.
func integer(v []byte, n *int64) bool {
	if isNull(v) {
		return true
	}
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return false
	}
	x, err := strconv.ParseInt(string(v), 10, 64)
	*n = x
	return err == nil
}

// intField reads a JSON integer into an int (64 bits wide where the
// collector runs; refused when it does not fit).
func intField(v []byte, n *int) bool {
	var x int64
	if !integer(v, &x) || int64(int(x)) != x {
		return false
	}
	*n = int(x)
	return true
}

func duration(v []byte, d *time.Duration) bool {
	var x int64
	ok := integer(v, &x)
	*d = time.Duration(x)
	return ok
}

// timeField reads an RFC 3339 time from a plain string, as
// time.Time.UnmarshalJSON does.
func timeField(v []byte, t *time.Time) bool {
	_, ok := plainBytes(v)
	return ok && t.UnmarshalJSON(v) == nil
}

var agentFields = fields{"version": 1, "config_hash": 2, "sent_at": 4, "health": 8}

// fastAgent decodes a batch's agent object.
func (in *interner) fastAgent(v []byte, a *result.Agent) bool {
	return agentFields.object(v, func(bit uint32, v []byte) bool {
		switch bit {
		case 1:
			return in.str(v, &a.Version)
		case 2:
			return in.str(v, &a.ConfigHash)
		case 4:
			return timeField(v, &a.SentAt)
		}
		if isNull(v) {
			return true
		}
		a.Health = new(result.Health)
		return in.fastHealth(v, a.Health)
	})
}

var healthFields = fields{"spool_depth": 1, "dropped": 2, "dropped_by_reason": 4, "held": 8, "last_sweep": 16, "last_sweep_ready": 32}

func (in *interner) fastHealth(v []byte, h *result.Health) bool {
	return healthFields.object(v, func(bit uint32, v []byte) bool {
		switch bit {
		case 1:
			return intField(v, &h.SpoolDepth)
		case 2:
			return unsigned(v, &h.Dropped)
		case 4:
			if isNull(v) {
				return true
			}
			h.DroppedByReason = map[string]uint64{}
			return members(v, func(key []byte, v []byte) bool {
				var n uint64
				_, repeated := h.DroppedByReason[string(key)]
				ok := !repeated && unsigned(v, &n)
				h.DroppedByReason[in.intern(key)] = n
				return ok
			})
		case 8:
			return intField(v, &h.Held)
		case 16:
			return timeField(v, &h.LastSweep)
		}
		return boolean(v, &h.LastSweepReady)
	})
}

// unsigned reads a JSON integer as encoding/json reads one into a uint64.
func unsigned(v []byte, n *uint64) bool {
	if len(v) == 0 || v[0] < '0' || v[0] > '9' {
		return false
	}
	x, err := strconv.ParseUint(string(v), 10, 64)
	*n = x
	return err == nil
}

func boolean(v []byte, b *bool) bool {
	switch string(v) {
	case "true":
		*b = true
	case "false", "null":
	default:
		return false
	}
	return true
}

var descriptorFields = fields{"name": 1, "region": 2, "calendar": 4, "devices": 8, "groups": 16, "maintenance": 32}

// fastDescriptor decodes a batch's descriptor.
func (in *interner) fastDescriptor(v []byte) (*result.Descriptor, bool) {
	d := new(result.Descriptor)
	ok := descriptorFields.object(v, func(bit uint32, v []byte) bool {
		switch bit {
		case 1:
			return in.str(v, &d.Name)
		case 2:
			return in.str(v, &d.Region)
		case 4:
			return isNull(v) || in.fastCalendar(v, &d.Calendar)
		case 8:
			return isNull(v) || elements(v, func() { d.Devices = []result.Device{} }, func(e []byte) bool {
				d.Devices = append(d.Devices, result.Device{})
				return in.fastDevice(e, &d.Devices[len(d.Devices)-1])
			})
		case 16:
			return isNull(v) || elements(v, func() { d.Groups = []result.Group{} }, func(e []byte) bool {
				d.Groups = append(d.Groups, result.Group{})
				return in.fastGroup(e, &d.Groups[len(d.Groups)-1])
			})
		}
		// Maintenance windows are rare and varied: encoding/json reads
		// them, alone, to the same value it would read in place.
		return strict(v, &d.Maintenance) == nil
	})
	return d, ok
}

var calendarFields = fields{"timezone": 1, "hours": 2, "holidays": 4, "rules": 8, "lead_ns": 16, "sweep_start_ns": 32,
	"retry_interval_ns": 64, "business_interval_ns": 128, "check_time": 256}

func (in *interner) fastCalendar(v []byte, c *calendar.Spec) bool {
	return calendarFields.object(v, func(bit uint32, v []byte) bool {
		switch bit {
		case 1:
			return in.str(v, &c.Timezone)
		case 2:
			return isNull(v) || in.fastWeek(v, &c.Hours)
		case 4: // rare, as maintenance windows are
			return strict(v, &c.Holidays) == nil
		case 8:
			return strict(v, &c.Rules) == nil
		case 16:
			return duration(v, &c.Lead)
		case 32:
			return duration(v, &c.SweepStart)
		case 64:
			return duration(v, &c.RetryInterval)
		case 128:
			return duration(v, &c.BusinessInterval)
		}
		return in.str(v, &c.CheckTime)
	})
}

var weekFields = fields{"mon": 1, "tue": 2, "wed": 4, "thu": 8, "fri": 16, "sat": 32, "sun": 64}

func (in *interner) fastWeek(v []byte, w *calendar.Week) bool {
	days := [...]*string{&w.Mon, &w.Tue, &w.Wed, &w.Thu, &w.Fri, &w.Sat, &w.Sun}
	return weekFields.object(v, func(bit uint32, v []byte) bool {
		i := 0
		for bit > 1 {
			bit >>= 1
			i++
		}
		return in.str(v, days[i])
	})
}

var deviceFields = fields{"id": 1, "kind": 2, "criticality": 4, "vendor": 8, "model": 16, "checks": 32,
	"transactions_per_day": 64, "depends_on": 128}

func (in *interner) fastDevice(v []byte, d *result.Device) bool {
	return deviceFields.object(v, func(bit uint32, v []byte) bool {
		switch bit {
		case 1:
			return in.str(v, &d.ID)
		case 2:
			return in.str(v, &d.Kind)
		case 4:
			return in.str(v, (*string)(&d.Criticality))
		case 8:
			return in.str(v, &d.Vendor)
		case 16:
			return in.str(v, &d.Model)
		case 32:
			return isNull(v) || elements(v, func() { d.Checks = []result.CheckRef{} }, func(e []byte) bool {
				d.Checks = append(d.Checks, result.CheckRef{})
				return in.fastCheckRef(e, &d.Checks[len(d.Checks)-1])
			})
		case 64:
			return intField(v, &d.TransactionsPerDay)
		}
		return in.str(v, &d.DependsOn)
	})
}

var checkRefFields = fields{"name": 1, "kind": 2, "remedy": 4}

func (in *interner) fastCheckRef(v []byte, c *result.CheckRef) bool {
	return checkRefFields.object(v, func(bit uint32, v []byte) bool {
		switch bit {
		case 1:
			return in.str(v, &c.Name)
		case 2:
			return in.str(v, &c.Kind)
		}
		return in.str(v, &c.Remedy)
	})
}

var groupFields = fields{"name": 1, "devices": 2, "min": 4, "criticality": 8}

func (in *interner) fastGroup(v []byte, g *result.Group) bool {
	return groupFields.object(v, func(bit uint32, v []byte) bool {
		switch bit {
		case 1:
			return in.str(v, &g.Name)
		case 2:
			return isNull(v) || elements(v, func() { g.Devices = []string{} }, func(e []byte) bool {
				g.Devices = append(g.Devices, "")
				return !isNull(e) && in.str(e, &g.Devices[len(g.Devices)-1])
			})
		case 4:
			return intField(v, &g.Min)
		}
		return in.str(v, (*string)(&g.Criticality))
	})
}
