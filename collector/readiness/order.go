package readiness

import (
	"slices"
	"strings"
)

// boardKey compares two statuses in board order: by Attention, then by id.
func boardKey(a, b *BranchStatus) int {
	if ra, rb := rankOf(a.Judgement.Verdict), rankOf(b.Judgement.Verdict); ra != rb {
		return int(ra) - int(rb)
	}
	return strings.Compare(a.ID, b.ID)
}

// reorder is old (in board order) without the statuses gone and with those
// of came in their places: a refresh that judged a few branches again
// moves those, and copies the rest of the board as it was instead of
// ordering every branch again. gone are statuses of old (pointers into
// it); a branch of came may be one of gone judged again.
func reorder(old, gone, came []*BranchStatus) []*BranchStatus {
	if len(gone) == 0 && len(came) == 0 {
		return old
	}
	drop := make([]int, 0, len(gone))
	for _, g := range gone {
		if i, ok := slices.BinarySearchFunc(old, g, boardKey); ok && old[i] == g {
			drop = append(drop, i)
		}
	}
	slices.Sort(drop)
	came = slices.SortedFunc(slices.Values(came), boardKey)
	out := make([]*BranchStatus, 0, len(old)-len(drop)+len(came))
	i, d := 0, 0 // next of old to copy, next of drop
	for _, c := range came {
		at, _ := slices.BinarySearchFunc(old, c, boardKey)
		i, d = copyKeeping(&out, old, i, at, drop, d)
		out = append(out, c)
	}
	copyKeeping(&out, old, i, len(old), drop, d)
	return out
}

// copyKeeping appends old[from:to] to out but for the indexes of drop
// (sorted, from its index d on), and returns the next index of old and of
// drop.
func copyKeeping(out *[]*BranchStatus, old []*BranchStatus, from, to int, drop []int, d int) (int, int) {
	if to < from {
		return from, d
	}
	for d < len(drop) && drop[d] < to {
		if drop[d] >= from {
			*out = append(*out, old[from:drop[d]]...)
			from = drop[d] + 1
		}
		d++
	}
	*out = append(*out, old[from:to]...)
	return to, d
}
