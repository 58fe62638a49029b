package spool

import (
	"bytes"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

// res returns a valid result with the given id.
func res(id string) result.Result {
	return result.Result{
		ID: id, Branch: "b-001", Device: "atm-01", Check: "port", Kind: "tcp",
		Status: result.StatusOK, StartedAt: time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC), Reason: "port 443 open",
	}
}

func ids(rs []result.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// syncBuf is a log sink safe for concurrent writes.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func open(t *testing.T, path string, o Options) *Spool {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "spool.db")
	}
	s, err := Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func put(t *testing.T, s *Spool, p Priority, idList ...string) {
	t.Helper()
	rs := make([]result.Result, len(idList))
	prio := make([]Priority, len(idList))
	for i, id := range idList {
		rs[i], prio[i] = res(id), p
	}
	if err := s.Put(rs, prio); err != nil {
		t.Fatal(err)
	}
}

func mustNext(t *testing.T, s *Spool, n int) []string {
	t.Helper()
	rs, err := s.Next(n)
	if err != nil {
		t.Fatal(err)
	}
	return ids(rs)
}

func sameIDs(a, b []string) bool { return slices.Equal(a, b) }

func newLogger(w *syncBuf) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func seqIDs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%04d", prefix, i)
	}
	return out
}
