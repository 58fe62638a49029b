package ingest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// batchStore is a memStore that also writes a request in one call, as the
// SQLite store does; its two-call methods fail, to prove they are not used.
type batchStore struct {
	memStore
	calls int
}

func (b *batchStore) WriteBatch(ctx context.Context, branch string, rs []result.Result, at time.Time, d *result.Descriptor, c store.Contact) (int, int, error) {
	b.mu.Lock()
	b.calls++
	fail := b.fail
	b.mu.Unlock()
	if fail {
		return 0, 0, io.ErrUnexpectedEOF
	}
	ins, dup, _ := b.memStore.WriteResults(ctx, rs, at)
	b.mu.Lock()
	b.contacts[branch] = c
	b.mu.Unlock()
	return ins, dup, nil
}

func (b *batchStore) WriteResults(context.Context, []result.Result, time.Time) (int, int, error) {
	return 0, 0, io.ErrClosedPipe
}

func (b *batchStore) PutBranch(context.Context, string, *result.Descriptor, store.Contact) error {
	return io.ErrClosedPipe
}

func TestAStoreThatWritesBatchesGetsResultsAndContactInOneCall(t *testing.T) {
	st := &batchStore{memStore: memStore{results: map[string]result.Result{}, contacts: map[string]store.Contact{}}}
	toks, _ := auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon)})
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	h := New(Options{Store: st, Tokens: toks, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	srv := httptest.NewServer(h)
	defer srv.Close()

	code, got := post(t, srv.URL, tokLondon, batch("lon", res("a", "lon"), res("b", "lon"), res("a", "lon")), true)
	if code != 200 || got != `{"accepted":2,"duplicates":1}` {
		t.Fatalf("got %d %s, want 2 accepted and 1 duplicate", code, got)
	}
	st.mu.Lock()
	calls, stored, contact := st.calls, len(st.results), st.contacts["lon"]
	st.mu.Unlock()
	if calls != 1 || stored != 2 || !contact.At.Equal(now) {
		t.Fatalf("%d calls, %d results, contact %+v; want one call storing both results and the contact", calls, stored, contact)
	}
	code, _ = post(t, srv.URL, tokLondon, batch("lon"), false)
	st.mu.Lock()
	calls = st.calls
	st.fail = true
	st.mu.Unlock()
	if code != 200 || calls != 2 {
		t.Fatalf("an empty batch (heartbeat) answered %d after %d calls, want 200 and its contact written", code, calls)
	}
	code, got = post(t, srv.URL, tokLondon, batch("lon", res("c", "lon")), false)
	if code != 503 || got != `{"error":"store unavailable; nothing was stored, retry later"}` {
		t.Fatalf("a failing store answered %d %s, want 503 saying nothing was stored", code, got)
	}
}
