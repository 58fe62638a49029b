package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/metrics"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// BenchmarkIngest measures the ingest handler end to end (decode, validate,
// durable SQLite commit) against the same handler decoding and discarding,
// with batches of 500 from 8 concurrent callers. The load command over real
// HTTP is `branchready-collector loadgen` (BENCHMARKS.md).
func BenchmarkIngest(b *testing.B) {
	for _, mode := range []string{"discard", "sqlite"} {
		b.Run(mode, func(b *testing.B) {
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "b.db"), log)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			toks, _ := auth.NewTokens(nil)
			toks.Add("bench", "bench-token-0123456789abcdef")
			h := New(Options{Store: st, Tokens: toks, Metrics: metrics.New(), Log: log, Discard: mode == "discard"})
			bodies := make([][]byte, b.N)
			now := time.Now().UTC()
			for i := range bodies {
				batch := result.Batch{Branch: "bench", Agent: result.Agent{Version: "bench", SentAt: now}}
				for j := range 500 {
					batch.Results = append(batch.Results, result.Result{ID: result.NewID(), Branch: "bench",
						Device: fmt.Sprintf("atm-%02d", j%20), Check: "reachable", Kind: "tcp", Status: result.StatusOK,
						StartedAt: now, DurationMS: 1.2, Reason: "10.0.0.1:443 answers (connect 1ms)"})
				}
				bodies[i], _ = json.Marshal(batch)
			}
			b.SetParallelism(4) // 8 callers on 2 cores
			next := make(chan []byte, len(bodies))
			for _, body := range bodies {
				next <- body
			}
			close(next)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, "/api/v1/results", bytes.NewReader(<-next))
					req.Header.Set("Authorization", "Bearer bench-token-0123456789abcdef")
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != 200 {
						b.Errorf("status %d: %s", rec.Code, rec.Body)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "results/s")
		})
	}
}
