package calendar

import (
	"sort"
	"time"
)

// Calendar answers when a branch opens on a given day. It is immutable.
type Calendar struct {
	spec    Spec
	loc     *time.Location
	week    [7]*span
	special map[string]*span
	names   map[string]string
	sources map[string]string // holiday file of a dated entry, "" inline
	rules   []*rule
	check   int // minutes after midnight: the check time of days open around the clock
}

// Spec returns the (defaulted) specification the calendar was built from.
func (c *Calendar) Spec() Spec { return c.spec }

// Location is the branch's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Day is one branch-local calendar day.
type Day struct {
	// Date is the branch-local date, YYYY-MM-DD.
	Date string
	// Open is false on closed days and holidays.
	Open bool
	// Holiday names the holiday or special day, if any.
	Holiday string
	// AllDay is true on a day open around the clock (00:00-24:00). Such a
	// day has no opening to be ready for, so Opening is the calendar's daily
	// check time instead, and Deadline and SweepFrom are measured from it.
	AllDay bool
	// Rule says what set the day's hours, by precedence: an inline
	// holidays entry ("holidays: 2026-12-24"), a holiday file's entry
	// ("holiday file england.yaml: 2026-12-25"), a recurring rule
	// ("rules[0] staff training") or the week ("hours.fri").
	Rule string
	// Opening, Closing, Deadline and SweepFrom are zero on closed days.
	Opening, Closing, Deadline, SweepFrom time.Time
	// start is when business hours begin: Opening, or midnight on an
	// AllDay day.
	start time.Time
}

// Day returns the branch-day for a local date.
//
// Opening and closing are wall-clock times in the branch's zone; a time that
// does not exist on a daylight-saving day (inside the spring-forward gap) is
// moved forward by the gap, as time.Date does. Deadline and SweepFrom are
// measured back from opening in real elapsed time, so "15 minutes before
// opening" is always 15 real minutes.
func (c *Calendar) Day(year int, month time.Month, dayOfMonth int) Day {
	midnight := time.Date(year, month, dayOfMonth, 0, 0, 0, 0, c.loc)
	d := Day{Date: midnight.Format(time.DateOnly)}
	sp := c.week[midnight.Weekday()]
	d.Rule = "hours." + weekdayNames[midnight.Weekday()]
	if s, ok := c.special[d.Date]; ok {
		sp = s
		d.Holiday = c.names[d.Date]
		if d.Holiday == "" {
			d.Holiday = "holiday"
		}
		d.Rule = "holidays: " + d.Date
		if src := c.sources[d.Date]; src != "" {
			d.Rule = "holiday file " + src + ": " + d.Date
		}
	} else if r := c.rule(midnight); r != nil {
		sp = r.apply(sp)
		d.Holiday, d.Rule = r.name, r.label
	}
	if sp == nil {
		return d
	}
	d.Open = true
	d.Opening = c.at(year, month, dayOfMonth, sp.open)
	d.Closing = c.at(year, month, dayOfMonth, sp.close)
	d.start = d.Opening
	if sp.open == 0 && sp.close == 24*60 {
		d.AllDay = true
		d.Opening = c.at(year, month, dayOfMonth, c.check)
	}
	d.Deadline = d.Opening.Add(-c.spec.Lead)
	d.SweepFrom = d.Opening.Add(-c.spec.SweepStart)
	return d
}

var weekdayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// rule returns the first recurring rule that matches a local midnight.
func (c *Calendar) rule(midnight time.Time) *rule {
	for _, r := range c.rules {
		if r.matches(midnight) {
			return r
		}
	}
	return nil
}

func (c *Calendar) at(y int, m time.Month, d, minutes int) time.Time {
	t := time.Date(y, m, d, minutes/60, minutes%60, 0, 0, c.loc)
	if minutes < 24*60 && t.Hour()*60+t.Minute() != minutes {
		// A wall time inside a spring-forward gap, which time.Date may
		// move either way (New York's 02:30 became 01:30 EST). Read it with
		// the offset in force before the gap, so that it lands as far
		// after the gap as it was into it: 02:30 becomes 03:30 EDT.
		_, off := t.Add(-6 * time.Hour).Zone()
		naive := time.Date(y, m, d, minutes/60, minutes%60, 0, 0, time.UTC)
		t = naive.Add(-time.Duration(off) * time.Second).In(c.loc)
	}
	return t
}

// DayOf returns the branch-day whose local date contains t.
func (c *Calendar) DayOf(t time.Time) Day {
	l := t.In(c.loc)
	return c.Day(l.Year(), l.Month(), l.Day())
}

// DayByDate returns the branch-day for a YYYY-MM-DD date.
func (c *Calendar) DayByDate(date string) (Day, error) {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return Day{}, err
	}
	return c.Day(t.Year(), t.Month(), t.Day()), nil
}

// SweepKind tells a pre-opening sweep from a business-hours one.
type SweepKind string

// Sweep kinds.
const (
	PreOpening    SweepKind = "pre_opening"
	BusinessHours SweepKind = "business_hours"
)

// Slot is one scheduled sweep.
type Slot struct {
	At   time.Time
	Kind SweepKind
}

// Slots returns the sweeps of a day in time order: pre-opening sweeps from
// SweepFrom up to and including the deadline every RetryInterval, then
// business-hours sweeps from opening until closing every BusinessInterval.
// On an AllDay day business-hours sweeps run from midnight, except inside
// the pre-opening window. A closed day has none.
func (c *Calendar) Slots(d Day) []Slot {
	if !d.Open || c.spec.RetryInterval <= 0 {
		return nil
	}
	var out []Slot
	for t := d.SweepFrom; !t.After(d.Deadline); t = t.Add(c.spec.RetryInterval) {
		out = append(out, Slot{t, PreOpening})
	}
	if c.spec.BusinessInterval > 0 {
		start := d.start
		if start.IsZero() {
			start = d.Opening
		}
		for t := start; t.Before(d.Closing); t = t.Add(c.spec.BusinessInterval) {
			if d.AllDay && !t.Before(d.SweepFrom) && t.Before(d.Opening) {
				continue
			}
			out = append(out, Slot{t, BusinessHours})
		}
	}
	if d.AllDay {
		sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	}
	return out
}

// Next returns the first slot strictly after t, looking up to 14 days ahead.
//
// A day's pre-opening sweeps may fall on the day before (a branch opening
// at 00:30), among that day's business-hours sweeps, so the earliest slot
// is taken across neighbouring days rather than the first of the first day
// that has one.
func (c *Calendar) Next(t time.Time) (Slot, bool) {
	return c.next(t, "")
}

// NextOf returns the first slot of the given kind strictly after t, looking
// up to 14 days ahead.
func (c *Calendar) NextOf(t time.Time, kind SweepKind) (Slot, bool) {
	return c.next(t, kind)
}

func (c *Calendar) next(t time.Time, kind SweepKind) (Slot, bool) {
	l := t.In(c.loc)
	var best Slot
	found := -1
	// Slots of day i lie between about 13 hours before its midnight
	// (sweep_start is at most 12h, plus a daylight-saving hour) and the
	// next midnight, so once a slot is found one more day can only hold
	// an earlier one.
	for i := 0; i <= 15 && (found < 0 || i <= found+1); i++ {
		d := c.Day(l.Year(), l.Month(), l.Day()+i)
		for _, s := range c.Slots(d) {
			if s.At.After(t) && (kind == "" || s.Kind == kind) && (found < 0 || s.At.Before(best.At)) {
				best = s
				if found < 0 {
					found = i
				}
				break
			}
		}
	}
	return best, found >= 0
}
