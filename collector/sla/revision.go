package sla

import (
	"fmt"
	"strings"
	"time"

	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// ShipAllowance is how long after the deadline a result may arrive and
// still count as known at the deadline: an agent ships the sweep that made
// the branch ready a few seconds after it ran.
const ShipAllowance = readiness.Grace

// receivedBy returns the results received by cutoff, and those received after it.
func receivedBy(rs []store.ReceivedResult, cutoff time.Time) (before []result.Result, after []store.ReceivedResult) {
	for _, r := range rs {
		if r.ReceivedAt.After(cutoff) {
			after = append(after, r)
		} else {
			before = append(before, r.Result)
		}
	}
	return before, after
}

func plain(rs []store.ReceivedResult) []result.Result {
	out := make([]result.Result, len(rs))
	for i, r := range rs {
		out[i] = r.Result
	}
	return out
}

// toReadyOf is a judgement's time to ready relative to its deadline, nil when never ready.
func toReadyOf(j readiness.Judgement) *float64 {
	if j.ReadyAt == nil {
		return nil
	}
	s := j.ReadyAt.Sub(j.Deadline).Seconds()
	return &s
}

// firstRevision compares the final judgement of a day with the one the
// collector could make from what it had received by the deadline; it
// returns the revision when their verdicts differ.
func firstRevision(branch string, final, atDeadline readiness.Judgement, late []store.ReceivedResult, windows []store.MaintenanceRecord, loc *time.Location, now time.Time) *store.SLARevision {
	if final.Verdict == atDeadline.Verdict {
		return nil
	}
	return &store.SLARevision{Branch: branch, Date: final.Date, At: now.UTC(), VerdictBefore: string(atDeadline.Verdict),
		Verdict: string(final.Verdict), ToReadyBeforeSeconds: toReadyOf(atDeadline), ToReadySeconds: toReadyOf(final),
		Reason: reason("after the deadline", late, windows, final.Deadline, loc)}
}

// laterRevision records a rolled-up day whose verdict changed on a re-roll.
func laterRevision(old store.SLADay, up store.SLADay, rs []store.ReceivedResult, windows []store.MaintenanceRecord, loc *time.Location, now time.Time) *store.SLARevision {
	if old.Verdict == up.Verdict {
		return nil
	}
	_, late := receivedBy(rs, old.RolledAt)
	return &store.SLARevision{Branch: up.Branch, Date: up.Date, At: now.UTC(), VerdictBefore: old.Verdict, Verdict: up.Verdict,
		ToReadyBeforeSeconds: old.ToReadySeconds, ToReadySeconds: up.ToReadySeconds,
		Reason: reason("since the last roll-up", late, windows, up.Deadline, loc)}
}

// reason says why a verdict changed: the maintenance windows made or
// deleted since, then the results that arrived late (if any did).
func reason(since string, late []store.ReceivedResult, windows []store.MaintenanceRecord, deadline time.Time, loc *time.Location) string {
	if len(windows) == 0 {
		return lateReason(since, late, deadline, loc)
	}
	r := windowReason(windows, loc)
	if morning(late, deadline) > 0 {
		r += "; and " + lateReason(since, late, deadline, loc)
	}
	return r
}

// morning counts the late results that describe the morning (started by the deadline).
func morning(late []store.ReceivedResult, deadline time.Time) int {
	n := 0
	for _, r := range late {
		if !r.StartedAt.After(deadline) {
			n++
		}
	}
	return n
}

// lateReason says in words which results arrived late, naming the first
// few that describe the morning (started by the deadline), or that none did.
func lateReason(since string, late []store.ReceivedResult, deadline time.Time, loc *time.Location) string {
	var named []string
	n := 0
	for _, r := range late {
		if r.StartedAt.After(deadline) {
			continue
		}
		n++
		if len(named) < 5 {
			named = append(named, fmt.Sprintf("%s %s %s (of %s, received %s)", r.Device, r.Check, r.Status,
				r.StartedAt.In(loc).Format("15:04:05"), r.ReceivedAt.In(loc).Format("Jan 2 15:04 MST")))
		}
	}
	if n == 0 {
		return "judged again with no new result from the morning " + since + ": the day's rules (configuration, maintenance) changed"
	}
	more := ""
	if n > len(named) {
		more = fmt.Sprintf(" and %d more", n-len(named))
	}
	return fmt.Sprintf("%d result(s) from the morning received %s: %s%s", n, since, strings.Join(named, "; "), more)
}
