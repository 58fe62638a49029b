package readiness

import (
	"fmt"
	"slices"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/result"
)

// Verdict is the readiness of a branch-day.
type Verdict string

// Verdicts. Closed is for days the branch is not due to open; it does not
// count towards on-time readiness.
const (
	Ready         Verdict = "ready"
	ReadyDegraded Verdict = "ready_degraded"
	NotReady      Verdict = "not_ready"
	Unknown       Verdict = "unknown"
	Closed        Verdict = "closed"
)

// Item is one expected check and what is known of it at the judged moment.
type Item struct {
	Device      string             `json:"device"`
	Check       string             `json:"check"`
	Kind        string             `json:"kind"`
	Criticality result.Criticality `json:"criticality"`
	// Group names the quorum group of the device, whose criticality the
	// item then carries.
	Group string `json:"group,omitempty"`
	// Status is unknown with Missing set when no result arrived in the window.
	Status  result.Status `json:"status"`
	Missing bool          `json:"missing,omitempty"`
	Reason  string        `json:"reason"`
	// At is the time of the latest result; Since is when the item's current
	// status began (the first of the run of results with this status), so
	// a failure reads "since 07:52" however often it was checked again.
	At    time.Time `json:"at,omitzero"`
	Since time.Time `json:"since,omitzero"`
}

// State is the readiness at one moment.
type State struct {
	Verdict Verdict   `json:"verdict"`
	At      time.Time `json:"at"`
	// Problems are the items that keep the verdict from ready: blocking
	// items first, then degrading, each failed or missing or degraded.
	Problems []Item `json:"problems,omitempty"`
	// Groups are the quorum groups, each with the members that pass.
	Groups []GroupState `json:"groups,omitempty"`
	// Maintenance names the devices in a maintenance window at At: they
	// are not judged.
	Maintenance []string `json:"maintenance,omitempty"`
}

// Judgement is a branch-day's readiness.
type Judgement struct {
	Date     string    `json:"date"`
	Open     bool      `json:"open"`
	Holiday  string    `json:"holiday,omitempty"`
	Opening  time.Time `json:"opening,omitzero"`
	Deadline time.Time `json:"deadline,omitzero"`
	// Final is true once the deadline has passed (on a closed day, once the
	// day has begun): Verdict is then the SLA verdict.
	Final bool `json:"final"`
	// Verdict is the state at the deadline (or now, before it).
	State
	// Current is the state now, when the deadline has passed.
	Current *State `json:"current,omitempty"`
	// ReadyAt is the time to ready: when the last blocking item became fine
	// (the start of the streak that held at the deadline, or the first time
	// after a missed deadline). Nil when the branch has not been ready.
	ReadyAt *time.Time `json:"ready_at,omitempty"`
}

// Grace lets results started slightly before the pre-opening window count,
// for agents whose sweep fired a moment early.
const Grace = time.Minute

// Judge decides the branch-day date for a branch described by d, given its
// results (any order) and the current time.
func Judge(d *result.Descriptor, cal *calendar.Calendar, date string, results []result.Result, now time.Time) (Judgement, error) {
	day, err := cal.DayByDate(date)
	if err != nil {
		return Judgement{}, fmt.Errorf("date %q: %w", date, err)
	}
	return JudgeDay(d, cal, day, results, now), nil
}

// JudgeDay is Judge for a day of cal the caller has already looked up
// (cal.DayByDate), which Judge would work out again.
func JudgeDay(d *result.Descriptor, cal *calendar.Calendar, day calendar.Day, results []result.Result, now time.Time) Judgement {
	j := Judgement{Date: day.Date, Open: day.Open, Holiday: day.Holiday, Opening: day.Opening, Deadline: day.Deadline}
	if !day.Open {
		// Nothing an agent reports changes a closed day: its verdict is
		// settled as soon as the day has begun.
		j.Verdict, j.At = Closed, now
		start, err := time.ParseInLocation(time.DateOnly, day.Date, cal.Location())
		j.Final = err == nil && !now.Before(start)
		return j
	}
	rs := inWindow(results, day.SweepFrom.Add(-Grace), day.Closing)
	e := newEvaluator(d)
	at := now
	if !now.Before(day.Deadline) {
		at, j.Final = day.Deadline, true
	}
	var since *time.Time
	i := 0
	for ; i < len(rs) && !rs[i].StartedAt.After(at); i++ {
		since = e.apply(rs[i], since)
	}
	j.State = e.state(at, day)
	if j.Verdict == Ready || j.Verdict == ReadyDegraded {
		j.ReadyAt = since
	}
	if !j.Final {
		return j
	}
	for ; i < len(rs) && !rs[i].StartedAt.After(now); i++ {
		since = e.apply(rs[i], since)
		if j.ReadyAt == nil && since != nil {
			j.ReadyAt = since
		}
	}
	cur := e.state(now, day)
	j.Current = &cur
	return j
}

// inWindow keeps the results that belong to the window [from, to): those
// whose event time lies in it, and those of a sweep that the agent's own
// clock started in it. The second kind matters for an agent whose clock runs
// ahead: ingest moves its results back by the measured skew, which can put
// the one pre-opening sweep it ran before the window opens, although on the
// agent's clock (the one its schedule follows) that sweep was in the window.
// Such a result keeps its corrected time, the moment it really happened.
func inWindow(rs []result.Result, from, to time.Time) []result.Result {
	n := 0
	for _, r := range rs {
		if within(r.StartedAt, from, to) || sweepWithin(r.Sweep, from, to) {
			n++
		}
	}
	byTime := func(a, b result.Result) int { return a.StartedAt.Compare(b.StartedAt) }
	if n == len(rs) && slices.IsSortedFunc(rs, byTime) {
		return rs // the store's order, all in the window: nothing to copy
	}
	out := make([]result.Result, 0, n)
	for _, r := range rs {
		if within(r.StartedAt, from, to) || sweepWithin(r.Sweep, from, to) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, byTime)
	return out
}

