package crash

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/branchready/branchready/collector"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// mode is how the collector behaves towards the agent during a run.
type mode int32

const (
	// prompt answers at once.
	prompt mode = iota
	// slow stores the batch, then holds the answer back for up to 1.5 s,
	// so that kills land between "stored" and "acknowledged".
	slow
	// lossy stores the batch, then drops every other answer (the agent sees
	// the connection close): acknowledgements lost on the way back.
	lossy
)

func (m mode) String() string {
	return [...]string{"prompt", "slow", "lossy"}[m]
}

// ledger is what the collector saw, from outside the product code.
type ledger struct {
	mu sync.Mutex
	// deliveries counts, per result id, the POSTs that carried it.
	deliveries map[string]int
	// acked holds the ids of every 200 answer the collector sent, minus
	// the results it rejected.
	acked map[string]bool
	// posts, answersDropped and storeDuplicates are totals over the test.
	posts, answersDropped, storeDuplicates int
}

// figures is a snapshot of the ledger.
type figures struct {
	posts, answersDropped, storeDuplicates int
	delivered, distinctDelivered           int
	acked                                  map[string]bool
}

func (l *ledger) snapshot() figures {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := figures{posts: l.posts, answersDropped: l.answersDropped, storeDuplicates: l.storeDuplicates,
		distinctDelivered: len(l.deliveries), acked: make(map[string]bool, len(l.acked))}
	for _, n := range l.deliveries {
		f.delivered += n
	}
	for id := range l.acked {
		f.acked[id] = true
	}
	return f
}

// faultyCollector wraps the real collector's handler: it counts deliveries
// and acknowledgements, and misbehaves as its mode says.
type faultyCollector struct {
	next http.Handler
	mode atomic.Int32
	rmu  sync.Mutex
	rnd  *rand.Rand
	ledger
}

func (c *faultyCollector) set(m mode) { c.mode.Store(int32(m)) }

func (c *faultyCollector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/results" {
		c.next.ServeHTTP(w, r)
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return // the agent died while sending
	}
	ids := batchIDs(raw, r.Header.Get("Content-Encoding"))
	r.Body = io.NopCloser(bytes.NewReader(raw))
	rec := httptest.NewRecorder()
	c.next.ServeHTTP(rec, r)
	var ir result.IngestResponse
	stored := rec.Code == http.StatusOK && json.Unmarshal(rec.Body.Bytes(), &ir) == nil
	c.note(ids, ir, stored)
	switch mode(c.mode.Load()) {
	case slow:
		select {
		case <-time.After(c.delay()):
		case <-r.Context().Done():
			return // killed while waiting: no answer left the collector
		}
	case lossy:
		if c.coin() {
			c.dropped()
			panic(http.ErrAbortHandler) // close the connection without an answer
		}
	}
	if stored {
		c.ack(ids, ir)
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (c *faultyCollector) delay() time.Duration {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	return time.Duration(300+c.rnd.IntN(1200)) * time.Millisecond
}

func (c *faultyCollector) coin() bool {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	return c.rnd.IntN(2) == 0
}

func (c *faultyCollector) note(ids []string, ir result.IngestResponse, stored bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.posts++
	for _, id := range ids {
		c.deliveries[id]++
	}
	if stored {
		c.storeDuplicates += ir.Duplicates
	}
}

func (c *faultyCollector) dropped() {
	c.mu.Lock()
	c.answersDropped++
	c.mu.Unlock()
}

func (c *faultyCollector) ack(ids []string, ir result.IngestResponse) {
	rejected := map[int]bool{}
	for _, rj := range ir.Rejected {
		rejected[rj.Index] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, id := range ids {
		if !rejected[i] {
			c.acked[id] = true
		}
	}
}

// batchIDs returns the result ids of a batch as sent, in order; nil when the
// body does not decode (the collector will refuse it anyway).
func batchIDs(raw []byte, encoding string) []string {
	body := raw
	if encoding == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil
		}
		if body, err = io.ReadAll(zr); err != nil {
			return nil
		}
	}
	var b struct {
		Results []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	if json.Unmarshal(body, &b) != nil {
		return nil
	}
	ids := make([]string, len(b.Results))
	for i, r := range b.Results {
		ids[i] = r.ID
	}
	return ids
}

// collectorFixture is a real collector with a SQLite store, behind
// faultyCollector.
type collectorFixture struct {
	url   string
	store *sqlite.Store
	fault *faultyCollector
}

func startCollector(t *testing.T, seed uint64) collectorFixture {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "collector.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tokens, err := auth.NewTokens(nil)
	if err != nil {
		t.Fatal(err)
	}
	tokens.Add(branchID, branchToken)
	users, err := auth.NewUsers(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := collector.NewServer(collector.ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log})
	fc := &faultyCollector{next: srv.Handler, rnd: rand.New(rand.NewPCG(seed, 1)),
		ledger: ledger{deliveries: map[string]int{}, acked: map[string]bool{}}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: fc, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { _ = hs.Serve(ln); close(done) }()
	t.Cleanup(func() { hs.Close(); <-done })
	return collectorFixture{url: "http://" + ln.Addr().String(), store: st, fault: fc}
}
