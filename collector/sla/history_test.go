package sla

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Adding an ATM today must not rewrite last week's final verdicts: the
// days before the change are judged by the descriptor in force on them,
// the rollups are not revised, and the board's page for a past day shows
// that day's devices; the next day is judged with the new ATM.
func TestAddingAnATMTodayLeavesLastWeeksVerdictsAlone(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	const ny = "America/New_York"
	at := func(v string) time.Time { return local(t, ny, v) }
	week := "09:00-17:00"
	before := &result.Descriptor{Name: "Main Street", Region: "east",
		Calendar: calendar.Spec{Timezone: ny, Hours: calendar.Week{Mon: week, Tue: week, Wed: week, Thu: week, Fri: week},
			Lead: 15 * time.Minute, SweepStart: time.Hour, BusinessInterval: 15 * time.Minute},
		Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
	after := *before
	after.Devices = append(append([]result.Device{}, before.Devices...),
		result.Device{ID: "atm-02", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}})

	// The branch has reported since Sunday 1 March; atm-01 passes at 08:10
	// every weekday of the week of 2 March.
	if err := s.PutBranch(ctx, "ny1", before, store.Contact{At: at("2026-03-01 12:00")}); err != nil {
		t.Fatal(err)
	}
	var rs []result.Result
	for d := 2; d <= 6; d++ {
		x := r("atm-01", "reachable", result.StatusOK, at(fmt.Sprintf("2026-03-%02d 08:10", d)))
		x.Branch, x.Kind = "ny1", "tcp"
		rs = append(rs, x)
	}
	if _, _, err := s.WriteResults(ctx, rs, at("2026-03-06 12:00")); err != nil {
		t.Fatal(err)
	}
	ro := &Roller{Store: s, Lookback: 10 * 24 * time.Hour, Recheck: 10 * 24 * time.Hour}
	if st, err := ro.RollUp(ctx, at("2026-03-07 12:00")); err != nil || st.Written != 5 {
		t.Fatalf("first roll-up: %+v, %v; want the 5 weekdays written", st, err)
	}

	// Monday 9 March, 07:00: the agent now describes a second ATM.
	if err := s.PutBranch(ctx, "ny1", &after, store.Contact{At: at("2026-03-09 07:00")}); err != nil {
		t.Fatal(err)
	}
	now := at("2026-03-09 12:00")
	st, err := ro.RollUp(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	if st.Revised != 0 {
		t.Errorf("the roll-up after the change revised %d days of last week, want 0", st.Revised)
	}
	days, err := s.SLADays(ctx, "2026-03-02", "2026-03-06")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range days {
		if d.Verdict != "ready" {
			t.Errorf("%s: %s after the ATM was added, want ready as it was", d.Date, d.Verdict)
		}
	}
	if len(days) != 5 {
		t.Errorf("%d days of last week rolled, want 5", len(days))
	}
	devs, _ := s.SLADevices(ctx, "2026-03-06", "2026-03-06")
	if len(devs) != 1 || devs[0].Device != "atm-01" {
		t.Errorf("Friday's device rows %+v, want atm-01 alone", devs)
	}

	e := &readiness.Engine{Store: s, Now: func() time.Time { return now }}
	fri, err := e.One(ctx, "ny1", "2026-03-06")
	if err != nil {
		t.Fatal(err)
	}
	if fri.Judgement.Verdict != readiness.Ready || len(fri.Devices) != 1 {
		t.Errorf("the page for Friday says %s with %d devices, want ready with the one ATM of the time", fri.Judgement.Verdict, len(fri.Devices))
	}
	mon, err := e.One(ctx, "ny1", "2026-03-09")
	if err != nil {
		t.Fatal(err)
	}
	if mon.Judgement.Verdict != readiness.Unknown || len(mon.Devices) != 2 {
		t.Errorf("today (no results, two ATMs) says %s with %d devices, want unknown with both", mon.Judgement.Verdict, len(mon.Devices))
	}
}
