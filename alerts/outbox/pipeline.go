package outbox

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Run delivers until ctx ends, then returns nil once every delivery in
// flight has ended and the rows not tried were released. Store errors are
// logged and retried at the poll interval.
//
// Run asks the Store to Claim only when rows may be claimable that no one
// handed it: at start and every Poll (rows of a deliverer that died, or
// decided on another collector), on Kick (rows decided and not offered),
// when rows it gave back come due, when room frees up after a claim
// that filled it, and after outcomes that free an incident's later rows
// without claiming them (a failure, a store that is no Recorder). The rows
// a delivery frees come back claimed from Record (record.go), and those
// the alert engine decides are offered claimed (Offer): a claim after
// every delivery, which reads every pending row, would find nothing.
func (d *Deliverer) Run(ctx context.Context) error {
	d.init()
	p := &pipeline{d: d, ctx: ctx, queues: map[route][]Row{}, claims: map[int64]time.Time{}, slots: make(chan struct{}, d.Workers),
		recordWake: make(chan struct{}, 1)}
	d.mu.Lock()
	d.pipe = p
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.pipe = nil
		d.mu.Unlock()
		p.wg.Wait()
	}()
	p.wg.Go(func() { p.renewEvery(ctx) })
	var reported, claimed time.Time
	want := true // claim: at start, and while the last claim filled the room
	for {
		now := d.Now()
		passed, next := d.nextDue(now)
		if want || passed || now.Sub(claimed) >= d.Poll || d.claimable.Swap(false) {
			claimed = now
			full, err := p.claim(ctx)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				d.Log.Error("outbox claim failed; retrying", "err", err, "retry_in", d.Poll)
			}
			want = full
		}
		// At most once a poll: the loop wakes at every row settled.
		if now := d.Now(); now.Sub(reported) >= d.Poll {
			d.report(ctx, now)
			reported = now
		}
		// Wait for a decision (Kick), for a row to be settled (which
		// frees room), for rows given back to come due, or for the poll.
		wake := claimed.Add(d.Poll)
		if !next.IsZero() && next.Before(wake) {
			wake = next
		}
		t := time.NewTimer(max(wake.Sub(d.Now()), 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-d.kick:
			want = true
		case <-d.freed:
		case <-t.C:
		}
		t.Stop()
	}
}

func (d *Deliverer) report(ctx context.Context, now time.Time) {
	n, oldest, err := d.Store.Stats(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			d.Log.Warn("outbox stats failed", "err", err)
		}
		return
	}
	d.Metrics.Outbox(n, oldest)
}

// pipeline holds the claimed rows not yet settled, queued per route, and
// the goroutines delivering them: one per route with rows, at most
// Workers of them sending at once.
type pipeline struct {
	d      *Deliverer
	ctx    context.Context // Run's
	mu     sync.Mutex
	queues map[route][]Row // a route is present while its goroutine runs
	held   int
	// claims holds when the claim on each row held runs out, as last
	// renewed (zero: unknown, a row offered by a store that did not say).
	claims map[int64]time.Time
	slots  chan struct{}
	wg     sync.WaitGroup
	// accepted are the messages the remote took, waiting to be recorded
	// by the one recording goroutine, which runs while recording is set
	// (record.go).
	accepted  []accepted
	recording bool
	// since is when the oldest accepted message waiting was queued;
	// inFlight counts the deliveries being sent, and recordWake wakes a
	// recorder waiting for them (record.go).
	since      time.Time
	inFlight   int
	recordWake chan struct{}
}

// claim claims as many rows as there is room for and hands them to their
// routes. It returns whether the room was filled (or there was none, and
// the Store was not asked): more rows may be waiting. An error counts as
// full, so the claim is tried again when room frees up.
func (p *pipeline) claim(ctx context.Context) (full bool, err error) {
	p.mu.Lock()
	room := p.d.Batch - p.held
	p.mu.Unlock()
	if room <= 0 {
		return true, nil
	}
	now := p.d.Now()
	rows, err := p.d.Store.Claim(ctx, now, room, p.d.Lease)
	if err != nil {
		return true, fmt.Errorf("claim: %w", err)
	}
	for i := range rows {
		if rows[i].ClaimedUntil.IsZero() {
			rows[i].ClaimedUntil = now.Add(p.d.Lease)
		}
	}
	p.add(rows)
	return len(rows) == room, nil
}

