package ingest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/metrics"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// handler is setup with the handler and its metrics in reach.
func handler(t *testing.T, o Options) (*httptest.Server, *Handler, *memStore, *metrics.Metrics) {
	t.Helper()
	st := &memStore{results: map[string]result.Result{}, contacts: map[string]store.Contact{}}
	o.Store = st
	o.Tokens, _ = auth.NewTokens(map[string]string{"lon": auth.HashToken(tokLondon)})
	o.Metrics = metrics.New()
	o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC)
	o.Now = func() time.Time { return now }
	h := New(o)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, h, st, o.Metrics
}

func at(s string) time.Time {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return v
}

func TestEventTimesOutOfRangeAreRefusedOneByOne(t *testing.T) {
	tests := []struct {
		name, startedAt, want string
	}{
		{"the last day of year 9999 is refused, not wrapped", "9999-12-31T00:00:00Z",
			`started_at 9999-12-31T00:00:00Z: after its batch was sent (2026-11-24T08:25:00Z): the agent's clock was ahead when the check ran`},
		{"the first day of year 1 is refused, not wrapped", "0001-01-01T00:00:01Z",
			`started_at 0001-01-01T00:00:01Z: more than 720h0m0s before the collector received it (2026-11-24T08:30:00Z)`},
		{"a result 31 days old is refused", "2026-10-24T08:00:00Z",
			`started_at 2026-10-24T08:00:00Z: more than 720h0m0s before the collector received it (2026-11-24T08:30:00Z)`},
		{"a result stamped an hour after its batch left is refused", "2026-11-24T09:25:00Z",
			`started_at 2026-11-24T09:25:00Z: after its batch was sent (2026-11-24T08:25:00Z): the agent's clock was ahead when the check ran`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _, st, m := handler(t, Options{})
			r := res("x", "lon")
			r.StartedAt = at(tc.startedAt)
			code, got := post(t, srv.URL, tokLondon, batch("lon", r, res("ok", "lon")), false)
			var resp result.IngestResponse
			_ = json.Unmarshal([]byte(got), &resp)
			if code != 200 || resp.Accepted != 1 || len(resp.Rejected) != 1 || resp.Rejected[0].Error != tc.want || resp.Rejected[0].Code != result.RejectEventTime {
				t.Fatalf("got %d %s\nwant one rejection: %s", code, got, tc.want)
			}
			if _, stored := st.results["x"]; stored {
				t.Error("the refused result was stored")
			}
			if n := testutil.ToFloat64(m.IngestResults.WithLabelValues("rejected")); n != 1 {
				t.Errorf("rejected counter %v, want 1", n)
			}
		})
	}
}

func TestAFutureStampedResultIsCounted(t *testing.T) {
	srv, _, _, m := handler(t, Options{})
	r := res("x", "lon")
	r.StartedAt = at("2026-11-24T09:25:00Z")
	post(t, srv.URL, tokLondon, batch("lon", r), false)
	if n := testutil.ToFloat64(m.IngestResults.WithLabelValues("future")); n != 1 {
		t.Errorf("future counter %v, want 1", n)
	}
}

func TestASentAtTheSkewArithmeticCannotHoldRefusesTheBatch(t *testing.T) {
	for _, sentAt := range []string{"0001-01-01T00:00:01Z", "9999-12-31T23:59:59Z"} {
		t.Run("sent_at "+sentAt+" is refused", func(t *testing.T) {
			srv, _, st, _ := handler(t, Options{SkewThreshold: 2 * time.Minute})
			body := `{"branch":"lon","agent":{"version":"t","sent_at":"` + sentAt + `"},"results":[` + string(must(json.Marshal(res("a", "lon")))) + `]}`
			code, got := post(t, srv.URL, tokLondon, []byte(body), false)
			want := `{"error":"agent.sent_at ` + sentAt + `: more than 100 years from the collector's clock (2026-11-24T08:30:00Z); set the agent's clock"}`
			if code != 400 || got != want {
				t.Errorf("got %d %s\nwant 400 %s", code, got, want)
			}
			if len(st.results) != 0 {
				t.Errorf("stored %v", st.results)
			}
		})
	}
}

