package alerting

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// bankSource is a branch directory's source of n branches described as
// the load generator's are (a calendar in one of 39 zones, 20 checks).
type bankSource struct{ bs []store.Branch }

func newBankSource(n int, now time.Time) *bankSource {
	zones := []string{"Europe/London", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney"}
	src := &bankSource{}
	for i := range n {
		hours := "08:00-17:00"
		d := &result.Descriptor{Name: fmt.Sprintf("Branch %05d", i), Region: fmt.Sprintf("region-%02d", i%10), Calendar: calendar.Spec{
			Timezone: zones[i%len(zones)], Lead: time.Hour, SweepStart: 30 * time.Minute, RetryInterval: 5 * time.Minute,
			BusinessInterval: 15 * time.Minute, Hours: calendar.Week{Mon: hours, Tue: hours, Wed: hours, Thu: hours, Fri: hours, Sat: hours, Sun: hours}}}
		for dev := range 4 {
			dv := result.Device{ID: fmt.Sprintf("dev-%d", dev), Kind: "atm", Criticality: result.Blocking}
			for c := range 5 {
				dv.Checks = append(dv.Checks, result.CheckRef{Name: fmt.Sprintf("check-%d", c), Kind: "tcp"})
			}
			d.Devices = append(d.Devices, dv)
		}
		id := fmt.Sprintf("b%05d", i)
		src.bs = append(src.bs, store.Branch{ID: id, Descriptor: d, Contact: store.Contact{At: now, ConfigHash: "h" + id}})
	}
	return src
}

func (s *bankSource) Branches(context.Context) ([]store.Branch, error) { return s.bs, nil }

func (s *bankSource) Branch(_ context.Context, id string) (store.Branch, error) {
	for _, b := range s.bs {
		if b.ID == id {
			return b, nil
		}
	}
	return store.Branch{}, store.ErrNotFound
}

// benchEngine is an engine (not running) over an empty SQLite store and a
// directory of n branches.
func benchEngine(b *testing.B, n int) (*Service, *bankSource, time.Time) {
	ctx := b.Context()
	log := slog.New(slog.DiscardHandler)
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "c.db"), log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC)
	src := newBankSource(n, now)
	routes := map[string][]alerts.Target{}
	for _, sb := range src.bs {
		routes[sb.ID] = []alerts.Target{{Notifier: "slack", Target: "#" + sb.ID}}
	}
	pol, err := alerts.New(alerts.Config{Thresholds: alerts.ThresholdConfig{Default: alerts.Thresholds{Fail: 1, Resolve: 1}},
		Routing: alerts.Routing{Default: []alerts.Target{{Notifier: "slack", Target: "#branches"}}, Branches: routes}}.WithDefaults(), nil)
	if err != nil {
		b.Fatal(err)
	}
	dir := branchdir.New(branchdir.Options{Source: src, Now: func() time.Time { return now }})
	s := New(Options{Store: st, Policy: pol, Log: log, Now: func() time.Time { return now }, Branches: dir})
	return s, src, now
}

// A tick over 20,000 branches the engine has not described yet (the first
// after a start, or in a wave's first round), and one over the same
// branches again.
func BenchmarkTickAtBankScale(b *testing.B) {
	for _, first := range []bool{true, false} {
		b.Run(fmt.Sprintf("first=%v", first), func(b *testing.B) {
			s, _, _ := benchEngine(b, 20000)
			ctx := b.Context()
			s.tick(ctx)
			for b.Loop() {
				if first {
					b.StopTimer()
					s.branches = map[string]*branch{}
					b.StartTimer()
				}
				s.tick(ctx)
			}
		})
	}
}

// The engine's first batch from each of 2,000 branches new to it, one
// failing check in seven, as a wave's first round hands them over.
func BenchmarkObserveFirstRound(b *testing.B) {
	s, src, now := benchEngine(b, 2000)
	ctx := b.Context()
	for b.Loop() {
		b.StopTimer()
		s.branches, s.seen = map[string]*branch{}, map[alerts.Key]time.Time{}
		b.StartTimer()
		run := make([]job, 0, maxQueuedRun)
		for i, sb := range src.bs {
			rs := make([]result.Result, 0, 20)
			for dev := range 4 {
				for c := range 5 {
					st := result.StatusOK
					if i%7 == 0 && dev == 1 && c == 2 {
						st = result.StatusFail
					}
					rs = append(rs, result.Result{ID: fmt.Sprint(i, dev, c), Branch: sb.ID, Device: fmt.Sprintf("dev-%d", dev),
						Check: fmt.Sprintf("check-%d", c), Kind: "tcp", Status: st, StartedAt: now.Add(-time.Duration(20-dev*5-c) * time.Second)})
				}
			}
			run = append(run, job{branches: []string{sb.ID}, f: func(ctx context.Context) { s.observe(ctx, sb.ID, observationsOf(rs)) }})
			if len(run) == maxQueuedRun || i == len(src.bs)-1 {
				s.prefetch(ctx, run)
				for _, j := range run {
					j.f(ctx)
				}
				s.staging = nil
				run = run[:0]
			}
		}
	}
}

