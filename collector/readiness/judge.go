package readiness

import (
	"context"
	"fmt"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// plan is a branch-day ready to judge but for its results: the status so
// far, the descriptor and calendar in force, and the range of results to
// read (none when read is false: a closed day, or a branch with nothing to
// judge, whose status is then final).
type plan struct {
	s        BranchStatus
	d        *result.Descriptor
	cal      *calendar.Calendar
	day      calendar.Day
	read     bool
	from, to time.Time
	// today: the plan is of the branch's today, judged by its current
	// descriptor, whose results the engine may hold.
	today bool
}

// judge reads a branch's results for a date and judges them against its
// descriptor x. Today's come from what the engine holds when it holds
// them, as the refresh judges them: a branch page asked for between a
// batch and the refresh that judges it (most pages of a branch that has
// just reported) then reads nothing from the store.
func (e *Engine) judge(ctx context.Context, b store.Branch, x described, date string, now time.Time) (BranchStatus, error) {
	p, err := e.plan(ctx, b, x, date, now)
	if err != nil || p.s.Judgement.Verdict != "" {
		return p.s, err
	}
	var rs []result.Result
	if p.read {
		p.s.JudgedAt = e.now()
		if held, ok := e.heldToday(p, b); ok {
			return p.finish(held.appendResults(nil), now)
		}
		if rs, err = e.Store.Results(ctx, b.ID, p.from, p.to); err != nil {
			return p.s, err
		}
	}
	return p.finish(rs, now)
}

// heldToday is the results the engine holds for judging plan p of b, when
// p is of today and they are held.
func (e *Engine) heldToday(p plan, b store.Branch) (heldSet, bool) {
	if !p.today {
		return heldSet{}, false
	}
	return e.heldResults(b, p.from, p.to, p.s.JudgedAt)
}

// plan prepares the judgement of branch b on date (empty: today) at now.
// A status with a verdict is already judged (a branch with no descriptor).
func (e *Engine) plan(ctx context.Context, b store.Branch, x described, date string, now time.Time) (plan, error) {
	s := BranchStatus{ID: b.ID, Contact: b.Contact, JudgedAt: now}
	if th := e.skewThreshold(); th > 0 {
		s.SkewAlarm = b.Contact.ClockSkew > th || -b.Contact.ClockSkew > th
	}
	if x.d == nil {
		s.Judgement = Judgement{Date: date, State: State{Verdict: Unknown, At: now}}
		return plan{s: s}, nil
	}
	d, cal := x.d, x.cal
	s.Name, s.Region, s.Timezone, s.Devices = d.Name, d.Region, d.Calendar.Timezone, d.Devices
	if x.calErr != nil {
		return plan{s: s}, x.calErr
	}
	local := now.In(cal.Location())
	s.LocalTime = local.Format(localTimeFormat)
	var day calendar.Day
	today := date == "" || date == local.Format(time.DateOnly)
	if today {
		day, _ = dayOf(cal, x.days, now)
		date = day.Date
		// Today: the cached current descriptor, with the windows made on
		// the board or API that cover the branch.
		all, err := e.storedWindows(ctx, now)
		if err != nil {
			return plan{s: s}, fmt.Errorf("branch %s: %w", b.ID, err)
		}
		ms := windowsOf(all, store.Branch{ID: b.ID, Descriptor: d}, nil)
		d = withStored(d, b.ID, ms, func(m store.MaintenanceRecord) bool { return m.DeletedAt.IsZero() })
	} else {
		// A past (or future) day is judged by the descriptor in force on
		// it, not today's; today is judged with the cached current one
		// (the SLA roll-up and the signed record judge every day by its
		// own version).
		rules, err := LoadRules(ctx, e.Store, b)
		if err != nil {
			return plan{s: s}, fmt.Errorf("branch %s: %w", b.ID, err)
		}
		if d, cal, err = rules.For(date); err != nil {
			return plan{s: s}, err
		}
		s.Devices = d.Devices
		if day, err = cal.DayByDate(date); err != nil {
			return plan{s: s}, fmt.Errorf("date %q: must be YYYY-MM-DD", date)
		}
	}
	p := plan{s: s, d: d, cal: cal, day: day, read: day.Open, today: today}
	if day.Open {
		p.from, p.to = day.SweepFrom.Add(-Grace-CorrectionLookback(b.Contact.ClockSkew)), day.Closing
	}
	return p, nil
}

// finish judges the plan's branch-day from its results.
func (p plan) finish(rs []result.Result, now time.Time) (BranchStatus, error) {
	p.s.Judgement = JudgeDay(p.d, p.cal, p.day, rs, now)
	return p.s, nil
}
