package sla

import (
	"fmt"
	"testing"

	"github.com/branchready/branchready/collector/store"
)

var settings = Settings{OnTime: Objective{Desired: 0.9, Adequate: 0.8}, Availability: Objective{Desired: 0.99, Adequate: 0.95}}

// month builds day rows: north's n1 has 10 due days (9 ready, one late and
// one hour of 100 down); south's s1 4 ready, 1 unknown and a closed day;
// east's e1 2 ready, 1 ready_degraded, 1 not_ready.
func month() []store.SLADay {
	var ds []store.SLADay
	add := func(branch, region string, day int, verdict string, toReady *float64, up float64) {
		ds = append(ds, store.SLADay{Branch: branch, Region: region, Date: fmt.Sprintf("2026-03-%02d", day), Verdict: verdict,
			ToReadySeconds: toReady, DeviceSeconds: 36000, UpSeconds: up})
	}
	for d := 1; d <= 9; d++ {
		add("n1", "north", d, "ready", ptr(float64(-60*d)), 36000)
	}
	add("n1", "north", 10, "not_ready", ptr(1200), 32400)
	for d := 1; d <= 4; d++ {
		add("s1", "south", d, "ready", ptr(-60), 36000)
	}
	add("s1", "south", 5, "unknown", nil, 0)
	add("s1", "south", 6, "closed", nil, 0)
	add("e1", "east", 1, "ready", ptr(-60), 36000)
	add("e1", "east", 2, "ready", ptr(-60), 36000)
	add("e1", "east", 3, "ready_degraded", ptr(-60), 36000)
	add("e1", "east", 4, "not_ready", nil, 36000)
	add("e1", "east", 31, "ready", ptr(-60), 36000) // outside the queried range
	return ds
}

func TestBuildOnTime(t *testing.T) {
	tests := []struct {
		name          string
		group         GroupBy
		countDegraded bool
		row           string
		due, on, unk  int
		zone          Zone
		budget        Budget
	}{
		{"a region exactly at desired (9 of 10) is above desired with one late day left", ByRegion, false, "north", 10, 9, 0, AboveDesired,
			Budget{Allowed: 2, Used: 1, Left: 1, BurnRate: 0.5}},
		{"a region exactly at adequate (4 of 5) is tolerated with no late day left; its closed day is not due", ByRegion, false, "south", 5, 4, 1, Tolerated,
			Budget{Allowed: 1, Used: 1, Left: 0, BurnRate: 1}},
		{"a ready_degraded day is late unless configured otherwise", ByRegion, false, "east", 4, 2, 0, Breach,
			Budget{Allowed: 0, Used: 2, Left: -2, BurnRate: 2.5}},
		{"a ready_degraded day counts as on time when configured", ByRegion, true, "east", 4, 3, 0, Breach,
			Budget{Allowed: 0, Used: 1, Left: -1, BurnRate: 1.25}},
		{"the bank sums every branch: 15 of 19", ByBank, false, "bank", 19, 15, 1, Breach,
			Budget{Allowed: 3, Used: 4, Left: -1, BurnRate: (4.0 / 19) / 0.2}},
		{"a branch row is the branch's own days", ByBranch, false, "s1", 5, 4, 1, Tolerated,
			Budget{Allowed: 1, Used: 1, Left: 0, BurnRate: 1}},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			s := settings
			s.CountDegraded = c.countDegraded
			rep := Build(Query{From: "2026-03-01", To: "2026-03-30", GroupBy: c.group, Period: Whole}, s, month(), nil)
			row := find(t, rep, "2026-03-01..2026-03-30", c.row)
			o := row.OnTime
			if o.DueDays != c.due || o.OnTimeDays != c.on || o.LateDays != c.due-c.on || o.UnknownDays != c.unk {
				t.Fatalf("due %d, on time %d, late %d, unknown %d; want %d, %d, %d, %d", o.DueDays, o.OnTimeDays, o.LateDays, o.UnknownDays, c.due, c.on, c.due-c.on, c.unk)
			}
			if o.Zone != c.zone || roundBudget(o.Budget) != roundBudget(c.budget) {
				t.Fatalf("zone %s, budget %+v; want %s, %+v", o.Zone, o.Budget, c.zone, c.budget)
			}
		})
	}
}

func TestBuildTimeToReadyAndAvailability(t *testing.T) {
	rep := Build(Query{From: "2026-03-01", To: "2026-03-30", GroupBy: ByBranch, Period: Whole}, settings, month(), nil)
	n1 := find(t, rep, "2026-03-01..2026-03-30", "n1")
	// Sorted: -540 -480 -420 -360 -300 -240 -180 -120 -60 1200; nearest rank.
	if *n1.OnTime.ToReadyP50Seconds != -300 || *n1.OnTime.ToReadyP90Seconds != -60 {
		t.Errorf("n1 time to ready p50 %v, p90 %v; want -300, -60", *n1.OnTime.ToReadyP50Seconds, *n1.OnTime.ToReadyP90Seconds)
	}
	a := n1.Availability
	if a.DeviceHours != 100 || a.DownHours != 1 || *a.Ratio != 0.99 || a.Zone != AboveDesired {
		t.Errorf("n1 availability %+v (ratio %v); want 100 h, 1 h down, 0.99 exactly desired", a, *a.Ratio)
	}
	if a.Budget != (Budget{Allowed: 5, Used: 1, Left: 4, BurnRate: 0.2}) {
		t.Errorf("n1 availability budget %+v, want 5 h allowed, 1 used, 4 left, burn 0.2", a.Budget)
	}
	s1 := find(t, rep, "2026-03-01..2026-03-30", "s1")
	if s1.OnTime.NeverReadyDays != 1 || s1.Availability.DownHours != 10 || s1.Availability.Zone != Breach {
		t.Errorf("s1: the unknown day is never ready and all down: %+v %+v", s1.OnTime, s1.Availability)
	}
}