// One check of a described branch failing and passing again: the engine
// opens, posts, resolves, updates and replies (three messages an
// operation), staged as for a save. The engine's own cost per message,
// without the store's.
func BenchmarkObserveMessages(b *testing.B) {
	s, src, now := benchEngine(b, 1)
	ctx := b.Context()
	id := src.bs[0].ID
	s.prefetch(ctx, []job{{branches: []string{id}}})
	at := now.Add(-time.Hour)
	batch := func(st result.Status) []result.Result {
		at = at.Add(time.Second)
		return []result.Result{{ID: fmt.Sprint(at.UnixNano()), Branch: id, Device: "dev-1", Check: "check-2", Kind: "tcp",
			Status: st, Reason: "cannot connect to 10.20.1.12:443: connection refused", StartedAt: at}}
	}
	msgs := 0
	b.ReportAllocs()
	for b.Loop() {
		s.observe(ctx, id, observationsOf(batch(result.StatusFail)))
		s.observe(ctx, id, observationsOf(batch(result.StatusOK)))
		for _, st := range s.staging {
			msgs += len(st.o.Messages)
		}
		s.staging = s.staging[:0]
	}
	if msgs != 3*b.N {
		b.Fatalf("%d messages in %d operations, want three an operation", msgs, b.N)
	}
}

// A described branch with nothing open whose 20 checks all pass: the
// common batch of a wave, which should cost the engine next to nothing.
func BenchmarkObservePassing(b *testing.B) {
	s, src, now := benchEngine(b, 1)
	ctx := b.Context()
	id := src.bs[0].ID
	s.prefetch(ctx, []job{{branches: []string{id}}})
	rs := make([]result.Result, 0, 20)
	for dev := range 4 {
		for c := range 5 {
			rs = append(rs, result.Result{ID: fmt.Sprint(dev, c), Branch: id, Device: fmt.Sprintf("dev-%d", dev),
				Check: fmt.Sprintf("check-%d", c), Kind: "tcp", Status: result.StatusOK, StartedAt: now.Add(time.Duration(dev*5+c) * time.Second)})
		}
	}
	obs := observationsOf(rs)
	b.ReportAllocs()
	for b.Loop() {
		s.observe(ctx, id, obs)
	}
	if len(s.staging) != 0 {
		b.Fatalf("%d outcomes staged for passing results", len(s.staging))
	}
}

// What Observe copies of a batch of 20 results for the loop, on ingest's
// goroutine: the results whole, or the observations the engine reads.
func BenchmarkHandOverCopy(b *testing.B) {
	now := time.Date(2026, 11, 26, 7, 30, 0, 0, time.UTC)
	rs := make([]result.Result, 0, 20)
	for i := range 20 {
		rs = append(rs, result.Result{ID: fmt.Sprint(i), Branch: "b00001", Device: "dev-1", Check: fmt.Sprint("check-", i), Kind: "tcp",
			Status: result.StatusOK, StartedAt: now, DurationMS: 12, Reason: "answers", Sweep: "pre-opening", AgentVersion: "1.0.0"})
	}
	var sink any
	b.Run("results", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = append([]result.Result(nil), rs...)
		}
	})
	b.Run("observations", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = observationsOf(rs)
		}
	})
	_ = sink
}

// A described branch with one check failing (its incident open) whose
// batch of 20 results holds that failure again and 19 passes, with the
// replay guard holding a thousand closed incidents: the batch of a
// branch that stays failing through a wave.
func BenchmarkObserveStillFailing(b *testing.B) {
	s, src, now := benchEngine(b, 1)
	ctx := b.Context()
	id := src.bs[0].ID
	s.prefetch(ctx, []job{{branches: []string{id}}})
	for i := range 1000 {
		s.seen[alerts.Key{Branch: fmt.Sprintf("b%05d", i+1), Device: "dev-1", Check: "check-2"}] = now
	}
	at := now.Add(-time.Hour)
	batch := func() []alerts.Observation {
		at = at.Add(time.Minute)
		rs := make([]result.Result, 0, 20)
		for dev := range 4 {
			for c := range 5 {
				st, reason := result.StatusOK, ""
				if dev == 1 && c == 2 {
					st, reason = result.StatusFail, "cannot connect to 10.20.1.12:443: connection refused"
				}
				rs = append(rs, result.Result{ID: fmt.Sprint(dev, c), Branch: id, Device: fmt.Sprintf("dev-%d", dev),
					Check: fmt.Sprintf("check-%d", c), Kind: "tcp", Status: st, Reason: reason, StartedAt: at.Add(time.Duration(dev*5+c) * time.Second)})
			}
		}
		return observationsOf(rs)
	}
	obs := batch()
	s.observe(ctx, id, obs)
	s.staging = s.staging[:0]
	b.ReportAllocs()
	for b.Loop() {
		for j := range obs {
			obs[j].At = obs[j].At.Add(time.Minute)
		}
		s.observe(ctx, id, obs)
		s.staging = s.staging[:0]
	}
}
