package board

import (
	"context"
	"fmt"
	"github.com/branchready/branchready/collector/auth"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// benchZones are the branches' zones: at benchNow some are before their
// pre-opening window, most in it, some open, some at night.
var benchZones = []string{
	"Europe/London", "Europe/Lisbon", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
	"Europe/Rome", "Europe/Warsaw", "Europe/Stockholm", "Europe/Vienna", "Europe/Prague", "Europe/Brussels",
	"Europe/Amsterdam", "Europe/Helsinki", "Europe/Athens", "Europe/Bucharest", "Europe/Istanbul",
	"Asia/Dubai", "Asia/Tokyo", "America/New_York",
}

// benchNow is a Tuesday morning in Europe: 08:40 in Paris, where the
// pre-opening sweeps of branches opening at 09:00 are under way.
var benchNow = time.Date(2026, 11, 24, 7, 40, 0, 0, time.UTC)

const benchDevices = 20

// seedBank writes n branches to a new SQLite store: 20 devices of one check
// each (5 blocking), in 20 zones and 10 regions, with the results of the
// sweeps each branch's agent has run this morning (local 08:05 and 08:25,
// when before benchNow); one branch in 20 has a failing ATM.
func seedBank(b *testing.B, n int) *sqlite.Store {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bank.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	var batch []result.Result
	for i := range n {
		id := fmt.Sprintf("b%05d", i)
		tz := benchZones[i%len(benchZones)]
		loc, err := time.LoadLocation(tz)
		if err != nil {
			b.Fatal(err)
		}
		d := benchDescriptor(id, i, tz)
		local := benchNow.In(loc)
		for _, hhmm := range [][2]int{{8, 5}, {8, 25}} {
			at := time.Date(local.Year(), local.Month(), local.Day(), hhmm[0], hhmm[1], 0, 0, loc)
			if at.After(benchNow) {
				continue
			}
			for j := range benchDevices {
				st := result.StatusOK
				if j == 0 && i%20 == 0 {
					st = result.StatusFail
				}
				batch = append(batch, result.Result{ID: result.NewID(), Branch: id, Device: fmt.Sprintf("dev-%02d", j), Check: "reachable",
					Kind: "tcp", Status: st, StartedAt: at, Reason: "connect 10.0.0.1:443: " + string(st)})
			}
		}
		c := store.Contact{At: benchNow.Add(-time.Minute), AgentVersion: "1.0.0", ConfigHash: "sha256:" + id}
		if err := st.PutBranch(ctx, id, d, c); err != nil {
			b.Fatal(err)
		}
		if len(batch) >= 5000 {
			if _, _, err := st.WriteResults(ctx, batch, benchNow); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if _, _, err := st.WriteResults(ctx, batch, benchNow); err != nil {
		b.Fatal(err)
	}
	return st
}

// benchBoard serves the board over st as the collector does, at benchNow,
// with the engine judging in the background until stop.
func benchBoard(st *sqlite.Store) (h http.Handler, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	now := func() time.Time { return benchNow }
	e := &readiness.Engine{Store: st, Now: now}
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx, nil) }()
	mux := http.NewServeMux()
	Register(mux, e, st, now, slog.New(slog.DiscardHandler), loggedInAs(auth.Person{Name: "bench", Role: auth.Operations}))
	return mux, func() { cancel(); <-done }
}

// BenchmarkBoard20000 times the pages a user gets from a collector with
// 20,000 branches on SQLite, through the board's real handlers, with the
// engine judging in the background as the collector runs it: the first
// page cold (the first request after a restart, waiting for the first
// snapshot: nothing judged or decoded yet), the first page warm (a refresh
// when no agent has reported since), a filtered page, a branch's page
// (with its timeline and last 30 days), and both pages during a
// pre-opening wave (see benchWave; run it alone, -benchtime 1x). Each
// reports its p50 and p95 over the iterations and the page's size.
func BenchmarkBoard20000(b *testing.B) { benchBoardAt(b, 20000) }

// BenchmarkBoard2000 is BenchmarkBoard20000 at a tenth of the size, to see
// how each figure grows with the bank.
func BenchmarkBoard2000(b *testing.B) { benchBoardAt(b, 2000) }

func benchBoardAt(b *testing.B, n int) {
	st := seedBank(b, n)
	cases := []struct {
		name, path string
		cold       bool
	}{
		{name: "first-page-cold", path: "/", cold: true},
		{name: "first-page-warm", path: "/"},
		{name: "filtered-warm", path: "/?region=region-03&verdict=not_ready"},
		{name: "branch-page-warm", path: "/branches/b00420"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			h, stop := benchBoard(st)
			defer func() { stop() }()
			if !tc.cold {
				firstPage(b, h)
			}
			var took []time.Duration
			size := 0
			b.ResetTimer()
			for range b.N {
				if tc.cold {
					b.StopTimer()
					stop()
					h, stop = benchBoard(st)
					b.StartTimer()
				}
				start := time.Now()
				if tc.cold {
					size = firstPage(b, h)
				} else {
					size = page(b, h, tc.path)
				}
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			report(b, took, size)
		})
	}
	b.Run("during-wave", func(b *testing.B) { benchWave(b, st, n) })
}

// firstPage asks for the first page until it is served, as the "judging"
// page that a collector shows while it starts does every 2 seconds (here
// every 10 ms, so that the time measured is the time to the first board).
func firstPage(b *testing.B, h http.Handler) int {
	for {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		switch w.Code {
		case http.StatusOK:
			return w.Body.Len()
		case http.StatusServiceUnavailable:
			time.Sleep(10 * time.Millisecond)
		default:
			b.Fatalf("GET /: %d %.200s", w.Code, w.Body)
		}
	}
}

func page(b *testing.B, h http.Handler, path string) int {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	if w.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %.200s", path, w.Code, w.Body)
	}
	return w.Body.Len()
}

// report adds the p50 and p95 of took, in milliseconds, and the page size.
func report(b *testing.B, took []time.Duration, size int) {
	slices.Sort(took)
	at := func(q float64) float64 {
		return float64(took[min(len(took)-1, int(q*float64(len(took))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(float64(size), "page-bytes")
}

// benchDescriptor is bench branch number i (id, in zone tz): 20 devices,
// the first 5 blocking, in one of 10 regions, open 09:00-17:00 on weekdays.
func benchDescriptor(id string, i int, tz string) *result.Descriptor {
	week := "09:00-17:00"
	d := &result.Descriptor{Name: "Branch " + id, Region: fmt.Sprintf("region-%02d", i%10), Calendar: calendar.Spec{Timezone: tz,
		Hours: calendar.Week{Mon: week, Tue: week, Wed: week, Thu: week, Fri: week}}}
	for j := range benchDevices {
		crit := result.Degrading
		if j < 5 {
			crit = result.Blocking
		}
		d.Devices = append(d.Devices, result.Device{ID: fmt.Sprintf("dev-%02d", j), Kind: "atm", Criticality: crit,
			Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}})
	}
	return d
}
