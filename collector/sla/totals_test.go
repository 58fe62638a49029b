package sla

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// seedRollups writes n branches × March of varied rollups, then re-rolls a
// third of them (new verdicts, devices gone), as the roller would.
func seedRollups(t testing.TB, s store.SLA, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	verdicts := []string{"ready", "ready", "ready", "ready_degraded", "not_ready", "unknown", "closed"}
	models := [][2]string{{"NCR", "SelfServ 84"}, {"NCR", "SelfServ 22"}, {"Diebold", "DN200"}, {"", "PC-7"}, {"Glory", ""}}
	day := func(i, d int) store.SLARollup {
		br := fmt.Sprintf("br-%03d", i)
		region := []string{"north", "south", "east", ""}[i%4]
		date := time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		r := store.SLARollup{Day: store.SLADay{Branch: br, Region: region, Date: date, Verdict: verdicts[rng.IntN(len(verdicts))],
			Failures: rng.IntN(3), Repairs: rng.IntN(2), RepairSeconds: rng.Float64() * 900}}
		if rng.IntN(5) > 0 {
			v := (rng.Float64() - 0.7) * 3600
			r.Day.ToReadySeconds = &v
		}
		for k := range 1 + rng.IntN(4) {
			m := models[rng.IntN(len(models))]
			bus := 28800 + rng.Float64()*100
			v := store.SLADevice{Branch: br, Region: region, Date: date, Device: fmt.Sprintf("dev-%d", k), Kind: []string{"atm", "pc", ""}[k%3],
				Vendor: m[0], Model: m[1], BusinessSeconds: bus, UpSeconds: bus - rng.Float64()*3600, Failures: rng.IntN(2),
				Repairs: rng.IntN(2), RepairSeconds: rng.Float64() * 600, Blamed: rng.IntN(4) == 0}
			r.Devices = append(r.Devices, v)
			r.Day.DeviceSeconds += v.BusinessSeconds
			r.Day.UpSeconds += v.UpSeconds
		}
		return r
	}
	var batch []store.SLARollup
	for i := range n {
		for d := -5; d <= 36; d++ { // late February to early April
			batch = append(batch, day(i, d))
		}
	}
	if err := s.PutSLARollups(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	batch = batch[:0]
	for i := 0; i < n; i += 3 {
		for d := -5; d <= 36; d += 2 {
			batch = append(batch, day(i, d))
		}
	}
	if err := s.PutSLARollups(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
}

func TestReportsFromTotalsEqualReportsFromRows(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	seedRollups(t, s, 24)
	for _, degraded := range []bool{false, true} {
		r := Reports{Store: s, Settings: Settings{OnTime: Objective{Desired: 0.98, Adequate: 0.95}, Availability: Objective{Desired: 0.995, Adequate: 0.98}, CountDegraded: degraded}}
		for _, g := range []GroupBy{ByBank, ByRegion, ByBranch, ByDeviceKind, ByVendor, ByModel} {
			for _, p := range Periods {
				for _, rng := range [][2]string{{"2026-02-03", "2026-04-29"}, {"2026-03-01", "2026-03-31"}, {"2026-03-02", "2026-03-30"}} {
					t.Run(fmt.Sprintf("group_by=%s period=%s %s..%s degraded on time=%v reads the same from the totals as from the rows", g, p, rng[0], rng[1], degraded), func(t *testing.T) {
						q := Query{From: rng[0], To: rng[1], GroupBy: g, Period: p}
						fast, err := r.Report(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						q.AsOf = Latest
						slow, err := r.RowsReport(ctx, q)
						if err != nil {
							t.Fatal(err)
						}
						if len(fast.Rows) == 0 {
							t.Fatal("no rows")
						}
						if !reflect.DeepEqual(fast, slow) {
							t.Fatalf("from the totals:\n%+v\nfrom the rows:\n%+v", fast, slow)
						}
					})
				}
			}
		}
	}
}

func TestHistogramPercentileIsTheNearestRank(t *testing.T) {
	tests := []struct {
		name string
		h    store.Histogram
		p    float64
		want *float64
	}{
		{"an empty histogram has no percentile", store.Histogram{}, 0.5, nil},
		{"the median of four is the second", store.Histogram{-60: 1, 0: 1, 30: 1, 90: 1}, 0.5, ptr(0)},
		{"p90 of ten counts reaches into the ninth", store.Histogram{-10: 8, 5: 1, 700: 1}, 0.9, ptr(5)},
		{"p90 of a single bucket is that bucket", store.Histogram{42: 3}, 0.9, ptr(42)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := HistogramPercentile(tc.h, tc.p)
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Fatalf("HistogramPercentile = %v, want %v", deref(got), deref(tc.want))
			}
		})
	}
}

func TestWholeMonthsInARange(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, first, last string
		ok                          bool
	}{
		{"a calendar month is one whole month", "2026-03-01", "2026-03-31", "2026-03-01", "2026-03-01", true},
		{"a range from the 3rd of one month to the 29th of the next but one holds the month between", "2026-02-03", "2026-04-29", "2026-03-01", "2026-03-01", true},
		{"a range ending on 28 February 2026 includes February", "2026-01-15", "2026-02-28", "2026-02-01", "2026-02-01", true},
		{"a range inside one month holds no whole month", "2026-03-02", "2026-03-30", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, last, ok := wholeMonths(tc.from, tc.to)
			if ok != tc.ok || ok && (first.Format(time.DateOnly) != tc.first || last.Format(time.DateOnly) != tc.last) {
				t.Fatalf("wholeMonths = %v %v %v, want %s %s %v", first, last, ok, tc.first, tc.last, tc.ok)
			}
		})
	}
}
