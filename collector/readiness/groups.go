package readiness

import "github.com/branchready/branchready/result"

// GroupState is a quorum group at the judged moment: how many of its
// members pass against the minimum it needs.
type GroupState struct {
	Name        string             `json:"name"`
	Criticality result.Criticality `json:"criticality"`
	Min         int                `json:"min"`
	Members     []string           `json:"members"`
	// Passing lists the members whose every check passes.
	Passing []string `json:"passing"`
	// Satisfied is true when at least Min members pass: the failures of the
	// others then keep nothing from ready.
	Satisfied bool `json:"satisfied"`
}

// groupStates judges every group of the descriptor from the evaluator's
// items. A member passes when it has a result for every check and each
// passes; a member with no result yet does not.
func (e *evaluator) groupStates() []GroupState {
	if len(e.groups) == 0 {
		return nil
	}
	passing := map[string]bool{}
	skip := e.excluded(e.now)
	for _, it := range e.items {
		p, seen := passing[it.Device]
		passing[it.Device] = (p || !seen) && !it.Missing && it.Status.Passing()
	}
	out := make([]GroupState, 0, len(e.groups))
	for _, g := range e.groups {
		gs := GroupState{Name: g.Name, Criticality: g.Criticality, Min: g.Min, Members: g.Devices, Passing: []string{}}
		away := 0
		for _, m := range g.Devices {
			switch {
			case skip[m]:
				away++
			case passing[m]:
				gs.Passing = append(gs.Passing, m)
			}
		}
		// Members in maintenance are not judged: the group needs no more
		// than the members left can give.
		gs.Satisfied = len(gs.Passing) >= min(g.Min, len(g.Devices)-away)
		out = append(out, gs)
	}
	return out
}

// satisfied returns the names of the groups that meet their minimum (nil
// when none does: most branches have no group, and this runs per result).
func satisfied(gs []GroupState) map[string]bool {
	var out map[string]bool
	for _, g := range gs {
		if g.Satisfied {
			if out == nil {
				out = map[string]bool{}
			}
			out[g.Name] = true
		}
	}
	return out
}

// blocked reports whether a blocking item fails, leaving out the members
// of groups that meet their minimum.
func (e *evaluator) blocked() bool {
	if len(e.groups) == 0 && len(e.maint) == 0 {
		return e.failing > 0
	}
	sat := satisfied(e.groupStates())
	skip := e.excluded(e.now)
	for _, it := range e.items {
		if (it.Group != "" && sat[it.Group]) || skip[it.Device] {
			continue
		}
		if it.Criticality == result.Blocking && !it.Status.Passing() {
			return true
		}
	}
	return false
}
