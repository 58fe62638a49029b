package readiness

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
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

// BenchmarkWave20000 times the engine judging a wave: each of 20,000
// branches (5 devices of 4 checks) hands in a batch of 20 results, and one
// refresh judges them all. "handed" is the path ingest takes (the results
// handed in, nothing read from the store); "read" has every branch read
// again from an in-memory store (the path of a cold start, or of another
// collector's batch), without the decoding a real store adds. Run:
//
//	go test -run '^$' -bench Wave20000 -benchtime 10x ./collector/readiness
func BenchmarkWave20000(b *testing.B) {
	const branches, devices, checksPer = 20000, 5, 4
	ctx := context.Background()
	d, cal := fixture(b)
	d.Calendar, d.Devices = cal.Spec(), nil
	var base, wave []result.Result
	for j := range devices {
		dev := result.Device{ID: fmt.Sprintf("dev-%d", j), Kind: "atm", Criticality: result.Blocking}
		for k := range checksPer {
			c := fmt.Sprintf("check-%d", k)
			dev.Checks = append(dev.Checks, result.CheckRef{Name: c, Kind: "tcp"})
			base = append(base, result.Result{Device: dev.ID, Check: c, Status: result.StatusFail, StartedAt: at("08:05"), Reason: "down"})
			wave = append(wave, result.Result{Device: dev.ID, Check: c, Status: result.StatusOK, StartedAt: at("08:20"), Reason: "ok"})
		}
		d.Devices = append(d.Devices, dev)
	}
	ids := make([]string, branches)
	for i := range ids {
		ids[i] = fmt.Sprintf("b%05d", i)
	}
	l := newLedger(d, ids...)
	batches := make([][]result.Result, branches)
	for i, id := range ids {
		rs := slices.Clone(base)
		for k := range rs {
			rs[k].ID = fmt.Sprintf("%s-base-%d", id, k)
		}
		l.write(id, rs, store.Contact{At: at("08:06")})
		batches[i] = slices.Clone(wave)
		for k := range batches[i] {
			batches[i][k].ID = fmt.Sprintf("%s-wave-%d", id, k)
		}
	}
	for _, path := range []string{"handed", "read"} {
		b.Run(path, func(b *testing.B) {
			now := at("08:30")
			e := &Engine{Store: l, Now: func() time.Time { return now }, Poll: time.Hour}
			e.running.Store(true)
			if err := e.shared(ctx); err != nil {
				b.Fatal(err)
			}
			c := store.Contact{At: at("08:21")}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				for i, id := range ids {
					if path == "handed" {
						e.Handed(id, c, batches[i], true)
					} else {
						e.Invalidate(id)
					}
				}
				b.StopTimer()
				if path == "read" {
					for _, id := range ids {
						e.unload(e.held[id]) // the store has the wave: read it
						l.write(id, batches[id2i(id)], c)
					}
				}
				e.lastFull = time.Now()
				b.StartTimer()
				if err := e.shared(ctx); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if v := verdictOf(b, e, ids[0]).Judgement.Verdict; v != Ready {
					b.Fatalf("%s is %s after the wave, want ready", ids[0], v)
				}
				for _, id := range ids { // forget the wave, so that the next one brings it again
					h := e.held[id]
					e.heldN -= h.set.len() - len(base) // else the held budget runs out after a few waves
					h.set.ps = h.set.ps[:len(base):len(base)]
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/wave")
		})
	}
}

func id2i(id string) int {
	var i int
	_, _ = fmt.Sscanf(id, "b%05d", &i)
	return i
}
