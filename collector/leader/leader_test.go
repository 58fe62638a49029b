package leader_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/branchready/branchready/collector/leader"
	"github.com/branchready/branchready/collector/leader/leadertest"
)

// proc is one participant's view: whether it leads and its work runs.
type proc struct {
	mu      sync.Mutex
	leading bool
	working int // Lead calls running now
	terms   int
}

func (p *proc) options(e leader.Elector) leader.Options {
	return leader.Options{
		Elector: e, Poll: 5 * time.Second, Log: slog.New(slog.DiscardHandler),
		Lead: func(ctx context.Context) {
			p.mu.Lock()
			p.working++
			p.terms++
			p.mu.Unlock()
			<-ctx.Done()
			p.mu.Lock()
			p.working--
			p.mu.Unlock()
		},
		Changed: func(l bool) { p.mu.Lock(); p.leading = l; p.mu.Unlock() },
	}
}

func (p *proc) state() (leading bool, working, terms int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.leading, p.working, p.terms
}

func TestRun(t *testing.T) {
	t.Run("of two processes exactly one leads and runs the work", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var lock leadertest.Lock
			ctx, cancel := context.WithCancel(t.Context())
			a, b := &proc{}, &proc{}
			go leader.Run(ctx, a.options(lock.Elector("a")))
			synctest.Wait()
			go leader.Run(ctx, b.options(lock.Elector("b")))
			time.Sleep(time.Minute)
			synctest.Wait()
			la, wa, _ := a.state()
			lb, wb, _ := b.state()
			if !la || wa != 1 || lb || wb != 0 {
				t.Errorf("a leading %v working %d, b leading %v working %d; want only a", la, wa, lb, wb)
			}
			cancel()
			synctest.Wait()
		})
	})
	t.Run("when the leader shuts down it releases at once and the other takes over at its next poll", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var lock leadertest.Lock
			actx, stopA := context.WithCancel(t.Context())
			bctx, stopB := context.WithCancel(t.Context())
			a, b := &proc{}, &proc{}
			doneA := make(chan struct{})
			go func() { leader.Run(actx, a.options(lock.Elector("a"))); close(doneA) }()
			synctest.Wait()
			go leader.Run(bctx, b.options(lock.Elector("b")))
			synctest.Wait()
			stopA()
			<-doneA
			if _, w, _ := a.state(); w != 0 || lock.Releases() != 1 || lock.Holder() != "" {
				t.Fatalf("after a's shutdown: a's work running %d, releases %d, holder %q; want 0, 1, none", w, lock.Releases(), lock.Holder())
			}
			time.Sleep(leader.DefaultPoll)
			synctest.Wait()
			if l, w, _ := b.state(); !l || w != 1 || lock.Holder() != "b" {
				t.Errorf("one poll later b leading %v working %d, holder %q; want b leading", l, w, lock.Holder())
			}
			stopB()
			synctest.Wait()
		})
	})
	t.Run("a leader whose store breaks stops its work, and leads again once the store is back", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var lock leadertest.Lock
			ctx, cancel := context.WithCancel(t.Context())
			a := &proc{}
			go leader.Run(ctx, a.options(lock.Elector("a")))
			synctest.Wait()
			lock.Down(true)
			time.Sleep(leader.DefaultPoll)
			synctest.Wait()
			if l, w, _ := a.state(); l || w != 0 {
				t.Fatalf("with the store down: leading %v, work running %d; want neither", l, w)
			}
			lock.Down(false)
			time.Sleep(leader.DefaultPoll)
			synctest.Wait()
			if l, w, terms := a.state(); !l || w != 1 || terms != 2 {
				t.Errorf("with the store back: leading %v, work running %d, terms %d; want leading again, 2 terms", l, w, terms)
			}
			cancel()
			synctest.Wait()
		})
	})
	t.Run("a follower that waits takes over the moment the leader is killed, without waiting for a poll", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var lock leadertest.Lock
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			a, b := &proc{}, &proc{}
			go leader.Run(ctx, a.options(lock.Waiter("a")))
			synctest.Wait()
			go leader.Run(ctx, b.options(lock.Waiter("b")))
			synctest.Wait()
			if lock.Holder() != "a" {
				t.Fatalf("holder %q, want a", lock.Holder())
			}
			lock.Drop() // a's session ends: SIGKILL
			synctest.Wait()
			if l, w, _ := b.state(); !l || w != 1 || lock.Holder() != "b" {
				t.Fatalf("at once after the kill b leading %v working %d, holder %q; want b leading", l, w, lock.Holder())
			}
			time.Sleep(leader.DefaultPoll)
			synctest.Wait()
			if l, w, _ := a.state(); l || w != 0 {
				t.Errorf("a poll after its session ended a leading %v, working %d; want stopped", l, w)
			}
			cancel()
			synctest.Wait()
		})
	})
	t.Run("a follower that waits takes over at once when the leader shuts down", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var lock leadertest.Lock
			actx, stopA := context.WithCancel(t.Context())
			bctx, stopB := context.WithCancel(t.Context())
			defer stopB()
			a, b := &proc{}, &proc{}
			go leader.Run(actx, a.options(lock.Waiter("a")))
			synctest.Wait()
			go leader.Run(bctx, b.options(lock.Waiter("b")))
			synctest.Wait()
			stopA()
			synctest.Wait()
			if l, w, _ := b.state(); !l || w != 1 || lock.Holder() != "b" {
				t.Errorf("at once after a's shutdown b leading %v working %d, holder %q; want b leading", l, w, lock.Holder())
			}
			stopB()
			synctest.Wait()
		})
	})
	t.Run("a waiting follower whose store is down retries each poll and leads once it is back", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var lock leadertest.Lock
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			lock.Down(true)
			a := &proc{}
			go leader.Run(ctx, a.options(lock.Waiter("a")))
			time.Sleep(3 * leader.DefaultPoll)
			synctest.Wait()
			if l, _, _ := a.state(); l {
				t.Fatal("leading with the store down")
			}
			lock.Down(false)
			time.Sleep(leader.DefaultPoll)
			synctest.Wait()
			if l, w, _ := a.state(); !l || w != 1 {
				t.Errorf("a poll after the store came back: leading %v, working %d; want leading", l, w)
			}
			cancel()
			synctest.Wait()
		})
	})
	t.Run("the solo elector of a single-process store always leads", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			a := &proc{}
			go leader.Run(ctx, a.options(leader.Solo{}))
			synctest.Wait()
			if l, w, _ := a.state(); !l || w != 1 {
				t.Errorf("leading %v, work running %d; want leading", l, w)
			}
			cancel()
			synctest.Wait()
		})
	})
}
