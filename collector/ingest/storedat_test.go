package ingest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// clockedStore notes the clock when the contact, the last thing a batch
// writes, is stored.
type clockedStore struct {
	*memStore
	clock    func() time.Time
	storedAt time.Time
}

func (c *clockedStore) PutBranch(ctx context.Context, id string, d *result.Descriptor, ct store.Contact) error {
	c.storedAt = c.clock()
	return c.memStore.PutBranch(ctx, id, d, ct)
}

// The answer's stored_at is the moment the readiness judge gave when it
// was handed the batch (Judge), after the batch was stored: a judgement
// made at or after it includes the batch, and the judge judges the branch
// again at or after it, which is what a client waiting for judged_at
// relies on.
func TestTheAnswerSaysWhenTheBatchWasStored(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	var mu sync.Mutex
	ticks := 0
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		ticks++
		return t0.Add(time.Duration(ticks) * time.Millisecond)
	}
	st := &clockedStore{memStore: &memStore{results: map[string]result.Result{}, contacts: map[string]store.Contact{}}, clock: clock}
	toks, _ := auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon)})
	var handedAt time.Time
	h := New(Options{Store: st, Tokens: toks, Log: slog.New(slog.DiscardHandler), Now: clock,
		Judge: func(string, store.Contact, []result.Result, bool) time.Time { handedAt = clock(); return handedAt }, MaxBodyBytes: 64 << 10, MaxResults: 100})
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, body := postRaw(t, srv.URL, tokLondon, batch("lon", res("a", "lon")))
	var ir result.IngestResponse
	if err := json.Unmarshal([]byte(body), &ir); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	if ir.StoredAt.IsZero() || !ir.StoredAt.Equal(handedAt) || !handedAt.After(st.storedAt) {
		t.Fatalf("stored_at %v; want the moment the judge gave when handed the batch (%v), after the store wrote it (%v)", ir.StoredAt, handedAt, st.storedAt)
	}
}
