package calendar

import (
	"time"
)

// Calendar answers when a branch opens on a given day. It is immutable.
type Calendar struct {
	spec    Spec
	loc     *time.Location
	week    [7]*span
	special map[string]*span
	names   map[string]string
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
	// Opening, Closing, Deadline and SweepFrom are zero on closed days.
	Opening, Closing, Deadline, SweepFrom time.Time
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
	if s, ok := c.special[d.Date]; ok {
		sp = s
		d.Holiday = c.names[d.Date]
		if d.Holiday == "" {
			d.Holiday = "holiday"
		}
	}
	if sp == nil {
		return d
	}
	d.Open = true
	d.Opening = c.at(year, month, dayOfMonth, sp.open)
	d.Closing = c.at(year, month, dayOfMonth, sp.close)
	d.Deadline = d.Opening.Add(-c.spec.Lead)
	d.SweepFrom = d.Opening.Add(-c.spec.SweepStart)
	return d
}

func (c *Calendar) at(y int, m time.Month, d, minutes int) time.Time {
	return time.Date(y, m, d, minutes/60, minutes%60, 0, 0, c.loc)
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
// A closed day has none.
func (c *Calendar) Slots(d Day) []Slot {
	if !d.Open {
		return nil
	}
	var out []Slot
	for t := d.SweepFrom; !t.After(d.Deadline); t = t.Add(c.spec.RetryInterval) {
		out = append(out, Slot{t, PreOpening})
	}
	if c.spec.BusinessInterval > 0 {
		for t := d.Opening; t.Before(d.Closing); t = t.Add(c.spec.BusinessInterval) {
			out = append(out, Slot{t, BusinessHours})
		}
	}
	return out
}

// Next returns the first slot strictly after t, looking up to 14 days ahead.
func (c *Calendar) Next(t time.Time) (Slot, bool) {
	l := t.In(c.loc)
	for i := range 15 {
		d := c.Day(l.Year(), l.Month(), l.Day()+i)
		for _, s := range c.Slots(d) {
			if s.At.After(t) {
				return s, true
			}
		}
	}
	return Slot{}, false
}
