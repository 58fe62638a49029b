package readiness

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// What a branch page draws besides the judgement, from what the engine
// already holds: on PostgreSQL during a wave each store read the page made
// (the branch, its rules, its results, one after another) waited its turn
// behind the ingest load, and together they put the page's p95 over
// 100 ms.

// ErrNoDescriptor is returned for a branch whose agent has not described
// it yet: there is nothing to judge or draw its day by.
var ErrNoDescriptor = errors.New("no descriptor")

// Branch returns one branch as of its last contact, from the branch
// directory when the engine has one (no store read), else from the store.
func (e *Engine) Branch(ctx context.Context, id string) (store.Branch, error) {
	return e.branch(ctx, id)
}

// TodayRules returns what the engine judges branch b's day today by: its
// current descriptor with the live maintenance windows made on the board
// or API added, and its compiled calendar. The windows are the ones the
// engine keeps (read again at most every 30 seconds, and at once after a
// change made here), so it reads the store at most for those.
func (e *Engine) TodayRules(ctx context.Context, b store.Branch) (*result.Descriptor, *calendar.Calendar, error) {
	x := e.describe(b, false)
	switch {
	case x.d == nil:
		return nil, nil, fmt.Errorf("branch %s: %w", b.ID, ErrNoDescriptor)
	case x.calErr != nil:
		return nil, nil, x.calErr
	}
	all, err := e.storedWindows(ctx, e.now())
	if err != nil {
		return nil, nil, fmt.Errorf("branch %s: %w", b.ID, err)
	}
	ms := windowsOf(all, store.Branch{ID: b.ID, Descriptor: x.d}, nil)
	return withStored(x.d, b.ID, ms, func(m store.MaintenanceRecord) bool { return m.DeletedAt.IsZero() }), x.cal, nil
}

// HeldResults returns branch b's results with from <= started_at < to,
// oldest first and ties by id as the store orders them, when the engine
// holds that whole range for judging today (see held); ok is false
// otherwise, and the caller reads the store. The results carry what
// judging needs (id, device, check, status, time, reason, sweep), not
// their kind, duration or observations; the slice is the caller's, its
// strings shared with what the engine holds.
func (e *Engine) HeldResults(b store.Branch, from, to time.Time) (rs []result.Result, ok bool) {
	held, ok := e.heldResults(b, from, to, e.now())
	if !ok {
		return nil, false
	}
	return held.appendResults(nil), true
}

// RulesOf is LoadRules with the maintenance windows the engine keeps: the
// branch's descriptor versions are read from the store, the windows are
// not read again for each page.
func (e *Engine) RulesOf(ctx context.Context, b store.Branch) (*Rules, error) {
	var vs []store.DescriptorVersion
	if h, ok := e.Store.(store.History); ok {
		var err error
		if vs, err = h.DescriptorVersions(ctx, b.ID); err != nil {
			return nil, err
		}
	}
	all, err := e.storedWindows(ctx, e.now())
	if err != nil {
		return nil, err
	}
	r, err := NewRules(b.Descriptor, vs)
	if err != nil {
		return nil, err
	}
	r.branch, r.stored = b.ID, windowsOf(all, b, vs)
	return r, nil
}

// Statuses returns the snapshot's branches ordered by id, as All lists
// them. They point into the snapshot and stay the same pointers until the
// branch is judged again (an encoding of one can be kept that long): read
// them, never change them (Live copies one).
func (s *Snapshot) Statuses() []*BranchStatus {
	out := make([]*BranchStatus, len(s.entries))
	for i, en := range s.entries {
		out[i] = &en.status
	}
	return out
}
