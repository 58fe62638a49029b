package readiness

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/branchready/branchready/result"
)

// Merging a batch into what is held of its branch (see Handed), in store
// order: by event time, ties by id.

// later reports whether every one of rs comes after everything held (in
// store order): an agent's next sweep, which is most batches.
func later(held heldSet, rs []result.Result) bool {
	n := held.len()
	if n == 0 {
		return true
	}
	for _, r := range rs {
		if held.cmpAt(n-1, r) >= 0 {
			return false
		}
	}
	return true
}

// appendLater is mergeHeld for a batch that is later (see later): what
// compact copies of it is appended to held and put in store order there,
// without the copy mergeHeld makes and without looking anything up in
// held. Readers judging from held see only up to its length, which
// nothing here changes. ok is false when a result does not fit the
// packed form (see heldSet.add): the branch is then let go.
func appendLater(held heldSet, rs []result.Result, lo, hi time.Time) (_ heldSet, ok bool) {
	n := held.len()
	held.reserve(rs)
	held.ps = slices.Grow(held.ps, len(rs))
	for _, r := range rs {
		if (hi.IsZero() || within(r.StartedAt, lo, hi)) && !held.add(r) {
			return held, false
		}
	}
	tail := held.ps[n:]
	order := func(a, b packed) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		return strings.Compare(held.str(a.id, a.idLen), held.str(b.id, b.idLen))
	}
	if !slices.IsSortedFunc(tail, order) {
		slices.SortFunc(tail, order)
	}
	same := func(a, b packed) bool { return a.at == b.at && held.str(a.id, a.idLen) == held.str(b.id, b.idLen) }
	held.ps = held.ps[:n+len(slices.CompactFunc(tail, same))]
	return held, true
}

// mergeHeld is merge into what a branch holds: held with add's results
// it does not hold (add in any order, as compact copies them), keeping
// held's version of an id it holds, as merge would. Results later than
// all held are appended (readers see only up to the old length); any
// other makes a new list of results, over the same arena. ok is false
// when a result does not fit the packed form.
func mergeHeld(held heldSet, add []result.Result) (_ heldSet, ok bool) {
	if !slices.IsSortedFunc(add, byTimeID) {
		slices.SortFunc(add, byTimeID)
	}
	add = slices.CompactFunc(add, sameResult)
	if len(add) == 0 {
		return held, true
	}
	n := held.len()
	if n > 0 {
		if held.cmpAt(n-1, add[0]) >= 0 {
			add = slices.DeleteFunc(add, func(r result.Result) bool { _, found := held.search(r); return found })
			if len(add) == 0 {
				return held, true
			}
		}
		if held.cmpAt(n-1, add[0]) >= 0 {
			return interleave(held, add)
		}
	}
	held.reserve(add)
	held.ps = slices.Grow(held.ps, len(add))
	for _, r := range add {
		if !held.add(r) {
			return held, false
		}
	}
	return held, true
}

// interleave is held with add (store order, none held) put in their
// places, in a new list of results.
func interleave(held heldSet, add []result.Result) (heldSet, bool) {
	out := held
	out.ps = make([]packed, 0, held.len()+len(add))
	i, j := 0, 0
	for i < held.len() && j < len(add) {
		if held.cmpAt(i, add[j]) <= 0 {
			out.ps = append(out.ps, held.ps[i])
			i++
			continue
		}
		if !out.add(add[j]) {
			return out, false
		}
		j++
	}
	out.ps = append(out.ps, held.ps[i:]...)
	for ; j < len(add); j++ {
		if !out.add(add[j]) {
			return out, false
		}
	}
	return out, true
}

// byTimeID is the store's order: by event time, ties by id.
func byTimeID(a, b result.Result) int {
	if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// sameResult reports whether a and b are one result: its id at its time.
func sameResult(a, b result.Result) bool { return a.ID == b.ID && a.StartedAt.Equal(b.StartedAt) }

// has reports whether rs (in store order) holds r: its id at its time.
func has(rs []result.Result, r result.Result) bool {
	_, found := slices.BinarySearchFunc(rs, r, byTimeID)
	return found
}

// merge returns held (store order) with add's results it does not hold,
// keeping held's version of an id it holds. Readers may be judging from
// held meanwhile: it is never changed below its length, so results later
// than all it holds are appended and any other makes a new slice.
//
// An agent ships a sweep's results in time order, after those it shipped
// before: such a batch is neither sorted nor looked up in held, which was
// most of what handing a batch in cost.
func merge(held, add []result.Result) []result.Result {
	if !slices.IsSortedFunc(add, byTimeID) {
		slices.SortFunc(add, byTimeID)
	}
	add = slices.CompactFunc(add, sameResult)
	if len(add) == 0 {
		return held
	}
	if len(held) == 0 || byTimeID(held[len(held)-1], add[0]) < 0 {
		return append(held, add...) // all later than any held: none is held
	}
	add = slices.DeleteFunc(add, func(r result.Result) bool { return has(held, r) })
	if len(add) == 0 {
		return held
	}
	if byTimeID(held[len(held)-1], add[0]) < 0 {
		return append(held, add...)
	}
	out := make([]result.Result, 0, len(held)+len(add))
	i, j := 0, 0
	for i < len(held) && j < len(add) {
		if byTimeID(held[i], add[j]) <= 0 {
			out = append(out, held[i])
			i++
		} else {
			out = append(out, add[j])
			j++
		}
	}
	out = append(out, held[i:]...)
	return append(out, add[j:]...)
}
