package xfs4iot

import (
	"sort"
	"strings"

	"github.com/branchready/branchready/checks"
)

// verdict combines the services' reports into one outcome:
// "ATM 2: cash dispenser online, cassette 3 (EUR 20) low".
func (c *Check) verdict(reports []report) checks.Outcome {
	worst := fine
	for _, r := range reports {
		worst = max(worst, r.worst())
	}
	if worst == fine {
		var names []string
		for _, r := range reports {
			names = append(names, r.name)
		}
		return checks.OK("%s: all %d services online (%s)", c.label, len(reports), strings.Join(names, ", "))
	}
	bad := make([]report, 0, len(reports))
	for _, r := range reports {
		if r.worst() > fine {
			bad = append(bad, r)
		}
	}
	sort.SliceStable(bad, func(i, j int) bool { return bad[i].worst() > bad[j].worst() })
	phrases := make([]string, len(bad))
	for i, r := range bad {
		phrases[i] = r.phrase()
	}
	if worst == failed {
		return checks.Fail("%s: %s", c.label, strings.Join(phrases, "; "))
	}
	return checks.Degraded("%s: %s", c.label, strings.Join(phrases, "; "))
}

// phrase is "cash dispenser online, cassette 3 (EUR 20) low".
func (r report) phrase() string {
	parts := []string{r.name + " " + r.state}
	for _, f := range r.findings {
		if f.text != "" && f.sev > fine {
			parts = append(parts, f.text)
		}
	}
	return strings.Join(parts, ", ")
}
