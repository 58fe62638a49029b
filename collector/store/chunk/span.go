package chunk

import (
	"cmp"
	"slices"
	"time"

	"github.com/branchready/branchready/result"
)

// Span returns the earliest and the latest start in rs (zero times when rs
// is empty). A chunk row keeps both so that a read of [from, to) finds it
// by its branch and first start <= to, last start >= from.
func Span(rs []result.Result) (first, last time.Time) {
	for i, r := range rs {
		if i == 0 || r.StartedAt.Before(first) {
			first = r.StartedAt
		}
		if i == 0 || r.StartedAt.After(last) {
			last = r.StartedAt
		}
	}
	return first, last
}

// ByDay splits rs into runs whose starts fall in one UTC day, in day order,
// so that a store partitioned by day keeps each chunk in one partition.
// Results keep their order within a day. The common batch, all in one day,
// comes back as rs itself.
func ByDay(rs []result.Result) [][]result.Result {
	if len(rs) == 0 {
		return nil
	}
	first, last := Span(rs)
	if day(first) == day(last) {
		return [][]result.Result{rs}
	}
	days := map[int64][]result.Result{}
	for _, r := range rs {
		d := day(r.StartedAt)
		days[d] = append(days[d], r)
	}
	keys := make([]int64, 0, len(days))
	for d := range days {
		keys = append(keys, d)
	}
	slices.Sort(keys)
	out := make([][]result.Result, 0, len(keys))
	for _, d := range keys {
		out = append(out, days[d])
	}
	return out
}

// day numbers t's UTC day (floored, so that 1969 is not day 0 too).
func day(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return d
}

// Compare orders results oldest first, ties by id (bytewise, as
// PostgreSQL's COLLATE "C" does): the order every store read returns.
func Compare(a, b result.Result) int {
	if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// Sort puts rs in Compare's order. Chunks are encoded in that order and
// read in the order they end, so a branch's results usually come sorted
// already and only chunks overlapping in time (a late batch from a spool)
// need the sort; the check for that is one pass.
func Sort(rs []result.Result) {
	if !slices.IsSortedFunc(rs, Compare) {
		slices.SortFunc(rs, Compare)
	}
}

// FirstCopies drops the later copies of an id repeated within rs (the first
// copy wins, as a unique id key made it before chunks): a store cannot
// tell copies apart once ingest moved their times differently. It returns
// rs itself when no id repeats.
func FirstCopies(rs []result.Result) []result.Result {
	dup := firstRepeat(rs)
	if dup < 0 {
		return rs // the usual batch: nothing to drop, nothing allocated
	}
	seen := make(map[string]struct{}, len(rs))
	for i := range rs[:dup] {
		seen[rs[i].ID] = struct{}{}
	}
	out := slices.Clone(rs[:dup])
	for i := dup; i < len(rs); i++ {
		if _, ok := seen[rs[i].ID]; ok {
			continue
		}
		seen[rs[i].ID] = struct{}{}
		out = append(out, rs[i])
	}
	return out
}

// smallBatch is the size up to which firstRepeat compares ids pairwise: an
// agent's request holds some 20 results, where a map costs more than the
// comparisons it saves.
const smallBatch = 32

// firstRepeat is the index of the first result whose id an earlier one
// has, -1 when none.
func firstRepeat(rs []result.Result) int {
	if len(rs) <= smallBatch {
		for i := 1; i < len(rs); i++ {
			for j := range i {
				if rs[j].ID == rs[i].ID {
					return i
				}
			}
		}
		return -1
	}
	seen := make(map[string]struct{}, len(rs))
	for i := range rs {
		if _, ok := seen[rs[i].ID]; ok {
			return i
		}
		seen[rs[i].ID] = struct{}{}
	}
	return -1
}
