package outbox

import (
	"context"
	"strings"
	"time"

	"github.com/branchready/branchready/alerts/notify"
)

// FindMargin is how long before a message's decision the remote is
// searched for it: the collector's clock and the remote's may disagree by
// that much (the message cannot have been sent before it was decided).
const FindMargin = time.Minute

// lookupReason marks a row whose lookup failed: its outcome is still
// unknown, so the next attempt looks again before sending.
const lookupReason = "unknown_outcome"

// ambiguousReasons are the Reasons of failures after which the remote may
// have taken the message all the same: the call timed out or the
// connection broke after the request was written, or the answer could not
// be read.
var ambiguousReasons = []string{lookupReason, "timeout", "network", "bad_response"}

// unknownOutcome says whether r may already be in the remote: an earlier
// claim ran out without an outcome, or its last attempt failed in a way
// that does not say whether the remote took it.
func unknownOutcome(r Row) bool {
	if r.Unsettled {
		return true
	}
	if r.Attempts == 0 {
		return false
	}
	for _, reason := range ambiguousReasons {
		if strings.HasPrefix(r.LastError, reason+":") || r.LastError == reason {
			return true
		}
	}
	return false
}

// settleUnknown looks r up in the remote before it is sent again. It
// returns true when it settled the row: found (recorded as delivered,
// with the receipt of the message found) or the lookup failed in a way
// worth retrying (recorded for retry, still marked unknown). It returns
// false when the row should be sent: not found, or the remote cannot be
// searched (a permanent error such as a missing scope, logged: the row is
// then delivered at least once, as without a Finder).
func (d *Deliverer) settleUnknown(ctx context.Context, k route, r Row, f notify.Finder, thread notify.Receipt, m notify.Message) bool {
	callCtx, cancel := context.WithTimeout(ctx, d.Timeout)
	rc, found, err := f.Find(callCtx, thread, m, m.DecidedAt.Add(-FindMargin))
	cancel()
	switch {
	case ctx.Err() != nil:
		return true // stopping: the claim runs out and the row comes back unsettled
	case err == nil && found:
		d.Log.Info("notification found already delivered: recorded, not sent again", "seq", r.Seq,
			"incident", m.IncidentID, "notifier", k.notifier, "target", k.target, "ts", rc.TS)
		d.delivered(ctx, k, r, rc, d.Now())
		return true
	case err == nil:
		return false
	}
	ne := asError(err)
	if !ne.Retryable {
		d.Log.Warn("cannot tell whether a notification was delivered before; sending it (it may arrive twice)",
			"seq", r.Seq, "incident", m.IncidentID, "notifier", k.notifier, "target", k.target, "reason", ne.Reason, "err", ne.Error())
		return false
	}
	now := d.Now()
	wait := d.backoff(r.Attempts + 1)
	if ne.RetryAfter > 0 {
		wait = min(ne.RetryAfter, d.MaxRetryAfter)
	}
	d.pacer.hold(k, now.Add(wait))
	d.dueAt(now.Add(wait))
	d.Metrics.Failed(k.notifier, lookupReason, false)
	// Retry, not Release, even after a 429: the text keeps the row marked
	// unknown for whichever deliverer claims it next.
	text := (&notify.Error{Reason: lookupReason, Err: ne}).Error()
	if err := d.Store.Retry(ctx, r.Seq, text, now.Add(wait)); err != nil && ctx.Err() == nil {
		d.Log.Error("outbox could not record a retry", "seq", r.Seq, "err", err)
	}
	d.Log.Warn("notification with an unknown outcome not looked up; will look again", "seq", r.Seq, "incident", m.IncidentID,
		"notifier", k.notifier, "target", k.target, "retry_in", wait.Round(time.Millisecond), "err", ne.Error())
	return true
}
