package ingest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/branchready/branchready/result"
)

// Outcomes counted in branchready_ingest_results_total besides stored,
// duplicate and rejected (which includes these two).
const (
	outcomeTimeCorrected = "time_corrected"
	outcomeFuture        = "future"
	outcomeOutOfRange    = "out_of_range"
)

// maxSentAtOffset keeps the skew arithmetic inside time.Duration (±292
// years): a sent_at further from the collector's clock is a broken clock,
// not a skew to correct.
const maxSentAtOffset = 100 * 365 * 24 * time.Hour

// window is what a batch's event times are checked against.
type window struct {
	sentAt     time.Time     // the agent's clock when the batch left; zero if not sent
	skew       time.Duration // collector clock minus agent clock
	correct    bool          // add skew to event times
	from, to   time.Time     // accepted corrected event times, collector clock
	now        time.Time
	futureSlop time.Duration
}

func (h *Handler) window(now, sentAt time.Time) (window, error) {
	w := window{sentAt: sentAt, now: now, from: now.Add(-h.o.MaxAge), to: now.Add(h.o.MaxAhead), futureSlop: h.o.FutureTolerance}
	if sentAt.IsZero() {
		return w, nil
	}
	if sentAt.Before(now.Add(-maxSentAtOffset)) || sentAt.After(now.Add(maxSentAtOffset)) {
		return w, fail(http.StatusBadRequest, "agent.sent_at %s: more than 100 years from the collector's clock (%s); set the agent's clock",
			sentAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	w.skew = now.Sub(sentAt)
	w.correct = h.o.SkewThreshold > 0 && (w.skew > h.o.SkewThreshold || -w.skew > h.o.SkewThreshold)
	return w, nil
}

// validate checks each decoded item (rs, with the items that did not
// decode listed in bad); bad ones are listed in resp, good ones returned
// with their event time corrected for the agent's skew. The good ones are
// rs itself, compacted in place: nothing else refers to it. n counts the
// outcomes of interest beyond stored, duplicate and rejected.
func (h *Handler) validate(branch string, rs []result.Result, bad []itemErr, w window, resp *result.IngestResponse) ([]result.Result, map[string]int) {
	good := rs[:0]
	// n stays nil (read as zeros) unless an outcome of interest happens,
	// and a batch of a sweep's size finds repeated ids among the results
	// it kept rather than in a map: two allocations fewer per batch.
	var n map[string]int
	count := func(outcome string) {
		if n == nil {
			n = map[string]int{}
		}
		n[outcome]++
	}
	var seen map[string]bool
	if len(rs) > smallBatch {
		seen = make(map[string]bool, len(rs))
	}
	reject := func(i int, id, format string, args ...any) {
		resp.Rejected = append(resp.Rejected, result.Rejection{Index: i, ID: id, Error: fmt.Sprintf(format, args...)})
	}
	for i := range rs {
		if len(bad) > 0 && bad[0].i == i {
			reject(i, "", "%s", bad[0].msg)
			bad = bad[1:]
			continue
		}
		res := &rs[i]
		if err := res.Validate(); err != nil {
			reject(i, res.ID, "%v", err)
			continue
		}
		if res.Branch != branch {
			reject(i, res.ID, "branch %q: the token of branch %q may not write it", res.Branch, branch)
			continue
		}
		if msg, outcome := w.check(res); msg != "" {
			count(outcome)
			resp.Rejected = append(resp.Rejected, result.Rejection{Index: i, ID: res.ID, Error: msg, Code: result.RejectEventTime})
			continue
		}
		if repeated(good, seen, res.ID) {
			resp.Duplicates++
			continue
		}
		if seen != nil {
			seen[res.ID] = true
		}
		if w.correct {
			count(outcomeTimeCorrected)
		}
		if len(good) == i { // every item so far kept: already in its place
			good = good[:i+1]
		} else {
			good = append(good, *res)
		}
	}
	clear(rs[len(good):]) // the refused: their strings and maps may go
	// Capped: the store, the readiness and the alert engines are all
	// handed good, and one that appended to it must not write into the
	// list's spare room under another.
	return good[:len(good):len(good)], n
}

// smallBatch is the most results a batch may have for repeated ids to be
// found by scanning the ones kept: a few hundred comparisons of short
// strings cost less than building a map.
const smallBatch = 32

// repeated reports whether id is among the results kept so far: in seen
// when there is one, else in good. Ids of the same length are told apart
// by their last byte before they are compared whole: an agent's ids
// (UUIDv7) share their first dozen bytes within a batch, and calling the
// runtime's comparison for each of a sweep's 190 pairs showed in the
// profile.
func repeated(good []result.Result, seen map[string]bool, id string) bool {
	if seen != nil {
		return seen[id]
	}
	n := len(id)
	var last byte
	if n > 0 {
		last = id[n-1]
	}
	for i := range good {
		if g := good[i].ID; len(g) == n && (n == 0 || g[n-1] == last) && g == id {
			return true
		}
	}
	return false
}

// check corrects r's event time for skew and says why it is refused, if it
// is: stamped after its own batch left (the agent's clock ran ahead when
// the check ran), or outside the accepted window, which also keeps out
// times the store cannot represent.
func (w window) check(r *result.Result) (msg, outcome string) {
	at := r.StartedAt.UTC()
	if !w.sentAt.IsZero() && at.After(w.sentAt.Add(w.futureSlop)) {
		return fmt.Sprintf("started_at %s: after its batch was sent (%s): the agent's clock was ahead when the check ran",
			at.Format(time.RFC3339), w.sentAt.UTC().Format(time.RFC3339)), outcomeFuture
	}
	if w.correct {
		at = at.Add(w.skew)
	}
	switch {
	case at.Before(w.from):
		return fmt.Sprintf("started_at %s: more than %v before the collector received it (%s)",
			r.StartedAt.UTC().Format(time.RFC3339), w.now.Sub(w.from), w.now.UTC().Format(time.RFC3339)), outcomeOutOfRange
	case at.After(w.to):
		return fmt.Sprintf("started_at %s: more than %v after the collector received it (%s)",
			r.StartedAt.UTC().Format(time.RFC3339), w.to.Sub(w.now), w.now.UTC().Format(time.RFC3339)), outcomeOutOfRange
	}
	r.StartedAt = at
	if w.correct {
		r.Reason = corrected(r.Reason, w.skew)
	}
	return "", ""
}

// corrected appends to a reason that its time was moved, so that whoever
// reads the result (board, API, alerts) knows the time shown is not the
// agent's own.
func corrected(reason string, skew time.Duration) string {
	way, moved := "slow", "later"
	if skew < 0 {
		way, moved = "fast", "earlier"
	}
	d := skew.Abs().Round(time.Second)
	note := fmt.Sprintf("time corrected: the agent's clock was %v %s, so this is placed %v %s", d, way, d, moved)
	if reason == "" {
		return note
	}
	if n := result.MaxReasonLen - len(note) - 3; len(reason) > n {
		reason = strings.ToValidUTF8(reason[:max(0, n)], "")
	}
	return reason + " (" + note + ")"
}
