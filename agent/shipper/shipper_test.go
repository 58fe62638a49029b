package shipper

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/branchready/branchready/result"
)

func TestABacklogDrainsInBatchesWithTheDescriptorOnlyFirst(t *testing.T) {
	c := newCollector()
	h := newHarness(t, serve(t, c).URL)
	ids := h.put("r", 1234)
	s := h.untilIdle()
	arrivals := c.check(t, ids)
	for id, n := range arrivals {
		if n != 1 {
			t.Errorf("%s arrived %d times on a healthy collector", id, n)
		}
	}
	posts := c.postsSeen()
	if len(posts) != 3 || len(posts[0].ids) != 500 || len(posts[2].ids) != 234 {
		t.Errorf("posts of %v, want 500, 500, 234", postSizes(posts))
	}
	if !posts[0].descriptor || posts[1].descriptor {
		t.Errorf("descriptor in posts: %v, want only in the first", descriptors(posts))
	}
	if st := s.Status(); st.Stored != 1234 || st.LastSuccess.IsZero() || st.ConsecutiveFailures != 0 {
		t.Errorf("status %+v", st)
	}
	if h.sp.Depth() != 0 {
		t.Errorf("spool still holds %d", h.sp.Depth())
	}
}

func TestTheDescriptorGoesAgainWhenTheConfigChanges(t *testing.T) {
	c := newCollector()
	h := newHarness(t, serve(t, c).URL)
	hash := "h1"
	h.opts.Agent = nil
	s := New(h.opts)
	s.o.Agent = func() result.Agent { return result.Agent{ConfigHash: hash} }
	stop := h.run(s)
	<-h.idleCh // the empty spool at start announced the descriptor
	h.put("a", 2)
	s.Kick()
	<-h.idleCh
	hash = "h2" // the shipper is idle: no race
	h.put("b", 2)
	s.Kick()
	<-h.idleCh
	stop()
	got := descriptors(c.postsSeen())
	want := []bool{true, false, true}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("descriptor in posts: %v, want %v (start, same config, changed config)", got, want)
	}
}

func TestACollectorDownForTheWholeRunGetsEveryResultOnceWhenBack(t *testing.T) {
	c := newCollector()
	srv := httptest.NewUnstartedServer(c)
	addr := srv.Listener.Addr().String()
	_ = srv.Listener.Close() // down: connection refused
	t.Cleanup(srv.Close)
	h := newHarness(t, "http://"+addr)
	ids := h.put("r", 700)
	h.onWait = func(n int) {
		if n != 5 {
			return
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("bring the collector back on %s: %v", addr, err)
			return
		}
		srv.Listener = l
		srv.Start()
	}
	s := h.untilIdle()
	for id, n := range c.check(t, ids) {
		if n != 1 {
			t.Errorf("%s arrived %d times", id, n)
		}
	}
	waits := h.failureWaits()
	if len(waits) != 5 {
		t.Fatalf("%d failure waits, want 5", len(waits))
	}
	for i, d := range waits {
		if ceil := time.Second << i; d < time.Second || d > ceil {
			t.Errorf("wait %d is %v, want between 1s and %v", i+1, d, ceil)
		}
	}
	if st := s.Status(); st.ConsecutiveFailures != 0 || st.LastError == "" {
		t.Errorf("after recovery status %+v, want no failures and the last error kept", st)
	}
	if !strings.Contains(h.log.String(), "shipping recovered") {
		t.Error("recovery was not logged")
	}
}

func TestBackoffStaysWithinItsBounds(t *testing.T) {
	s := New(Options{MinBackoff: time.Second, MaxBackoff: 5 * time.Minute})
	for n := 1; n < 100; n++ {
		d := s.backoff(n)
		ceil := min(5*time.Minute, time.Second<<min(n-1, 20))
		if d < time.Second || d > ceil {
			t.Fatalf("failure %d waits %v, want within [1s, %v]", n, d, ceil)
		}
	}
}

func TestAKickWakesAnIdleShipper(t *testing.T) {
	c := newCollector()
	h := newHarness(t, serve(t, c).URL)
	s := New(h.opts)
	stop := h.run(s)
	<-h.idleCh
	ids := h.put("late", 3)
	s.Kick()
	<-h.idleCh
	stop()
	c.check(t, ids)
}

func TestRunStopsWhenTheContextEndsDuringABackoff(t *testing.T) {
	h := newHarness(t, "http://127.0.0.1:1")
	h.put("r", 1)
	ctx, cancel := context.WithCancel(context.Background())
	waited := false
	h.opts.After = func(time.Duration) <-chan time.Time { waited = true; cancel(); return nil } // never fires
	h.opts.Client = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("network unreachable")
	})}
	if err := New(h.opts).Run(ctx); err != context.Canceled {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if !waited || h.sp.Depth() != 1 {
		t.Errorf("waited %v, spool depth %d: want a backoff and the result kept", waited, h.sp.Depth())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func postSizes(ps []seenPost) []int {
	out := make([]int, len(ps))
	for i, p := range ps {
		out[i] = len(p.ids)
	}
	return out
}

func descriptors(ps []seenPost) []bool {
	out := make([]bool, len(ps))
	for i, p := range ps {
		out[i] = p.descriptor
	}
	return out
}

func TestDrainedIsCalledOnceEachTimeDeliveredResultsAreAllOut(t *testing.T) {
	c := newCollector()
	h := newHarness(t, serve(t, c).URL)
	drained := 0 // written and read on the shipper's goroutine or after idleCh
	h.opts.Drained = func() { drained++ }
	s := New(h.opts)
	stop := h.run(s)
	<-h.idleCh // nothing delivered yet: an empty spool at start is not a drain
	if drained != 0 {
		t.Errorf("drained %d times before any result was spooled, want 0", drained)
	}
	h.put("a", 700) // two batches, one drain
	s.Kick()
	<-h.idleCh
	h.put("b", 3)
	s.Kick()
	<-h.idleCh
	stop()
	if drained != 2 {
		t.Errorf("drained %d times after two sweeps' results went out, want 2", drained)
	}
}
