package readiness

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// Snapshot returns the current snapshot of today's judgements. While Run
// keeps it current, it waits for the first one at start-up, and then for
// the batches handed in before the call to be judged (see caughtUp);
// otherwise it brings the snapshot up to date first. Either way it shares
// a refresh under way with concurrent callers.
func (e *Engine) Snapshot(ctx context.Context) (*Snapshot, error) {
	if e.running.Load() {
		if _, err := e.published(ctx); err != nil {
			return nil, err
		}
		if err := e.caughtUp(ctx); err != nil {
			return nil, err
		}
		return e.snap.Load(), nil
	}
	if err := e.shared(ctx); err != nil {
		return nil, err
	}
	return e.snap.Load(), nil
}

// Latest is Snapshot without waiting for the batches handed in since Run's
// last refresh (at most minGap old, and only while a wave comes in): for
// a page a person reads, to whom a quarter of a second does not matter,
// and who should not wait for other branches' batches to be judged. It
// waits for the first snapshot at start-up; without Run, it is Snapshot.
func (e *Engine) Latest(ctx context.Context) (*Snapshot, error) { return e.published(ctx) }

// published is Latest.
func (e *Engine) published(ctx context.Context) (*Snapshot, error) {
	if !e.running.Load() {
		return e.Snapshot(ctx)
	}
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

// caughtUp returns once the branches invalidated or handed in before it
// was called are judged, by the refresh under way or by one it runs
// itself: a client that posted a batch and then reads the board sees the
// batch judged, instead of a snapshot up to Run's gap (minGap) old. Run's
// background refreshes still judge the branches nobody reads about. When
// every branch is to be judged again (a new skew threshold or maintenance
// window), or a refresh fails, the published snapshot is served and Run
// catches up in the background, so that a read never waits for a whole
// board or a store in trouble.
func (e *Engine) caughtUp(ctx context.Context) error {
	e.mu.Lock()
	var need uint64
	switch {
	case e.dirtyAll || e.judgingAll:
	case len(e.dirty) > 0:
		need = e.began + 1 // the next refresh takes them
	case len(e.judging) > 0:
		need = e.began // the refresh under way judges them
	}
	e.mu.Unlock()
	for need > 0 && e.ended.Load() < need {
		if err := e.shared(ctx); err != nil {
			return ctx.Err()
		}
	}
	return nil
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

// Starting reports whether Run has begun and not yet published its first
// judgement of every branch, and how far that judgement has got: a page
// or a health check then says so instead of waiting for it.
func (e *Engine) Starting() (done, of int, starting bool) {
	if !e.Running() || e.Published() != nil {
		return 0, 0, false
	}
	done, of = e.Judging()
	return done, of, true
}

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
		// Invalidations wait for the gap after the last refresh, so that
		// a wave's thousands of reports are judged in a few large batches
		// rather than published one by one. A refresh a read ran
		// (caughtUp) counts: while the board is read, what it judged
		// need not be published again by Run.
		for {
			gap := minGap - time.Since(time.Unix(0, e.lastBegan.Load()))
			if gap <= 0 {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(gap):
			}
		}
		wait := poll
		if err := e.shared(ctx); err != nil {
			if ctx.Err() == nil && onError != nil {
				onError(err)
			}
		} else if s := e.snap.Load(); s != nil && !s.next.IsZero() {
			wait = min(wait, max(time.Millisecond, s.next.Sub(e.now())))
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
	e.began++
	n := e.began
	e.mu.Unlock()
	e.lastBegan.Store(time.Now().UnixNano())
	defer e.ended.Store(n)
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
	if old != nil && !all && e.running.Load() {
		if e.Branches != nil {
			// The directory ingest tells records what changed: judge
			// that, what ingest handed in and what the clock changed,
			// without walking every branch.
			if done, err := e.refreshChanged(ctx, old, dirty); done || err != nil {
				return err
			}
		} else if cr, ok := e.Store.(ContactReader); ok && time.Since(e.lastFull) < e.poll() {
			// Between polls, judge only what ingest here invalidated and
			// what the clock changed: a wave must not list 20,000 contacts
			// for every few branches that report.
			if done, err := e.refreshSome(ctx, cr, old, dirty); done || err != nil {
				return err
			}
		}
	}
	e.lastFull = time.Now()
	now := e.now()
	bs, xs, mark, err := e.branches(ctx)
	if err != nil {
		return err
	}
	dirty = e.readElsewhere(dirty)
	e.register(bs)
	// A contact handed in after the listing may come with a new
	// descriptor: those branches are described again.
	for _, i := range e.reconcile(bs) {
		b, err := e.handedSince(ctx, bs[i])
		if err != nil {
			return err
		}
		x, err := e.withDescriptors(ctx, b)
		if err != nil {
			return err
		}
		bs[i], xs[i] = b[0], x[0]
	}
	var todo []int
	for i, b := range bs {
		if all || dirty[b.ID] || old.changed(b, now) {
			todo = append(todo, i)
		}
	}
	if old != nil && len(todo) == 0 && len(bs) == len(old.entries) {
		e.cursor = mark
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
		if en := judged[i]; en != nil {
			entries[i] = en
		} else {
			entries[i], _ = old.entry(b.ID)
		}
	}
	e.snap.Store(old.update(entries, todo, now))
	e.cursor = mark
	if first := e.firstDone(); old == nil {
		close(first)
	}
	return nil
}

// refreshChanged is refreshSome over the shared directory: every Poll it
// has the directory read what other writers changed (Sync), and it judges
// again the branches the directory recorded as changed since the last
// refresh as well as dirty ones. It is not done when the directory asks
// for a full listing (a branch was removed).
func (e *Engine) refreshChanged(ctx context.Context, old *Snapshot, dirty map[string]bool) (done bool, err error) {
	if time.Since(e.lastFull) >= e.poll() {
		if err := e.Branches.Sync(ctx); err != nil {
			return false, err
		}
		e.lastFull = time.Now()
	}
	ids, next, ok := e.Branches.Changes(e.cursor)
	if !ok {
		return false, nil
	}
	dirty = e.readElsewhere(dirty)
	dirty = withIDs(dirty, ids)
	if done, err = e.refreshSome(ctx, nil, old, dirty); done && err == nil {
		e.cursor = next
	}
	return done, err
}

// contactsNow returns the branches of ids as of their newest contact. With
// the shared branch directory (which ingest tells before it hands results
// in here) they come from memory; without it, the contacts ingest handed in
// here are known and only the others (an invalidation, the clock) are read.
// Either way a contact that differs from the one the held results belong
// to has those results read again (reconcile).
func (e *Engine) contactsNow(ctx context.Context, cr ContactReader, ids []string) ([]store.Branch, error) {
	if e.Branches != nil {
		bs, err := e.Branches.Of(ctx, ids)
		if err != nil {
			return nil, err
		}
		e.reconcile(bs)
		return bs, nil
	}
	bs, rest := e.knownContacts(ids)
	if len(rest) > 0 {
		read, err := cr.ContactsOf(ctx, rest)
		if err != nil {
			return nil, err
		}
		e.reconcile(read)
		bs = append(bs, read...)
	}
	return bs, nil
}

// handedSince is branch b, whose contact was handed in after the listing
// b came from, as of that contact: from the directory (descriptor
// included) when there is one, else its contact alone, for
// withDescriptors to describe.
func (e *Engine) handedSince(ctx context.Context, b store.Branch) ([]store.Branch, error) {
	if e.Branches != nil {
		return e.Branches.Of(ctx, []string{b.ID})
	}
	return []store.Branch{{ID: b.ID, Contact: b.Contact}}, nil
}

// refreshSome judges again the branches of dirty and those whose next
// change has come, reading only their contacts, and publishes the snapshot
// with them replaced (and those new to it in their places).
func (e *Engine) refreshSome(ctx context.Context, cr ContactReader, old *Snapshot, dirty map[string]bool) (done bool, err error) {
	now := e.now()
	ids := slices.Collect(maps.Keys(dirty))
	if !now.Before(old.next) { // some branch's next change has come
		for _, en := range old.entries {
			if !now.Before(en.until) && !dirty[en.status.ID] {
				ids = append(ids, en.status.ID)
			}
		}
	}
	if len(ids) == 0 {
		return true, nil
	}
	slices.Sort(ids)
	bs, err := e.contactsNow(ctx, cr, ids)
	if err != nil {
		return false, err
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
	changed := make([]int, 0, len(bs))
	var added []*entry
	for i, en := range judged {
		if en == nil {
			continue
		}
		if k, ok := old.index(bs[i].ID); ok {
			entries[k] = en
			changed = append(changed, k)
		} else {
			added = append(added, en)
		}
	}
	if len(added) > 0 { // branches new to the snapshot take their places by id
		e.snap.Store(old.insert(entries, changed, added, now))
		return true, nil
	}
	e.snap.Store(old.update(entries, changed, now))
	return true, nil
}

// insertByID merges added (ids not in entries) into entries, both by id.
func insertByID(entries, added []*entry) []*entry {
	slices.SortFunc(added, func(a, b *entry) int { return strings.Compare(a.status.ID, b.status.ID) })
	out := make([]*entry, 0, len(entries)+len(added))
	i := 0
	for _, en := range added {
		for i < len(entries) && entries[i].status.ID < en.status.ID {
			out = append(out, entries[i])
			i++
		}
		out = append(out, en)
	}
	return append(out, entries[i:]...)
}
