package readiness

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Snapshot returns the current snapshot of today's judgements. While Run
// keeps it current this only reads it (waiting for the first one at
// start-up); otherwise it brings it up to date first, sharing a refresh
// under way with concurrent callers.
func (e *Engine) Snapshot(ctx context.Context) (*Snapshot, error) {
	if e.running.Load() {
		if s := e.snap.Load(); s != nil {
			return s, nil
		}
		select {
		case <-e.firstDone():
			return e.snap.Load(), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := e.shared(ctx); err != nil {
		return nil, err
	}
	return e.snap.Load(), nil
}

// Started is closed once the first snapshot is published.
func (e *Engine) Started() <-chan struct{} { return e.firstDone() }

// Published is the current snapshot without waiting: nil before the first.
func (e *Engine) Published() *Snapshot { return e.snap.Load() }

// Judging is how far the refresh under way has got: branches judged so far
// of those it judges.
func (e *Engine) Judging() (done, of int) { return int(e.progress.Load()), int(e.todo.Load()) }

// Running reports whether Run keeps the snapshot current.
func (e *Engine) Running() bool { return e.running.Load() }

func (e *Engine) firstDone() chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.first == nil {
		e.first = make(chan struct{})
	}
	return e.first
}

// shared runs a refresh, or waits for the one under way and then runs
// another only if it failed (its caller may have been cancelled).
func (e *Engine) shared(ctx context.Context) error {
	for {
		e.mu.Lock()
		f := e.refreshing
		lead := f == nil
		if lead {
			f = &flight{done: make(chan struct{})}
			e.refreshing = f
		}
		e.mu.Unlock()
		if lead {
			f.err = e.refresh(ctx)
			e.mu.Lock()
			e.refreshing = nil
			e.mu.Unlock()
			close(f.done)
			return f.err
		}
		select {
		case <-f.done:
			if f.err == nil {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Run keeps the snapshot current until ctx ends: it judges again the
// branches ingest invalidates as soon as it is told, lists the contacts
// every Poll to see what other collectors stored, and wakes when the clock
// reaches a branch's next change. Requests then never judge the board.
func (e *Engine) Run(ctx context.Context, onError func(error)) {
	e.running.Store(true)
	defer e.running.Store(false)
	wake := e.wakeChan()
	poll := e.poll()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
		wait, began := poll, time.Now()
		if err := e.shared(ctx); err != nil {
			if ctx.Err() == nil && onError != nil {
				onError(err)
			}
		} else if s := e.snap.Load(); s != nil && !s.next.IsZero() {
			wait = min(wait, max(time.Millisecond, s.next.Sub(e.now())))
		}
		// Invalidations that arrive meanwhile wait for the gap, so that a
		// wave's thousands of reports are judged in a few large batches
		// rather than re-listing every contact for each.
		if gap := minGap - time.Since(began); gap > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(gap):
			}
		}
		t.Reset(wait)
	}
}

// minGap is the least time from the start of one background refresh to the
// next: the cost of listing every branch's contact is paid at most a few
// times a second.
const minGap = 250 * time.Millisecond

func (e *Engine) wakeChan() chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.wake == nil {
		e.wake = make(chan struct{}, 1)
	}
	return e.wake
}

// poke wakes Run, if it runs, without waiting.
func (e *Engine) poke() {
	select {
	case e.wakeChan() <- struct{}{}:
	default:
	}
}

// refresh lists every branch, judges again those that changed, and
// publishes a new snapshot.
func (e *Engine) refresh(ctx context.Context) error {
	e.mu.Lock()
	e.judging, e.judgingAll = e.dirty, e.dirtyAll
	e.dirty, e.dirtyAll = nil, false
	dirty, all := e.judging, e.judgingAll
	e.mu.Unlock()
	err := e.refreshWith(ctx, dirty, all)
	e.mu.Lock()
	if err != nil { // judge them next time
		for id := range e.judging {
			if e.dirty == nil {
				e.dirty = map[string]bool{}
			}
			e.dirty[id] = true
		}
		e.dirtyAll = e.dirtyAll || e.judgingAll
	}
	e.judging, e.judgingAll = nil, false
	e.mu.Unlock()
	return err
}

func (e *Engine) poll() time.Duration {
	if e.Poll == 0 {
		return 2 * time.Second
	}
	return e.Poll
}

// ContactReader is a store that reads some branches' contacts by id.
type ContactReader interface {
	ContactsOf(ctx context.Context, ids []string) ([]store.Branch, error)
}

func (e *Engine) refreshWith(ctx context.Context, dirty map[string]bool, all bool) error {
	old := e.snap.Load()
	if cr, ok := e.Store.(ContactReader); ok && old != nil && !all && e.running.Load() && time.Since(e.lastFull) < e.poll() {
		// Between polls, judge only what ingest here invalidated and
		// what the clock changed: a wave must not list 20,000 contacts
		// for every few branches that report.
		if done, err := e.refreshSome(ctx, cr, old, dirty); done || err != nil {
			return err
		}
	}
	e.lastFull = time.Now()
	now := e.now()
	bs, xs, err := e.branches(ctx)
	if err != nil {
		return err
	}
	var todo []int
	for i, b := range bs {
		if all || dirty[b.ID] || old.changed(b, now) {
			todo = append(todo, i)
		}
	}
	if old != nil && len(todo) == 0 && len(bs) == len(old.entries) {
		return nil
	}
	e.progress.Store(0)
	e.todo.Store(int64(len(todo)))
	judged, err := e.judgeMany(ctx, bs, xs, todo, now)
	if err != nil {
		return err
	}
	entries := make([]*entry, len(bs))
	for i, b := range bs {
		if en, ok := judged[i]; ok {
			entries[i] = en
		} else {
			entries[i], _ = old.entry(b.ID)
		}
	}
	e.snap.Store(newSnapshot(entries, now))
	if first := e.firstDone(); old == nil {
		close(first)
	}
	return nil
}

// refreshSome judges again the branches of dirty and those whose next
// change has come, reading only their contacts, and publishes the snapshot
// with them replaced. It is not done when a branch is new to the snapshot:
// only a full listing puts it in its place.
func (e *Engine) refreshSome(ctx context.Context, cr ContactReader, old *Snapshot, dirty map[string]bool) (done bool, err error) {
	now := e.now()
	ids := slices.Collect(maps.Keys(dirty))
	for _, en := range old.entries {
		if !now.Before(en.until) && !dirty[en.status.ID] {
			ids = append(ids, en.status.ID)
		}
	}
	if len(ids) == 0 {
		return true, nil
	}
	slices.Sort(ids)
	bs, err := cr.ContactsOf(ctx, ids)
	if err != nil {
		return false, err
	}
	for _, b := range bs {
		if _, ok := old.pos[b.ID]; !ok {
			return false, nil
		}
	}
	xs, err := e.withDescriptors(ctx, bs)
	if err != nil {
		return false, err
	}
	todo := make([]int, len(bs))
	for i := range todo {
		todo[i] = i
	}
	e.progress.Store(0)
	e.todo.Store(int64(len(todo)))
	judged, err := e.judgeMany(ctx, bs, xs, todo, now)
	if err != nil {
		return false, err
	}
	entries := slices.Clone(old.entries)
	for i, en := range judged {
		entries[old.pos[bs[i].ID]] = en
	}
	e.snap.Store(newSnapshot(entries, now))
	return true, nil
}

// job is one branch to judge today.
type job struct {
	i int
	p plan
}

// judgeMany judges today the branches at indexes todo, reading the results
// of branches with similar windows together.
func (e *Engine) judgeMany(ctx context.Context, bs []store.Branch, xs []described, todo []int, now time.Time) (map[int]*entry, error) {
	out := make(map[int]*entry, len(todo))
	var jobs []job
	for _, i := range todo {
		p, err := e.plan(ctx, bs[i], xs[i], "", now)
		switch {
		case err != nil:
			out[i] = e.failed(bs[i], p.s, err, now)
		case p.s.Judgement.Verdict != "" || !p.read:
			if p.s.Judgement.Verdict == "" {
				p.s, err = p.finish(nil, now)
			}
			out[i] = e.entry(p.s, xs[i], err, now)
		default:
			jobs = append(jobs, job{i: i, p: p})
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	e.progress.Add(int64(len(todo) - len(jobs)))
	bulk, _ := e.Store.(BulkReader)
	for _, g := range batches(jobs) {
		if err := e.judgeBatch(ctx, bulk, bs, xs, g, now, out); err != nil {
			return nil, err
		}
		e.progress.Add(int64(len(g)))
	}
	return out, nil
}

// judgeBatch reads the results of a batch of jobs (in one query when the
// store can) and judges each branch from its own range of them.
func (e *Engine) judgeBatch(ctx context.Context, bulk BulkReader, bs []store.Branch, xs []described, g []job, now time.Time, out map[int]*entry) error {
	at := e.now() // before the read: every result stored earlier is in it
	var byBranch map[string][]result.Result
	if bulk != nil {
		from, to := g[0].p.from, g[0].p.to
		ids := make([]string, len(g))
		for k, j := range g {
			ids[k] = bs[j.i].ID
			from, to = minTime(from, j.p.from), maxTime(to, j.p.to)
		}
		var err error
		if byBranch, err = bulk.ResultsOf(ctx, ids, from, to); err != nil {
			return err
		}
	}
	for _, j := range g {
		b := bs[j.i]
		var rs []result.Result
		if bulk != nil {
			rs = inRange(byBranch[b.ID], j.p.from, j.p.to)
		} else {
			at = e.now()
			var err error
			if rs, err = e.Store.Results(ctx, b.ID, j.p.from, j.p.to); err != nil {
				if ctx.Err() != nil {
					return err
				}
				out[j.i] = e.failed(b, j.p.s, err, now)
				continue
			}
		}
		// Judged as of the read, so that every result it returned counts.
		j.p.s.JudgedAt = at
		s, err := j.p.finish(rs, at)
		en := e.entry(s, xs[j.i], err, at)
		if t, ok := future(rs, at); ok && t.Before(en.until) {
			en.until = t // a result timed ahead of this collector's clock counts once it is due
		}
		out[j.i] = en
	}
	return nil
}

// batchSpan is how far apart the windows of branches read together may
// start: each branch's range is the batch's union, so a wide span would read
// results the branch's own window leaves out.
const batchSpan = time.Hour

// batchMax bounds a batch, so that progress shows and memory stays small.
const batchMax = 2000

// batches groups jobs whose windows start within batchSpan of each other.
func batches(jobs []job) [][]job {
	slices.SortFunc(jobs, func(a, b job) int { return a.p.from.Compare(b.p.from) })
	var out [][]job
	for start := 0; start < len(jobs); {
		end := start + 1
		for end < len(jobs) && end-start < batchMax && jobs[end].p.from.Sub(jobs[start].p.from) <= batchSpan {
			end++
		}
		out = append(out, jobs[start:end])
		start = end
	}
	return out
}

// future is the earliest time among rs (oldest first) after now.
func future(rs []result.Result, now time.Time) (time.Time, bool) {
	i, _ := slices.BinarySearchFunc(rs, now, func(r result.Result, t time.Time) int {
		if r.StartedAt.After(t) {
			return 1
		}
		return -1
	})
	if i == len(rs) {
		return time.Time{}, false
	}
	return rs[i].StartedAt, true
}

// inRange keeps the results (oldest first) with from <= started_at < to.
func inRange(rs []result.Result, from, to time.Time) []result.Result {
	lo, _ := slices.BinarySearchFunc(rs, from, func(r result.Result, t time.Time) int { return r.StartedAt.Compare(t) })
	hi, _ := slices.BinarySearchFunc(rs, to, func(r result.Result, t time.Time) int { return r.StartedAt.Compare(t) })
	return rs[lo:hi]
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

// retryFailed is how soon a branch that could not be judged is tried again.
const retryFailed = 30 * time.Second

// failed is the entry of a branch that cannot be judged: one such branch
// must not blank the board.
func (e *Engine) failed(b store.Branch, s BranchStatus, err error, now time.Time) *entry {
	s.Judgement = Judgement{State: State{Verdict: Unknown, At: now,
		Problems: []Item{{Reason: "the collector cannot judge this branch: " + err.Error()}}}}
	s.ID, s.Contact, s.Devices = b.ID, b.Contact, nil
	if s.JudgedAt.IsZero() {
		s.JudgedAt = now
	}
	return &entry{status: s, until: now.Add(retryFailed)}
}

// entry is a judged status as the snapshot keeps it, with until when the
// clock alone leaves it unchanged.
func (e *Engine) entry(s BranchStatus, x described, err error, now time.Time) *entry {
	if err != nil {
		return e.failed(store.Branch{ID: s.ID, Contact: s.Contact}, s, err, now)
	}
	s.Devices = nil
	en := &entry{status: s, until: now.Add(e.maxAge())}
	if x.cal != nil {
		if t := nextChange(x.cal, now); t.Before(en.until) {
			en.until = t
		}
	}
	return en
}
