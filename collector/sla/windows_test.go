package sla

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/sla/record"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Tuesday 10 March 2026, New York: the ATM fails through the deadline
// (08:45), so the day rolls up not ready. Five days later, long after the
// recheck window, operations add a window that covered the ATM that
// morning: the next roll-up revises the day to ready, the revision names
// the window, who made it and why, and the signed record of the day shows
// the revised verdict and the revision.
func TestAWindowAddedAfterTheFactRevisesThePastDayAndItsRecord(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	const ny = "America/New_York"
	at := func(v string) time.Time { return local(t, ny, v) }
	d := *devices
	d.Calendar = calendar.Spec{Timezone: ny, Hours: calendar.Week{Mon: "09:00-17:00", Tue: "09:00-17:00", Wed: "09:00-17:00", Thu: "09:00-17:00", Fri: "09:00-17:00"},
		Lead: 15 * time.Minute, SweepStart: time.Hour, BusinessInterval: 15 * time.Minute}
	if err := s.PutBranch(ctx, "ny1", &d, store.Contact{At: at("2026-03-10 08:00")}); err != nil {
		t.Fatal(err)
	}
	rs := []result.Result{r("atm-01", "reachable", result.StatusFail, at("2026-03-10 08:10")), r("pc-01", "login", result.StatusOK, at("2026-03-10 08:10"))}
	for i := range rs {
		rs[i].Branch, rs[i].Kind = "ny1", "tcp"
	}
	if _, _, err := s.WriteResults(ctx, rs, at("2026-03-10 08:11")); err != nil {
		t.Fatal(err)
	}
	ro := &Roller{Store: s, Lookback: 10 * 24 * time.Hour, Recheck: 24 * time.Hour}
	if _, err := ro.RollUp(ctx, at("2026-03-10 18:00")); err != nil {
		t.Fatal(err)
	}
	if v := verdictOf(t, s, "2026-03-10"); v != "not_ready" {
		t.Fatalf("Tuesday rolled up %s, want not_ready (the ATM failed through the deadline)", v)
	}

	later := at("2026-03-15 10:00") // Sunday: every day of the week is past its recheck window
	if st, err := ro.RollUp(ctx, later); err != nil || st.Revised != 0 {
		t.Fatalf("before any window: stats %+v, %v; want Tuesday left alone", st, err)
	}
	w := store.MaintenanceRecord{ID: "mw-7", Branch: "ny1", Comment: "ATM cassette swap by the vendor", CreatedBy: "olga", CreatedAt: later.UTC(),
		Window: calendar.Window{Devices: []string{"atm-01"}, Start: "2026-03-10 07:00", End: "2026-03-10 10:00"}}
	if err := s.PutMaintenance(ctx, w); err != nil {
		t.Fatal(err)
	}
	st, err := ro.RollUp(ctx, later.Add(time.Minute))
	if err != nil || st.Revised != 1 {
		t.Fatalf("after the window: stats %+v, %v; want Tuesday revised", st, err)
	}
	if v := verdictOf(t, s, "2026-03-10"); v != "ready" {
		t.Fatalf("Tuesday after the window: %s, want ready (the failing ATM was in maintenance)", v)
	}
	revs, err := s.SLARevisions(ctx, "ny1", "2026-03-10", "2026-03-10")
	if err != nil || len(revs) != 1 {
		t.Fatalf("revisions %+v, %v; want one", revs, err)
	}
	rev := revs[0]
	for _, want := range []string{"mw-7", "olga", "ATM cassette swap by the vendor"} {
		if !strings.Contains(rev.Reason, want) {
			t.Errorf("revision reason %q does not name %q", rev.Reason, want)
		}
	}
	if rev.VerdictBefore != "not_ready" || rev.Verdict != "ready" {
		t.Errorf("revision %s -> %s, want not_ready -> ready", rev.VerdictBefore, rev.Verdict)
	}
	if st, _ := ro.RollUp(ctx, later.Add(2*time.Minute)); st.Judged != 0 {
		t.Errorf("the next roll-up judged %d days again, want none (the window is accounted for)", st.Judged)
	}

	_, key, _ := ed25519.GenerateKey(nil)
	rec, _, err := record.Maker{Store: s, Key: key, Now: func() time.Time { return later.Add(3 * time.Minute) }}.Make(ctx, "ny1", "2026-03-10")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Verdict != "ready" || rec.VerdictAtDeadline != "not_ready" {
		t.Errorf("record verdict %s (at the deadline %s), want ready (not_ready)", rec.Verdict, rec.VerdictAtDeadline)
	}
	if len(rec.Revisions) != 1 || !strings.Contains(rec.Revisions[0].Reason, "mw-7") {
		t.Errorf("record revisions %+v, want the one naming mw-7", rec.Revisions)
	}
}

func verdictOf(t *testing.T, s store.SLA, date string) string {
	t.Helper()
	days, err := s.SLADays(context.Background(), date, date)
	if err != nil || len(days) != 1 {
		t.Fatalf("SLADays %s: %+v, %v", date, days, err)
	}
	return days[0].Verdict
}
