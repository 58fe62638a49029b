package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/sla"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// testSLAReportWithoutResults: a month's SLA report reads the rollups
// only, so it is the same once the month's raw results are gone (the
// retention keeps them 30 days, the rollups years). Every grouping, by
// month and as at the deadline.
func testSLAReportWithoutResults(t *testing.T, open Opener) {
	ctx := context.Background()
	s := opened(t, open)
	src, ok := s.(sla.Source)
	if !ok {
		t.Fatal("the store does not implement sla.Source")
	}
	d := &result.Descriptor{Name: "Main Street", Region: "east", Devices: []result.Device{
		{ID: "atm-01", Kind: "atm", Vendor: "NCR", Model: "SelfServ 84", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}},
		{ID: "pc-01", Kind: "banking_pc", Criticality: result.Degrading, Checks: []result.CheckRef{{Name: "login", Kind: "http"}}},
	}, Calendar: calendar.Spec{Timezone: "UTC", Hours: calendar.Week{Mon: "09:00-17:00", Tue: "09:00-17:00", Wed: "09:00-17:00",
		Thu: "09:00-17:00", Fri: "09:00-17:00"}, Lead: 15 * time.Minute, SweepStart: time.Hour, BusinessInterval: -1}}
	branches := []string{"br-001", "br-002", "br-003"}
	for bi, b := range branches {
		if err := s.PutBranch(ctx, b, d, store.Contact{At: time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		var rs []result.Result
		for day := 1; day <= 31; day++ {
			at := time.Date(2026, 3, day, 8, 10, 0, 0, time.UTC)
			atm := result.StatusOK
			if (day+bi)%5 == 0 {
				atm = result.StatusFail
			}
			rs = append(rs,
				result.Result{ID: fmt.Sprintf("%s-%02d-atm", b, day), Branch: b, Device: "atm-01", Check: "reachable", Kind: "tcp", Status: atm, StartedAt: at, Reason: "r"},
				result.Result{ID: fmt.Sprintf("%s-%02d-pc", b, day), Branch: b, Device: "pc-01", Check: "login", Kind: "http", Status: result.StatusOK, StartedAt: at, Reason: "r"})
		}
		if _, _, err := s.WriteResults(ctx, rs, time.Date(2026, 3, 31, 20, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 4, 2, 12, 0, 0, 0, time.UTC)
	if st, err := (&sla.Roller{Store: src, Lookback: 40 * 24 * time.Hour}).RollUp(ctx, now); err != nil || st.Written != 3*23 {
		t.Fatalf("RollUp = %+v, %v; want the 22 weekdays of March and 1 April of 3 branches written", st, err)
	}
	reports := func() string {
		t.Helper()
		rep := sla.Reports{Store: src, Settings: sla.Settings{OnTime: sla.Objective{Desired: 0.98, Adequate: 0.95},
			Availability: sla.Objective{Desired: 0.995, Adequate: 0.98}}}
		var out []any
		for _, g := range sla.Groupings {
			for _, asOf := range []sla.AsOf{sla.Latest, sla.AtDeadline} {
				r, err := rep.Report(ctx, sla.Query{From: "2026-03-01", To: "2026-03-31", GroupBy: g, Period: sla.Month, AsOf: asOf})
				if err != nil {
					t.Fatalf("report by %s: %v", g, err)
				}
				out = append(out, r)
			}
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
	before := reports()
	gone := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	if ex, ok := s.(store.ResultsExpirer); ok {
		if _, err := ex.ExpireResults(ctx, gone, gone); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range branches {
		if _, err := s.DeleteResults(ctx, b, gone); err != nil {
			t.Fatal(err)
		}
		if rs, err := s.Results(ctx, b, gone.AddDate(0, -2, 0), gone); err != nil || len(rs) != 0 {
			t.Fatalf("%s keeps %d results, %v; want none", b, len(rs), err)
		}
	}
	if after := reports(); after != before {
		t.Fatalf("the March report changed once the raw results were gone:\nbefore %s\nafter  %s", before, after)
	}
}

// testExpireSLA: the SLA retention deletes the day and device rows, totals
// and revisions of dates before the cutoff; a month's totals go only when
// the whole month is before it.
func testExpireSLA(t *testing.T, open Opener) {
	ctx := context.Background()
	s := slaOf(t, open)
	ex, ok := s.(store.SLAExpirer)
	if !ok {
		t.Fatal("the store does not implement store.SLAExpirer")
	}
	early := -60.0
	rev := slaRollup("br-001", "2021-03-30", "ready", &early, "atm-01")
	rev.Revision = &store.SLARevision{Branch: "br-001", Date: "2021-03-30", At: base.UTC(), VerdictBefore: "not_ready", Verdict: "ready", Reason: "late"}
	if err := s.PutSLARollups(ctx, []store.SLARollup{rev,
		slaRollup("br-001", "2021-03-31", "ready", &early, "atm-01"),
		slaRollup("br-001", "2021-04-01", "ready", &early, "atm-01")}); err != nil {
		t.Fatal(err)
	}
	count := func() (days, devices, months, revisions int) {
		t.Helper()
		ds, err1 := s.SLADays(ctx, "2000-01-01", "2099-12-31")
		vs, err2 := s.SLADevices(ctx, "2000-01-01", "2099-12-31")
		ms, err3 := s.SLATotals(ctx, store.DimBranchMonth, "2000-01", "2099-12")
		rs, err4 := s.SLARevisions(ctx, "", "2000-01-01", "2099-12-31")
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			t.Fatal(err)
		}
		return len(ds), len(vs), len(ms), len(rs)
	}
	for _, c := range []struct {
		date                             string
		days, devices, months, revisions int
	}{
		{"2021-03-31", 2, 2, 2, 0},
		{"2021-04-01", 1, 1, 1, 0},
		{"2021-04-01", 1, 1, 1, 0},
	} {
		if _, err := ex.ExpireSLA(ctx, c.date); err != nil {
			t.Fatal(err)
		}
		days, devices, months, revisions := count()
		if days != c.days || devices != c.devices || months != c.months || revisions != c.revisions {
			t.Errorf("after expiring before %s: %d days, %d devices, %d months, %d revisions; want %d, %d, %d, %d",
				c.date, days, devices, months, revisions, c.days, c.devices, c.months, c.revisions)
		}
	}
}
