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

	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/sqlite"
	"github.com/branchready/branchready/result"
)

// slowFirstReads holds every results read until let is closed: a
// collector whose first judgement of the bank is under way.
type slowFirstReads struct {
	store.Store
	let chan struct{}
}

func (s slowFirstReads) Results(ctx context.Context, id string, from, to time.Time) ([]result.Result, error) {
	select {
	case <-s.let:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Store.Results(ctx, id, from, to)
}

// A collector that has started but not yet judged every branch is not
// ready (a load balancer sends it nothing yet, and says why); once its
// first judgement is published it is.
func TestACollectorIsNotReadyUntilItHasJudgedEveryBranch(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d := &result.Descriptor{Name: "Bank Street", Calendar: calendar.Spec{Timezone: "UTC", Hours: calendar.Week{Mon: "00:00-23:59", Tue: "00:00-23:59",
		Wed: "00:00-23:59", Thu: "00:00-23:59", Fri: "00:00-23:59", Sat: "00:00-23:59", Sun: "00:00-23:59"}},
		Devices: []result.Device{{ID: "atm-01", Kind: "atm", Criticality: result.Blocking, Checks: []result.CheckRef{{Name: "reachable", Kind: "tcp"}}}}}
	if err := st.PutBranch(ctx, "lon", d, store.Contact{At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	slow := slowFirstReads{Store: st, let: make(chan struct{})}
	tokens, _ := auth.NewTokens(nil)
	users, _ := auth.NewUsers(nil)
	srv := NewServer(ServerOptions{Store: slow, Tokens: tokens, Users: users, Log: log})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	ready := func() (int, string) {
		resp, err := http.Get("http://" + ln.Addr().String() + "/-/ready")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitUntil(t, "the first judgement under way", func() bool { _, of := srv.Engine.Judging(); return srv.Engine.Running() && of > 0 })
	if code, body := ready(); code != http.StatusServiceUnavailable || !strings.Contains(body, "starting: judged 0 of 1 branches") {
		t.Errorf("while judging: /-/ready %d %q, want 503 saying how far judging has got", code, body)
	}
	close(slow.let)
	<-srv.Engine.Started()
	if code, body := ready(); code != http.StatusOK || !strings.HasPrefix(body, "ok\nleader: ") {
		t.Errorf("after judging: /-/ready %d %q, want 200 ok and the leader line", code, body)
	}
}
