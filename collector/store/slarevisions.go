package store

import (
	"time"

	"github.com/branchready/branchready/result"
)

// SLARevision records that a branch-day's final verdict changed after the
// deadline: a result that arrived late from an agent's spool, a late
// confirmation, or a change of the rules the day is judged by. Revisions
// are kept, never replaced, so a day's history reads from the verdict known
// at the deadline (the first revision's VerdictBefore) to its latest one.
type SLARevision struct {
	Branch string    `json:"branch"`
	Date   string    `json:"date"`
	At     time.Time `json:"at"`
	// VerdictBefore and ToReadyBeforeSeconds are what was known before
	// this revision (at the deadline, for the first).
	VerdictBefore        string   `json:"verdict_before"`
	Verdict              string   `json:"verdict"`
	ToReadyBeforeSeconds *float64 `json:"to_ready_before_seconds,omitempty"`
	ToReadySeconds       *float64 `json:"to_ready_seconds,omitempty"`
	// Reason says what changed, in words.
	Reason string `json:"reason"`
}

// SLARevisionColumns are the columns SLARevisionArgs and ScanSLARevisions use, in order.
const SLARevisionColumns = "branch, date, at, verdict_before, verdict, to_ready_before_ms, to_ready_ms, reason"

// SLARevisionArgs returns v's values in SLARevisionColumns order.
func SLARevisionArgs(v SLARevision) []any {
	return []any{v.Branch, v.Date, v.At.UnixNano(), v.VerdictBefore, v.Verdict, optMS(v.ToReadyBeforeSeconds), optMS(v.ToReadySeconds), v.Reason}
}

func optMS(s *float64) *int64 {
	if s == nil {
		return nil
	}
	ms := toMS(*s)
	return &ms
}

func optSeconds(ms *int64) *float64 {
	if ms == nil {
		return nil
	}
	s := float64(*ms) / 1000
	return &s
}

// ScanSLARevisions reads rows of SLARevisionColumns.
func ScanSLARevisions(rows Rows) ([]SLARevision, error) {
	out := []SLARevision{}
	for rows.Next() {
		var v SLARevision
		var at int64
		var before, after *int64
		if err := rows.Scan(&v.Branch, &v.Date, &at, &v.VerdictBefore, &v.Verdict, &before, &after, &v.Reason); err != nil {
			return nil, err
		}
		v.At = time.Unix(0, at).UTC()
		v.ToReadyBeforeSeconds, v.ToReadySeconds = optSeconds(before), optSeconds(after)
		out = append(out, v)
	}
	return out, rows.Err()
}

// ReceivedResult is a stored result with the time the collector received
// it, so that a day can be judged again as it was known at its deadline.
type ReceivedResult struct {
	result.Result
	ReceivedAt time.Time `json:"received_at"`
}
