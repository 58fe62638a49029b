package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/metrics"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// waveChecks is the number of checks of one simulated branch.
const waveChecks = 20

// BenchmarkIngestWave replays a pre-opening wave through the real ingest
// handler into a fresh durable SQLite store: one op is one branch's sweep of
// 20 results, posted gzipped by its own token as one batch (batches=1) or as
// four of five (batches=4), every batch carrying the branch's descriptor and
// health as an agent after a restart does. Every op is a distinct branch, so
// -benchtime 20000x is the wave of 400,000 results from 20,000 branches the
// issue measures. 64 callers share the two cores; readiness invalidation and
// the alert engine's hand-off are stood in for by a map delete and a queue
// (the collector's BenchmarkNotificationLatencyUnderLoad measures the engine).
//
//	go test -run '^$' -bench IngestWave -benchtime 20000x -cpuprofile /tmp/wave.cpu ./collector/ingest/
//	go tool pprof -top -nodecount 40 collector/ingest/ingest.test /tmp/wave.cpu
func BenchmarkIngestWave(b *testing.B) {
	for _, batches := range []int{1, 4} {
		b.Run(fmt.Sprintf("batches=%d", batches), func(b *testing.B) { benchWave(b, batches) })
	}
}

func benchWave(b *testing.B, batches int) {
	log := slog.New(slog.DiscardHandler)
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "wave.db"), log)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	toks, _ := auth.NewTokens(nil)
	now := time.Now().UTC()
	sweeps := make([][][]byte, b.N)
	for i := range sweeps {
		branch := fmt.Sprintf("wave-%05d", i)
		toks.Add(branch, waveToken(i))
		sweeps[i] = waveBodies(b, branch, now, batches)
	}
	invalid := &sync.Map{}
	observed := make(chan []result.Result, 1024)
	var seen atomic.Int64
	go func() {
		for rs := range observed {
			seen.Add(int64(len(rs)))
		}
	}()
	h := New(Options{Store: st, Tokens: toks, Metrics: metrics.New(), Log: log,
		Judge: func(branch string, _ store.Contact, _ []result.Result, _ bool) time.Time {
			invalid.Delete(branch)
			return time.Time{}
		},
		Stored: func(ctx context.Context, _ string, rs []result.Result) {
			select { // the alert engine copies the batch onto its loop
			case observed <- append([]result.Result(nil), rs...):
			case <-ctx.Done():
			}
		}})
	var next atomic.Int64
	b.SetParallelism(32) // 64 callers on 2 cores
	cpu := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1) - 1)
			for _, body := range sweeps[i] {
				if !postWave(b, h, waveToken(i), body) {
					return
				}
			}
		}
	})
	b.StopTimer()
	// CPU seconds per 400,000 results: unlike the wall time, hardly moved
	// by other work on a shared machine.
	b.ReportMetric((cpuTime()-cpu).Seconds()*400000/float64(b.N*waveChecks), "cpu-s/400k")
	close(observed)
	b.ReportMetric(float64(b.N*waveChecks)/b.Elapsed().Seconds(), "results/s")
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func waveToken(i int) string { return fmt.Sprintf("wave-token-%05d-0123456789abcdef", i) }

// postWave posts one gzipped batch and insists that all of it was stored.
func postWave(b *testing.B, h http.Handler, token string, body []byte) bool {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/results", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var ir result.IngestResponse
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &ir) != nil || len(ir.Rejected) > 0 || ir.Duplicates > 0 {
		b.Errorf("status %d: %s", rec.Code, rec.Body)
		return false
	}
	return true
}

// waveBodies returns branch's sweep as gzipped batches, one failing check
// in ten.
func waveBodies(b *testing.B, branch string, now time.Time, batches int) [][]byte {
	desc := waveDescriptor(branch)
	rs := make([]result.Result, waveChecks)
	for j := range rs {
		r := result.Result{ID: result.NewID(), Branch: branch, Device: desc.Devices[j/2].ID, Check: desc.Devices[j/2].Checks[j%2].Name,
			Kind: desc.Devices[j/2].Checks[j%2].Kind, Status: result.StatusOK, StartedAt: now.Add(-time.Duration(waveChecks-j) * time.Second),
			DurationMS: 3.25, Reason: "10.20.30.40:443 answers (connect 3ms)", Observations: map[string]float64{"latency_seconds": 0.00325},
			Sweep: "pre-opening-1", AgentVersion: "1.4.0"}
		if j%10 == 3 {
			r.Status, r.Reason = result.StatusFail, "10.20.30.41:443 refused the connection"
		}
		rs[j] = r
	}
	per := waveChecks / batches
	out := make([][]byte, 0, batches)
	for k := 0; k < waveChecks; k += per {
		batch := result.Batch{Branch: branch, Descriptor: desc, Results: rs[k:min(k+per, waveChecks)],
			Agent: result.Agent{Version: "1.4.0", ConfigHash: "sha256:0f3a9c" + branch, SentAt: now,
				Health: &result.Health{SpoolDepth: waveChecks - k, LastSweep: now, LastSweepReady: false}}}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if err := json.NewEncoder(zw).Encode(&batch); err != nil {
			b.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			b.Fatal(err)
		}
		out = append(out, buf.Bytes())
	}
	return out
}

// waveDescriptor is a branch of ten devices with two checks each.
func waveDescriptor(branch string) *result.Descriptor {
	d := &result.Descriptor{Name: "Branch " + branch, Region: "region-07",
		Calendar: calendar.Spec{Timezone: "Europe/Lisbon", Lead: 15 * time.Minute, SweepStart: time.Hour,
			Hours: calendar.Week{Mon: "08:30-16:00", Tue: "08:30-16:00", Wed: "08:30-16:00", Thu: "08:30-16:00", Fri: "08:30-15:00"}}}
	kinds := []string{"atm", "atm", "router", "printer", "kiosk", "counter", "counter", "screen", "safe", "switch"}
	for i, k := range kinds {
		crit := result.Blocking
		if i >= 4 {
			crit = result.Degrading
		}
		d.Devices = append(d.Devices, result.Device{ID: fmt.Sprintf("%s-%02d", k, i), Kind: k, Criticality: crit, Vendor: "Acme", Model: "X100",
			Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp", Remedy: "Call the branch IT desk on 2100 and read them the device id."},
				{Name: "service", Kind: "http", Remedy: "Restart the device from its front panel, then call IT if it persists."}}})
	}
	return d
}
