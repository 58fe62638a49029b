package collector

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/leader/leadertest"
	"github.com/branchready/branchready/collector/store/sqlite"
)

// Two collectors sharing one (fake) election: /-/ready and the metric say
// which one leads, and when the leader shuts down the other takes over.
func TestReadySaysWhichCollectorLeads(t *testing.T) {
	var lock leadertest.Lock
	a := serveElected(t, lock.Elector("a"))
	waitUntil(t, "a leads", func() bool { return lock.Holder() == "a" })
	b := serveElected(t, lock.Elector("b"))
	if got := fetchBody(t, a.url+"/-/ready"); !strings.Contains(got, "leader: true") {
		t.Errorf("the leader's /-/ready = %q, want a line leader: true", got)
	}
	if got := fetchBody(t, b.url+"/-/ready"); !strings.Contains(got, "leader: false") {
		t.Errorf("the follower's /-/ready = %q, want a line leader: false", got)
	}
	if got := fetchBody(t, a.url+"/metrics"); !strings.Contains(got, "branchready_collector_leader 1") {
		t.Errorf("the leader's /metrics lacks branchready_collector_leader 1")
	}
	if got := fetchBody(t, b.url+"/metrics"); !strings.Contains(got, "branchready_collector_leader 0") {
		t.Errorf("the follower's /metrics lacks branchready_collector_leader 0")
	}
	a.stop()
	// Handed over at once: by the time a has stopped, it no longer holds
	// the lock. (Counting releases instead is racy: a term whose work ends
	// by itself releases too, and a takes the lock again at its next poll.)
	if h := lock.Holder(); h == "a" {
		t.Errorf("the leader still holds the lock after shutting down (%d releases)", lock.Releases())
	}
	waitUntil(t, "b takes over", func() bool { return strings.Contains(fetchBody(t, b.url+"/-/ready"), "leader: true") })
}

type elected struct {
	url  string
	stop func()
}

func serveElected(t *testing.T, e *leadertest.Elector) *elected {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := auth.NewTokens(nil)
	users, _ := auth.NewUsers(nil)
	srv := NewServer(ServerOptions{Store: st, Tokens: tokens, Users: users, Log: log, Elector: e, LeaderPoll: 50 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ctx, ln)
	}()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
			st.Close()
		}
	}
	t.Cleanup(stop)
	return &elected{url: "http://" + ln.Addr().String(), stop: stop}
}

func fetchBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
