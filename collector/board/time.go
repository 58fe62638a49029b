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
func countdown(j readiness.Judgement, now time.Time) string {
	if !j.Open || j.Deadline.IsZero() {
		return ""
	}
	left := j.Deadline.Sub(now)
	switch {
	case left > 0 && j.Final:
		return ""
	case left > 0:
		return duration(left) + " left"
	case j.Verdict == readiness.Ready || j.Verdict == readiness.ReadyDegraded || j.Verdict == readiness.Maintenance:
		return ""
	case -left < 12*time.Hour:
		return "missed by " + duration(-left)
	}
	return ""
}

// duration rounds up to whole minutes: "1 min left" until the deadline
// itself, never "0 min left" while there is still time.
func duration(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
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