// add queues claimed rows on their routes, starting a route's goroutine
// when it has none.
func (p *pipeline) add(rows []Row) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range rows {
		k := route{r.Message.Notifier, r.Message.Target}
		q, running := p.queues[k]
		p.queues[k] = append(q, r)
		p.held++
		p.claims[r.Seq] = r.ClaimedUntil
		if !running {
			p.wg.Go(func() { p.serve(p.ctx, k) })
		}
	}
}

// Offer hands the Deliverer rows its caller claimed (the alert engine
// claims the rows it enqueues in the same transaction, sparing a claim's
// round trip to the store). It returns false, taking nothing, when Run is
// not running: the caller then releases the rows.
func (d *Deliverer) Offer(rows []Row) bool {
	d.init()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pipe == nil || d.pipe.ctx.Err() != nil {
		return false
	}
	d.pipe.add(rows)
	return true
}

// Leased is the lease Claim is given, for a caller that claims rows to
// Offer them.
func (d *Deliverer) Leased() time.Duration {
	d.init()
	return d.Lease
}

// serve delivers a route's rows one at a time, in order, paced, holding
// one of the Workers slots except while a row waits held for the pace.
func (p *pipeline) serve(ctx context.Context, k route) {
	if !p.acquire(ctx) {
		p.releaseAll(ctx, k, p.d.Now())
		return
	}
	holding := true
	defer func() {
		if holding {
			<-p.slots
		}
	}()
	for {
		r, ok := p.next(k)
		if !ok {
			return
		}
		if wait := p.d.pacer.wait(k, p.d.Now()); wait > p.d.MaxInlineWait && wait <= p.d.MaxHoldWait {
			// A short wait for the target's pace (the next message of
			// an incident, a second after the last): the row waits
			// held, its claim renewed, without the worker, rather than
			// go back to the Store to be claimed again.
			<-p.slots
			if holding = sleep(ctx, wait) && p.acquire(ctx); !holding {
				p.d.release(ctx, []Row{r}, p.releaseAt(k))
				p.done(r)
				p.releaseAll(ctx, k, p.releaseAt(k))
				return
			}
		}
		if !p.paced(ctx, k) {
			p.d.release(ctx, []Row{r}, p.releaseAt(k))
			p.done(r)
			p.releaseAll(ctx, k, p.releaseAt(k))
			return
		}
		r.ClaimedUntil = p.claimedUntil(r.Seq)
		if _, ok := p.d.callWindow(r, p.d.Now()); !ok {
			r.ClaimedUntil = p.renewOne(ctx, r)
		}
		p.sending(1)
		a, ok := p.d.deliver(ctx, k, r)
		if ok {
			p.accept(a)
		}
		p.sending(-1)
		if ok {
			continue
		}
		p.done(r)
	}
}

// acquire takes one of the Workers slots; false when ctx ended first.
func (p *pipeline) acquire(ctx context.Context) bool {
	select {
	case p.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// paced waits for k's pace when the wait is short; it returns false when
// the route's rows should go back to the Store instead (a long wait, or
// stopping).
func (p *pipeline) paced(ctx context.Context, k route) bool {
	wait := p.d.pacer.wait(k, p.d.Now())
	if wait > p.d.MaxInlineWait {
		return false
	}
	if wait > 0 && !sleep(ctx, wait) {
		return false
	}
	return ctx.Err() == nil
}

// releaseAt is when k may be tried again.
func (p *pipeline) releaseAt(k route) time.Time {
	now := p.d.Now()
	return now.Add(p.d.pacer.wait(k, now))
}

// next pops k's next row; when none is left it ends k's turn.
func (p *pipeline) next(k route) (Row, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	q := p.queues[k]
	if len(q) == 0 {
		delete(p.queues, k)
		return Row{}, false
	}
	p.queues[k] = q[1:]
	return q[0], true
}

// releaseAll gives k's queued rows back to the Store and ends k's turn.
func (p *pipeline) releaseAll(ctx context.Context, k route, at time.Time) {
	p.mu.Lock()
	q := p.queues[k]
	delete(p.queues, k)
	p.mu.Unlock()
	p.d.release(ctx, q, at)
	p.done(q...)
}

// done frees the room of rows settled or released and wakes the claiming
// loop.
func (p *pipeline) done(rows ...Row) {
	if len(rows) == 0 {
		return
	}
	p.mu.Lock()
	p.held -= len(rows)
	for _, r := range rows {
		delete(p.claims, r.Seq)
	}
	p.mu.Unlock()
	select {
	case p.d.freed <- struct{}{}:
	default:
	}
}
