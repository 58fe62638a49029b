package shipper

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/agent/spool"
	"github.com/branchready/branchready/result"
)

func TestAFailedAnswerKeepsTheResultsAndWaitsAsTold(t *testing.T) {
	date := testNow.Add(90 * time.Second).Format(http.TimeFormat)
	for _, tc := range []struct {
		name  string
		fault func(int, *result.Batch, http.ResponseWriter, *http.Request) bool
		wait  time.Duration // 0: any backoff within bounds
	}{
		{"a 500 is retried with backoff", answer(500, `{"error":"internal error"}`), 0},
		{"a 502 without a body is retried with backoff", answer(502, ``), 0},
		{"a 429 waits the Retry-After seconds", answer(429, `{"error":"slow down"}`, "Retry-After", "7"), 7 * time.Second},
		{"a 503 waits until the Retry-After date", answer(503, `{"error":"store unavailable"}`, "Retry-After", date), 90 * time.Second},
		{"a Retry-After of an hour is capped at the longest backoff", answer(429, ``, "Retry-After", "3600"), 5 * time.Minute},
		{"a 429 without Retry-After backs off", answer(429, ``), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollector()
			c.fault = firstN(2, tc.fault)
			h := newHarness(t, serve(t, c).URL)
			ids := h.put("r", 10)
			h.untilIdle()
			for id, n := range c.check(t, ids) {
				if n != 3 {
					t.Errorf("%s arrived %d times, want 3 (two failures, one success)", id, n)
				}
			}
			waits := h.failureWaits()
			if len(waits) != 2 {
				t.Fatalf("waits %v, want 2", waits)
			}
			for _, d := range waits {
				if tc.wait != 0 && d != tc.wait {
					t.Errorf("waited %v, want %v", d, tc.wait)
				}
				if tc.wait == 0 && (d < time.Second || d > 2*time.Second) {
					t.Errorf("waited %v, want a backoff within [1s, 2s]", d)
				}
			}
		})
	}
}

