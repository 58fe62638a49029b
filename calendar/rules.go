package calendar

import (
	"fmt"
	"time"
)

// Rule is a recurring change to the opening hours: "every last Friday of
// the month opens at 10:30", "summer hours from June to August". A rule
// matches a date when every filter it sets matches; the first rule in list
// order that matches wins, so list the narrower ones first.
//
// Precedence, highest first: an inline holidays entry for the date, a
// holiday file's entry for it, the first matching rule, the week's hours.
type Rule struct {
	Name string `yaml:"name" json:"name,omitempty" doc:"Shown on the board and by validate, e.g. staff training."`
	// Weekdays limits the rule to these days (mon..sun); empty: every day.
	Weekdays []string `yaml:"weekdays" json:"weekdays,omitempty" doc:"Days of the week the rule applies to (mon, tue, ...); empty: every day."`
	// Nth picks one occurrence of the weekday in the month: 1 to 4 for the
	// first to fourth, -1 for the last; 0 for every one.
	Nth int `yaml:"nth" json:"nth,omitempty" doc:"With weekdays: 1-4 for the first to fourth such day of the month, -1 for the last; 0 or unset: every one."`
	// From and To bound the rule to a span of the year, MM-DD inclusive;
	// From after To spans the new year (12-01 to 02-28).
	From string `yaml:"from" json:"from,omitempty" doc:"MM-DD: first day of the year the rule applies (inclusive)."`
	To   string `yaml:"to" json:"to,omitempty" doc:"MM-DD: last day of the year the rule applies (inclusive); before from: the span crosses the new year."`
	// Hours replaces the day's hours; Opens moves only the opening of a
	// day that is open anyway. Exactly one of the two is set.
	Hours string `yaml:"hours" json:"hours,omitempty" doc:"HH:MM-HH:MM or closed: the day's hours instead of the week's."`
	Opens string `yaml:"opens" json:"opens,omitempty" doc:"HH:MM: the opening on days open anyway, keeping their closing (e.g. 10:30 for staff training)."`
}

// rule is a compiled Rule.
type rule struct {
	name     string
	label    string // rules[i] and the name, for Day.Rule
	weekdays [7]bool
	anyDay   bool
	nth      int
	from, to int // month*100+day, 0 when unset
	hours    *span
	opens    int // minutes; -1 when the rule sets hours
}

var weekdayKeys = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// compileRule checks one rule and returns it, adding problems under path.
func compileRule(r Rule, path string, add func(path, format string, args ...any)) *rule {
	c := &rule{name: r.Name, nth: r.Nth, opens: -1, anyDay: len(r.Weekdays) == 0}
	ok := true
	c.label = path
	if c.name != "" {
		c.label += " " + c.name
	}
	for i, w := range r.Weekdays {
		wd, known := weekdayKeys[w]
		if !known {
			add(fmt.Sprintf("%s.weekdays[%d]", path, i), "%q: must be mon, tue, wed, thu, fri, sat or sun", w)
			ok = false
			continue
		}
		c.weekdays[wd] = true
	}
	if r.Nth != 0 && (r.Nth < -1 || r.Nth > 4 || len(r.Weekdays) == 0) {
		add(path+".nth", "%d: must be 1-4 or -1 (the last), with weekdays set", r.Nth)
		ok = false
	}
	for _, b := range []struct {
		key, v string
		dst    *int
	}{{"from", r.From, &c.from}, {"to", r.To, &c.to}} {
		if b.v == "" {
			continue
		}
		t, err := time.Parse("01-02", b.v)
		if err != nil {
			add(path+"."+b.key, "%q: must be MM-DD, e.g. 06-01", b.v)
			ok = false
			continue
		}
		*b.dst = int(t.Month())*100 + t.Day()
	}
	if (r.From == "") != (r.To == "") {
		add(path, "set both from and to, or neither")
		ok = false
	}
	switch {
	case (r.Hours == "") == (r.Opens == ""):
		add(path, "set exactly one of hours and opens")
		ok = false
	case r.Opens != "":
		m, err := parseClock(r.Opens)
		if err != nil || m >= 24*60 {
			add(path+".opens", "%q: must be HH:MM between 00:00 and 23:59", r.Opens)
			ok = false
		}
		c.opens = m
	default:
		sp, err := parseHours(r.Hours)
		if err != nil {
			add(path+".hours", "%q: %v", r.Hours, err)
			ok = false
		}
		c.hours = sp
	}
	if !ok {
		return nil
	}
	return c
}

// matches reports whether the rule applies to the local date t (midnight).
func (r *rule) matches(t time.Time) bool {
	if !r.anyDay && !r.weekdays[t.Weekday()] {
		return false
	}
	switch {
	case r.nth > 0 && (t.Day()-1)/7+1 != r.nth:
		return false
	case r.nth == -1 && t.AddDate(0, 0, 7).Month() == t.Month():
		return false
	}
	if r.from == 0 {
		return true
	}
	md := int(t.Month())*100 + t.Day()
	if r.from <= r.to {
		return md >= r.from && md <= r.to
	}
	return md >= r.from || md <= r.to
}

// apply returns the hours of a day the rule matches, given the week's.
func (r *rule) apply(week *span) *span {
	if r.opens < 0 {
		return r.hours
	}
	if week == nil || r.opens >= week.close {
		return week // opens only moves the opening of a day open anyway
	}
	return &span{r.opens, week.close}
}
