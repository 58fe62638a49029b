package demo

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store/sqlite"
)

func TestHistoryGivesTheSLAPageAWeek(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "c.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC)
	paths := map[string]string{}
	for _, b := range specs(addrs{ATMUp: "127.0.0.1:1", ATMDown: "127.0.0.1:1", Counter: "127.0.0.1:1", BankingOK: "http://127.0.0.1:1/",
		BankingRecovering: "http://127.0.0.1:1/", SignOK: "http://127.0.0.1:1/", SignBroken: "http://127.0.0.1:1/"}) {
		p, err := b.write(dir, "http://127.0.0.1:1", "0123456789abcdef0123", now)
		if err != nil {
			t.Fatal(err)
		}
		paths[b.ID] = p
	}
	if err := seedHistory(ctx, st, paths, now); err != nil {
		t.Fatal(err)
	}
	days, err := st.SLADays(ctx, "2026-03-01", "2026-03-31")
	if err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]map[string]int{}
	for _, d := range days {
		if verdicts[d.Branch] == nil {
			verdicts[d.Branch] = map[string]int{}
		}
		verdicts[d.Branch][d.Verdict]++
	}
	for _, c := range []struct {
		name, branch, verdict string
		n                     int
	}{
		{"London was ready six mornings and late one", "lon-bank-street", "ready", 6},
		{"London's late morning is not ready", "lon-bank-street", "not_ready", 1},
		{"New York missed two deadlines", "nyc-fifth-avenue", "not_ready", 2},
		{"Sydney's silent agent left an unknown day", "syd-george-street", "unknown", 1},
		{"Tokyo's lobby screen broke two days ago and degrades them", "tyo-ginza", "ready_degraded", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := verdicts[c.branch][c.verdict]; got != c.n {
				t.Fatalf("%s: %d %s days, want %d (all: %v)", c.branch, got, c.verdict, c.n, verdicts[c.branch])
			}
		})
	}
	t.Run("Berlin's spooled day keeps the revision from what the deadline knew", func(t *testing.T) {
		revs, err := st.SLARevisions(ctx, "ber-mitte", "2026-03-01", "2026-03-31")
		if err != nil || len(revs) != 1 || revs[0].Date != spooledDay(now) || revs[0].VerdictBefore == revs[0].Verdict {
			t.Fatalf("revisions %+v, %v; want one on %s", revs, err, spooledDay(now))
		}
	})
}
