package alerting

import "time"

// tickDue defers a tick while results wait for the engine. A tick re-reads
// every branch and advances every branch's clock: at bank scale during a
// pre-opening wave it held the loop for seconds, three times a minute, and
// the failing results queued behind it were judged that much later. What
// a tick decides (agent silent, escalation, reminder) is measured in
// minutes, so it waits until the queue is empty, but never longer than
// one more period.
type tickDue struct {
	pending bool
	since   time.Time
}

// arrive is called when the ticker fires; it says whether to tick now.
func (d *tickDue) arrive(now time.Time, queued int, period time.Duration) bool {
	if !d.pending {
		d.pending, d.since = true, now
	}
	return d.due(now, queued, period)
}

// due says whether a deferred tick is to run now, and clears it if so.
func (d *tickDue) due(now time.Time, queued int, period time.Duration) bool {
	if !d.pending || (queued > 0 && now.Sub(d.since) < period) {
		return false
	}
	d.pending = false
	return true
}
