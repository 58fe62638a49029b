package board

import (
	"fmt"
	"time"

	"github.com/branchready/branchready/collector/readiness"
)

// countdown words the time to a branch's deadline for the ops centre:
// "23 min left", "1 h 05 min left", "missed by 12 min". It is empty when
// there is nothing to count: a closed day, a verdict already final, or a
// branch ready before its deadline.
func countdown(j readiness.Judgement, now time.Time) string { return leftOf(j, now).String() }

// left is a countdown in whole minutes (rounded up): before the deadline,
// or, when missed, after it; the zero value counts nothing.
type left struct {
	missed  bool
	minutes int
}

func leftOf(j readiness.Judgement, now time.Time) left {
	if !j.Open || j.Deadline.IsZero() {
		return left{}
	}
	d := j.Deadline.Sub(now)
	switch {
	case d > 0 && j.Final:
		return left{}
	case d > 0:
		return left{minutes: minutesUp(d)}
	case j.Verdict == readiness.Ready || j.Verdict == readiness.ReadyDegraded || j.Verdict == readiness.Maintenance:
		return left{}
	case -d < 12*time.Hour:
		return left{missed: true, minutes: minutesUp(-d)}
	}
	return left{}
}

func (l left) String() string {
	switch {
	case l.minutes == 0:
		return ""
	case l.missed:
		return "missed by " + wholeMinutes(l.minutes)
	}
	return wholeMinutes(l.minutes) + " left"
}

// minutesUp rounds up to whole minutes: "1 min left" until the deadline
// itself, never "0 min left" while there is still time.
func minutesUp(d time.Duration) int { return int((d + time.Minute - 1) / time.Minute) }

// wholeMinutes words whole minutes: "23 min", "1 h 05 min".
func wholeMinutes(m int) string {
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}

// days are the branch-local dates either side of the one shown; Next is
// empty when the shown day is today (the future has no results).
type days struct{ Prev, Next string }

func around(date, today string) days {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return days{}
	}
	d := days{Prev: t.AddDate(0, 0, -1).Format(time.DateOnly)}
	if date < today {
		d.Next = t.AddDate(0, 0, 1).Format(time.DateOnly)
	}
	return d
}
