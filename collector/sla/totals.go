package sla

import (
	"strings"

	"github.com/branchready/branchready/collector/store"
)

// totalsDim is the second-level rollup dimension a grouping reads, "" for
// groupings that need per-branch rows (branch, device).
func totalsDim(g GroupBy) string {
	switch g {
	case ByBank:
		return store.DimBank
	case ByRegion:
		return store.DimRegion
	case ByDeviceKind:
		return store.DimKind
	case ByVendor:
		return store.DimVendor
	case ByModel:
		return store.DimModel
	}
	return ""
}

// BuildTotals aggregates second-level rollups (store.SLATotal, of the
// dimension q.GroupBy reads, within q's dates) into a report. It gives the
// same report as Build over the rows the totals sum.
func BuildTotals(q Query, s Settings, ts []store.SLATotal) Report {
	m := accs{}
	for _, t := range ts {
		a := m.get(q, t.Date, totalGroup(q.GroupBy, t.Group))
		if !q.GroupBy.DeviceGrouping() {
			a.due += t.Due
			a.onTime += t.Ready
			if s.CountDegraded {
				a.onTime += t.Degraded
			}
			a.unknown += t.Unknown
			a.never += t.Never
			for k, n := range t.ToReady {
				a.toReady[k] += n
			}
		}
		a.devMS += t.DeviceMS
		a.upMS += t.UpMS
		a.repairMS += t.RepairMS
		a.failures += t.Failures
		a.repairs += t.Repairs
		a.blocked += t.Blamed
	}
	return m.report(q, s)
}

// totalGroup names a totals group as Build names the rows' group.
func totalGroup(g GroupBy, group string) string {
	switch g {
	case ByBank:
		return "bank"
	case ByModel:
		vendor, model, _ := strings.Cut(group, store.ModelSep)
		return orNone(vendor) + " " + orNone(model)
	}
	return orNone(group)
}
