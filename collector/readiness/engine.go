package readiness

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
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
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Region    string          `json:"region,omitempty"`
	Timezone  string          `json:"timezone"`
	LocalTime string          `json:"local_time"`
	Judgement Judgement       `json:"today"`
	Contact   store.Contact   `json:"last_contact"`
	SkewAlarm bool            `json:"clock_skew_alarm"`
	Devices   []result.Device `json:"devices,omitempty"`
}

// Engine judges branches from the store, caching each branch's judgement
// until new results arrive for it or MaxAge passes (the deadline moves on
// with the clock even when nothing arrives).
type Engine struct {
	Store Reader
	Now   func() time.Time
	// SkewThreshold flags agents whose clock is off by more than this.
	SkewThreshold time.Duration
	MaxAge        time.Duration

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	status BranchStatus
	at     time.Time
}

// Invalidate drops a branch's cached judgement; ingest calls it.
func (e *Engine) Invalidate(branch string) {
	e.mu.Lock()
	delete(e.cache, branch)
	e.mu.Unlock()
}

// All returns every branch's status, ordered by id.
func (e *Engine) All(ctx context.Context) ([]BranchStatus, error) {
	bs, err := e.Store.Branches(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BranchStatus, 0, len(bs))
	for _, b := range bs {
		s, err := e.status(ctx, b)
		if err != nil {
			return nil, err
		}
		s.Devices = nil
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
	if date == "" {
		return e.status(ctx, b)
	}
	return e.judge(ctx, b, date)
}

func (e *Engine) status(ctx context.Context, b store.Branch) (BranchStatus, error) {
	now := e.now()
	e.mu.Lock()
	c, ok := e.cache[b.ID]
	e.mu.Unlock()
	if ok && now.Sub(c.at) < e.maxAge() && c.status.Contact.At.Equal(b.Contact.At) {
		return c.status, nil
	}
	s, err := e.judge(ctx, b, "")
	if err != nil {
		return s, err
	}
	e.mu.Lock()
	if e.cache == nil {
		e.cache = map[string]cached{}
	}
	e.cache[b.ID] = cached{s, now}
	e.mu.Unlock()
	return s, nil
}

func (e *Engine) judge(ctx context.Context, b store.Branch, date string) (BranchStatus, error) {
	now := e.now()
	s := BranchStatus{ID: b.ID, Contact: b.Contact}
	if e.SkewThreshold > 0 {
		s.SkewAlarm = b.Contact.ClockSkew > e.SkewThreshold || -b.Contact.ClockSkew > e.SkewThreshold
	}
	if b.Descriptor == nil {
		s.Judgement = Judgement{Date: date, State: State{Verdict: Unknown, At: now}}
		return s, nil
	}
	d := b.Descriptor
	s.Name, s.Region, s.Timezone, s.Devices = d.Name, d.Region, d.Calendar.Timezone, d.Devices
	cal, probs := calendar.Compile(d.Calendar)
	if probs != nil {
		return s, fmt.Errorf("branch %s: calendar: %s: %s", b.ID, probs[0].Path, probs[0].Msg)
	}
	local := now.In(cal.Location())
	s.LocalTime = local.Format("2006-01-02 15:04 MST")
	if date == "" {
		date = local.Format(time.DateOnly)
	}
	day, err := cal.DayByDate(date)
	if err != nil {
		return s, fmt.Errorf("date %q: must be YYYY-MM-DD", date)
	}
	var rs []result.Result
	if day.Open {
		if rs, err = e.Store.Results(ctx, b.ID, day.SweepFrom.Add(-Grace), day.Closing); err != nil {
			return s, err
		}
	}
	s.Judgement, err = Judge(d, cal, date, rs, now)
	return s, err
}

func (e *Engine) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e *Engine) maxAge() time.Duration {
	if e.MaxAge == 0 {
		return 15 * time.Second
	}
	return e.MaxAge
}
