package shipper

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/agent/spool"
	"github.com/branchready/branchready/result"
)

// idle is the poll interval in tests: a wait that long means the spool was
// empty, and the fake After never fires it (only Kick or the end of the test).
const idle = 97 * time.Hour

var testNow = time.Date(2026, 3, 2, 6, 30, 0, 0, time.UTC)

// harness runs a shipper against a real spool with a fake After that never
// sleeps and records every wait.
type harness struct {
	t    *testing.T
	sp   *spool.Spool
	opts Options
	log  syncBuf

	mu     sync.Mutex
	waits  []time.Duration // failure waits, in order
	onWait func(n int)     // called with the number of failure waits so far
	idleCh chan struct{}
}

func newHarness(t *testing.T, url string) *harness {
	t.Helper()
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"), spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sp.Close() })
	h := &harness{t: t, sp: sp, idleCh: make(chan struct{}, 1)}
	h.opts = Options{
		URL: url, Token: testToken, Branch: "b-001", Spool: sp, BatchSize: 500,
		Agent:        func() result.Agent { return result.Agent{Version: "test", ConfigHash: "h1"} },
		Descriptor:   func() *result.Descriptor { return &result.Descriptor{Name: "Branch 1"} },
		Log:          slog.New(slog.NewTextHandler(&h.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:          func() time.Time { return testNow },
		PollInterval: idle, Heartbeat: -1, After: h.after,
	}
	return h
}

func (h *harness) after(d time.Duration) <-chan time.Time {
	if d == idle {
		select {
		case h.idleCh <- struct{}{}:
		default:
		}
		return nil
	}
	h.mu.Lock()
	h.waits = append(h.waits, d)
	n, f := len(h.waits), h.onWait
	h.mu.Unlock()
	if f != nil {
		f(n)
	}
	ch := make(chan time.Time, 1)
	ch <- testNow
	return ch
}

func (h *harness) failureWaits() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.waits...)
}

// put spools n results named prefix-0000... and returns their ids.
func (h *harness) put(prefix string, n int) []string {
	h.t.Helper()
	rs := make([]result.Result, n)
	for i := range rs {
		rs[i] = result.Result{
			ID: fmt.Sprintf("%s-%04d", prefix, i), Branch: "b-001", Device: "atm-01", Check: "port", Kind: "tcp",
			Status: result.StatusOK, StartedAt: testNow, Reason: "port 443 open",
		}
	}
	if err := h.sp.Put(rs, nil); err != nil {
		h.t.Fatal(err)
	}
	return batchIDs(rs)
}

// run starts the shipper; the returned stop cancels it and waits for Run.
func (h *harness) run(s *Shipper) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != context.Canceled {
			h.t.Errorf("Run returned %v, want context.Canceled", err)
		}
	}
}

// untilIdle runs a new shipper until the spool is empty and it waits for
// work, and returns it.
func (h *harness) untilIdle() *Shipper {
	s := New(h.opts)
	stop := h.run(s)
	<-h.idleCh
	stop()
	return s
}

// syncBuf is a log sink safe for concurrent writes.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func answer(code int, body string, headers ...string) func(int, *result.Batch, http.ResponseWriter, *http.Request) bool {
	return func(_ int, _ *result.Batch, w http.ResponseWriter, _ *http.Request) bool {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
		return true
	}
}

// firstN applies f to the first n requests only.
func firstN(n int, f func(int, *result.Batch, http.ResponseWriter, *http.Request) bool) func(int, *result.Batch, http.ResponseWriter, *http.Request) bool {
	return func(i int, b *result.Batch, w http.ResponseWriter, r *http.Request) bool {
		return i <= n && f(i, b, w, r)
	}
}
