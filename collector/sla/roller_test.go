package sla

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sla.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRollUp(t *testing.T) {
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
	write := func(rs ...result.Result) {
		t.Helper()
		for i := range rs {
			rs[i].Branch, rs[i].Kind = "ny1", "tcp"
		}
		if _, _, err := s.WriteResults(ctx, rs, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// Monday 9 March: ready. Tuesday: the ATM fails at the deadline.
	// Wednesday: silent. Thursday: still open at "now".
	write(r("atm-01", "reachable", result.StatusOK, at("2026-03-09 08:10")), r("pc-01", "login", result.StatusOK, at("2026-03-09 08:10")),
		r("atm-01", "reachable", result.StatusFail, at("2026-03-10 08:10")), r("pc-01", "login", result.StatusOK, at("2026-03-10 08:10")),
		r("atm-01", "reachable", result.StatusOK, at("2026-03-12 08:10")))
	ro := &Roller{Store: s, Lookback: 10 * 24 * time.Hour}
	now := at("2026-03-12 12:00")
	st, err := ro.RollUp(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	days, _ := s.SLADays(ctx, "2026-03-01", "2026-03-31")
	got := map[string]string{}
	for _, x := range days {
		got[x.Date] = x.Verdict
	}
	want := map[string]string{"2026-03-09": "ready", "2026-03-10": "not_ready", "2026-03-11": "unknown"}
	if len(got) != len(want) || got["2026-03-09"] != "ready" || got["2026-03-10"] != "not_ready" || got["2026-03-11"] != "unknown" {
		t.Fatalf("rolled days %v, want %v (nothing before the first day with results, nothing for a day not yet closed)", got, want)
	}
	if st.Written != 3 || st.Revised != 0 {
		t.Fatalf("stats %+v, want 3 written", st)
	}
	devs, _ := s.SLADevices(ctx, "2026-03-10", "2026-03-10")
	if len(devs) != 2 || !devs[0].Blamed || devs[0].Model != "SelfServ 84" {
		t.Fatalf("Tuesday's device rows %+v, want the ATM blamed with its model", devs)
	}

	t.Run("a second run with nothing new writes nothing", func(t *testing.T) {
		st, err := ro.RollUp(ctx, now.Add(time.Minute))
		if err != nil || st.Written != 0 {
			t.Fatalf("stats %+v, %v; want nothing written", st, err)
		}
	})
	t.Run("a late result from the spool revises a day within the recheck window", func(t *testing.T) {
		write(r("atm-01", "reachable", result.StatusOK, at("2026-03-10 08:20")))
		st, err := ro.RollUp(ctx, now.Add(2*time.Minute))
		if err != nil || st.Written != 1 || st.Revised != 1 {
			t.Fatalf("stats %+v, %v; want one day revised", st, err)
		}
		days, _ := s.SLADays(ctx, "2026-03-10", "2026-03-10")
		if days[0].Verdict != "ready" || days[0].ToReadySeconds == nil || *days[0].ToReadySeconds != -25*60 {
			t.Fatalf("revised Tuesday %+v, want ready 25 minutes before the deadline", days[0])
		}
	})
	t.Run("a day older than the recheck window is not judged again", func(t *testing.T) {
		write(r("atm-01", "reachable", result.StatusOK, at("2026-03-11 08:20")))
		st, err := ro.RollUp(ctx, at("2026-03-16 08:00"))
		if err != nil || st.Revised != 0 {
			t.Fatalf("stats %+v, %v; want no revision", st, err)
		}
		days, _ := s.SLADays(ctx, "2026-03-11", "2026-03-11")
		if days[0].Verdict != "unknown" {
			t.Fatalf("Wednesday became %s after the recheck window", days[0].Verdict)
		}
	})
}
