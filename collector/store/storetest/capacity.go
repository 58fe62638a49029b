package storetest

import (
	"fmt"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// The capacity measurements (docs/capacity.md) store these rows in each
// store and divide the space they take by their number. They look like a
// real wave: time-ordered ids as agents make them, branch ids like a
// bank's, a reason and one observation per result; rollups of branches
// with 20 devices in 5 regions, 4 kinds, 3 vendors.

// CapacityResults returns one sweep's results of branches first..first+n-1,
// each with devices results, started at start.
func CapacityResults(start time.Time, first, n, devices int) []result.Result {
	kinds := []string{"tcp", "http", "snmp", "serial"}
	rs := make([]result.Result, 0, n*devices)
	for b := first; b < first+n; b++ {
		for d := range devices {
			status, reason := result.StatusOK, fmt.Sprintf("connected in %dms", 3+(b+d)%40)
			if (b+d)%17 == 0 {
				status, reason = result.StatusFail, "connection refused (is the device on and its service running?)"
			}
			rs = append(rs, result.Result{ID: result.NewID(), Branch: fmt.Sprintf("branch-%05d", b),
				Device: fmt.Sprintf("%s-%02d", []string{"atm", "kiosk", "pc", "printer"}[d%4], d), Check: "reachable",
				Kind: kinds[d%4], Status: status, StartedAt: start.Add(time.Duration(d) * 37 * time.Millisecond),
				DurationMS: float64(3 + (b+d)%40), Reason: reason,
				Observations: map[string]float64{"latency_seconds": float64(3+(b+d)%40) / 1000},
				Sweep:        "pre-opening-" + start.Format("1504"), AgentVersion: "1.4.2"})
		}
	}
	return rs
}

// CapacityRollups returns the rollups of branches first..first+n-1, each
// with devices devices, for one date.
func CapacityRollups(date string, first, n, devices int) []store.SLARollup {
	deadline, _ := time.Parse(time.DateOnly, date)
	deadline = deadline.Add(8*time.Hour + 45*time.Minute)
	out := make([]store.SLARollup, 0, n)
	for b := first; b < first+n; b++ {
		branch, region := fmt.Sprintf("branch-%05d", b), fmt.Sprintf("region-%d", b%5)
		toReady := -float64(60 * (b % 50))
		up := store.SLARollup{Day: store.SLADay{Branch: branch, Region: region, Date: date, Verdict: "ready", Deadline: deadline,
			ToReadySeconds: &toReady, DeviceSeconds: 28800 * float64(devices), UpSeconds: 28800*float64(devices) - float64(b%900),
			Failures: b % 3, Repairs: b % 3, RepairSeconds: float64(b % 900), RolledAt: deadline.Add(9 * time.Hour)}}
		for d := range devices {
			up.Devices = append(up.Devices, store.SLADevice{Branch: branch, Region: region, Date: date,
				Device: fmt.Sprintf("%s-%02d", []string{"atm", "kiosk", "pc", "printer"}[d%4], d),
				Kind:   []string{"atm", "kiosk", "banking_pc", "printer"}[d%4], Vendor: []string{"NCR", "Diebold", "HP"}[d%3],
				Model: fmt.Sprintf("model-%d", d%6), BusinessSeconds: 28800, UpSeconds: 28800 - float64((b+d)%60), Failures: (b + d) % 2,
				Repairs: (b + d) % 2, RepairSeconds: float64((b + d) % 60)})
		}
		out = append(out, up)
	}
	return out
}
