package outbox

import (
	"context"
	"maps"
	"slices"
	"time"
)

// Claims are short and renewed. A deliverer that dies leaves its claimed
// rows to whoever delivers next once their claims run out: with a long
// claim, every notification it held waited that long (two minutes of a
// pre-opening wave, when the leader was killed). So a claim lasts Lease,
// the deliverer renews the claims it still holds every Lease/4, and it
// fences itself: it starts no call to a notifier that could outlive its
// claim, less fenceMargin. Another deliverer may claim the row when the
// claim runs out; it then finds the row Unsettled and looks it up before
// sending, and by then this deliverer's call has ended (or, cancelled
// mid-request, had fenceMargin for the remote to finish with it).

// renewEvery renews the claims of the rows held, every Lease/4, until ctx
// ends.
func (p *pipeline) renewEvery(ctx context.Context) {
	t := time.NewTicker(p.d.Lease / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.renew(ctx)
		}
	}
}

// renew extends the claims of the rows held. A row whose claim the Store
// did not extend (settled meanwhile, or claimed by another deliverer
// after a renewal came too late) keeps its old end, and the fence keeps
// it from being sent after that.
func (p *pipeline) renew(ctx context.Context) {
	p.mu.Lock()
	claims := make([]Claim, 0, len(p.claims))
	for _, seq := range slices.Sorted(maps.Keys(p.claims)) {
		// A claim of unknown end cannot be named to the Store; it lasts
		// as long as it was given.
		if until := p.claims[seq]; !until.IsZero() {
			claims = append(claims, Claim{Seq: seq, Until: until})
		}
	}
	p.mu.Unlock()
	if len(claims) == 0 {
		return
	}
	until := p.d.Now().Add(p.d.Lease)
	rctx, cancel := context.WithTimeout(ctx, p.d.Lease/4)
	got, err := p.d.Store.Renew(rctx, claims, until)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			p.d.Log.Warn("outbox could not renew its claims; rows not sent before their claims run out go to the next claim",
				"rows", len(claims), "err", err)
		}
		return
	}
	p.mu.Lock()
	for _, seq := range got {
		if _, held := p.claims[seq]; held {
			p.claims[seq] = until
		}
	}
	p.mu.Unlock()
}

// renewOne renews r's claim at once, for a row whose claim ends too soon
// for a call (a store's claim of the rows it enqueued took seconds to
// commit under a wave's load, and the claim's time was taken before); it
// returns when the claim now ends, unchanged when it was not renewed.
func (p *pipeline) renewOne(ctx context.Context, r Row) time.Time {
	until := p.d.Now().Add(p.d.Lease)
	rctx, cancel := context.WithTimeout(ctx, p.d.Lease/4)
	got, err := p.d.Store.Renew(rctx, []Claim{{Seq: r.Seq, Until: r.ClaimedUntil}}, until)
	cancel()
	if err != nil || len(got) != 1 {
		return r.ClaimedUntil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, held := p.claims[r.Seq]; held {
		p.claims[r.Seq] = until
	}
	return until
}

// claimedUntil is when the claim on a held row runs out, as last renewed.
func (p *pipeline) claimedUntil(seq int64) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.claims[seq]
}

// fenceMargin is how long before its claim runs out a call must have
// ended: time for the remote to finish with a request cancelled
// mid-flight, and for clocks that disagree a little.
func (d *Deliverer) fenceMargin() time.Duration { return d.Lease / 8 }

// callWindow returns how long a call for r may take, at most Timeout and
// ending fenceMargin before r's claim does; ok is false when that leaves
// less than fenceMargin, and r must not be sent under this claim.
func (d *Deliverer) callWindow(r Row, now time.Time) (window time.Duration, ok bool) {
	if r.ClaimedUntil.IsZero() {
		return d.Timeout, true
	}
	left := r.ClaimedUntil.Sub(now) - d.fenceMargin()
	if left < d.fenceMargin() {
		return 0, false
	}
	return min(d.Timeout, left), true
}
