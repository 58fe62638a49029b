package collector

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/branchready/branchready/collector/leader"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// leadership is a server's part in choosing the collector that runs the
// work that must run once (alerting and delivery, SLA roll-up, retention).
type leadership struct {
	elector leader.Elector
	// feed carries results stored here to the leader; nil when the store
	// serves one process only (SQLite), which always leads.
	feed    leader.Feed
	poll    time.Duration
	leading atomic.Bool
}

// newLeadership takes the election the store offers: a store that offers
// none is used by one process, which always leads.
func newLeadership(o ServerOptions, reg *prometheus.Registry) *leadership {
	l := &leadership{elector: o.Elector, poll: o.LeaderPoll}
	if l.elector == nil {
		if e, ok := o.Store.(leader.Elector); ok {
			l.elector = e
		} else {
			l.elector = leader.Solo{}
		}
	}
	if f, ok := o.Store.(leader.Feed); ok {
		l.feed = f
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "branchready_collector_leader",
		Help: "1 while this collector leads (runs alerting, SLA roll-up and retention), 0 otherwise.",
	}, func() float64 {
		if l.leading.Load() {
			return 1
		}
		return 0
	}))
	return l
}

// runLeadership takes part in the election until ctx ends, running the
// leader's work while this process leads.
func (s *Server) runLeadership(ctx context.Context) {
	leader.Run(ctx, leader.Options{
		Elector: s.leader.elector, Poll: s.leader.poll, Log: s.log, Lead: s.lead,
		Changed: s.leader.leading.Store,
	})
}

// lead runs the work that must run once until ctx ends, and returns once
// all of it has stopped.
func (s *Server) lead(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	// The alert engine first: it is the most urgent of the leader's work.
	if s.alerts != nil {
		// Listen before the engine replays recent results: what another
		// collector stores from then on is heard, what it stored before is
		// in the replay.
		var sub leader.Subscription
		if s.leader.feed != nil {
			sub = s.subscribe(ctx)
		}
		sig, _ := s.store.(store.CommandSignal)
		var signals store.SignalListener
		if sig != nil {
			signals = s.listenSignals(ctx, sig)
		}
		wait := s.alerts.run(ctx, s.log)
		defer wait()
		if s.leader.feed != nil {
			wg.Go(func() { s.follow(ctx, sub) })
		}
		if sig != nil {
			wg.Go(func() { s.hearSignals(ctx, sig, signals) })
		}
	}
	if s.retention.Load() > 0 {
		wg.Go(func() { s.pruneEvery(ctx, 6*time.Hour) })
	}
	if s.roller != nil {
		wg.Go(func() { s.rollEvery(ctx, 15*time.Minute) })
	}
}

// subscribe listens to the feed, retrying until it works or ctx ends.
func (s *Server) subscribe(ctx context.Context) leader.Subscription {
	for {
		sub, err := s.leader.feed.Subscribe(ctx)
		if err == nil || ctx.Err() != nil {
			return sub
		}
		s.log.Error("alerts: cannot hear results stored by other collectors; retrying", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// listenSignals listens for other collectors' wake-ups (a queued command,
// a changed silence), retrying until it works or ctx ends.
func (s *Server) listenSignals(ctx context.Context, sig store.CommandSignal) store.SignalListener {
	for {
		l, err := sig.ListenSignals(ctx)
		if err == nil || ctx.Err() != nil {
			return l
		}
		s.log.Error("alerts: cannot hear commands queued on other collectors; retrying (they apply at the next tick meanwhile)", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// hearSignals wakes the alert engine for each wake-up another collector
// sent. A wake-up lost while listening again is covered by the engine's
// tick, which applies queued commands and re-reads silences.
func (s *Server) hearSignals(ctx context.Context, sig store.CommandSignal, l store.SignalListener) {
	for l != nil {
		what, err := l.Next(ctx)
		if err != nil {
			_ = l.Close()
			if ctx.Err() != nil {
				return
			}
			s.log.Error("alerts: lost the wake-ups of other collectors; listening again", "err", err)
			l = s.listenSignals(ctx, sig)
			continue
		}
		s.alerts.svc.Wake(what)
	}
}

// handOver gives the alert engine results ingest has stored: in this
// process when it leads (or is the only one), else through the feed.
func (s *Server) handOver(ctx context.Context, branch string, rs []result.Result) {
	if s.leader.feed == nil || s.leader.leading.Load() {
		s.alerts.svc.Observe(ctx, branch, rs)
		return
	}
	from, to := rs[0].StartedAt, rs[0].StartedAt
	for _, r := range rs[1:] {
		from, to = minTime(from, r.StartedAt), maxTime(to, r.StartedAt)
	}
	if err := s.leader.feed.Announce(ctx, leader.Stored{Branch: branch, From: from, To: to}); err != nil && ctx.Err() == nil {
		s.log.Warn("alerts: could not tell the leader about stored results; alerting sees them only if the leader changes within 10 minutes", "branch", branch, "err", err)
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// readyLines says, under /-/ready, whether this process leads.
func (s *Server) readyLines() string {
	if s.leader.leading.Load() {
		return "ok\nleader: true\n"
	}
	return "ok\nleader: false\n"
}
