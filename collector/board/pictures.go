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

// The branch page's pictures once took seven store reads one after
// another (the branch, its descriptor versions, every maintenance window,
// the day roll-ups, the past days' results, today's results, the
// confirmations); on PostgreSQL during a wave each waited its turn behind
// the ingest load, and the page's p95 was 113-251 ms. Today's part now
// comes from what the engine holds (the branch from its directory, today's
// descriptor and windows, the results it judges by), and what the store
// must still answer is asked at once: the confirmations beside the strip,
// and the strip's roll-ups beside the branch's descriptor versions.

// pageStore is what the branch page reads besides the engine.
type pageStore interface {
	Confirmations(ctx context.Context, branch, date string) ([]result.Confirmation, error)
	Results(ctx context.Context, branch string, from, to time.Time) ([]result.Result, error)
}

// branchPictures gathers what branch id's page draws for date, or nothing
// when the store cannot say: the timeline of the day (today is the
// branch-local date of today) and the strip of the 30 days before it.
func branchPictures(ctx context.Context, e *readiness.Engine, st any, id, date, today string, dc *dayCache, now time.Time) (*timeline, []dayCell) {
	ps, ok := st.(pageStore)
	if !ok {
		return nil, nil
	}
	b, err := e.Branch(ctx, id)
	if err != nil {
		return nil, nil
	}
	// The branch's rules are read once, by whichever of the two needs
	// them first: the strip when it is not cached, a past day's timeline.
	rules := sync.OnceValues(func() (*readiness.Rules, error) { return e.RulesOf(ctx, b) })
	var (
		wg sync.WaitGroup
		tl *timeline
	)
	wg.Go(func() { tl = dayTimeline(ctx, e, ps, b, date, date == today, rules) })
	days := dc.get(id, date, now, func() ([]dayCell, bool) { return lastDays(ctx, ps, b, rules, date, 30, now, e.NoResultsBefore) })
	wg.Wait()
	return tl, days
}

// dayTimeline draws branch b's pre-opening window on date, nil for a
// closed day or when it cannot be drawn. Today's is drawn by the
// descriptor today's judgement used and from the results the engine
// holds; another day's by the descriptor in force on it and from the
// store. The confirmations are read meanwhile.
func dayTimeline(ctx context.Context, e *readiness.Engine, ps pageStore, b store.Branch, date string, isToday bool,
	rules func() (*readiness.Rules, error)) *timeline {
	d, cal, err := timelineRules(ctx, e, b, date, isToday, rules)
	if err != nil {
		return nil
	}
	day, err := cal.DayByDate(date)
	if err != nil || !day.Open {
		return nil
	}
	var (
		wg sync.WaitGroup
		cs []result.Confirmation
	)
	if hasManual(d) { // no other check can have been confirmed (see makeTimeline)
		wg.Go(func() { cs, _ = ps.Confirmations(ctx, b.ID, date) })
	}
	defer wg.Wait()
	from, to := day.SweepFrom.Add(-readiness.Grace), day.Deadline.Add(time.Second)
	var rs []result.Result
	held := false
	if isToday {
		rs, held = e.HeldResults(b, from, to)
	}
	if !held {
		if rs, err = ps.Results(ctx, b.ID, from, to); err != nil {
			return nil
		}
	}
	wg.Wait()
	return makeTimeline(d, day, rs, cs, cal.Location())
}

// timelineRules returns the descriptor and calendar that draw b's date.
func timelineRules(ctx context.Context, e *readiness.Engine, b store.Branch, date string, isToday bool,
	rules func() (*readiness.Rules, error)) (*result.Descriptor, *calendar.Calendar, error) {
	if isToday {
		return e.TodayRules(ctx, b)
	}
	if b.Descriptor == nil {
		return nil, nil, readiness.ErrNoDescriptor
	}
	r, err := rules()
	if err != nil {
		return nil, nil, err
	}
	return r.For(date)
}

// dayCache keeps a branch's last days for a while: past days change only
// by revision (a late result, a window added after the fact), and judging
// thirty days on every view would cost a branch page thirty store reads.
type dayCache struct {
	mu      sync.Mutex
	entries map[string]dayEntry
}

type dayEntry struct {
	days []dayCell
	at   time.Time
}

const dayCacheTTL = 10 * time.Minute

// get returns id's days before date, filling them when they are not kept
// or too old; a fill that could not read the store (ok false) is not kept.
func (c *dayCache) get(id, date string, now time.Time, fill func() (days []dayCell, ok bool)) []dayCell {
	key := id + "/" + date
	c.mu.Lock()
	if en, ok := c.entries[key]; ok && now.Sub(en.at) < dayCacheTTL {
		c.mu.Unlock()
		return en.days
	}
	c.mu.Unlock()
	days, ok := fill()
	if !ok {
		return days
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 5000 {
		c.entries = map[string]dayEntry{}
	}
	c.entries[key] = dayEntry{days: days, at: now}
	return days
}
