package board

import (
	"fmt"
	"sort"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/result"
)

// The branch page's pictures are server-drawn SVG, like the SLA page's: no
// script and no CDN (branch networks are closed, the pages' CSP allows no
// script), and they scale to a phone's 390 px through their viewBox.

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
		if c.At.Before(from) || c.At.After(to) || !isManual(d, c.Device, c.Check) {
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

// The timeline marks the confirmations of the day's manual checks: staff
// confirm only a check the branch's descriptor has as manual, so a day
// drawn by a descriptor without one has no confirmation to mark, and its
// page does not read them (the store read was one of a page's slowest
// during a wave). A confirmation of a check the descriptor no longer has
// as manual (changed the same day) is not marked either.

// hasManual reports whether d has a check staff confirm.
func hasManual(d *result.Descriptor) bool {
	for _, dev := range d.Devices {
		for _, c := range dev.Checks {
			if c.Kind == manualKind {
				return true
			}
		}
	}
	return false
}

// isManual reports whether device's check is one staff confirm in d.
func isManual(d *result.Descriptor, device, check string) bool {
	for _, dev := range d.Devices {
		if dev.ID != device {
			continue
		}
		for _, c := range dev.Checks {
			if c.Name == check && c.Kind == manualKind {
				return true
			}
		}
	}
	return false
}

// manualKind is the check kind staff confirm on the branch page.
const manualKind = "manual"

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
