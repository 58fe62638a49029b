package board

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// waveWriters are the goroutines posting the wave, as many agents at once
// (the SQLite store commits the writes queued together).
const waveWriters = 64

// benchWave times the pages a user gets while a pre-opening wave arrives:
// every branch posts a sweep of its 20 devices (400,000 results at 20,000
// branches), stored as ingest stores them (results, then the contact, then
// the engine told), while the engine judges in the background as the
// collector runs it. One client asks for the first page and a branch page
// in turn, back to back, until every branch's judgement reflects its sweep
// (judged_at at or after its acknowledgement). It reports the pages' p50
// and p95, how long the wave took to store, and how long until every
// branch was judged current.
func benchWave(b *testing.B, st *sqlite.Store, n int) {
	start := time.Now()
	now := func() time.Time { return benchNow.Add(time.Since(start)) }
	e := &readiness.Engine{Store: st, Now: now}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.Run(ctx, func(err error) { b.Error(err) })
	h := http.NewServeMux()
	login := loggedInAs(auth.Person{Name: "bench", Role: auth.Operations})
	api.Register(h, e, st, now, slog.New(slog.DiscardHandler), login)
	Register(h, e, st, now, slog.New(slog.DiscardHandler), login)
	firstPage(b, h) // the first snapshot, before the wave
	b.ResetTimer()
	acked := make([]time.Time, n)
	var written atomic.Int64
	waveStart := time.Now()
	var wg sync.WaitGroup
	for w := range waveWriters {
		wg.Go(func() {
			for i := w; i < n; i += waveWriters {
				acked[i] = sweep(b, st, e, fmt.Sprintf("b%05d", i), now)
				written.Add(1)
			}
		})
	}
	var first, branch []time.Duration
	var stored time.Duration
	for k := 0; ; k++ {
		t := time.Now()
		page(b, h, "/")
		first = append(first, time.Since(t))
		t = time.Now()
		page(b, h, fmt.Sprintf("/branches/b%05d", (k*7919)%n))
		branch = append(branch, time.Since(t))
		if stored == 0 && written.Load() == int64(n) {
			wg.Wait()
			stored = time.Since(waveStart)
		}
		if stored != 0 && current(b, h, acked) {
			break
		}
	}
	judged := time.Since(waveStart)
	b.StopTimer()
	cancel()
	b.ReportMetric(ms(first, 0.50), "first-p50-ms")
	b.ReportMetric(ms(first, 0.95), "first-p95-ms")
	b.ReportMetric(ms(branch, 0.50), "branch-p50-ms")
	b.ReportMetric(ms(branch, 0.95), "branch-p95-ms")
	b.ReportMetric(stored.Seconds(), "wave-stored-s")
	b.ReportMetric(judged.Seconds(), "wave-judged-s")
	b.ReportMetric(float64(len(first)), "page-pairs")
}

// sweep stores a sweep of branch id as ingest does and returns when it
// was acknowledged.
func sweep(b *testing.B, st *sqlite.Store, e *readiness.Engine, id string, now func() time.Time) time.Time {
	ctx := context.Background()
	at := now()
	rs := make([]result.Result, benchDevices)
	for j := range rs {
		s := result.StatusOK
		if j == 1 && id[len(id)-1] == '7' {
			s = result.StatusFail // a tenth of the branches lose a blocking device
		}
		rs[j] = result.Result{ID: result.NewID(), Branch: id, Device: fmt.Sprintf("dev-%02d", j), Check: "reachable", Kind: "tcp",
			Status: s, StartedAt: at.Add(-time.Second), Reason: "connect 10.0.0.1:443: " + string(s)}
	}
	if _, _, err := st.WriteResults(ctx, rs, at); err != nil {
		b.Error(err)
	}
	if err := st.PutBranch(ctx, id, nil, store.Contact{At: at, AgentVersion: "1.0.0", ConfigHash: "sha256:" + id}); err != nil {
		b.Error(err)
	}
	e.Invalidate(id)
	return now()
}

// current reports whether every branch's judgement, as the JSON API lists
// it, was made at or after its sweep was acknowledged.
func current(b *testing.B, h http.Handler, acked []time.Time) bool {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/branches", nil))
	if w.Code != http.StatusOK {
		b.Fatalf("GET /api/v1/branches: %d", w.Code)
	}
	var list struct {
		Branches []readiness.BranchStatus `json:"branches"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
		b.Fatal(err)
	}
	for i, s := range list.Branches {
		if s.JudgedAt.Before(acked[i]) {
			return false
		}
	}
	return len(list.Branches) == len(acked)
}

func ms(took []time.Duration, q float64) float64 {
	s := slices.Sorted(slices.Values(took))
	return float64(s[min(len(s)-1, int(q*float64(len(s))))]) / float64(time.Millisecond)
}