func TestBuildPeriodsFollowTheLocalCalendar(t *testing.T) {
	days := []store.SLADay{
		{Branch: "ny", Date: "2026-03-01", Verdict: "ready"}, // a Sunday: ISO week 9
		{Branch: "ny", Date: "2026-03-02", Verdict: "not_ready"},
		{Branch: "syd", Date: "2026-03-31", Verdict: "ready"},
		{Branch: "syd", Date: "2026-04-01", Verdict: "ready"},
	}
	for _, c := range []struct {
		period Period
		want   map[string]int // period -> due days
	}{
		{Day, map[string]int{"2026-03-01": 1, "2026-03-02": 1, "2026-03-31": 1, "2026-04-01": 1}},
		{Week, map[string]int{"2026-W09": 1, "2026-W10": 1, "2026-W14": 2}},
		{Month, map[string]int{"2026-03": 3, "2026-04": 1}},
	} {
		t.Run("by "+string(c.period), func(t *testing.T) {
			rep := Build(Query{From: "2026-03-01", To: "2026-04-30", GroupBy: ByBank, Period: c.period}, settings, days, nil)
			got := map[string]int{}
			for _, r := range rep.Rows {
				got[r.Period] = r.OnTime.DueDays
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("due days per period %v, want %v", got, c.want)
			}
		})
	}
}

func TestBuildDeviceGroupings(t *testing.T) {
	devs := []store.SLADevice{
		{Branch: "b1", Date: "2026-03-02", Device: "atm-01", Kind: "atm", Vendor: "NCR", Model: "SelfServ 84", BusinessSeconds: 28800, UpSeconds: 21600, Failures: 2, Repairs: 2, RepairSeconds: 3600, Blamed: true},
		{Branch: "b2", Date: "2026-03-02", Device: "atm-01", Kind: "atm", Vendor: "NCR", Model: "SelfServ 84", BusinessSeconds: 28800, UpSeconds: 28800},
		{Branch: "b2", Date: "2026-03-02", Device: "atm-02", Kind: "atm", Vendor: "Diebold", Model: "DN200", BusinessSeconds: 28800, UpSeconds: 28512, Failures: 1},
		{Branch: "b2", Date: "2026-03-02", Device: "pc-01", Kind: "banking_pc", BusinessSeconds: 28800, UpSeconds: 28800},
	}
	rep := Build(Query{From: "2026-03-01", To: "2026-03-31", GroupBy: ByModel, Period: Whole}, settings, nil, devs)
	ncr := find(t, rep, "2026-03-01..2026-03-31", "NCR SelfServ 84")
	if *ncr.Availability.Ratio != 0.875 || ncr.Failures != 2 || *ncr.MTTRSeconds != 1800 || ncr.BlockedDays != 1 || ncr.OnTime != nil {
		t.Fatalf("NCR SelfServ 84: %+v %+v; want 87.5%%, 2 failures, MTTR 30 min, 1 blocked day, no on-time section", ncr, *ncr.Availability)
	}
	if _ = find(t, rep, "2026-03-01..2026-03-31", "(none) (none)"); len(rep.Rows) != 3 {
		t.Fatalf("%d model rows, want 3", len(rep.Rows))
	}
	worst := Worst(Build(Query{From: "2026-03-01", To: "2026-03-31", GroupBy: ByDevice, Period: Whole}, settings, nil, devs).Rows, 2)
	if len(worst) != 2 || worst[0].Group != "b1/atm-01" || worst[1].Group != "b2/atm-02" {
		t.Fatalf("worst devices %v, want b1/atm-01 then b2/atm-02", groups(worst))
	}
}

func TestToReadyDistribution(t *testing.T) {
	b := ToReady(month(), "2026-03-01", "2026-03-30")
	got := map[string]int{}
	for _, x := range b {
		got[x.Label] = x.Days
	}
	// Upper bounds are inclusive. n1: -300..-540 in -15..-5 (5), -60..-240 in
	// -5..0 (4), 1200 in 15..60; s1: four -60, one never; e1: three -60
	// (ready_degraded became ready too), one never; e1's 31st is outside.
	want := map[string]int{"≤ -30": 0, "-30..-15": 0, "-15..-5": 5, "-5..0": 11, "0..5": 0, "5..15": 0, "15..60": 1, "> 60": 0, "never": 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("distribution %v, want %v", got, want)
	}
}

func find(t *testing.T, rep Report, period, group string) Row {
	t.Helper()
	for _, r := range rep.Rows {
		if r.Period == period && r.Group == group {
			return r
		}
	}
	t.Fatalf("no row %s %s in %v", period, group, groups(rep.Rows))
	return Row{}
}

func groups(rs []Row) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Period+" "+r.Group)
	}
	return out
}
