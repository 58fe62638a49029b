package sla

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store/sqlite"

	"github.com/branchready/branchready/collector/store"
)

// BenchmarkSLAMonth measures a month's report for 20,000 branches from
// rollups in SQLite: 20,000 branches in 50 regions, 22 due days each
// (440,000 day rows) and 4 devices per branch-day (1,760,000 device rows),
// seeded directly (the store keeps the second-level totals as it writes).
// The bank, region and model reports read the totals (days × groups rows);
// the branch report reads the day rows. See BENCHMARKS.md for the figures.
func BenchmarkSLAMonth(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b)
	reports := Reports{Store: s, Settings: Settings{OnTime: Objective{Desired: 0.98, Adequate: 0.95}, Availability: Objective{Desired: 0.995, Adequate: 0.98}}}
	for _, g := range []GroupBy{ByBank, ByRegion, ByModel, ByBranch} {
		b.Run("group_by="+string(g), func(b *testing.B) {
			for b.Loop() {
				rep, err := reports.Report(ctx, Query{From: "2026-03-01", To: "2026-03-31", GroupBy: g, Period: Whole})
				if err != nil || len(rep.Rows) == 0 {
					b.Fatalf("report: %d rows, %v", len(rep.Rows), err)
				}
			}
		})
	}
}

// benched keeps the seeded store across -count runs of the benchmark, so
// that several samples (for a median) cost one seeding.
var benched struct {
	once  sync.Once
	dir   string
	store *sqlite.Store
	err   error
}

// TestMain removes the benchmark's store when the package's tests end.
func TestMain(m *testing.M) {
	code := m.Run()
	if benched.store != nil {
		benched.store.Close()
	}
	if benched.dir != "" {
		os.RemoveAll(benched.dir)
	}
	os.Exit(code)
}

func benchStore(b *testing.B) *sqlite.Store {
	benched.once.Do(func() {
		dir, err := os.MkdirTemp("", "slabench")
		benched.dir = dir
		if err != nil {
			benched.err = err
			return
		}
		s, err := sqlite.Open(context.Background(), filepath.Join(dir, "sla.db"), nil)
		if err == nil {
			err = seedMonth(s)
		}
		benched.store, benched.err = s, err
	})
	if benched.err != nil {
		b.Fatal(benched.err)
	}
	return benched.store
}

func seedMonth(s *sqlite.Store) error {
	const branches, devicesPer = 20000, 4
	ctx := context.Background()
	models := []string{"SelfServ 84", "SelfServ 22", "DN200", "CS 5550", "PC-7"}
	var batch []store.SLARollup
	for i := range branches {
		region := fmt.Sprintf("region-%02d", i%50)
		for d := 1; d <= 31; d++ {
			date := fmt.Sprintf("2026-03-%02d", d)
			if wd := time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC).Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			toReady := float64((i*7+d*13)%3600 - 2400)
			verdict := "ready"
			if toReady > 0 {
				verdict = "not_ready"
			}
			up := store.SLARollup{Day: store.SLADay{Branch: fmt.Sprintf("br-%05d", i), Region: region, Date: date, Verdict: verdict,
				ToReadySeconds: &toReady, DeviceSeconds: devicesPer * 28800, UpSeconds: devicesPer*28800 - float64((i+d)%900), Failures: (i + d) % 3}}
			for k := range devicesPer {
				m := models[(i+k)%len(models)]
				up.Devices = append(up.Devices, store.SLADevice{Branch: up.Day.Branch, Region: region, Date: date, Device: fmt.Sprintf("atm-%02d", k),
					Kind: "atm", Vendor: "V" + m[:2], Model: m, BusinessSeconds: 28800, UpSeconds: 28800 - float64((i+d+k)%300), Failures: (i + k) % 2})
			}
			batch = append(batch, up)
			if len(batch) == 2000 {
				if err := s.PutSLARollups(ctx, batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
	}
	return s.PutSLARollups(ctx, batch)
}
