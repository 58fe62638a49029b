package sla

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// A maintenance window added for a day whose raw results the retention
// has removed cannot revise it: judged on no results the day would read as
// silent. The roller keeps the rollup and says why, naming the retention.
func TestRollUpRefusesADayWhoseResultsExpired(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	const ny = "America/New_York"
	d := *devices
	d.Calendar = calendar.Spec{Timezone: ny, Hours: calendar.Week{Mon: "09:00-17:00", Tue: "09:00-17:00", Wed: "09:00-17:00", Thu: "09:00-17:00", Fri: "09:00-17:00"},
		Lead: 15 * time.Minute, SweepStart: time.Hour, BusinessInterval: 15 * time.Minute}
	if err := s.PutBranch(ctx, "ny1", &d, store.Contact{At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	at := func(v string) time.Time { return local(t, ny, v) }
	rs := []result.Result{r("atm-01", "reachable", result.StatusFail, at("2026-03-10 08:10")), r("pc-01", "login", result.StatusOK, at("2026-03-10 08:10"))}
	for i := range rs {
		rs[i].Branch, rs[i].Kind = "ny1", "tcp"
	}
	if _, _, err := s.WriteResults(ctx, rs, time.Now()); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	ro := &Roller{Store: s, Lookback: 70 * 24 * time.Hour, Retention: 30 * 24 * time.Hour, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if _, err := ro.RollUp(ctx, at("2026-03-10 18:00")); err != nil {
		t.Fatal(err)
	}
	// Two months on, the results are gone and someone records that the
	// ATM was in maintenance that morning.
	later := at("2026-05-11 10:00")
	if _, err := s.DeleteResults(ctx, "ny1", later.Add(-ro.Retention)); err != nil {
		t.Fatal(err)
	}
	w := store.MaintenanceRecord{ID: "mw-1", Branch: "ny1", Comment: "vendor visit", CreatedBy: "ops", CreatedAt: later.Add(-time.Hour),
		Window: calendar.Window{Name: "vendor visit", Devices: []string{"atm-01"}, Start: "2026-03-10 07:00", End: "2026-03-10 12:00"}}
	if err := s.PutMaintenance(ctx, w); err != nil {
		t.Fatal(err)
	}
	// (The silent weekdays since, within the retention, are rolled up as
	// unknown: that is what they were.)
	st, err := ro.RollUp(ctx, later)
	if err != nil || st.Revised != 0 {
		t.Fatalf("RollUp = %+v, %v; want no day revised", st, err)
	}
	days, _ := s.SLADays(ctx, "2026-03-10", "2026-03-10")
	if len(days) != 1 || days[0].Verdict != "not_ready" {
		t.Fatalf("the day reads %+v, want its rollup kept (not_ready)", days)
	}
	if !strings.Contains(logs.String(), "older than the retention") || !strings.Contains(logs.String(), "retention=720h0m0s") {
		t.Errorf("log %q, want a warning naming the retention", logs.String())
	}
}
