package sla

import (
	"sort"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Staleness is how long a check's result describes its device when no
// newer one arrives: three business-hours sweeps, and never less than the
// pre-opening window (an agent stops its morning sweeps once the branch is
// ready, so the last morning result must reach opening). After that the
// device is unknown, and unknown counts as unavailable: a silent agent
// cannot vouch for its devices.
func Staleness(spec calendar.Spec) time.Duration {
	if spec.BusinessInterval <= 0 {
		return 0 // no business sweeps: a result holds until closing
	}
	return max(3*spec.BusinessInterval, spec.SweepStart)
}

// Facts rolls one final branch-day into its rollup. day is the branch's
// calendar day, j its judgement (final), rs the branch's results from the
// pre-opening window to closing, any order.
//
// Availability counts business hours, opening to closing. Failures are
// counted from the pre-opening window on: a failure is detected when a
// device's check first reports fail after the device was not failing, and
// it is repaired when every check of the device passes again (a spell of
// unknown in between neither ends nor restarts it). Failures still open at
// closing are counted, but their repair time is not (it is not known yet).
func Facts(branch string, d *result.Descriptor, day calendar.Day, j readiness.Judgement, rs []result.Result, stale time.Duration, rolledAt time.Time) store.SLARollup {
	r := store.SLARollup{Day: store.SLADay{Branch: branch, Region: d.Region, Date: j.Date, Verdict: string(j.Verdict),
		Deadline: day.Deadline.UTC(), RolledAt: rolledAt.UTC()}}
	if j.ReadyAt != nil {
		s := j.ReadyAt.Sub(day.Deadline).Seconds()
		r.Day.ToReadySeconds = &s
	}
	blamed := map[string]bool{}
	if j.Verdict == readiness.NotReady || j.Verdict == readiness.Unknown {
		for _, p := range j.Problems {
			if p.Criticality == result.Blocking {
				blamed[p.Device] = true
			}
		}
	}
	byDevice := map[string][]result.Result{}
	for _, x := range rs {
		byDevice[x.Device] = append(byDevice[x.Device], x)
	}
	maint := calendar.CompileWindows(d.Maintenance, d.Calendar.Timezone)
	for _, dev := range d.Devices {
		f := deviceDay(dev, day, byDevice[dev.ID], stale, maintenance(maint, dev.ID, day))
		v := store.SLADevice{Branch: branch, Region: d.Region, Date: j.Date, Device: dev.ID, Kind: dev.Kind, Vendor: dev.Vendor, Model: dev.Model,
			BusinessSeconds: f.business.Seconds(), UpSeconds: f.up.Seconds(), Failures: f.failures, Repairs: f.repairs,
			RepairSeconds: f.repair.Seconds(), Blamed: blamed[dev.ID]}
		r.Devices = append(r.Devices, v)
		r.Day.DeviceSeconds += v.BusinessSeconds
		r.Day.UpSeconds += v.UpSeconds
		r.Day.Failures += v.Failures
		r.Day.Repairs += v.Repairs
		r.Day.RepairSeconds += v.RepairSeconds
	}
	return r
}

// state is a device's condition at a moment.
type state int

const (
	unknown state = iota
	up
	failing
)

type deviceFacts struct {
	business, up, repair time.Duration
	failures, repairs    int
}

// deviceDay walks a device's timeline from the pre-opening window to
// closing. The device's state changes only when one of its checks reports
// or a report goes stale, so it is evaluated at exactly those moments.
//
// Time in maintenance (maint: spans within business hours) is left out of
// both the business hours and the time up: agreed maintenance counts
// neither for nor against the device.
func deviceDay(dev result.Device, day calendar.Day, rs []result.Result, stale time.Duration, maint [][2]time.Time) deviceFacts {
	f := deviceFacts{business: day.Closing.Sub(day.Opening)}
	for _, m := range maint {
		f.business -= m[1].Sub(m[0])
	}
	if len(dev.Checks) == 0 {
		f.up = f.business // nothing to check: nothing can be down
		return f
	}
	from := day.SweepFrom.Add(-readiness.Grace)
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].StartedAt.Before(rs[b].StartedAt) })
	moments := []time.Time{from, day.Opening}
	for _, x := range rs {
		if x.StartedAt.Before(from) || !x.StartedAt.Before(day.Closing) {
			continue
		}
		moments = append(moments, x.StartedAt)
		if stale > 0 {
			moments = append(moments, x.StartedAt.Add(stale))
		}
	}
	for _, m := range maint {
		moments = append(moments, m[0], m[1])
	}
	sort.Slice(moments, func(a, b int) bool { return moments[a].Before(moments[b]) })
	var openSince *time.Time
	for i, t := range moments {
		if !t.Before(day.Closing) {
			break
		}
		if i+1 < len(moments) && moments[i+1].Equal(t) {
			continue
		}
		next := day.Closing
		if i+1 < len(moments) && moments[i+1].Before(next) {
			next = moments[i+1]
		}
		s := stateAt(dev, rs, t, stale)
		switch {
		case s == failing && openSince == nil:
			f.failures++
			at := t
			openSince = &at
		case s == up && openSince != nil:
			f.repairs++
			f.repair += t.Sub(*openSince)
			openSince = nil
		}
		if s == up && !within(t, maint) {
			f.up += overlap(t, next, day.Opening, day.Closing)
		}
	}
	return f
}

// stateAt is the device's state at t: failing when any check's latest
// fresh result fails, up when every check's latest fresh result passes,
// unknown otherwise.
func stateAt(dev result.Device, rs []result.Result, t time.Time, stale time.Duration) state {
	s := up
	for _, c := range dev.Checks {
		var last *result.Result
		for i := range rs {
			if rs[i].Check != c.Name || rs[i].StartedAt.After(t) {
				continue
			}
			last = &rs[i]
		}
		switch {
		case last == nil, stale > 0 && !t.Before(last.StartedAt.Add(stale)):
			s = unknown
		case last.Status == result.StatusFail:
			return failing
		case !last.Status.Passing():
			s = unknown
		}
	}
	return s
}

// overlap is the length of [a, b) within [lo, hi).
func overlap(a, b, lo, hi time.Time) time.Duration {
	if a.Before(lo) {
		a = lo
	}
	if b.After(hi) {
		b = hi
	}
	if !b.After(a) {
		return 0
	}
	return b.Sub(a)
}

// maintenance returns the spans of a device's business hours that the
// windows cover, merged so that overlapping windows count once.
func maintenance(ws []*calendar.CompiledWindow, device string, day calendar.Day) [][2]time.Time {
	var spans [][2]time.Time
	for _, w := range ws {
		spans = append(spans, w.Spans(device, day.Opening, day.Closing)...)
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a][0].Before(spans[b][0]) })
	var out [][2]time.Time
	for _, s := range spans {
		if n := len(out); n > 0 && !s[0].After(out[n-1][1]) {
			if s[1].After(out[n-1][1]) {
				out[n-1][1] = s[1]
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// within reports whether t lies in one of the spans.
func within(t time.Time, spans [][2]time.Time) bool {
	for _, s := range spans {
		if !t.Before(s[0]) && t.Before(s[1]) {
			return true
		}
	}
	return false
}
