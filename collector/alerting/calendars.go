package alerting

import (
	"encoding/json"
	"time"

	"github.com/branchready/branchready/calendar"
)

// calendars shares compiled calendars among branches whose specifications
// are equal: a bank's branches keep a handful of opening hours in a few
// zones, and compiling each branch's calendar again (parsing every hour
// of every weekday) was most of the engine's first tick after a start and
// of describing the branches of a wave's first round. A compiled Calendar
// is never changed, so one can serve many branches.
type calendars struct {
	m map[calendarKey]compiled
}

// calendarKey is a specification in comparable form: its slices encoded.
type calendarKey struct {
	timezone                          string
	hours                             calendar.Week
	lead, sweepStart, retry, business time.Duration
	checkTime                         string
	holidays, rules                   string
}

type compiled struct {
	cal   *calendar.Calendar
	probs []calendar.Problem
}

// maxCalendars bounds the cache: beyond it (specifications that changed
// over a long life) it starts afresh.
const maxCalendars = 4096

// compile returns spec compiled, loading zones with load.
func (c *calendars) compile(spec calendar.Spec, load func(string) (*time.Location, error)) (*calendar.Calendar, []calendar.Problem) {
	k, ok := keyOf(spec)
	if !ok {
		return calendar.CompileWith(spec, load)
	}
	if got, ok := c.m[k]; ok {
		return got.cal, got.probs
	}
	cal, probs := calendar.CompileWith(spec, load)
	if c.m == nil || len(c.m) >= maxCalendars {
		c.m = map[calendarKey]compiled{}
	}
	c.m[k] = compiled{cal: cal, probs: probs}
	return cal, probs
}

// keyOf returns spec's key; false when its slices cannot be encoded.
func keyOf(s calendar.Spec) (calendarKey, bool) {
	k := calendarKey{timezone: s.Timezone, hours: s.Hours, lead: s.Lead, sweepStart: s.SweepStart, retry: s.RetryInterval,
		business: s.BusinessInterval, checkTime: s.CheckTime}
	if len(s.Holidays) > 0 {
		b, err := json.Marshal(s.Holidays)
		if err != nil {
			return k, false
		}
		k.holidays = string(b)
	}
	if len(s.Rules) > 0 {
		b, err := json.Marshal(s.Rules)
		if err != nil {
			return k, false
		}
		k.rules = string(b)
	}
	return k, true
}
