package calendar

import (
	"fmt"
	"time"
)

// Spec is a branch calendar as written in configuration and sent to the
// collector in the branch descriptor.
type Spec struct {
	Timezone string `yaml:"timezone" json:"timezone" doc:"IANA time zone of the branch, e.g. Europe/London."`
	Hours    Week   `yaml:"hours" json:"hours" doc:"Opening hours per weekday, HH:MM-HH:MM or closed."`
	// Holidays are dates on which the branch is closed, or keeps other hours.
	Holidays []Holiday `yaml:"holidays" json:"holidays,omitempty" doc:"Dates the branch is closed or keeps special hours."`
	// Rules are recurring special hours; holidays override them.
	Rules []Rule `yaml:"rules" json:"rules,omitempty" doc:"Recurring special hours (every last Friday opens at 10:30; summer hours). The first matching rule wins; a holidays entry for the date beats any rule."`
	// Lead is how long before opening the branch must be ready.
	Lead time.Duration `yaml:"lead" json:"lead_ns" doc:"Readiness deadline = opening - lead. Default 15m."`
	// SweepStart is how long before opening the pre-opening sweep begins.
	SweepStart time.Duration `yaml:"sweep_start" json:"sweep_start_ns" doc:"The pre-opening sweep starts this long before opening. Default 60m."`
	// RetryInterval spaces the pre-opening sweeps until the branch is ready.
	RetryInterval time.Duration `yaml:"retry_interval" json:"retry_interval_ns" doc:"Pre-opening sweeps repeat at this interval until every blocking check passes or the deadline passes. Default 5m."`
	// BusinessInterval spaces the lighter sweeps while the branch is open.
	BusinessInterval time.Duration `yaml:"business_interval" json:"business_interval_ns" doc:"Interval of business-hours sweeps; 0 turns them off. Default 15m."`
	// CheckTime stands in for the opening on days the branch is open around
	// the clock (00:00-24:00), which have no opening to be ready for.
	CheckTime string `yaml:"check_time" json:"check_time,omitempty" doc:"HH:MM. On days open 00:00-24:00 readiness is judged as if the branch opened at this time: deadline = check_time - lead. Default 06:00."`
}

// Week holds opening hours per weekday.
type Week struct {
	Mon string `yaml:"mon" json:"mon,omitempty"`
	Tue string `yaml:"tue" json:"tue,omitempty"`
	Wed string `yaml:"wed" json:"wed,omitempty"`
	Thu string `yaml:"thu" json:"thu,omitempty"`
	Fri string `yaml:"fri" json:"fri,omitempty"`
	Sat string `yaml:"sat" json:"sat,omitempty"`
	Sun string `yaml:"sun" json:"sun,omitempty"`
}

// days returns the week's entries indexed by time.Weekday.
func (w Week) days() [7]struct{ key, hours string } {
	return [7]struct{ key, hours string }{
		{"sun", w.Sun}, {"mon", w.Mon}, {"tue", w.Tue}, {"wed", w.Wed}, {"thu", w.Thu}, {"fri", w.Fri}, {"sat", w.Sat},
	}
}

// Holiday is a date with no opening, or with its own hours (a half day).
type Holiday struct {
	Date  string `yaml:"date" json:"date" doc:"YYYY-MM-DD in branch-local time."`
	Name  string `yaml:"name" json:"name,omitempty"`
	Hours string `yaml:"hours" json:"hours,omitempty" doc:"Empty or closed: closed all day; HH:MM-HH:MM: special hours."`
	// Source is the holiday file the entry came from, empty for an entry
	// written inline in the branch's own configuration: an inline entry
	// overrides a file's for the same date.
	Source string `yaml:"-" json:"source,omitempty"`
}

// Defaults for the durations of a Spec left at zero.
const (
	DefaultLead             = 15 * time.Minute
	DefaultSweepStart       = 60 * time.Minute
	DefaultRetryInterval    = 5 * time.Minute
	DefaultBusinessInterval = 15 * time.Minute
	DefaultCheckTime        = "06:00"
	// MaxSweepStart bounds how far before opening the pre-opening sweep may
	// begin, so that a day's sweeps start at most a day ahead and finding
	// the next slot looks at a bounded number of days.
	MaxSweepStart = 12 * time.Hour
)

// WithDefaults returns s with zero durations set to their defaults.
// BusinessInterval keeps an explicit negative value as "off".
func (s Spec) WithDefaults() Spec {
	if s.Lead == 0 {
		s.Lead = DefaultLead
	}
	if s.SweepStart == 0 {
		s.SweepStart = DefaultSweepStart
	}
	if s.RetryInterval == 0 {
		s.RetryInterval = DefaultRetryInterval
	}
	if s.BusinessInterval == 0 {
		s.BusinessInterval = DefaultBusinessInterval
	}
	if s.CheckTime == "" {
		s.CheckTime = DefaultCheckTime
	}
	return s
}

// Problem is one rule a Spec breaks, with the path of the offending field
// relative to the Spec.
type Problem struct {
	Path string
	Msg  string
}

