package spool

import (
	"errors"
	"syscall"

	"github.com/branchready/branchready/result"
)

// maxHeld bounds the results held in memory: one per check, and a branch
// has at most a few hundred.
const maxHeld = 10_000

// heldResults are the results a full disk refused: the latest of each
// check, written before anything else by the next Put. lost counts, by
// reason, the results that will never be written, until a write persists
// the counts.
type heldResults struct {
	byCheck map[[2]string]heldResult
	order   [][2]string
	lost    map[string]uint64
}

type heldResult struct {
	r    result.Result
	prio Priority
}

// with returns the held results followed by rs, with their priorities.
func (h *heldResults) with(rs []result.Result, prio []Priority) ([]result.Result, []Priority) {
	if len(h.byCheck) == 0 {
		return rs, prio
	}
	all := make([]result.Result, 0, len(h.byCheck)+len(rs))
	allPrio := make([]Priority, 0, cap(all))
	for _, k := range h.order {
		all = append(all, h.byCheck[k].r)
		allPrio = append(allPrio, h.byCheck[k].prio)
	}
	for i, r := range rs {
		all = append(all, r)
		p := PriorityNormal
		if i < len(prio) {
			p = prio[i]
		}
		allPrio = append(allPrio, p)
	}
	return all, allPrio
}

// keep holds the latest result of each check of rs (held ones first, so
// later ones replace them) and counts the rest as lost for reason.
func (h *heldResults) keep(rs []result.Result, prio []Priority, reason string) (lost uint64) {
	byCheck := make(map[[2]string]heldResult, len(rs))
	var order [][2]string
	for i, r := range rs {
		k := [2]string{r.Device, r.Check}
		if _, ok := byCheck[k]; ok {
			lost++
		} else if len(byCheck) >= maxHeld {
			lost++
			continue
		} else {
			order = append(order, k)
		}
		p := PriorityNormal
		if i < len(prio) {
			p = prio[i]
		}
		byCheck[k] = heldResult{r, p}
	}
	h.byCheck, h.order = byCheck, order
	if lost > 0 {
		if h.lost == nil {
			h.lost = map[string]uint64{}
		}
		h.lost[reason] += lost
	}
	return lost
}

func (h *heldResults) reset() {
	h.byCheck, h.order, h.lost = nil, nil, nil
}

// writeFailure names the reason a write failed: a full disk (or quota, or
// file size limit), or anything else.
func writeFailure(err error) string {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG) {
		return ReasonDiskFull
	}
	return ReasonWriteError
}
