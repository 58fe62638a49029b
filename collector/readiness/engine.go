package readiness

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/branchdir"
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

// BulkReader is a store that reads many branches' results in one query;
// with it the engine judges a board of 20,000 branches from a few dozen
// queries instead of one per branch.
type BulkReader interface {
	ResultsOf(ctx context.Context, branches []string, from, to time.Time) (map[string][]result.Result, error)
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
	// JudgedAt is when the judgement was made: it reflects every result
	// this collector had stored before that moment (results are read after
	// it is taken). A tool that posted results can wait for JudgedAt to
	// pass the moment its last batch was acknowledged.
	JudgedAt time.Time `json:"judged_at"`
}

// Engine judges branches from the store. Today's judgements live in a
// snapshot (see Snapshot) that is judged again only for the branches that
// changed: those ingest invalidated, those whose last contact changed in
// the store (which covers other collectors behind a load balancer), and
// those the clock alone changes (the window opening, the deadline, the
// day's end), and at most MaxAge old. Run keeps the snapshot current in the
// background, so requests read it without judging but for the batches
// handed in since Run's last refresh (see Snapshot); without Run, each All
// brings it up to date first.
type Engine struct {
	Store Reader
	Now   func() time.Time
	// SkewThreshold flags agents whose clock is off by more than this. Set
	// it before first use; SetSkewThreshold changes it afterwards.
	SkewThreshold time.Duration
	// SilentAfter flags an agent that has not reported for this long
	// (three missed heartbeats); default 15 minutes.
	SilentAfter time.Duration
	// MaxAge bounds how long a judgement is kept; default 5 minutes.
	MaxAge time.Duration
	// Poll is how often Run lists the branches' contacts to see what other
	// collectors stored (with Branches: has the directory read the
	// contacts changed, and judges the branches it records as changed);
	// default 2 seconds. In between, it reads only the contacts of the
	// branches ingest invalidated here.
	Poll time.Duration
	// Recheck, when set, has a branch's results read again from the store
	// once the engine has held them this long (plus a share of it that
	// spreads the branches out). Set it when several collectors share the
	// store. A batch another collector stored is noticed by its contact:
	// with Branches, once the directory reads that contact (its Sync,
	// every Poll) the branch is read again at that refresh, even if a
	// batch here replaced the contact since or came with a later one (see
	// branchdir.Dir.ChangedElsewhere). Only a contact replaced in the store
	// by a batch here before any Sync read it goes unseen; Recheck bounds
	// how long such a batch can go uncounted.
	Recheck time.Duration
	// HeldBudget bounds the results held in memory for all branches
	// together; DefaultHeldBudget when zero.
	HeldBudget int
	// lastFull is when a refresh last listed every branch (refresh only).
	lastFull time.Time

	mu sync.Mutex
	// dirty are the branches invalidated since the last refresh began, all
	// set when every branch is; judging are those of the refresh under way.
	dirty, judging       map[string]bool
	dirtyAll, judgingAll bool
	wake                 chan struct{}
	// refreshing is the refresh under way, shared by concurrent callers.
	refreshing *flight
	// began counts the refreshes begun; ended is the number of the last
	// one ended (refreshes run one at a time). See caughtUp.
	began uint64
	ended atomic.Uint64
	// lastBegan is when (time.Now, in Unix nanoseconds) the last refresh
	// began, whoever ran it: Run keeps minGap after it.
	lastBegan atomic.Int64
	// first is closed when the first snapshot is published.
	first    chan struct{}
	snap     atomic.Pointer[Snapshot]
	running  atomic.Bool
	progress atomic.Int64 // branches judged by the refresh under way
	todo     atomic.Int64 // branches the refresh under way judges

	// Branches is the branch directory shared with the alert engine and
	// told by ingest what it stored (see describe.go); nil: the engine
	// keeps its own, which lists every contact from Store at each refresh.
	Branches *branchdir.Dir
	ownDir   atomic.Pointer[branchdir.Dir]
	// cursor is where in Branches' changes the snapshot is (refresh only).
	cursor branchdir.Cursor

	descs map[string]described // descriptors by branch, see fits
	zones zone.Cache
	// windows are the maintenance windows made on the board or API, read
	// once for many judgements (see storedWindows).
	windows   []store.MaintenanceRecord
	windowsAt time.Time

	// hmu guards held: ingest hands batches in from many requests at once,
	// which must not wait for a refresh holding mu.
	hmu  sync.Mutex
	held map[string]*held // what judging a branch today needs, by branch
	// heldN counts the results in held (guarded by hmu).
	heldN int
	// listed: a full listing registered its branches in held (guarded by
	// hmu; see register).
	listed bool
}

