package sla

import (
	"sort"

	"github.com/branchready/branchready/collector/store"
)

// Worst returns the n rows that most need improving: lowest availability
// first, then most late branch-days blocked, then most failures. Rows
// without device hours are left out.
func Worst(rows []Row, n int) []Row {
	var out []Row
	for _, r := range rows {
		if r.Availability != nil && r.Availability.Ratio != nil {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if *a.Availability.Ratio != *b.Availability.Ratio {
			return *a.Availability.Ratio < *b.Availability.Ratio
		}
		if a.BlockedDays != b.BlockedDays {
			return a.BlockedDays > b.BlockedDays
		}
		if a.Failures != b.Failures {
			return a.Failures > b.Failures
		}
		return a.Group < b.Group
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Bucket is one bar of the time-to-ready distribution.
type Bucket struct {
	// Label reads as minutes relative to the deadline, e.g. "-15..-5".
	Label string `json:"label"`
	// Below is the bucket's upper bound in seconds (inclusive); the last
	// bucket ("never") holds the days the branch was never ready.
	Below float64 `json:"-"`
	Days  int     `json:"days"`
}

// ToReadyBuckets are the bounds of the time-to-ready distribution, in
// minutes relative to the deadline.
var toReadyBounds = []struct {
	label string
	below float64
}{
	{"≤ -30", -30 * 60}, {"-30..-15", -15 * 60}, {"-15..-5", -5 * 60}, {"-5..0", 0},
	{"0..5", 5 * 60}, {"5..15", 15 * 60}, {"15..60", 60 * 60}, {"> 60", 1e18},
}

// ToReady is the distribution of time to ready relative to the deadline
// over the due days from..to, plus a last bucket for days never ready.
func ToReady(days []store.SLADay, from, to string) []Bucket {
	out := make([]Bucket, 0, len(toReadyBounds)+1)
	for _, b := range toReadyBounds {
		out = append(out, Bucket{Label: b.label, Below: b.below})
	}
	out = append(out, Bucket{Label: "never"})
	for _, d := range days {
		if d.Date < from || d.Date > to || !store.Due(d.Verdict) {
			continue
		}
		if d.ToReadySeconds == nil {
			out[len(out)-1].Days++
			continue
		}
		for i := range toReadyBounds {
			if *d.ToReadySeconds <= toReadyBounds[i].below {
				out[i].Days++
				break
			}
		}
	}
	return out
}