// Compile checks s and returns a Calendar, or every problem found.
func Compile(s Spec) (*Calendar, []Problem) { return CompileWith(s, time.LoadLocation) }

// CompileWith is Compile with the time zone loaded by load: a collector
// compiling the calendars of thousands of branches in a few zones passes a
// cache, since time.LoadLocation reads the zone file on every call.
func CompileWith(s Spec, load func(name string) (*time.Location, error)) (*Calendar, []Problem) {
	s = s.WithDefaults()
	var probs []Problem
	add := func(path, format string, args ...any) {
		probs = append(probs, Problem{path, fmt.Sprintf(format, args...)})
	}
	c := &Calendar{spec: s, special: map[string]*span{}, names: map[string]string{}, sources: map[string]string{}}
	if s.Timezone == "" {
		add("timezone", "must be set to an IANA time zone such as Europe/London")
	} else if loc, err := load(s.Timezone); err != nil {
		add("timezone", "%q: unknown time zone (use an IANA name such as Europe/London)", s.Timezone)
	} else {
		c.loc = loc
	}
	open := 0
	for wd, d := range s.Hours.days() {
		sp, err := parseHours(d.hours)
		if err != nil {
			add("hours."+d.key, "%q: %v", d.hours, err)
		}
		c.week[wd] = sp
		if sp != nil {
			open++
		}
	}
	if open == 0 && len(probs) == 0 {
		add("hours", "the branch is closed every day; give opening hours for at least one weekday")
	}
	c.compileHolidays(s.Holidays, add)
	for i, r := range s.Rules {
		if cr := compileRule(r, fmt.Sprintf("rules[%d]", i), add); cr != nil {
			c.rules = append(c.rules, cr)
		}
	}
	for _, d := range []struct {
		path string
		v    time.Duration
	}{{"lead", s.Lead}, {"sweep_start", s.SweepStart}, {"retry_interval", s.RetryInterval}} {
		if d.v < 0 {
			add(d.path, "%v: must not be negative", d.v)
		}
	}
	if s.SweepStart > MaxSweepStart {
		add("sweep_start", "%v: must be at most %v", s.SweepStart, MaxSweepStart)
	}
	if m, err := parseClock(s.CheckTime); err != nil || m >= 24*60 {
		add("check_time", "%q: must be HH:MM between 00:00 and 23:59", s.CheckTime)
	} else {
		c.check = m
	}
	if s.SweepStart < s.Lead {
		add("lead", "%v: must not exceed sweep_start (%v), or the pre-opening sweep would start after the deadline", s.Lead, s.SweepStart)
	}
	if s.RetryInterval > 0 && s.RetryInterval < 30*time.Second {
		add("retry_interval", "%v: must be at least 30s", s.RetryInterval)
	}
	if s.BusinessInterval > 0 && s.BusinessInterval < 30*time.Second {
		add("business_interval", "%v: must be at least 30s", s.BusinessInterval)
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return c, nil
}

// span is an opening period in minutes after local midnight.
type span struct{ open, close int }

func parseHours(s string) (*span, error) {
	if s == "" || s == "closed" {
		return nil, nil
	}
	const rule = "must be HH:MM-HH:MM (e.g. 09:00-17:00) or closed"
	a, b, ok := cut(s, "-")
	if !ok {
		return nil, fmt.Errorf("%s", rule)
	}
	o, err1 := parseClock(a)
	c, err2 := parseClock(b)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("%s", rule)
	}
	if c <= o {
		return nil, fmt.Errorf("closing time must be after opening time")
	}
	return &span{o, c}, nil
}

func cut(s, sep string) (string, string, bool) {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

func parseClock(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		if s == "24:00" {
			return 24 * 60, nil
		}
		return 0, err
	}
	return t.Hour()*60 + t.Minute(), nil
}

// compileHolidays reads the dated entries. For one date an inline entry
// beats a holiday file's whatever their order; between files the first
// listed wins; two inline entries for one date are a mistake.
func (c *Calendar) compileHolidays(hs []Holiday, add func(path, format string, args ...any)) {
	inline := map[string]int{}
	for i, h := range hs {
		path := fmt.Sprintf("holidays[%d]", i)
		if _, err := time.Parse(time.DateOnly, h.Date); err != nil {
			add(path+".date", "%q: must be a date YYYY-MM-DD", h.Date)
			continue
		}
		sp, err := parseHours(h.Hours)
		if err != nil {
			add(path+".hours", "%q: %v", h.Hours, err)
		}
		if prev, dup := inline[h.Date]; dup {
			if h.Source == "" {
				add(path+".date", "%q: already given by holidays[%d]", h.Date, prev)
			}
			continue // an inline entry for the date stands
		}
		if _, set := c.sources[h.Date]; set && h.Source != "" {
			continue // the first holiday file to list the date stands
		}
		if h.Source == "" {
			inline[h.Date] = i
		}
		c.special[h.Date] = sp
		c.names[h.Date] = h.Name
		c.sources[h.Date] = h.Source
	}
}