// flight is a refresh under way: callers that need one while it runs wait
// for it instead of judging every branch again.
type flight struct {
	done chan struct{}
	err  error
}

// SetSkewThreshold changes SkewThreshold on a running engine (a
// configuration reload) and has every branch judged again.
func (e *Engine) SetSkewThreshold(d time.Duration) {
	e.mu.Lock()
	e.SkewThreshold = d
	e.dirtyAll = true
	e.mu.Unlock()
	e.poke()
}

func (e *Engine) skewThreshold() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.SkewThreshold
}

// Invalidate has a branch judged again, its contact read from the store:
// the board calls it when asked to. Ingest hands its batches in (Handed).
func (e *Engine) Invalidate(branch string) {
	e.forgetContact(branch)
	e.mu.Lock()
	if e.dirty == nil {
		e.dirty = map[string]bool{}
	}
	e.dirty[branch] = true
	e.mu.Unlock()
	e.poke()
}

// InvalidateAll has every branch judged again: a maintenance window was
// made or deleted, which may change any branch of a region.
func (e *Engine) InvalidateAll() {
	e.mu.Lock()
	e.dirtyAll = true
	e.windows, e.windowsAt = nil, time.Time{}
	e.mu.Unlock()
	e.poke()
}

// stale reports whether branch id waits to be judged again.
func (e *Engine) stale(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dirtyAll || e.judgingAll || e.dirty[id] || e.judging[id]
}

// All returns every branch's status today, ordered by id.
func (e *Engine) All(ctx context.Context) ([]BranchStatus, error) {
	s, err := e.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BranchStatus, len(s.entries))
	for i, x := range s.entries {
		out[i] = e.Live(&x.status)
	}
	return out, nil
}

// Live is a copy of a status from a snapshot with the branch's local time
// and the agent's silence as of now.
func (e *Engine) Live(b *BranchStatus) BranchStatus {
	s := *b
	now := e.now()
	if loc, err := e.zones.Load(s.Timezone); err == nil && s.Timezone != "" {
		s.LocalTime = now.In(loc).Format(localTimeFormat)
	}
	s.Silent = e.Silent(s.Contact)
	return s
}

// One returns a branch's status for a date (empty: today, branch-local).
// Today's comes from the snapshot when the branch has not changed since;
// otherwise, and for other dates, the branch is judged for this request.
func (e *Engine) One(ctx context.Context, id, date string) (BranchStatus, error) {
	b, err := e.branch(ctx, id)
	if err != nil {
		return BranchStatus{}, err
	}
	x := e.describe(b, false)
	if date == "" {
		if s, ok := e.fromSnapshot(ctx, b, x); ok {
			return s, nil
		}
	}
	s, err := e.judge(ctx, b, x, date, e.now())
	s.Silent = e.Silent(s.Contact)
	return s, err
}

// fromSnapshot is b's status today from the snapshot, when it still holds:
// same contact, not invalidated, and the clock has not moved past it. The
// first snapshot is waited for, so that a branch page at start-up does not
// judge what the first refresh is judging.
func (e *Engine) fromSnapshot(ctx context.Context, b store.Branch, x described) (BranchStatus, bool) {
	// A branch waiting to be judged is judged here, alone, rather than by
	// waiting for the engine's refresh: in a wave on PostgreSQL with two
	// collectors that refresh judges thousands of branches another
	// collector stored, and the page waited for all of it (p95 7.2 s).
	snap, err := e.published(ctx)
	if err != nil {
		return BranchStatus{}, false
	}
	en, ok := snap.entry(b.ID)
	if !ok || e.stale(b.ID) || !en.status.Contact.At.Equal(b.Contact.At) || !e.now().Before(en.until) {
		return BranchStatus{}, false
	}
	s := e.Live(&en.status)
	if x.d != nil {
		s.Devices = x.d.Devices
	}
	return s, true
}

// CorrectionLookback is how far before the window the engine reads results
// whose time ingest may have moved back for a fast agent clock (Judge keeps
// only those whose sweep the agent started in the window): the branch's
// current skew, and at least an hour, so that results corrected this morning
// still count after the agent's clock has been put right.
func CorrectionLookback(skew time.Duration) time.Duration {
	return max(time.Hour, skew, -skew)
}

// Silent reports whether an agent's last contact is older than SilentAfter.
func (e *Engine) Silent(c store.Contact) bool {
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
// memo keeps the branch's day (nil: none).
func nextChange(cal *calendar.Calendar, memo *dayMemo, now time.Time) time.Time {
	day, next := dayOf(cal, memo, now)
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
