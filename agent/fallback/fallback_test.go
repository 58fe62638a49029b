package fallback

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

// hook is a Slack incoming webhook that records what it receives.
type hook struct {
	mu     sync.Mutex
	bodies []string
	status int
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.bodies = append(h.bodies, string(b))
	if h.status != 0 {
		w.WriteHeader(h.status)
		return
	}
	io.WriteString(w, "ok")
}

func (h *hook) posts() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

var deadline = time.Date(2026, 11, 26, 8, 45, 0, 0, time.UTC)

func situation(lastAck time.Time, failing ...string) Situation {
	s := Situation{Branch: "br-001", BranchName: "Main Street", Date: "2026-11-26", Deadline: deadline, LastAck: lastAck}
	for _, d := range failing {
		s.Failing = append(s.Failing, result.Result{Device: d, Check: "reachable", Status: result.StatusFail, Reason: "connection refused"})
	}
	return s
}

func TestFallbackPostsOnlyWhenTheCollectorIsUnreachableNearTheDeadline(t *testing.T) {
	for _, c := range []struct {
		name    string
		now     time.Time
		lastAck time.Time
		want    int
	}{
		{"the collector acknowledged a minute ago", deadline.Add(-20 * time.Minute), deadline.Add(-21 * time.Minute), 0},
		{"the collector is silent for 30 minutes, 20 minutes before the deadline", deadline.Add(-20 * time.Minute), deadline.Add(-50 * time.Minute), 1},
		{"the collector is silent but the deadline is three hours away", deadline.Add(-3 * time.Hour), deadline.Add(-4 * time.Hour), 0},
		{"the collector is silent, half an hour after the deadline", deadline.Add(30 * time.Minute), deadline.Add(-time.Hour), 1},
		{"the collector is silent, the deadline long past", deadline.Add(3 * time.Hour), deadline.Add(-time.Hour), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &hook{}
			srv := httptest.NewServer(h)
			defer srv.Close()
			f := New(Options{WebhookURL: srv.URL, StatePath: filepath.Join(t.TempDir(), "fallback.json"), Now: func() time.Time { return c.now }})
			n, err := f.Consider(context.Background(), situation(c.lastAck, "atm-02"))
			if err != nil {
				t.Fatalf("Consider: %v", err)
			}
			if n != c.want || len(h.posts()) != c.want {
				t.Fatalf("reported %d failures in %d posts, want %d", n, len(h.posts()), c.want)
			}
		})
	}
}

func TestFallbackPostsOncePerFailureAcrossRestarts(t *testing.T) {
	h := &hook{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	state := filepath.Join(t.TempDir(), "fallback.json")
	now := deadline.Add(-15 * time.Minute)
	opts := Options{WebhookURL: srv.URL, StatePath: state, Now: func() time.Time { return now }}
	s := situation(deadline.Add(-time.Hour), "atm-02")
	if _, err := New(opts).Consider(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	restarted := New(opts)
	if n, _ := restarted.Consider(context.Background(), s); n != 0 {
		t.Fatalf("after a restart the same failure was posted again")
	}
	s = situation(deadline.Add(-time.Hour), "atm-02", "cash-counter")
	if n, _ := restarted.Consider(context.Background(), s); n != 1 {
		t.Fatalf("a new failure was reported %d times, want once", n)
	}
	posts := h.posts()
	if len(posts) != 2 {
		t.Fatalf("%d posts, want 2", len(posts))
	}
	var body struct{ Text string }
	if err := json.Unmarshal([]byte(posts[0]), &body); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Main Street is not ready", "atm-02", "connection refused", "15 min left", "collector has not answered for 45 min (since 07:45)"} {
		if !strings.Contains(body.Text, want) {
			t.Errorf("message %q lacks %q", body.Text, want)
		}
	}
}

func TestAFailedPostIsRetriedAndNeverShowsTheWebhookURL(t *testing.T) {
	h := &hook{status: http.StatusInternalServerError}
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := srv.URL + "/services/T000/B000/very-secret"
	now := deadline.Add(-15 * time.Minute)
	f := New(Options{WebhookURL: url, StatePath: filepath.Join(t.TempDir(), "f.json"), Now: func() time.Time { return now }})
	s := situation(deadline.Add(-time.Hour), "atm-02")
	_, err := f.Consider(context.Background(), s)
	if err == nil || strings.Contains(err.Error(), "very-secret") {
		t.Fatalf("err = %v, want an error without the webhook URL", err)
	}
	h.mu.Lock()
	h.status = 0
	h.mu.Unlock()
	if n, err := f.Consider(context.Background(), s); n != 1 || err != nil {
		t.Fatalf("after Slack recovered: %d reported, %v; want the failure posted", n, err)
	}
}