func TestStrictDecodingNamesTheFieldAndTheRule(t *testing.T) {
	item := string(must(json.Marshal(res("a", "lon"))))
	tests := []struct {
		name, contentType, body string
		wantCode                int
		want                    string
	}{
		{"a text/plain body is refused", "text/plain", batchText(item), 415, `{"error":"Content-Type \"text/plain\": must be application/json"}`},
		{"an unknown field of the batch is refused", "application/json", `{"branch":"lon","agent":{"version":"t"},"results":[],"extra":1}`, 400,
			`{"error":"body is not a result batch: unknown field \"extra\": not part of a result batch"}`},
		{"a numeric sent_at names the field and the format", "application/json", `{"branch":"lon","agent":{"version":"t","sent_at":5},"results":[]}`, 400,
			`{"error":"body is not a result batch: agent.sent_at 5: must be an RFC 3339 time in a JSON string, such as \"2026-11-24T08:01:00Z\""}`},
		{"a numeric started_at names the field and the format", "application/json; charset=utf-8",
			batchText(strings.Replace(item, `"2026-11-24T08:01:00Z"`, `1764000000`, 1)), 200,
			`{"accepted":0,"duplicates":0,"rejected":[{"index":0,"error":"started_at 1764000000: must be an RFC 3339 time in a JSON string, such as \"2026-11-24T08:01:00Z\""}]}`},
		{"an unknown field of a result is refused", "application/json", batchText(strings.Replace(item, `{`, `{"colour":"red",`, 1)), 200,
			`{"accepted":0,"duplicates":0,"rejected":[{"index":0,"error":"unknown field \"colour\": not part of a result batch"}]}`},
		{"a long agent version is refused", "application/json", `{"branch":"lon","agent":{"version":"` + strings.Repeat("v", 65) + `"},"results":[]}`, 400,
			`{"error":"agent.version: longer than 64 bytes"}`},
		{"a long branch name in the descriptor is refused", "application/json", `{"branch":"lon","agent":{"version":"t"},"descriptor":{"name":"` + strings.Repeat("n", 129) + `","calendar":{},"devices":[]},"results":[]}`, 400,
			`{"error":"descriptor.name and descriptor.region: at most 128 bytes each"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _, _, _ := handler(t, Options{})
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/results", strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+tokLondon)
			req.Header.Set("Content-Type", tc.contentType)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if got := storedAt.ReplaceAllString(strings.TrimSpace(string(b)), ""); resp.StatusCode != tc.wantCode || got != tc.want {
				t.Errorf("got %d %s\nwant %d %s", resp.StatusCode, got, tc.wantCode, tc.want)
			}
		})
	}
}

func batchText(items ...string) string {
	return `{"branch":"lon","agent":{"version":"t","sent_at":"2026-11-24T08:25:00Z"},"results":[` + strings.Join(items, ",") + `]}`
}

func TestDuplicatesInsideABatchAreCounted(t *testing.T) {
	srv, _, _, m := handler(t, Options{})
	post(t, srv.URL, tokLondon, batch("lon", res("a", "lon"), res("a", "lon"), res("a", "lon")), false)
	if n := testutil.ToFloat64(m.IngestResults.WithLabelValues("duplicate")); n != 2 {
		t.Errorf("duplicate counter %v, want 2", n)
	}
}

func TestDecodingPastTheBudgetIsAnsweredRetryLater(t *testing.T) {
	srv, h, _, _ := handler(t, Options{MaxDecodeBytes: 1 << 20})
	if !h.budget.take(1 << 20) {
		t.Fatal("could not fill the budget")
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/results", bytes.NewReader(batch("lon", res("a", "lon"))))
	req.Header.Set("Authorization", "Bearer "+tokLondon)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("got %d, Retry-After %q: want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	h.budget.give(1 << 20)
	if code, got := post(t, srv.URL, tokLondon, batch("lon", res("a", "lon")), false); code != 200 {
		t.Errorf("after the budget was freed: %d %s", code, got)
	}
}

// Forty parallel gzip bodies that each expand to 1 MiB, against a budget of
// 2 MiB: each is stored or answered 503, and every byte is given back.
func TestParallelInflatingBodiesStayWithinTheBudget(t *testing.T) {
	srv, h, _, _ := handler(t, Options{MaxDecodeBytes: 2 << 20, MaxBodyBytes: 1 << 20})
	body := append(batch("lon", res("a", "lon"))[:0:0], batch("lon", res("a", "lon"))...)
	body = append(body[:len(body)-1], append(bytes.Repeat([]byte(" "), 1<<20), '}')...)
	var wg sync.WaitGroup
	codes := make(chan int, 40)
	for range 40 {
		wg.Go(func() {
			code, _ := post(t, srv.URL, tokLondon, body, true)
			codes <- code
		})
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != 200 && code != 503 {
			t.Errorf("answered %d, want 200 or 503", code)
		}
	}
	if n := h.budget.inUse(); n != 0 {
		t.Errorf("%d bytes still held after every request ended", n)
	}
}
