package readiness

import (
	"context"
	"time"

	"github.com/branchready/branchready/result"
)

// DayVerdict is a past branch-day's verdict, as a strip of days shows it.
type DayVerdict struct {
	Date    string
	Verdict Verdict
	Final   bool
}

// Verdicts judges branch id on each of dates (branch-local, each by the
// descriptor in force on it, as One does for a date), reading the branch
// and its rules once and, for each day, only the results up to its
// deadline: the verdict is the state at the deadline, and a business day's
// later sweeps are most of its results. A date that cannot be judged is
// left out.
func (e *Engine) Verdicts(ctx context.Context, id string, dates []string) ([]DayVerdict, error) {
	b, err := e.Store.Branch(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.Descriptor == nil { // nothing to judge by, as One says for a date
		out := make([]DayVerdict, len(dates))
		for i, d := range dates {
			out[i] = DayVerdict{Date: d, Verdict: Unknown}
		}
		return out, nil
	}
	rules, err := LoadRules(ctx, e.Store, b)
	if err != nil {
		return nil, err
	}
	now := e.now()
	out := make([]DayVerdict, 0, len(dates))
	for _, date := range dates {
		d, cal, err := rules.For(date)
		if err != nil {
			continue
		}
		day, err := cal.DayByDate(date)
		if err != nil {
			continue
		}
		var rs []result.Result
		if day.Open {
			to := day.Closing
			if now.After(day.Deadline) {
				to = day.Deadline.Add(time.Nanosecond) // Judge applies results at the deadline itself
			}
			from := day.SweepFrom.Add(-Grace - CorrectionLookback(b.Contact.ClockSkew))
			if rs, err = e.Store.Results(ctx, id, from, to); err != nil {
				if ctx.Err() != nil {
					return nil, err
				}
				continue
			}
		}
		j, err := Judge(d, cal, date, rs, now)
		if err != nil {
			continue
		}
		out = append(out, DayVerdict{Date: date, Verdict: j.Verdict, Final: j.Final})
	}
	return out, nil
}
