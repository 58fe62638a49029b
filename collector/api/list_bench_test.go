package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// listBank is a bank of branches held in memory for the list benchmark:
// 20 devices each (the first 5 blocking) in 20 zones and 10 regions, each
// with this morning's sweeps (local 08:05 and 08:25, when before
// listNow); one branch in 10 has a failing blocking ATM
// and one in 7 a failing degrading device, so that verdicts carry
// problems as a wave's do.
type listBank struct {
	list    []store.Branch
	byID    map[string]int
	results map[string][]result.Result
}

var listZones = []string{
	"Europe/London", "Europe/Lisbon", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
	"Europe/Rome", "Europe/Warsaw", "Europe/Stockholm", "Europe/Vienna", "Europe/Prague", "Europe/Brussels",
	"Europe/Amsterdam", "Europe/Helsinki", "Europe/Athens", "Europe/Bucharest", "Europe/Istanbul",
	"Asia/Dubai", "Asia/Tokyo", "America/New_York",
}

// listNow is a Tuesday morning in Europe, in most branches' pre-opening
// window.
var listNow = time.Date(2026, 11, 24, 7, 40, 0, 0, time.UTC)

func newListBank(n int) *listBank {
	m := &listBank{byID: map[string]int{}, results: map[string][]result.Result{}}
	week := "09:00-17:00"
	for i := range n {
		id := fmt.Sprintf("b%05d", i)
		tz := listZones[i%len(listZones)]
		d := &result.Descriptor{Name: "Branch " + id, Region: fmt.Sprintf("region-%02d", i%10), Calendar: calendar.Spec{Timezone: tz,
			Hours: calendar.Week{Mon: week, Tue: week, Wed: week, Thu: week, Fri: week}}}
		for j := range 20 {
			crit := result.Degrading
			if j < 5 {
				crit = result.Blocking
			}
			d.Devices = append(d.Devices, result.Device{ID: fmt.Sprintf("dev-%02d", j), Kind: "atm", Criticality: crit,
				Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}})
		}
		loc, _ := time.LoadLocation(tz)
		local := listNow.In(loc)
		for _, hhmm := range [][2]int{{8, 5}, {8, 25}} {
			at := time.Date(local.Year(), local.Month(), local.Day(), hhmm[0], hhmm[1], 0, 0, loc)
			if at.After(listNow) {
				continue
			}
			for j := range 20 {
				s := result.StatusOK
				if (j == 0 && i%10 == 3) || (j == 7 && i%7 == 2) {
					s = result.StatusFail
				}
				m.results[id] = append(m.results[id], result.Result{ID: fmt.Sprintf("%s-%d-%d", id, hhmm[1], j), Branch: id,
					Device: fmt.Sprintf("dev-%02d", j), Check: "reachable", Kind: "tcp", Status: s, StartedAt: at,
					Reason: "connect 10.0.0.1:443: " + string(s)})
			}
		}
		c := store.Contact{At: listNow.Add(-time.Minute), AgentVersion: "1.0.0", ConfigHash: "sha256:" + id,
			Health: &result.Health{SpoolDepth: i % 3, LastSweep: listNow.Add(-5 * time.Minute), LastSweepReady: i%10 != 3}}
		m.byID[id] = len(m.list)
		m.list = append(m.list, store.Branch{ID: id, Descriptor: d, Contact: c})
	}
	return m
}

func (m *listBank) Branches(context.Context) ([]store.Branch, error) { return m.list, nil }
func (m *listBank) Branch(_ context.Context, id string) (store.Branch, error) {
	i, ok := m.byID[id]
	if !ok {
		return store.Branch{}, store.ErrNotFound
	}
	return m.list[i], nil
}
func (m *listBank) Results(_ context.Context, id string, from, to time.Time) ([]result.Result, error) {
	var out []result.Result
	for _, r := range m.results[id] {
		if !r.StartedAt.Before(from) && r.StartedAt.Before(to) {
			out = append(out, r)
		}
	}
	return out, nil
}
func (m *listBank) PutConfirmation(context.Context, string, result.Confirmation) error { return nil }
func (m *listBank) Confirmations(context.Context, string, string) ([]result.Confirmation, error) {
	return nil, nil
}

// BenchmarkList20000 is the CPU one GET /api/v1/branches costs with
// 20,000 branches, as a tool waiting for a wave to be judged asks for it:
// "unchanged", nothing judged since the last list; "wave-1000", a
// thousand branches judged again since (their judging is left out of the
// time); "minute-later", the clock a minute on (every local time changes);
// "first", no encoding kept (the first list after a restart). The engine
// judges in the background as the collector runs it (the thousand
// branches are judged outside the time), and the list is counted but
// not kept. Run it with
// `go test -run '^$' -bench List20000 -benchtime 20x ./collector/api/`.
// Besides ns/op (wall time, which a loaded machine inflates) it reports
// cpu-ms/op: the process's CPU time, GC included, per list.
func BenchmarkList20000(b *testing.B) {
	m := newListBank(20000)
	clock := listNow
	e := &readiness.Engine{Store: m, Now: func() time.Time { return clock }, Poll: time.Hour}
	serve := func() http.Handler {
		mux := http.NewServeMux()
		Register(mux, e, m, func() time.Time { return clock }, slog.New(slog.DiscardHandler), func(h http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				h.ServeHTTP(w, r.WithContext(auth.WithPerson(r.Context(), auth.Person{Name: "bench", Role: auth.Operations})))
			})
		})
		return mux
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.Run(ctx, func(err error) { b.Error(err) })
	h := serve()
	list(b, h) // waits for the first snapshot
	for _, tc := range []struct {
		name   string
		before func(k int)
	}{
		{name: "unchanged"},
		{name: "wave-1000", before: func(k int) {
			was := e.Published()
			for i := range 1000 {
				e.Invalidate(m.list[(k*1000+i)%len(m.list)].ID)
			}
			for e.Published() == was {
				time.Sleep(time.Millisecond)
			}
			runtime.GC() // the judging's garbage collected outside the time
		}},
		{name: "minute-later", before: func(int) { clock = clock.Add(time.Minute) }},
		{name: "first", before: func(int) { h = serve() }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			size := 0
			var cpu time.Duration
			k := 0
			for b.Loop() {
				if tc.before != nil {
					b.StopTimer()
					tc.before(k)
					k++
					b.StartTimer()
				}
				cpu0 := cpuTime()
				size = list(b, h)
				cpu += cpuTime() - cpu0
			}
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(size), "list-bytes")
		})
	}
}

func list(b *testing.B, h http.Handler) int {
	w := &countingWriter{header: http.Header{}}
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/branches", nil))
	if w.code != http.StatusOK {
		b.Fatalf("GET /api/v1/branches: %d", w.code)
	}
	return w.n
}

// countingWriter is a response writer that counts the bytes written and
// keeps none, as a server's connection does: httptest's recorder would
// add copying 10 MB into its buffer to every list.
type countingWriter struct {
	header http.Header
	code   int
	n      int
}

func (w *countingWriter) Header() http.Header  { return w.header }
func (w *countingWriter) WriteHeader(code int) { w.code = code }
func (w *countingWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
