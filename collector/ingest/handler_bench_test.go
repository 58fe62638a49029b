package ingest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/metrics"
)

// BenchmarkIngestHandler is the handler's own share of a wave: a branch's
// sweep of 20 results with its health, gzipped, as in BenchmarkIngestWave,
// decoded and validated but not stored (Discard), so that token lookup,
// decode, validation and the reply are all it measures. With the
// branch's descriptor, as an agent's first batch after a start carries
// it, and without, as the later rounds of a wave (loadgen's too) do.
//
//	go test -run '^$' -bench IngestHandler -benchtime 20000x -cpuprofile /tmp/h.cpu ./collector/ingest/
func BenchmarkIngestHandler(b *testing.B) {
	for _, desc := range []bool{true, false} {
		b.Run(fmt.Sprintf("descriptor=%v", desc), func(b *testing.B) { benchHandler(b, desc) })
	}
}

func benchHandler(b *testing.B, withDescriptor bool) {
	log := slog.New(slog.DiscardHandler)
	const branches = 1000
	toks, _ := auth.NewTokens(nil)
	now := time.Now().UTC()
	bodies := make([][]byte, branches)
	for i := range bodies {
		branch := fmt.Sprintf("wave-%05d", i)
		toks.Add(branch, waveToken(i))
		bodies[i] = gzipped(b, waveJSON(b, branch, now, withDescriptor))
	}
	h := New(Options{Tokens: toks, Metrics: metrics.New(), Log: log, Discard: true})
	b.ReportAllocs()
	cpu := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/results", bytes.NewReader(bodies[i%branches]))
		req.Header.Set("Authorization", "Bearer "+waveToken(i%branches))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	// CPU per request: the wall time means little on a shared machine.
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-us/op")
}

// gzipped is body as an agent sends it.
func gzipped(b *testing.B, body []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(body); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