func TestAnAnswerThatIsNotAnAcknowledgementIsRetriedWithoutLossOrDuplicates(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"a proxy's HTML page", "<html><body>Gateway says hello</body></html>"},
		{"a truncated JSON answer", `{"accepted": 7, "dupl`},
		{"an empty object from a proxy", `{}`},
		{"an answer counting fewer results than sent", `{"accepted": 3, "duplicates": 0}`},
		{"a rejection of an item that was not sent", `{"accepted": 9, "rejected": [{"index": 42, "error": "?"}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCollector()
			c.storeFirst = true // stored, but the acknowledgement is lost
			c.fault = firstN(1, answer(200, tc.body))
			h := newHarness(t, serve(t, c).URL)
			ids := h.put("r", 10)
			s := h.untilIdle()
			for id, n := range c.check(t, ids) {
				if n != 2 {
					t.Errorf("%s arrived %d times, want 2 (lost acknowledgement, retry)", id, n)
				}
			}
			if len(h.failureWaits()) != 1 || s.Status().Stored != 10 {
				t.Errorf("waits %v, stored %d: want one retry and 10 acknowledged", h.failureWaits(), s.Status().Stored)
			}
		})
	}
}

func TestASlowCollectorTimesOutAndTheRetryStoresNothingTwice(t *testing.T) {
	c := newCollector()
	c.storeFirst = true
	c.fault = firstN(1, func(_ int, _ *result.Batch, _ http.ResponseWriter, r *http.Request) bool {
		<-r.Context().Done() // hangs until the shipper gives up
		return true
	})
	h := newHarness(t, serve(t, c).URL)
	h.opts.Timeout = 100 * time.Millisecond
	ids := h.put("r", 5)
	s := h.untilIdle()
	c.check(t, ids)
	if st := s.Status(); !strings.Contains(st.LastError, "deadline exceeded") || st.LastErrorCode != 0 {
		t.Errorf("last error %q (code %d), want the timeout, with no HTTP status", st.LastError, st.LastErrorCode)
	}
}

func TestAnUntrustedCertificateIsAFailureThatKeepsEverything(t *testing.T) {
	c := newCollector()
	srv := httptest.NewTLSServer(c)
	t.Cleanup(srv.Close)
	h := newHarness(t, srv.URL)
	ids := h.put("r", 5)
	ctx, cancel := context.WithCancel(context.Background())
	h.onWait = func(n int) {
		if n == 3 {
			cancel()
		}
	}
	h.opts.Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{}}}
	s := New(h.opts)
	if err := s.Run(ctx); err != context.Canceled {
		t.Fatalf("Run = %v", err)
	}
	if st := s.Status(); !strings.Contains(st.LastError, "certificate") || st.ConsecutiveFailures != 3 {
		t.Errorf("status %+v, want 3 certificate failures", st)
	}
	if h.sp.Depth() != 5 {
		t.Errorf("spool holds %d, want all 5 kept", h.sp.Depth())
	}
	h.opts.Client = srv.Client() // the operator installs the CA
	h.untilIdle()
	c.check(t, ids)
}

func TestA413SplitsTheBatchUntilItFits(t *testing.T) {
	c := newCollector()
	c.fault = func(_ int, b *result.Batch, w http.ResponseWriter, r *http.Request) bool {
		if len(b.Results) <= 100 {
			return false
		}
		return answer(413, `{"error":"batch too large"}`)(0, b, w, r)
	}
	h := newHarness(t, serve(t, c).URL)
	ids := h.put("r", 250)
	h.untilIdle()
	for id, n := range c.check(t, ids) {
		if n != 3 { // in 250, in 125, in 62 or 63
			t.Errorf("%s arrived %d times, want 3", id, n)
		}
	}
	if w := h.failureWaits(); len(w) != 0 {
		t.Errorf("splitting waited %v: it is not a failure", w)
	}
}

func TestA400DropsOnlyTheResultTheCollectorCannotRead(t *testing.T) {
	c := newCollector()
	c.fault = func(_ int, b *result.Batch, w http.ResponseWriter, r *http.Request) bool {
		for _, res := range b.Results {
			if res.ID == "r-0006" {
				return answer(400, `{"error":"field \"observations\" at byte 97: must be an object"}`)(0, b, w, r)
			}
		}
		return false
	}
	h := newHarness(t, serve(t, c).URL)
	ids := h.put("r", 10)
	s := h.untilIdle()
	c.check(t, append(ids[:6:6], ids[7:]...))
	if got := h.sp.Dropped()[spool.ReasonRejected]; got != 1 || s.Status().Rejected != 1 {
		t.Errorf("dropped %d, status rejected %d: want the one malformed result", got, s.Status().Rejected)
	}
	if n := strings.Count(h.log.String(), `must be an object`); n != 1 {
		t.Errorf("the collector's error logged %d times, want once:\n%s", n, h.log.String())
	}
}

func TestACollectorThatRefusesEverythingAs400EmptiesNothing(t *testing.T) {
	c := newCollector()
	ctx, cancel := context.WithCancel(context.Background())
	c.fault = answer(400, `{"error":"unknown protocol version"}`)
	h := newHarness(t, serve(t, c).URL)
	h.put("r", 8)
	h.onWait = func(n int) {
		if n == 2 {
			cancel()
		}
	}
	s := New(h.opts)
	_ = s.Run(ctx)
	if h.sp.Depth() != 8 || len(h.sp.Dropped()) != 0 {
		t.Errorf("spool depth %d, dropped %v: want all 8 kept", h.sp.Depth(), h.sp.Dropped())
	}
	if !strings.Contains(s.Status().LastError, "unknown protocol version") {
		t.Errorf("last error %q lacks the collector's reason", s.Status().LastError)
	}
}

func TestAResultRejectedByTheCollectorLeavesTheSpoolAndIsCounted(t *testing.T) {
	c := newCollector()
	c.reject["r-0003"] = `branch "b-002": the token of branch "b-001" may not write it`
	h := newHarness(t, serve(t, c).URL)
	ids := h.put("r", 5)
	s := h.untilIdle()
	c.check(t, append(ids[:3:3], ids[4:]...))
	if h.sp.Depth() != 0 || h.sp.Dropped()[spool.ReasonRejected] != 1 || s.Status().Rejected != 1 {
		t.Errorf("depth %d, dropped %v, status %+v", h.sp.Depth(), h.sp.Dropped(), s.Status())
	}
	if n := strings.Count(h.log.String(), `may not write it`); n != 1 {
		t.Errorf("rejection logged %d times, want once", n)
	}
}

func TestA401KeepsEverythingAndSaysToCheckTheToken(t *testing.T) {
	c := newCollector()
	h := newHarness(t, serve(t, c).URL)
	h.opts.Token = "an-old-token-of-this-branch"
	h.put("r", 4)
	ctx, cancel := context.WithCancel(context.Background())
	h.onWait = func(n int) {
		if n == 3 {
			cancel()
		}
	}
	s := New(h.opts)
	_ = s.Run(ctx)
	for _, d := range h.failureWaits() {
		if d != DefaultMaxBackoff {
			t.Errorf("waited %v after a 401, want the longest interval %v", d, DefaultMaxBackoff)
		}
	}
	if h.sp.Depth() != 4 {
		t.Errorf("spool holds %d, want all 4 kept", h.sp.Depth())
	}
	if !strings.Contains(h.log.String(), "collector rejected the branch token (401): check collector.token_file") {
		t.Errorf("log does not say what to fix:\n%s", h.log.String())
	}
	if st := s.Status(); st.LastErrorCode != http.StatusUnauthorized {
		t.Errorf("status %+v: last error code %d, want 401 (status must tell a refused token from an unreachable collector)", st, st.LastErrorCode)
	}
}

func TestAResultRefusedForItsEventTimeIsCountedAsAClockProblem(t *testing.T) {
	c := newCollector()
	c.reject["r-0002"] = "started_at 2026-11-24T09:25:00Z: after its batch was sent (2026-11-24T08:25:00Z): the agent's clock was ahead when the check ran"
	c.codes = map[string]string{"r-0002": result.RejectEventTime}
	c.reject["r-0004"] = "status \"green\": must be one of ok, degraded, fail, unknown"
	h := newHarness(t, serve(t, c).URL)
	h.put("r", 5)
	h.untilIdle()
	if d := h.sp.Dropped(); d[ReasonClock] != 1 || d[spool.ReasonRejected] != 1 || h.sp.Depth() != 0 {
		t.Errorf("dropped %v with %d left; want rejected_clock 1 and rejected 1", d, h.sp.Depth())
	}
}
