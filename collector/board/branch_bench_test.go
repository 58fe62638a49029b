package board

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// readCounter is a SQLite store that counts the reads made through it,
// by method; every other method (and so every optional interface the
// pages look for) is the store's own.
type readCounter struct {
	*sqlite.Store
	mu    sync.Mutex
	reads map[string]int
}

func (c *readCounter) count(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reads == nil {
		c.reads = map[string]int{}
	}
	c.reads[method]++
}

// take returns the reads counted since the last take.
func (c *readCounter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.reads
	c.reads = nil
	return r
}

func (c *readCounter) Results(ctx context.Context, branch string, from, to time.Time) ([]result.Result, error) {
	c.count("Results")
	return c.Store.Results(ctx, branch, from, to)
}
func (c *readCounter) ResultsOf(ctx context.Context, branches []string, from, to time.Time) (map[string][]result.Result, error) {
	c.count("ResultsOf")
	return c.Store.ResultsOf(ctx, branches, from, to)
}
func (c *readCounter) Branch(ctx context.Context, id string) (store.Branch, error) {
	c.count("Branch")
	return c.Store.Branch(ctx, id)
}
func (c *readCounter) Branches(ctx context.Context) ([]store.Branch, error) {
	c.count("Branches")
	return c.Store.Branches(ctx)
}
func (c *readCounter) Confirmations(ctx context.Context, branch, date string) ([]result.Confirmation, error) {
	c.count("Confirmations")
	return c.Store.Confirmations(ctx, branch, date)
}
func (c *readCounter) DescriptorVersions(ctx context.Context, branch string) ([]store.DescriptorVersion, error) {
	c.count("DescriptorVersions")
	return c.Store.DescriptorVersions(ctx, branch)
}
func (c *readCounter) BranchSLADays(ctx context.Context, branch string, dates []string) ([]store.SLADay, error) {
	c.count("BranchSLADays")
	return c.Store.BranchSLADays(ctx, branch, dates)
}
func (c *readCounter) MaintenanceWindows(ctx context.Context) ([]store.MaintenanceRecord, error) {
	c.count("MaintenanceWindows")
	return c.Store.MaintenanceWindows(ctx)
}

// BenchmarkBranchPage is the CPU and the store reads one branch page
// costs with 2,000 branches on SQLite, through the board's handler with
// the engine judging in the background as the collector runs it: "new",
// a branch not shown for a while (its strip of 30 days not kept), as an
// operator opening branch after branch during a wave; "again", the same
// branch shown again; "reported", a branch whose agent has just reported
// (judged again for the page: the engine has not yet). Run it with
// `go test -run '^$' -bench BranchPage -benchtime 200x ./collector/board/`.
// Besides ns/op (wall time) it reports cpu-ms/op (the process's CPU time,
// GC and the engine's background work included) and reads/op, the store
// reads per page, with their methods in the benchmark's log (-v).
func BenchmarkBranchPage(b *testing.B) {
	st := &readCounter{Store: seedBank(b, 2000)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	now := func() time.Time { return benchNow }
	// The engine and its branch directory as the collector makes them
	// for SQLite (collector.NewServer).
	dir := branchdir.New(branchdir.Options{Source: st, Now: now, Alone: true})
	e := &readiness.Engine{Store: st, Now: now, Poll: time.Hour, Branches: dir}
	go e.Run(ctx, func(err error) { b.Error(err) })
	h := http.NewServeMux()
	Register(h, e, st, now, slog.New(slog.DiscardHandler), loggedInAs(auth.Person{Name: "bench", Role: auth.Operations}))
	firstPage(b, h)
	next := 0
	for _, tc := range []struct {
		name   string
		branch func() string
	}{
		{name: "new", branch: func() string { next++; return fmt.Sprintf("b%05d", (next*7919)%2000) }},
		{name: "again", branch: func() string { return "b00420" }},
		{name: "reported", branch: func() string {
			next++
			id := fmt.Sprintf("b%05d", (next*7919)%2000)
			e.Invalidate(id)
			return id
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			page(b, h, "/branches/b00420") // the windows and the directory read
			st.take()
			var cpu time.Duration
			reads := map[string]int{}
			for b.Loop() {
				path := "/branches/" + tc.branch()
				cpu0 := cpuTime()
				page(b, h, path)
				cpu += cpuTime() - cpu0
				for m, n := range st.take() {
					reads[m] += n
				}
			}
			total := 0
			var each []string
			for m, n := range reads {
				total += n
				each = append(each, fmt.Sprintf("%s %.2f", m, float64(n)/float64(b.N)))
			}
			sort.Strings(each)
			b.Logf("store reads per page: %s", strings.Join(each, ", "))
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(total)/float64(b.N), "reads/op")
		})
	}
}
