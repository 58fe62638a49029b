package outbox

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/branchready/branchready/alerts/notify"
)

// deliver sends one row and records the outcome. An accepted message is
// returned (ok) for the caller to record apart, in a batch: the route's
// next message need not wait for the store's commit (the next message of
// the same incident is not claimed before it). Any other outcome is
// recorded before deliver returns.
func (d *Deliverer) deliver(ctx context.Context, k route, r Row) (a accepted, ok bool) {
	m := r.Message
	m.DeliveryID = strconv.FormatInt(r.Seq, 10)
	n, ok := d.Notifiers[m.Notifier]
	if !ok {
		d.fail(ctx, k, r, &notify.Error{Reason: "unknown_notifier", Err: fmt.Errorf("no notifier %q is configured", m.Notifier)})
		return accepted{}, false
	}
	var thread notify.Receipt
	if m.Op != notify.Post {
		var err error
		if thread, err = d.thread(ctx, m); err != nil {
			if ctx.Err() == nil {
				d.retry(ctx, k, r, &notify.Error{Retryable: true, Reason: "store", Err: fmt.Errorf("read thread: %w", err)})
			}
			return accepted{}, false
		}
	}
	if f, ok := n.(notify.Finder); ok && unknownOutcome(r) {
		if d.settleUnknown(ctx, k, r, f, thread, m) {
			return accepted{}, false
		}
	}
	window, ok := d.callWindow(r, d.Now())
	if !ok {
		// The claim runs out before a call could end: the row is left to
		// the next claim (its own or another deliverer's), which finds it
		// unsettled and looks it up first.
		d.Log.Warn("outbox row not sent: its claim runs out too soon (renewal failed?)", "seq", r.Seq,
			"incident", m.IncidentID, "notifier", k.notifier, "target", k.target, "claimed_until", r.ClaimedUntil)
		return accepted{}, false
	}
	callCtx, cancel := context.WithTimeout(ctx, window)
	rc, err := n.Notify(callCtx, thread, m)
	cancel()
	at := d.Now()
	if p, ok := n.(notify.Paced); ok {
		d.pacer.sent(k, at, p.Pace())
	}
	switch {
	case err == nil:
		return accepted{k: k, r: r, rc: rc, at: at}, true
	case ctx.Err() != nil:
		// Stopping mid-call: whether the remote took it is unknown; the
		// lease brings the row back to whoever delivers next.
	default:
		ne := asError(err)
		if ne.Retryable {
			d.retry(ctx, k, r, ne)
		} else {
			d.fail(ctx, k, r, ne)
		}
	}
	return accepted{}, false
}

// delivered records an accepted message alone (one found in the remote, or
// with a store that is no Recorder). It uses a context that survives Run's
// end: the message is out, and forgetting that would send it twice.
func (d *Deliverer) delivered(ctx context.Context, k route, r Row, rc notify.Receipt, at time.Time) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := d.Store.Delivered(ctx, r.Seq, rc, at); err != nil {
		d.Log.Error("outbox could not record a delivery; it may be sent again when its lease ends",
			"seq", r.Seq, "incident", r.Message.IncidentID, "notifier", k.notifier, "target", k.target, "err", err)
	} else {
		d.recorded(r, rc)
	}
	// The incident's next message on the route may be claimable now.
	d.claimable.Store(true)
	d.settled(k, r, at)
}

// retry schedules the next attempt and holds the target back until then.
func (d *Deliverer) retry(ctx context.Context, k route, r Row, ne *notify.Error) {
	now := d.Now()
	wait := d.backoff(r.Attempts + 1)
	if ne.RetryAfter > 0 {
		wait = min(ne.RetryAfter, d.MaxRetryAfter)
	}
	next := now.Add(wait)
	d.pacer.hold(k, next)
	d.dueAt(next)
	d.Metrics.Failed(k.notifier, ne.Reason, false)
	if ne.RetryAfter > 0 {
		// The remote asked for a pause (a 429): not a failure of this
		// message, so it does not count as an attempt, and the backoff of
		// a later real failure does not grow from it.
		if err := d.Store.Release(ctx, r.Seq, next); err != nil && ctx.Err() == nil {
			d.Log.Error("outbox could not record a rate-limit wait", "seq", r.Seq, "err", err)
		}
		d.Log.Warn("notification held back: the remote asked to wait", "incident", r.Message.IncidentID, "notifier", k.notifier,
			"target", k.target, "reason", ne.Reason, "retry_in", wait.Round(time.Millisecond))
		return
	}
	if err := d.Store.Retry(ctx, r.Seq, ne.Error(), next); err != nil && ctx.Err() == nil {
		d.Log.Error("outbox could not record a retry", "seq", r.Seq, "err", err)
	}
	d.Log.Warn("notification not delivered; will retry", "incident", r.Message.IncidentID, "notifier", k.notifier,
		"target", k.target, "reason", ne.Reason, "attempts", r.Attempts+1, "retry_in", wait.Round(time.Millisecond), "err", ne.Error())
}

// fail ends a row for good and reports the configuration error.
func (d *Deliverer) fail(ctx context.Context, k route, r Row, ne *notify.Error) {
	now := d.Now()
	d.Metrics.Failed(k.notifier, ne.Reason, true)
	if err := d.Store.Fail(ctx, r.Seq, ne.Error(), now); err != nil && ctx.Err() == nil {
		d.Log.Error("outbox could not record a failure", "seq", r.Seq, "err", err)
	}
	ce := ConfigError{Notifier: k.notifier, Target: k.target, IncidentID: r.Message.IncidentID, Seq: r.Seq, Reason: ne.Reason, Error: ne.Error(), At: now}
	d.mu.Lock()
	d.problems[k] = ce
	d.mu.Unlock()
	// A failed row no longer holds back its incident's later rows.
	d.claimable.Store(true)
	d.Log.Error("notification failed for good: fix the configuration", "incident", r.Message.IncidentID,
		"notifier", k.notifier, "target", k.target, "reason", ne.Reason, "err", ne.Error())
	if d.OnConfigError != nil {
		d.OnConfigError(ce)
	}
}

// backoff is exponential with full jitter: uniform in [MinBackoff,
// MinBackoff·2^(n-1)], capped at MaxBackoff.
func (d *Deliverer) backoff(n int) time.Duration {
	ceil := d.MaxBackoff
	if n-1 < 30 && d.MinBackoff<<(n-1) < ceil {
		ceil = d.MinBackoff << (n - 1)
	}
	if ceil <= d.MinBackoff {
		return d.MinBackoff
	}
	return d.MinBackoff + rand.N(ceil-d.MinBackoff+1)
}
