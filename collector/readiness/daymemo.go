package readiness

import (
	"sync/atomic"
	"time"

	"github.com/branchready/branchready/calendar"
)

// dayMemo keeps the branch-day a branch's calendar last worked out, by
// local date: a refresh judges a branch many times a day, and working its
// day out (opening, closing, deadline and the next midnight in the
// branch's zone, twice per judgement: for the verdict and for when the
// clock alone changes it) cost as much as a tenth of judging it.
type dayMemo struct{ last atomic.Pointer[memoDay] }

// memoDay is a branch-day and the local midnight that ends it.
type memoDay struct {
	y     int
	m     time.Month
	d     int
	day   calendar.Day
	until time.Time
}

// dayOf is cal's branch-day of t (cal.DayOf) and the local midnight that
// ends it, from memo when memo has t's local date (nil: none).
func dayOf(cal *calendar.Calendar, memo *dayMemo, t time.Time) (calendar.Day, time.Time) {
	l := t.In(cal.Location())
	y, m, d := l.Date()
	if memo != nil {
		if md := memo.last.Load(); md != nil && md.y == y && md.m == m && md.d == d {
			return md.day, md.until
		}
	}
	md := &memoDay{y: y, m: m, d: d, day: cal.Day(y, m, d), until: time.Date(y, m, d+1, 0, 0, 0, 0, cal.Location())}
	if memo != nil {
		memo.last.Store(md)
	}
	return md.day, md.until
}