func within(t, from, to time.Time) bool { return !t.Before(from) && t.Before(to) }

func sweepWithin(sweep string, from, to time.Time) bool {
	_, start, ok := result.ParseSweep(sweep)
	return ok && within(start, from, to)
}

type key struct{ device, check string }

// evaluator holds the latest result of each expected check.
type evaluator struct {
	groups []result.Group
	maint  []*calendar.CompiledWindow
	// now is the moment being judged, for maintenance windows.
	now   time.Time
	items []Item
	// index finds an item by device and check; nil for a few items, which
	// are found by scanning (cheaper than building a map per judgement).
	index  map[key]int
	counts int
	// failing counts the blocking items that do not pass (missing ones
	// included): without groups or maintenance windows, blocked is then
	// read from it instead of walking every item for every result.
	failing int
}

// indexAfter is how many items make a map worth building.
const indexAfter = 32

func newEvaluator(d *result.Descriptor) *evaluator {
	e := &evaluator{groups: d.Groups, maint: windows(d)}
	n := 0
	for _, dev := range d.Devices {
		n += len(dev.Checks)
	}
	e.items = make([]Item, 0, n)
	if n > indexAfter {
		e.index = make(map[key]int, n)
	}
	for _, dev := range d.Devices {
		crit, group := dev.Criticality, ""
		if g := d.GroupOf(dev.ID); g != nil {
			crit, group = g.Criticality, g.Name
		}
		for _, c := range dev.Checks {
			if e.index != nil {
				e.index[key{dev.ID, c.Name}] = len(e.items)
			}
			e.items = append(e.items, Item{Device: dev.ID, Check: c.Name, Kind: c.Kind, Criticality: crit, Group: group,
				Status: result.StatusUnknown, Missing: true})
			if crit == result.Blocking {
				e.failing++
			}
		}
	}
	return e
}

// find is the index of the item of device's check, ok false when the
// descriptor lists none; the last one listed, as with the map.
func (e *evaluator) find(device, check string) (int, bool) {
	if e.index != nil {
		i, ok := e.index[key{device, check}]
		return i, ok
	}
	for i := len(e.items) - 1; i >= 0; i-- {
		if e.items[i].Check == check && e.items[i].Device == device {
			return i, true
		}
	}
	return 0, false
}

// apply records r and returns the start of the current ready streak.
func (e *evaluator) apply(r result.Result, since *time.Time) *time.Time {
	i, ok := e.find(r.Device, r.Check)
	if !ok {
		return since // a check the current descriptor no longer lists
	}
	e.counts++
	e.now = r.StartedAt
	it := &e.items[i]
	if it.Missing || it.Status != r.Status {
		it.Since = r.StartedAt
	}
	if it.Criticality == result.Blocking && it.Status.Passing() != r.Status.Passing() {
		if r.Status.Passing() {
			e.failing--
		} else {
			e.failing++
		}
	}
	it.Status, it.Reason, it.At, it.Missing = r.Status, r.Reason, r.StartedAt, false
	if e.blocked() {
		return nil
	}
	if since == nil {
		t := r.StartedAt
		return &t
	}
	return since
}

func (e *evaluator) state(at time.Time, day calendar.Day) State {
	e.now = at
	s := State{At: at, Groups: e.groupStates()}
	var reason string // of a missing item (see missing)
	skip := e.excluded(at)
	for _, it := range e.items {
		if skip[it.Device] && !slices.Contains(s.Maintenance, it.Device) {
			s.Maintenance = append(s.Maintenance, it.Device)
		}
	}
	if len(skip) > 0 && len(skip) == len(e.devices()) {
		// The whole branch is in maintenance: nothing to judge.
		s.Verdict = Maintenance
		return s
	}
	if e.counts == 0 {
		s.Verdict = Unknown
		for _, it := range e.items {
			if it.Criticality == result.Blocking && !skip[it.Device] {
				s.Problems = append(s.Problems, missing(it, day, &reason))
			}
		}
		return s
	}
	blocked, degraded := false, false
	var deg []Item
	sat := satisfied(s.Groups)
	for _, it := range e.items {
		switch {
		case skip[it.Device]:
			// In maintenance: neither judged nor counted.
		case it.Group != "" && sat[it.Group]:
			// A quorum that holds: a member down keeps nothing from ready.
		case it.Criticality == result.Informational || it.Status == result.StatusOK:
		case it.Criticality == result.Blocking && !it.Status.Passing():
			blocked = true
			s.Problems = append(s.Problems, missing(it, day, &reason))
		default:
			degraded = true
			deg = append(deg, missing(it, day, &reason))
		}
	}
	s.Problems = append(s.Problems, deg...)
	switch {
	case blocked:
		s.Verdict = NotReady
	case degraded:
		s.Verdict = ReadyDegraded
	default:
		s.Verdict = Ready
	}
	return s
}

// missing fills in the reason of an item that has no result yet, the same
// for every item of a day: it is worded once per state (a past day with no
// result has every item missing, and the board judges a strip of them).
func missing(it Item, day calendar.Day, reason *string) Item {
	if it.Missing {
		if *reason == "" {
			*reason = "no result from the agent since the pre-opening sweep began at " + day.SweepFrom.Format("15:04")
		}
		it.Reason = *reason
	}
	return it
}
