package board

import (
	"context"
	"sync"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// The branch page's strip of the last 30 days once judged each day from
// its raw results: 30 queries a page, which on PostgreSQL during a wave
// made the page's p95 several hundred milliseconds. The SLA roll-up
// already holds each final branch-day's verdict (the one the SLA report
// counts), so the strip reads those in one query and judges from raw
// results only the days without a roll-up: days the roller has not
// reached yet (yesterday, shortly after midnight) and days before the
// branch's first results, read a run of days at a time. A branch first
// heard of since the collector started (every branch in a new bank's
// first wave) has no result before those the engine was handed: its
// days before them are judged without reading the store (see
// readiness.Engine.NoResultsBefore).

// stripReader reads a branch's day roll-ups by date (both stores).
type stripReader interface {
	BranchSLADays(ctx context.Context, branch string, dates []string) ([]store.SLADay, error)
}

// lastDays returns the n days before date, oldest first: each day's
// roll-up verdict, or its judgement by its own rules when it has none. A
// day the rules cannot place is left out. The roll-ups and the rules are
// read at once; ok is false when the rules could not be read. none, when
// it says so, is a time before which the store has no result of b.
func lastDays(ctx context.Context, st pageStore, b store.Branch, rules func() (*readiness.Rules, error), date string, n int,
	now time.Time, none func(store.Branch) (time.Time, bool)) (days []dayCell, ok bool) {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return nil, true
	}
	dates := make([]string, 0, n)
	for i := n; i >= 1; i-- {
		dates = append(dates, t.AddDate(0, 0, -i).Format(time.DateOnly))
	}
	if b.Descriptor == nil { // nothing to judge by, as Engine.Verdicts says
		out := make([]dayCell, len(dates))
		for i, d := range dates {
			out[i] = dayCell{Date: d, Verdict: readiness.Unknown}
		}
		return out, true
	}
	var (
		wg     sync.WaitGroup
		rolled map[string]readiness.Verdict
	)
	wg.Go(func() { rolled = rollUps(ctx, st, b.ID, dates) })
	r, err := rules()
	wg.Wait()
	if err != nil {
		return nil, false
	}
	var before time.Time
	if none != nil {
		before, _ = none(b)
	}
	return judgeDays(ctx, stripStore{st, before}, b, r, dates, rolled, now), true
}

// stripStore is the store as the strip reads raw results from it: none
// (and no read) before a time the engine knows the branch has none
// before (zero: not known).
type stripStore struct {
	pageStore
	noneBefore time.Time
}

func (s stripStore) Results(ctx context.Context, branch string, from, to time.Time) ([]result.Result, error) {
	if !s.noneBefore.IsZero() && !to.After(s.noneBefore) {
		return nil, nil
	}
	return s.pageStore.Results(ctx, branch, from, to)
}

// rollUps returns the verdicts of the dates' roll-ups, by date; none when
// the store keeps none or cannot say (the days are judged instead).
func rollUps(ctx context.Context, st pageStore, branch string, dates []string) map[string]readiness.Verdict {
	rolled := map[string]readiness.Verdict{}
	if sr, ok := st.(stripReader); ok {
		if rows, err := sr.BranchSLADays(ctx, branch, dates); err == nil {
			for _, r := range rows {
				rolled[r.Date] = readiness.Verdict(r.Verdict)
			}
		}
	}
	return rolled
}

// judgeDays makes the strip's cells: the rolled days' verdicts, the other
// days judged from their results, a run of days at a time.
func judgeDays(ctx context.Context, st pageStore, b store.Branch, rules *readiness.Rules, dates []string,
	rolled map[string]readiness.Verdict, now time.Time) []dayCell {
	cells := make([]*dayCell, len(dates))
	var run []stripDay // open days without a roll-up since the last rolled one
	for i, d := range dates {
		if v, ok := rolled[d]; ok {
			cells[i] = &dayCell{Date: d, Verdict: v, Final: true}
			judgeRun(ctx, st, b, run, cells, now)
			run = run[:0]
			continue
		}
		x, ok := placeDay(b, rules, d, now)
		switch {
		case !ok:
		case !x.day.Open:
			cells[i] = judgeDay(x, nil, now)
		default:
			x.i = i
			run = append(run, x)
		}
	}
	judgeRun(ctx, st, b, run, cells, now)
	out := make([]dayCell, 0, len(cells))
	for _, c := range cells {
		if c != nil {
			out = append(out, *c)
		}
	}
	return out
}

// stripDay is a day to judge from raw results: its rules, and the
// results it needs, in [from, to).
type stripDay struct {
	i        int
	d        *result.Descriptor
	cal      *calendar.Calendar
	day      calendar.Day
	from, to time.Time
}

// placeDay finds date's rules and the results that judge it, as
// Engine.Verdicts does.
func placeDay(b store.Branch, rules *readiness.Rules, date string, now time.Time) (stripDay, bool) {
	d, cal, err := rules.For(date)
	if err != nil {
		return stripDay{}, false
	}
	day, err := cal.DayByDate(date)
	if err != nil {
		return stripDay{}, false
	}
	x := stripDay{d: d, cal: cal, day: day, to: day.Closing}
	if now.After(day.Deadline) {
		x.to = day.Deadline.Add(time.Nanosecond) // Judge applies results at the deadline itself
	}
	x.from = day.SweepFrom.Add(-readiness.Grace - readiness.CorrectionLookback(b.Contact.ClockSkew))
	return x, true
}

// judgeRun judges a run of days from one read of their results.
func judgeRun(ctx context.Context, st pageStore, b store.Branch, run []stripDay, cells []*dayCell, now time.Time) {
	if len(run) == 0 {
		return
	}
	from, to := run[0].from, run[0].to
	for _, x := range run[1:] {
		from, to = minTime(from, x.from), maxTime(to, x.to)
	}
	rs, err := st.Results(ctx, b.ID, from, to)
	if err != nil { // those days are left out, as Engine.Verdicts leaves them
		return
	}
	for _, x := range run {
		var in []result.Result
		for _, r := range rs {
			if !r.StartedAt.Before(x.from) && r.StartedAt.Before(x.to) {
				in = append(in, r)
			}
		}
		cells[x.i] = judgeDay(x, in, now)
	}
}

func judgeDay(x stripDay, rs []result.Result, now time.Time) *dayCell {
	j := readiness.JudgeDay(x.d, x.cal, x.day, rs, now)
	return &dayCell{Date: x.day.Date, Verdict: j.Verdict, Final: j.Final}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
