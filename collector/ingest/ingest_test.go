package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/metrics"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// memStore is a fake store: idempotent on id, like the real ones.
type memStore struct {
	mu       sync.Mutex
	results  map[string]result.Result
	contacts map[string]store.Contact
	fail     bool
}

func (m *memStore) WriteResults(_ context.Context, rs []result.Result, _ time.Time) (int, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return 0, 0, io.ErrUnexpectedEOF
	}
	ins, dup := 0, 0
	for _, r := range rs {
		if _, ok := m.results[r.ID]; ok {
			dup++
			continue
		}
		m.results[r.ID] = r
		ins++
	}
	return ins, dup, nil
}

func (m *memStore) PutBranch(_ context.Context, id string, _ *result.Descriptor, c store.Contact) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.contacts[id] = c
	return nil
}

const (
	tokLondon = "london-token-0123456789abcdef"
	tokParis  = "paris-token-0123456789abcdef"
)

func setup(t *testing.T) (*httptest.Server, *memStore, time.Time) {
	t.Helper()
	st := &memStore{results: map[string]result.Result{}, contacts: map[string]store.Contact{}}
	toks, _ := auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon), "par": auth.HashToken(tokParis)})
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	h := New(Options{Store: st, Tokens: toks, Metrics: metrics.New(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }, MaxBodyBytes: 64 << 10, MaxResults: 100})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, st, now
}

func res(id, branch string) result.Result {
	return result.Result{ID: id, Branch: branch, Device: "atm-01", Check: "reachable", Kind: "tcp", Status: result.StatusOK,
		StartedAt: time.Date(2026, 11, 24, 8, 1, 0, 0, time.UTC), Reason: "answers"}
}

func post(t *testing.T, url, token string, body []byte, gz bool) (int, string) {
	t.Helper()
	code, b := postWith(t, url, token, body, gz)
	return code, storedAt.ReplaceAllString(b, "")
}

// postRaw posts an uncompressed body and returns the answer as it came.
func postRaw(t *testing.T, url, token string, body []byte) (int, string) {
	t.Helper()
	return postWith(t, url, token, body, false)
}

