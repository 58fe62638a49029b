package outbox

import (
	"context"
	"time"

	"github.com/branchready/branchready/alerts/notify"
)

// accepted is a message the remote took, waiting to be recorded.
type accepted struct {
	k  route
	r  Row
	rc notify.Receipt
	at time.Time
}

// recordBatch bounds the deliveries recorded in one store call.
const recordBatch = 128

// recordLinger bounds how long a delivery waits to be recorded with others
// while deliveries are still in flight. Each store call has a cost of its
// own (on PostgreSQL the outbox's Record was the server's costliest
// statement of a wave, planned at every call, with four deliveries a call),
// and a delivery's record holds up nothing that is not held anyway: the
// incident's next message goes to the same target, paced a second after
// this one (Slack's Pace), and the room of the pipeline is not what claims
// wait for in a wave (the engine offers its rows). A delivery accepted
// while nothing else is being sent is recorded at once, as are deliveries
// when Run stops.
const recordLinger = 100 * time.Millisecond

// accept queues an accepted message to be recorded. Whoever queues while
// no recording runs starts one, which records what was queued meanwhile,
// in batches, until nothing is left: a busy pipeline records many
// messages in one store call (one transaction), an idle one records each
// at once. The row stays held until recorded: the pipeline's room bounds
// the queue.
func (p *pipeline) accept(a accepted) {
	p.mu.Lock()
	if len(p.accepted) == 0 {
		p.since = time.Now()
	}
	p.accepted = append(p.accepted, a)
	start := !p.recording
	p.recording = true
	p.mu.Unlock()
	if start {
		p.wg.Go(p.recordQueued)
	} else {
		p.wakeRecorder()
	}
}

// sending counts a delivery starting (+1) or ending (-1); the recorder
// waits for companions only while some are in flight.
func (p *pipeline) sending(n int) {
	p.mu.Lock()
	p.inFlight += n
	idle := p.inFlight == 0
	p.mu.Unlock()
	if idle {
		p.wakeRecorder()
	}
}

// wakeRecorder makes a lingering recorder look again.
func (p *pipeline) wakeRecorder() {
	select {
	case p.recordWake <- struct{}{}:
	default:
	}
}

// recordQueued records the accepted messages queued until none is left.
// A batch is recorded when it is full, when no delivery is in flight that
// could join it, when its first delivery has waited recordLinger, or when
// Run stops.
func (p *pipeline) recordQueued() {
	for {
		p.mu.Lock()
		n := min(len(p.accepted), recordBatch)
		if n == 0 {
			p.accepted, p.recording = p.accepted[:0], false
			p.mu.Unlock()
			return
		}
		if wait := recordLinger - time.Since(p.since); n < recordBatch && p.inFlight > 0 && wait > 0 && p.ctx.Err() == nil {
			p.mu.Unlock()
			p.linger(wait)
			continue
		}
		batch := make([]accepted, n)
		copy(batch, p.accepted)
		p.accepted = p.accepted[n:]
		p.since = time.Now()
		p.mu.Unlock()
		p.record(batch)
	}
}

// linger waits up to d for another delivery to end, or for Run to stop.
func (p *pipeline) linger(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.recordWake:
	case <-t.C:
	case <-p.ctx.Done():
	}
}

// record records a batch of accepted messages, with a context that
// survives Run's end: the messages are out, and forgetting that would send
// them again. With a Recorder store the rows each delivery frees (its
// incident's next message on the route) come back claimed and join the
// pipeline, and no Claim is needed to find them.
func (p *pipeline) record(batch []accepted) {
	d := p.d
	rec, ok := d.Store.(Recorder)
	if !ok {
		for _, a := range batch {
			d.delivered(p.ctx, a.k, a.r, a.rc, a.at)
			p.done(a.r)
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), 10*time.Second)
	defer cancel()
	ds := make([]Delivery, len(batch))
	for i, a := range batch {
		ds[i] = Delivery{Seq: a.r.Seq, Receipt: a.rc, At: a.at}
	}
	now := d.Now()
	next, notPending, err := rec.Record(ctx, ds, now, d.Lease)
	if err != nil {
		// Whether it committed is unknown: the rows it may have claimed
		// come back when their claims run out, and Claim looks now.
		d.claimable.Store(true)
	}
	for _, a := range batch {
		switch {
		case err != nil:
			d.Log.Error("outbox could not record a delivery; it may be sent again when its lease ends", "seq", a.r.Seq,
				"incident", a.r.Message.IncidentID, "notifier", a.k.notifier, "target", a.k.target, "err", err)
		case contains(notPending, a.r.Seq):
			d.Log.Error("outbox could not record a delivery; it may be sent again when its lease ends", "seq", a.r.Seq,
				"incident", a.r.Message.IncidentID, "notifier", a.k.notifier, "target", a.k.target, "err", ErrNotPending)
		default:
			d.recorded(a.r, a.rc)
		}
		d.settled(a.k, a.r, a.at)
	}
	rows := make([]Row, len(batch))
	for i, a := range batch {
		rows[i] = a.r
	}
	p.done(rows...)
	if len(next) > 0 && !p.offer(next) {
		d.release(ctx, next, now)
	}
}

// offer adds rows claimed for this pipeline unless Run is ending.
func (p *pipeline) offer(rows []Row) bool {
	if p.ctx.Err() != nil {
		return false
	}
	p.add(rows)
	return true
}

func contains(seqs []int64, seq int64) bool {
	for _, s := range seqs {
		if s == seq {
			return true
		}
	}
	return false
}

// settled updates the metrics and the route's problems after a message
// was accepted.
func (d *Deliverer) settled(k route, r Row, at time.Time) {
	d.Metrics.Delivered(k.notifier, at.Sub(r.Message.DecidedAt))
	d.mu.Lock()
	delete(d.problems, k)
	d.mu.Unlock()
}
