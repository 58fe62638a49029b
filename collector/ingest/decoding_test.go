package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// TestBodiesAreDecodedAFewAtATime holds the handler to its decoding
// tokens: with every token taken, a request whose body has arrived waits
// (it is neither stored nor answered) until one is given back, and one
// that ends while waiting is answered 503 with nothing stored.
func TestBodiesAreDecodedAFewAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &memStore{results: map[string]result.Result{}, contacts: map[string]store.Contact{}}
		toks, _ := auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon)})
		now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
		h := New(Options{Store: st, Tokens: toks, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
		if cap(h.decoding) < 2 {
			t.Fatalf("%d decoding tokens, want at least 2", cap(h.decoding))
		}
		for range cap(h.decoding) {
			h.decoding <- struct{}{}
		}
		request := func(ctx context.Context, id string) *http.Request {
			body := []byte(`{"branch":"lon","agent":{"version":"t","sent_at":"2026-11-24T08:25:00Z"},"results":[` +
				string(must(json.Marshal(res(id, "lon")))) + `]}`)
			r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/api/v1/results", bytes.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+tokLondon)
			r.Header.Set("Content-Type", "application/json")
			return r
		}
		waiting := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			h.ServeHTTP(waiting, request(context.Background(), "w1"))
		}()
		ctx, cancel := context.WithCancel(context.Background())
		ended := httptest.NewRecorder()
		endedDone := make(chan struct{})
		go func() {
			defer close(endedDone)
			h.ServeHTTP(ended, request(ctx, "e1"))
		}()
		synctest.Wait()
		select {
		case <-done:
			t.Fatalf("a request was answered %d with every decoding token taken", waiting.Code)
		default:
		}
		cancel()
		<-endedDone
		if ended.Code != http.StatusServiceUnavailable {
			t.Errorf("a request that ended while waiting was answered %d %s, want 503", ended.Code, ended.Body)
		}
		<-h.decoding // one token back
		<-done
		if waiting.Code != http.StatusOK {
			t.Fatalf("the waiting request was answered %d %s once a token came back, want 200", waiting.Code, waiting.Body)
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		if _, ok := st.results["w1"]; !ok {
			t.Error("the waiting request's result was not stored")
		}
		if _, ok := st.results["e1"]; ok {
			t.Error("the request that ended while waiting had its result stored")
		}
	})
}
