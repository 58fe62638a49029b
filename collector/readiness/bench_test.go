package readiness

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// BenchmarkJudgeAll12000 times the readiness engine alone judging a bank of
// 12,000 branches (5 devices each, 3 sweeps of results this morning) from
// SQLite: "cold" is the first look after a restart, "warm" a look when no
// agent reported since. It is not the board: BenchmarkBoard20000 in
// collector/board times the pages a user gets.
func BenchmarkJudgeAll12000(b *testing.B) {
	const branches = 12000
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "b.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	spec := calendar.Spec{Timezone: "Europe/London", Hours: calendar.Week{Mon: "09:00-17:00", Tue: "09:00-17:00", Wed: "09:00-17:00", Thu: "09:00-17:00", Fri: "09:00-17:00"}}
	loc, _ := time.LoadLocation("Europe/London")
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, loc)
	var batch []result.Result
	for i := range branches {
		id := fmt.Sprintf("b%05d", i)
		d := &result.Descriptor{Name: id, Calendar: spec}
		for j := range 5 {
			d.Devices = append(d.Devices, result.Device{ID: fmt.Sprintf("dev-%d", j), Kind: "atm", Criticality: result.Blocking,
				Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}})
			for k := range 3 {
				batch = append(batch, result.Result{ID: result.NewID(), Branch: id, Device: fmt.Sprintf("dev-%d", j), Check: "reachable",
					Kind: "tcp", Status: result.StatusOK, StartedAt: now.Add(-time.Duration(5*k+1) * time.Minute), Reason: "ok"})
			}
		}
		if err := st.PutBranch(ctx, id, d, store.Contact{At: now}); err != nil {
			b.Fatal(err)
		}
		if len(batch) >= 5000 {
			if _, _, err := st.WriteResults(ctx, batch, now); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, _, err := st.WriteResults(ctx, batch, now); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"cold", "warm"} {
		b.Run(mode, func(b *testing.B) {
			e := &Engine{Store: st, Now: func() time.Time { return now }}
			if mode == "warm" {
				if _, err := e.All(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				if mode == "cold" {
					e = &Engine{Store: st, Now: func() time.Time { return now }}
				}
				bs, err := e.All(ctx)
				if err != nil || len(bs) != branches || bs[0].Judgement.Verdict != Ready {
					b.Fatalf("%d branches, %v", len(bs), err)
				}
			}
		})
	}
}
