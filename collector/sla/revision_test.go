package sla

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

func TestRollUpKeepsTheHistoryOfRevisedVerdicts(t *testing.T) {
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
	write := func(received time.Time, rs ...result.Result) {
		t.Helper()
		for i := range rs {
			rs[i].Branch, rs[i].Kind = "ny1", "tcp"
		}
		if _, _, err := s.WriteResults(ctx, rs, received); err != nil {
			t.Fatal(err)
		}
	}
	// Monday: ready, received at once. Tuesday: the ATM failed at 08:10,
	// received at once; its 08:20 recovery reached the collector from the
	// spool at 11:00 (deadline 08:45). Wednesday: the agent was silent.
	write(at("2026-03-09 08:11"), r("atm-01", "reachable", result.StatusOK, at("2026-03-09 08:10")), r("pc-01", "login", result.StatusOK, at("2026-03-09 08:10")))
	write(at("2026-03-10 08:11"), r("atm-01", "reachable", result.StatusFail, at("2026-03-10 08:10")), r("pc-01", "login", result.StatusOK, at("2026-03-10 08:10")))
	write(at("2026-03-10 11:00"), r("atm-01", "reachable", result.StatusOK, at("2026-03-10 08:20")))
	ro := &Roller{Store: s, Lookback: 10 * 24 * time.Hour}
	first := at("2026-03-12 12:00")
	if _, err := ro.RollUp(ctx, first); err != nil {
		t.Fatal(err)
	}
	revs, _ := s.SLARevisions(ctx, "ny1", "2026-03-01", "2026-03-31")
	if len(revs) != 1 {
		t.Fatalf("revisions %+v, want one: Tuesday's", revs)
	}
	tue := revs[0]
	if tue.Date != "2026-03-10" || tue.VerdictBefore != "not_ready" || tue.Verdict != "ready" || !tue.At.Equal(first) ||
		!strings.Contains(tue.Reason, "atm-01 reachable ok (of 08:20:00, received Mar 10 11:00 EDT)") {
		t.Fatalf("Tuesday's revision %+v; want not_ready → ready at the roll-up, naming the late result", tue)
	}

	// Wednesday's results arrive on Thursday, after Wednesday was rolled up as unknown.
	write(at("2026-03-12 13:00"), r("atm-01", "reachable", result.StatusOK, at("2026-03-11 08:10")))
	second := at("2026-03-12 13:30")
	if _, err := ro.RollUp(ctx, second); err != nil {
		t.Fatal(err)
	}
	revs, _ = s.SLARevisions(ctx, "ny1", "2026-03-11", "2026-03-11")
	if len(revs) != 1 || revs[0].VerdictBefore != "unknown" || revs[0].Verdict != "ready_degraded" || !strings.Contains(revs[0].Reason, "since the last roll-up") {
		t.Fatalf("Wednesday's revisions %+v; want unknown → ready_degraded (the PC is missing) naming the result received since the last roll-up", revs)
	}

	reports := Reports{Store: s, Settings: settings}
	for _, tc := range []struct {
		asOf   AsOf
		onTime int
	}{{Latest, 2}, {AtDeadline, 1}} {
		t.Run("a report as of "+string(tc.asOf)+" counts the verdicts then known", func(t *testing.T) {
			rep, err := reports.Report(ctx, Query{From: "2026-03-09", To: "2026-03-11", GroupBy: ByRegion, AsOf: tc.asOf})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Rows) != 1 || rep.Rows[0].OnTime.OnTimeDays != tc.onTime || rep.Rows[0].OnTime.DueDays != 3 {
				t.Fatalf("rows %+v; want %d of 3 on time", rep.Rows, tc.onTime)
			}
		})
	}
}
