package board

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// memBank is seedBank's bank held in memory, so that a benchmark of the
// rendering alone starts in a second instead of minutes.
type memBank struct {
	fakeStore
	list    []store.Branch
	byID    map[string]int
	results map[string][]result.Result
}

func (m *memBank) Branches(context.Context) ([]store.Branch, error) { return m.list, nil }
func (m *memBank) Branch(_ context.Context, id string) (store.Branch, error) {
	i, ok := m.byID[id]
	if !ok {
		return store.Branch{}, store.ErrNotFound
	}
	return m.list[i], nil
}
func (m *memBank) Results(_ context.Context, id string, from, to time.Time) ([]result.Result, error) {
	var out []result.Result
	for _, r := range m.results[id] {
		if !r.StartedAt.Before(from) && r.StartedAt.Before(to) {
			out = append(out, r)
		}
	}
	return out, nil
}

// newMemBank is n branches as seedBank makes them (20 devices, 20 zones,
// 10 regions, this morning's sweeps, one branch in 20 with a failing
// ATM: those in Paris, region-03), with a heartbeat whose spool holds a few results.
func newMemBank(n int) *memBank {
	m := &memBank{byID: map[string]int{}, results: map[string][]result.Result{}}
	for i := range n {
		id := fmt.Sprintf("b%05d", i)
		tz := benchZones[i%len(benchZones)]
		loc, _ := time.LoadLocation(tz)
		d := benchDescriptor(id, i, tz)
		local := benchNow.In(loc)
		for _, hhmm := range [][2]int{{8, 5}, {8, 25}} {
			at := time.Date(local.Year(), local.Month(), local.Day(), hhmm[0], hhmm[1], 0, 0, loc)
			if at.After(benchNow) {
				continue
			}
			for j := range benchDevices {
				s := result.StatusOK
				if j == 0 && i%20 == 3 { // Paris, in its window: not ready
					s = result.StatusFail
				}
				m.results[id] = append(m.results[id], result.Result{ID: fmt.Sprintf("%s-%d-%d", id, hhmm[1], j), Branch: id,
					Device: fmt.Sprintf("dev-%02d", j), Check: "reachable", Kind: "tcp", Status: s, StartedAt: at,
					Reason: "connect 10.0.0.1:443: " + string(s)})
			}
		}
		c := store.Contact{At: benchNow.Add(-time.Minute), AgentVersion: "1.0.0", ConfigHash: "sha256:" + id,
			Health: &result.Health{SpoolDepth: i % 3}}
		m.byID[id] = len(m.list)
		m.list = append(m.list, store.Branch{ID: id, Descriptor: d, Contact: c})
	}
	return m
}

// BenchmarkBoardPage is the CPU and memory one board page costs with
// 20,000 branches once judged (the engine idle in the background): the
// first page, a filtered page of 200 rows (region-03 not ready: the
// failing ATMs) and the last page, each with the board's caches warm (the
// snapshot unchanged since the last page), and the first page with them
// cold (every row judged anew, the worst case of a wave). Besides ns/op (wall time, which a loaded
// machine inflates) it reports cpu-ms/op: the process's CPU time (user and
// system, GC included) per page.
func BenchmarkBoardPage(b *testing.B) {
	m := newMemBank(20000)
	now := func() time.Time { return benchNow }
	e := &readiness.Engine{Store: m, Now: now, Poll: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.Run(ctx, nil)
	h := http.NewServeMux()
	Register(h, e, m, now, slog.New(slog.DiscardHandler), loggedInAs(auth.Person{Name: "bench", Role: auth.Operations}))
	firstPage(b, h)
	for _, tc := range []struct {
		name, path string
		uncached   bool
	}{
		{name: "first", path: "/"},
		{name: "filtered", path: "/?region=region-03&verdict=not_ready"},
		{name: "last", path: "/?page=100"},
		{name: "first-uncached", path: "/", uncached: true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			size := 0
			cpu0 := cpuTime()
			for b.Loop() {
				if tc.uncached { // every row judged anew since the last page, as in a wave
					h = http.NewServeMux()
					Register(h, e, m, now, slog.New(slog.DiscardHandler), loggedInAs(auth.Person{Name: "bench", Role: auth.Operations}))
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s: %d", tc.path, w.Code)
				}
				size = w.Body.Len()
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(size), "page-bytes")
		})
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
