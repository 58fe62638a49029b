package calendar

import (
	"fmt"
	"time"
)

// Window is a maintenance window: one-off (start and end) or recurring
// (weekday, optionally the nth of the month, from at for a duration), in
// a time zone (the branch's when empty). Devices in maintenance are
// neither judged nor counted against the SLA.
type Window struct {
	Name    string   `yaml:"name" json:"name,omitempty" doc:"Why, e.g. ATM software update."`
	Devices []string `yaml:"devices" json:"devices" doc:"Ids of the devices in maintenance."`
	// Timezone defaults to the branch's.
	Timezone string `yaml:"timezone" json:"timezone,omitempty" doc:"IANA time zone of the times below; default the branch's."`
	// Start and End make a one-off window, local "YYYY-MM-DD HH:MM".
	Start string `yaml:"start" json:"start,omitempty" doc:"One-off window: local start, YYYY-MM-DD HH:MM."`
	End   string `yaml:"end" json:"end,omitempty" doc:"One-off window: local end, YYYY-MM-DD HH:MM."`
	// Weekday, Nth, At and For make a recurring window: every Sunday
	// (weekly), or the first Sunday of the month (nth: 1).
	Weekday string        `yaml:"weekday" json:"weekday,omitempty" doc:"Recurring window: mon..sun."`
	Nth     int           `yaml:"nth" json:"nth,omitempty" doc:"Recurring monthly: 1-4 for the first to fourth such weekday, -1 for the last; 0 or unset: every week."`
	At      string        `yaml:"at" json:"at,omitempty" doc:"Recurring window: local start time HH:MM."`
	For     time.Duration `yaml:"for" json:"for_ns,omitempty" doc:"Recurring window: how long it lasts, e.g. 4h (at most 7 days)."`
}

// CompiledWindow is a checked Window that answers whether it covers a moment.
type CompiledWindow struct {
	Window
	loc        *time.Location
	start, end time.Time // one-off
	rule       *rule     // recurring: the days it starts on
	at         int
}

// CompileWindow checks w; branchTZ is the zone used when w sets none.
// Problems carry paths relative to the window.
func CompileWindow(w Window, branchTZ string) (*CompiledWindow, []Problem) {
	var probs []Problem
	add := func(path, format string, args ...any) {
		probs = append(probs, Problem{path, fmt.Sprintf(format, args...)})
	}
	c := &CompiledWindow{Window: w}
	tz := w.Timezone
	if tz == "" {
		tz = branchTZ
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		add("timezone", "%q: unknown time zone", tz)
		return nil, probs
	}
	c.loc = loc
	if len(w.Devices) == 0 {
		add("devices", "must list at least one device")
	}
	oneOff, recurring := w.Start != "" || w.End != "", w.Weekday != "" || w.At != "" || w.For != 0
	switch {
	case oneOff == recurring:
		add("", "set either start and end (one-off) or weekday, at and for (recurring)")
	case oneOff:
		const layout = "2006-01-02 15:04"
		var e1, e2 error
		c.start, e1 = time.ParseInLocation(layout, w.Start, loc)
		c.end, e2 = time.ParseInLocation(layout, w.End, loc)
		if e1 != nil {
			add("start", "%q: must be YYYY-MM-DD HH:MM", w.Start)
		}
		if e2 != nil {
			add("end", "%q: must be YYYY-MM-DD HH:MM", w.End)
		}
		if e1 == nil && e2 == nil && !c.end.After(c.start) {
			add("end", "%q: must be after start", w.End)
		}
	default:
		// The days a recurring window starts on are a rule's days.
		c.rule = compileRule(Rule{Weekdays: []string{w.Weekday}, Nth: w.Nth, Hours: "closed"}, "", func(p, f string, a ...any) {
			if p == ".weekdays[0]" {
				p = ".weekday"
			}
			add(p[1:], f, a...)
		})
		m, err := parseClock(w.At)
		if err != nil || m >= 24*60 {
			add("at", "%q: must be HH:MM", w.At)
		}
		c.at = m
		if w.For <= 0 || w.For > 7*24*time.Hour {
			add("for", "%v: must be more than 0 and at most 168h", w.For)
		}
	}
	if probs != nil {
		return nil, probs
	}
	return c, nil
}

// Covers reports whether the window covers t and the device.
func (c *CompiledWindow) Covers(device string, t time.Time) bool {
	return c.Overlap(device, t, t.Add(time.Nanosecond)) > 0
}

// Overlap returns how much of [from, to) the window covers for device.
func (c *CompiledWindow) Overlap(device string, from, to time.Time) time.Duration {
	if !c.has(device) {
		return 0
	}
	var total time.Duration
	for _, o := range c.occurrences(from, to) {
		s, e := o[0], o[1]
		if s.Before(from) {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if e.After(s) {
			total += e.Sub(s)
		}
	}
	return total
}

func (c *CompiledWindow) has(device string) bool {
	for _, d := range c.Devices {
		if d == device {
			return true
		}
	}
	return false
}

// occurrences returns the window's spans that may touch [from, to). A
// recurring occurrence lasts at most 7 days, so days from 8 days before
// from are enough; successive occurrences are at least a week apart, so
// none overlap another.
func (c *CompiledWindow) occurrences(from, to time.Time) [][2]time.Time {
	if c.rule == nil {
		return [][2]time.Time{{c.start, c.end}}
	}
	var out [][2]time.Time
	l := from.In(c.loc)
	for i := -8; ; i++ {
		day := time.Date(l.Year(), l.Month(), l.Day()+i, 0, 0, 0, 0, c.loc)
		if !day.Before(to) {
			return out
		}
		if c.rule.matches(day) {
			s := time.Date(day.Year(), day.Month(), day.Day(), c.at/60, c.at%60, 0, 0, c.loc)
			out = append(out, [2]time.Time{s, s.Add(c.For)})
		}
	}
}

// Spans returns the parts of [from, to) the window covers for device, in
// time order.
func (c *CompiledWindow) Spans(device string, from, to time.Time) [][2]time.Time {
	if !c.has(device) {
		return nil
	}
	var out [][2]time.Time
	for _, o := range c.occurrences(from, to) {
		s, e := o[0], o[1]
		if s.Before(from) {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if e.After(s) {
			out = append(out, [2]time.Time{s, e})
		}
	}
	return out
}

// CompileWindows compiles windows in the branch's zone, leaving out any
// that does not compile: the agent refuses such a configuration, so only
// an older agent's descriptor can carry one.
func CompileWindows(ws []Window, branchTZ string) []*CompiledWindow {
	var out []*CompiledWindow
	for _, w := range ws {
		if c, probs := CompileWindow(w, branchTZ); probs == nil {
			out = append(out, c)
		}
	}
	return out
}