func postWith(t *testing.T, url, token string, body []byte, gz bool) (int, string) {
	t.Helper()
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = b.Bytes()
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/results", bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// storedAt matches the answer's stored_at, which
// TestTheAnswerSaysWhenTheBatchWasStored checks; the other tests compare
// the counts and refusals.

var storedAt = regexp.MustCompile(`,"stored_at":"[^"]*"`)

func batch(branch string, rs ...result.Result) []byte {
	b, _ := json.Marshal(result.Batch{Branch: branch, Agent: result.Agent{Version: "t", SentAt: time.Date(2026, 11, 24, 8, 25, 0, 0, time.UTC)}, Results: rs})
	return b
}

func TestAuthentication(t *testing.T) {
	srv, st, _ := setup(t)
	tests := []struct {
		name, token, branch string
		want                int
		body                string
	}{
		{"a request without a token is unauthorised", "", "lon", 401, `{"error":"missing bearer token: send Authorization: Bearer \u003cbranch token\u003e"}`},
		{"a wrong token is unauthorised", "wrong-token-0123456789", "lon", 401, `{"error":"unknown branch token"}`},
		{"another branch's token is forbidden", tokParis, "lon", 403, `{"error":"the token of branch \"par\" may not write branch \"lon\""}`},
		{"the branch's own token is accepted", tokLondon, "lon", 200, `{"accepted":1,"duplicates":0}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := post(t, srv.URL, tc.token, batch(tc.branch, res("r-"+tc.name, tc.branch)), false)
			if code != tc.want || body != tc.body {
				t.Errorf("got %d %s, want %d %s", code, body, tc.want, tc.body)
			}
		})
	}
	if len(st.results) != 1 {
		t.Errorf("%d results stored, want only the authorised one", len(st.results))
	}
}

func TestRetriedBatchStoresNothingTwice(t *testing.T) {
	srv, st, _ := setup(t)
	body := batch("lon", res("a", "lon"), res("b", "lon"), res("a", "lon"))
	if code, got := post(t, srv.URL, tokLondon, body, true); code != 200 || got != `{"accepted":2,"duplicates":1}` {
		t.Fatalf("first post: %d %s", code, got)
	}
	if code, got := post(t, srv.URL, tokLondon, body, true); code != 200 || got != `{"accepted":0,"duplicates":3}` {
		t.Fatalf("retry: %d %s", code, got)
	}
	if len(st.results) != 2 {
		t.Errorf("%d results stored, want 2", len(st.results))
	}
}

func TestBadItemsAreRejectedOneByOneAndGoodOnesKept(t *testing.T) {
	srv, st, now := setup(t)
	noStatus := res("c", "lon")
	noStatus.Status = "green"
	other := res("d", "par")
	body := []byte(`{"branch":"lon","agent":{"version":"t","sent_at":"2026-11-24T08:25:00Z"},"results":[` +
		string(must(json.Marshal(res("a", "lon")))) + `,` +
		`{"id":"b","branch":"lon","device":"atm-01","check":"c","kind":"tcp","status":"ok","started_at":"yesterday"},` +
		string(must(json.Marshal(noStatus))) + `,` +
		string(must(json.Marshal(other))) + `,` +
		string(must(json.Marshal(res("e", "lon")))) + `]}`)
	code, got := post(t, srv.URL, tokLondon, body, false)
	want := `{"accepted":2,"duplicates":0,"rejected":[` +
		`{"index":1,"error":"started_at \"yesterday\": must be an RFC 3339 time in a JSON string, such as \"2026-11-24T08:01:00Z\""},` +
		`{"index":2,"id":"c","error":"status \"green\": must be one of ok, degraded, fail, unknown"},` +
		`{"index":3,"id":"d","error":"branch \"par\": the token of branch \"lon\" may not write it"}]}`
	if code != 200 || got != want {
		t.Errorf("got %d\n%s\nwant\n%s", code, got, want)
	}
	if _, ok := st.results["a"]; !ok || len(st.results) != 2 {
		t.Errorf("stored %v, want a and e", st.results)
	}
	if skew := st.contacts["lon"].ClockSkew; skew != now.Sub(time.Date(2026, 11, 24, 8, 25, 0, 0, time.UTC)) {
		t.Errorf("clock skew %v, want 5m", skew)
	}
}

func TestMalformedAndOversizedRequestsGetPreciseErrors(t *testing.T) {
	srv, _, _ := setup(t)
	many := make([]result.Result, 101)
	for i := range many {
		many[i] = res(string(rune('a'+i%26))+strings.Repeat("x", i), "lon")
	}
	tests := []struct {
		name string
		body []byte
		gz   bool
		want int
		msg  string
	}{
		{"a body that is not JSON", []byte(`{"branch":"lon",`), false, 400, `{"error":"body is not a result batch: invalid JSON at byte 16: unexpected end of JSON input"}`},
		{"a body with a syntax error names the byte", []byte(`{"branch":"lon" "results":[]}`), false, 400,
			`{"error":"body is not a result batch: invalid JSON at byte 17: invalid character '\"' after object key:value pair"}`},
		{"results that are not a list", []byte(`{"branch":"lon","results":{}}`), false, 400,
			`{"error":"body is not a result batch: field \"results\" at byte 27: must be a list, found object"}`},
		{"too many results in one batch", batch("lon", many...), false, 413, `{"error":"batch of 101 results: at most 100 per request"}`},
		{"a body over the size limit", append(batch("lon"), bytes.Repeat([]byte(" "), 70<<10)...), false, 413,
			`{"error":"body of 71768 bytes: at most 65536 bytes per request; send smaller batches"}`},
		{"a gzip bomb", append(batch("lon")[:len(batch("lon"))-1], append(bytes.Repeat([]byte(" "), 40<<20), '}')...), true, 413,
			`{"error":"body expands to over 33554432 bytes; send smaller batches"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, got := post(t, srv.URL, tokLondon, tc.body, tc.gz)
			if code != tc.want || got != tc.msg {
				t.Errorf("got %d %s\nwant %d %s", code, got, tc.want, tc.msg)
			}
		})
	}
}

func TestStoreFailureAcknowledgesNothing(t *testing.T) {
	srv, st, _ := setup(t)
	st.fail = true
	code, got := post(t, srv.URL, tokLondon, batch("lon", res("a", "lon")), false)
	if code != 503 || got != `{"error":"store unavailable; nothing was stored, retry later"}` {
		t.Errorf("got %d %s", code, got)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// An agent whose clock is ten minutes slow still has its results placed
// where they happened on the collector's clock, and is flagged.
func TestResultsOfASkewedAgentArePlacedOnTheCollectorClock(t *testing.T) {
	st := &memStore{results: map[string]result.Result{}, contacts: map[string]store.Contact{}}
	toks, _ := auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon)})
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	h := New(Options{Store: st, Tokens: toks, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }, SkewThreshold: 2 * time.Minute})
	srv := httptest.NewServer(h)
	defer srv.Close()
	r := res("a", "lon")
	r.StartedAt = time.Date(2026, 11, 24, 8, 15, 0, 0, time.UTC) // agent clock: 08:15, really 08:25
	body, _ := json.Marshal(result.Batch{Branch: "lon", Agent: result.Agent{SentAt: now.Add(-10 * time.Minute)}, Results: []result.Result{r}})
	if code, got := post(t, srv.URL, tokLondon, body, false); code != 200 {
		t.Fatalf("%d %s", code, got)
	}
	if got := st.results["a"].StartedAt; !got.Equal(time.Date(2026, 11, 24, 8, 25, 0, 0, time.UTC)) {
		t.Errorf("stored event time %v, want 08:25 (corrected by the 10m skew)", got)
	}
	if st.contacts["lon"].ClockSkew != 10*time.Minute {
		t.Errorf("skew %v, want 10m", st.contacts["lon"].ClockSkew)
	}
	if got, want := st.results["a"].Reason, "the agent's clock was 10m0s slow, so this is placed 10m0s later"; !strings.Contains(got, want) {
		t.Errorf("stored reason %q, want it to say %q", got, want)
	}
}
