package readiness

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/zone"
	"github.com/branchready/branchready/result"
)

// Reader is the part of the store the engine needs.
type Reader interface {
	Branches(ctx context.Context) ([]store.Branch, error)
	Branch(ctx context.Context, id string) (store.Branch, error)
	Results(ctx context.Context, branch string, from, to time.Time) ([]result.Result, error)
}

// BranchStatus is a branch as the board and the API show it: who it is,
// its local time, and today's judgement.
type BranchStatus struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Region    string        `json:"region,omitempty"`
	Timezone  string        `json:"timezone"`
	LocalTime string        `json:"local_time"`
	Judgement Judgement     `json:"today"`
	Contact   store.Contact `json:"last_contact"`
	SkewAlarm bool          `json:"clock_skew_alarm"`
	// Silent is set when the agent has not reported for SilentAfter: its
	// heartbeats stopped (PC off, network down, agent stopped).
	Silent  bool            `json:"agent_silent"`
	Devices []result.Device `json:"devices,omitempty"`
}

// Engine judges branches from the store. A branch's judgement is cached
// until its agent reports again (its last contact changes, which also
// covers other collectors behind a load balancer) or until the next moment
// the clock alone could change it (the window opening, the deadline, the
// day's end), and at most MaxAge; so a board of thousands of branches reads
// results only for the branches that changed.
type Engine struct {
	Store Reader
	Now   func() time.Time
	// SkewThreshold flags agents whose clock is off by more than this. Set
	// it before first use; SetSkewThreshold changes it afterwards.
	SkewThreshold time.Duration
	// SilentAfter flags an agent that has not reported for this long
	// (three missed heartbeats); default 15 minutes.
	SilentAfter time.Duration
	// MaxAge bounds how long a judgement is cached; default 5 minutes.
	MaxAge time.Duration

	mu      sync.Mutex
	cache   map[string]cached    // judgements by branch
	descs   map[string]described // descriptors by branch, see fits
	flights map[string]*flight   // judgements under way by branch
	zones   zone.Cache
	// windows are the maintenance windows made on the board or API, read
	// once for many judgements (see storedWindows).
	windows   []store.MaintenanceRecord
	windowsAt time.Time
}

type cached struct {
	status BranchStatus
	until  time.Time
	loc    *time.Location
}

// SetSkewThreshold changes SkewThreshold on a running engine (a
// configuration reload) and drops every cached judgement.
func (e *Engine) SetSkewThreshold(d time.Duration) {
	e.mu.Lock()
	e.SkewThreshold = d
	e.cache, e.flights = nil, nil
	e.mu.Unlock()
}

func (e *Engine) skewThreshold() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.SkewThreshold
}

// Invalidate drops a branch's cached judgement, and any judgement of it
// under way is not cached either; ingest calls it.
func (e *Engine) Invalidate(branch string) {
	e.mu.Lock()
	delete(e.cache, branch)
	delete(e.flights, branch)
	e.mu.Unlock()
}

// All returns every branch's status, ordered by id.
func (e *Engine) All(ctx context.Context) ([]BranchStatus, error) {
	bs, xs, err := e.branches(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BranchStatus, 0, len(bs))
	for i, b := range bs {
		s, err := e.status(ctx, b, xs[i])
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			// One branch that cannot be judged must not blank the board.
			s = BranchStatus{ID: b.ID, Contact: b.Contact, Judgement: Judgement{State: State{Verdict: Unknown, At: e.now(),
				Problems: []Item{{Reason: "the collector cannot judge this branch: " + err.Error()}}}}}
		}
		s.Devices = nil
		s.Silent = e.silent(s.Contact)
		out = append(out, s)
	}
	return out, nil
}

// One returns a branch's status for a date (empty: today, branch-local).
func (e *Engine) One(ctx context.Context, id, date string) (BranchStatus, error) {
	b, err := e.Store.Branch(ctx, id)
	if err != nil {
		return BranchStatus{}, err
	}
	x := e.describe(b, false)
	var s BranchStatus
	if date == "" {
		s, err = e.status(ctx, b, x)
	} else {
		s, err = e.judge(ctx, b, x, date)
	}
	s.Silent = e.silent(s.Contact)
	return s, err
}

// status returns b's judgement today, from the cache while b's contact and
// the clock leave it unchanged; concurrent requests for the same branch
// share one judgement.
func (e *Engine) status(ctx context.Context, b store.Branch, x described) (BranchStatus, error) {
	now := e.now()
	e.mu.Lock()
	c, ok := e.cache[b.ID]
	if ok && now.Before(c.until) && c.status.Contact.At.Equal(b.Contact.At) {
		e.mu.Unlock()
		return c.at(now), nil
	}
	f, lead := e.join(b.ID)
	e.mu.Unlock()
	if lead {
		c, err := e.fresh(ctx, b, x, now)
		e.land(b.ID, f, c, err)
		return c.status, err
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		return BranchStatus{}, ctx.Err()
	}
	if f.err == nil && f.s.Contact.At.Equal(b.Contact.At) {
		return f.s, nil
	}
	// The flight failed (its request may have been cancelled) or judged
	// an older contact: judge again for this request.
	c, err := e.fresh(ctx, b, x, now)
	return c.status, err
}

// at is a cached status with the branch's local time now.
func (c cached) at(now time.Time) BranchStatus {
	s := c.status
	if c.loc != nil {
		s.LocalTime = now.In(c.loc).Format(localTimeFormat)
	}
	return s
}

