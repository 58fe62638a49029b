package readiness

import (
	"fmt"
	"testing"

	"github.com/branchready/branchready/result"
)

// BenchmarkJudge20Checks times judging one branch of 5 devices x 4 checks
// from its wave: a failing sweep and a passing one (40 results), before
// and after the deadline (one state, or two). Run:
//
//	go test -run '^$' -bench Judge20Checks -count 5 ./collector/readiness
func BenchmarkJudge20Checks(b *testing.B) {
	d, cal := fixture(b)
	d.Calendar, d.Devices = cal.Spec(), nil
	var rs []result.Result
	for j := range 5 {
		dev := result.Device{ID: fmt.Sprintf("dev-%d", j), Kind: "atm", Criticality: result.Blocking}
		for k := range 4 {
			c := fmt.Sprintf("check-%d", k)
			dev.Checks = append(dev.Checks, result.CheckRef{Name: c, Kind: "tcp"})
			rs = append(rs, result.Result{ID: fmt.Sprintf("f%d%d", j, k), Device: dev.ID, Check: c, Status: result.StatusFail, StartedAt: at("08:05"), Reason: "down"},
				result.Result{ID: fmt.Sprintf("o%d%d", j, k), Device: dev.ID, Check: c, Status: result.StatusOK, StartedAt: at("08:20"), Reason: "ok"})
		}
		d.Devices = append(d.Devices, dev)
	}
	rs = inWindow(rs, at("07:00"), at("18:00")) // by time, as the store returns them
	for _, now := range []string{"08:30", "10:00"} {
		b.Run("at "+now, func(b *testing.B) {
			t := at(now)
			b.ReportAllocs()
			for range b.N {
				if _, err := Judge(d, cal, "2026-11-24", rs, t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
