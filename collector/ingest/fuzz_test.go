package ingest

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// FuzzBatch posts arbitrary bodies, plain or gzipped, to the ingest
// handler: every answer is a deliberate one (never a 500), and nothing
// stored has an event time outside the accepted window.
func FuzzBatch(f *testing.F) {
	f.Add(batch("lon", res("a", "lon"), res("a", "lon")), false)
	f.Add(batch("lon", res("b", "lon")), true)
	f.Add([]byte(batchText(`{"id":"x","branch":"lon","device":"d","check":"c","kind":"k","status":"ok","started_at":"9999-12-31T00:00:00Z"}`)), false)
	f.Add([]byte(`{"branch":"lon","agent":{"version":"t","sent_at":"0001-01-01T00:00:01Z","health":{"spool_depth":-5,"dropped":1}},"results":[]}`), false)
	f.Add([]byte(`{"branch":"lon","agent":{"sent_at":5},"results":[{"started_at":7}],"x":1}`), false)
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	toks, _ := auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon)})
	f.Fuzz(func(t *testing.T, body []byte, gz bool) {
		st := &memStore{results: map[string]result.Result{}, contacts: map[string]store.Contact{}}
		h := New(Options{Store: st, Tokens: toks, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Now: func() time.Time { return now }, SkewThreshold: 2 * time.Minute, MaxBodyBytes: 1 << 20, MaxJSONBytes: 4 << 20})
		if gz {
			var b bytes.Buffer
			zw := gzip.NewWriter(&b)
			_, _ = zw.Write(body)
			_ = zw.Close()
			body = b.Bytes()
		}
		r := httptest.NewRequest(http.MethodPost, "/api/v1/results", bytes.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+tokLondon)
		r.Header.Set("Content-Type", "application/json")
		if gz {
			r.Header.Set("Content-Encoding", "gzip")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case 200, 400, 403, 413:
		default:
			t.Fatalf("answered %d: %s", w.Code, w.Body)
		}
		for _, res := range st.results {
			if res.StartedAt.Before(now.Add(-DefaultMaxAge)) || res.StartedAt.After(now.Add(DefaultMaxAhead)) {
				t.Fatalf("stored %s at %s, outside the window", res.ID, res.StartedAt)
			}
		}
		if h.budget.inUse() != 0 {
			t.Fatalf("%d bytes of budget still held", h.budget.inUse())
		}
	})
}