// fresh judges b today and says until when the judgement holds.
func (e *Engine) fresh(ctx context.Context, b store.Branch, x described, now time.Time) (cached, error) {
	s, err := e.judge(ctx, b, x, "")
	if err != nil {
		return cached{status: s}, err
	}
	c := cached{status: s, until: now.Add(e.maxAge())}
	if x.cal != nil {
		c.loc = x.cal.Location()
		if t := nextChange(x.cal, now); t.Before(c.until) {
			c.until = t
		}
	}
	return c, nil
}

// judge reads a branch's results for a date and judges them against its
// descriptor x.
func (e *Engine) judge(ctx context.Context, b store.Branch, x described, date string) (BranchStatus, error) {
	now := e.now()
	s := BranchStatus{ID: b.ID, Contact: b.Contact}
	if th := e.skewThreshold(); th > 0 {
		s.SkewAlarm = b.Contact.ClockSkew > th || -b.Contact.ClockSkew > th
	}
	if x.d == nil {
		s.Judgement = Judgement{Date: date, State: State{Verdict: Unknown, At: now}}
		return s, nil
	}
	d, cal := x.d, x.cal
	s.Name, s.Region, s.Timezone, s.Devices = d.Name, d.Region, d.Calendar.Timezone, d.Devices
	if x.calErr != nil {
		return s, x.calErr
	}
	local := now.In(cal.Location())
	s.LocalTime = local.Format(localTimeFormat)
	if date == "" || date == local.Format(time.DateOnly) {
		date = local.Format(time.DateOnly)
		// Today: the cached current descriptor, with the windows made on
		// the board or API that cover the branch.
		all, err := e.storedWindows(ctx, now)
		if err != nil {
			return s, fmt.Errorf("branch %s: %w", b.ID, err)
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
			return s, fmt.Errorf("branch %s: %w", b.ID, err)
		}
		if d, cal, err = rules.For(date); err != nil {
			return s, err
		}
		s.Devices = d.Devices
	}
	day, err := cal.DayByDate(date)
	if err != nil {
		return s, fmt.Errorf("date %q: must be YYYY-MM-DD", date)
	}
	var rs []result.Result
	if day.Open {
		from := day.SweepFrom.Add(-Grace - correctionLookback(b.Contact.ClockSkew))
		if rs, err = e.Store.Results(ctx, b.ID, from, day.Closing); err != nil {
			return s, err
		}
	}
	s.Judgement, err = Judge(d, cal, date, rs, now)
	return s, err
}

// correctionLookback is how far before the window the engine reads results
// whose time ingest may have moved back for a fast agent clock (Judge keeps
// only those whose sweep the agent started in the window): the branch's
// current skew, and at least an hour, so that results corrected this morning
// still count after the agent's clock has been put right.
func correctionLookback(skew time.Duration) time.Duration {
	return max(time.Hour, skew, -skew)
}

// silent reports whether an agent's last contact is older than SilentAfter.
func (e *Engine) silent(c store.Contact) bool {
	after := e.SilentAfter
	if after == 0 {
		after = 15 * time.Minute
	}
	return c.At.IsZero() || e.now().Sub(c.At) > after
}

const localTimeFormat = "2006-01-02 15:04 MST"

// nextChange is the next moment at which the clock alone can change today's
// judgement: the pre-opening window opening, the deadline, closing, or the
// branch-local day ending.
func nextChange(cal *calendar.Calendar, now time.Time) time.Time {
	day := cal.DayOf(now)
	l := now.In(cal.Location())
	next := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, cal.Location())
	if day.Open {
		for _, t := range []time.Time{day.SweepFrom.Add(-Grace), day.Deadline, day.Closing} {
			if t.After(now) && t.Before(next) {
				next = t
			}
		}
	}
	return next
}

func (e *Engine) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e *Engine) maxAge() time.Duration {
	if e.MaxAge == 0 {
		return 5 * time.Minute
	}
	return e.MaxAge
}

// InvalidateAll drops every cached judgement: a maintenance window was made
// or deleted, which may change any branch of a region.
func (e *Engine) InvalidateAll() {
	e.mu.Lock()
	e.cache = nil
	e.windows, e.windowsAt = nil, time.Time{}
	e.mu.Unlock()
}

// windowsTTL bounds how long the stored maintenance windows are reused: a
// window made here drops them at once (InvalidateAll); one made on another
// collector is seen within this.
const windowsTTL = 30 * time.Second

// storedWindows returns the maintenance windows made on the board or API,
// reading them from the store at most once per windowsTTL instead of once
// per branch judged (a board refresh judges thousands).
func (e *Engine) storedWindows(ctx context.Context, now time.Time) ([]store.MaintenanceRecord, error) {
	m, ok := e.Store.(store.Maintenance)
	if !ok {
		return nil, nil
	}
	e.mu.Lock()
	ws, at := e.windows, e.windowsAt
	e.mu.Unlock()
	if !at.IsZero() && now.Sub(at) < windowsTTL && !now.Before(at) {
		return ws, nil
	}
	ws, err := m.MaintenanceWindows(ctx)
	if err != nil {
		return nil, fmt.Errorf("maintenance windows: %w", err)
	}
	e.mu.Lock()
	e.windows, e.windowsAt = ws, now
	e.mu.Unlock()
	return ws, nil
}
