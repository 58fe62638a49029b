package board

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/result"
)

// The branch page's pictures are server-drawn SVG, like the SLA page's: no
// script and no CDN (branch networks are closed, the pages' CSP allows no
// script), and they scale to a phone's 390 px through their viewBox.

// resultReader is the part of the store the timeline reads.
type resultReader interface {
	Results(ctx context.Context, branch string, from, to time.Time) ([]result.Result, error)
}

// timeline is the pre-opening window of one branch-day: each device's state
// from the first sweep to the deadline, confirmations and maintenance marked.
type timeline struct {
	Width, Height float64
	Rows          []tlRow
	Ticks         []tlTick
	Marks         []tlMark
	// DeadlineX is where the deadline line is drawn.
	DeadlineX float64
}

type tlRow struct {
	Y     float64
	Label string
	Segs  []tlSeg
}

type tlSeg struct {
	X, W  float64
	Class string
	Title string
}

type tlTick struct {
	X     float64
	Label string
}

type tlMark struct {
	X, Y  float64
	Title string
}

// Layout of the timeline, in viewBox units.
const (
	tlLabelW = 130.0
	tlPlotW  = 480.0
	tlRowH   = 26.0
	tlTop    = 20.0
)

// makeTimeline draws devices' states between the day's sweep start and its
// deadline. Each result colours its check's bar until the next result; a
// device's row shows its worst check at each moment.
func makeTimeline(d *result.Descriptor, day calendar.Day, rs []result.Result, cs []result.Confirmation, loc *time.Location) *timeline {
	from, to := day.SweepFrom.Add(-readiness.Grace), day.Deadline
	if !day.Open || !to.After(from) {
		return nil
	}
	span := to.Sub(from).Seconds()
	x := func(t time.Time) float64 {
		f := t.Sub(from).Seconds() / span
		return tlLabelW + tlPlotW*min(max(f, 0), 1)
	}
	tl := &timeline{Width: tlLabelW + tlPlotW + 10, DeadlineX: x(to)}
	windows := calendar.CompileWindows(d.Maintenance, d.Calendar.Timezone)
	byDevice := map[string][]result.Result{}
	for _, r := range rs {
		if !r.StartedAt.Before(from) && !r.StartedAt.After(to) {
			byDevice[r.Device] = append(byDevice[r.Device], r)
		}
	}
	for i, dev := range d.Devices {
		row := tlRow{Y: tlTop + float64(i)*tlRowH, Label: dev.ID}
		for _, w := range windows {
			for _, sp := range w.Spans(dev.ID, from, to) {
				row.Segs = append(row.Segs, tlSeg{X: x(sp[0]), W: x(sp[1]) - x(sp[0]), Class: "maint",
					Title: fmt.Sprintf("%s in maintenance %s–%s", dev.ID, sp[0].In(loc).Format("15:04"), sp[1].In(loc).Format("15:04"))})
			}
		}
		row.Segs = append(row.Segs, deviceSegs(byDevice[dev.ID], to, x, loc)...)
		tl.Rows = append(tl.Rows, row)
	}
	for t := from.Truncate(15 * time.Minute); !t.After(to); t = t.Add(15 * time.Minute) {
		if !t.Before(from) {
			tl.Ticks = append(tl.Ticks, tlTick{X: x(t), Label: t.In(loc).Format("15:04")})
		}
	}
	for _, c := range cs {
		if c.At.Before(from) || c.At.After(to) {
			continue
		}
		y := tlTop
		for _, row := range tl.Rows {
			if row.Label == c.Device {
				y = row.Y
			}
		}
		what := "confirmed"
		if c.Problem != "" {
			what = "reported a problem: " + c.Problem
		}
		tl.Marks = append(tl.Marks, tlMark{X: x(c.At), Y: y + tlRowH/2, Title: fmt.Sprintf("%s %s %s at %s", c.By, what, c.Check, c.At.In(loc).Format("15:04"))})
	}
	tl.Height = tlTop + float64(len(tl.Rows))*tlRowH + 6
	return tl
}

// deviceSegs turns one device's results (all its checks) into bars: at each
// result the device takes the worst status of its checks' latest results.
func deviceSegs(rs []result.Result, to time.Time, x func(time.Time) float64, loc *time.Location) []tlSeg {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].StartedAt.Before(rs[j].StartedAt) })
	rank := map[result.Status]int{result.StatusOK: 0, result.StatusDegraded: 1, result.StatusUnknown: 2, result.StatusFail: 3}
	latest := map[string]result.Result{}
	var segs []tlSeg
	for i, r := range rs {
		latest[r.Check] = r
		worst := r
		for _, l := range latest {
			if rank[l.Status] > rank[worst.Status] {
				worst = l
			}
		}
		end := to
		if i+1 < len(rs) {
			end = rs[i+1].StartedAt
		}
		if !end.After(r.StartedAt) {
			continue
		}
		segs = append(segs, tlSeg{X: x(r.StartedAt), W: max(x(end)-x(r.StartedAt), 0.5), Class: string(worst.Status),
			Title: fmt.Sprintf("%s from %s: %s %s: %s", r.Device, r.StartedAt.In(loc).Format("15:04"), worst.Check, worst.Status, worst.Reason)})
	}
	return segs
}

// dayCell is one of the branch's last days.
type dayCell struct {
	Date    string
	Verdict readiness.Verdict
	Final   bool
}

// branchPictures gathers what the branch page draws, or nothing when the
// store cannot say. The branch and its rules are read once for both.
func branchPictures(ctx context.Context, st any, s readiness.BranchStatus, dc *dayCache, now time.Time) (*timeline, []dayCell) {
	ps, ok := st.(pageStore)
	if !ok {
		return nil, nil
	}
	b, err := ps.Branch(ctx, s.ID)
	if err != nil {
		return nil, nil
	}
	var rules *readiness.Rules
	if b.Descriptor != nil {
		if rules, err = readiness.LoadRules(ctx, st, b); err != nil {
			return nil, nil
		}
	}
	days := dc.get(s.ID, s.Judgement.Date, now, func() []dayCell { return lastDays(ctx, ps, b, rules, s.Judgement.Date, 30, now) })
	if rules == nil {
		return nil, days
	}
	d, cal, err := rules.For(s.Judgement.Date)
	if err != nil {
		return nil, days
	}
	day, err := cal.DayByDate(s.Judgement.Date)
	if err != nil || !day.Open {
		return nil, days
	}
	rs, err := ps.Results(ctx, s.ID, day.SweepFrom.Add(-readiness.Grace), day.Deadline.Add(time.Second))
	if err != nil {
		return nil, days
	}
	cs, _ := ps.Confirmations(ctx, s.ID, s.Judgement.Date)
	return makeTimeline(d, day, rs, cs, cal.Location()), days
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

func (c *dayCache) get(id, date string, now time.Time, fill func() []dayCell) []dayCell {
	key := id + "/" + date
	c.mu.Lock()
	if en, ok := c.entries[key]; ok && now.Sub(en.at) < dayCacheTTL {
		c.mu.Unlock()
		return en.days
	}
	c.mu.Unlock()
	days := fill()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 5000 {
		c.entries = map[string]dayEntry{}
	}
	c.entries[key] = dayEntry{days: days, at: now}
	return days
}
