package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/board"
	"github.com/branchready/branchready/collector/ingest"
	"github.com/branchready/branchready/collector/metrics"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/sla"
	"github.com/branchready/branchready/collector/store"
)

// ServerOptions are what a collector server is built from.
type ServerOptions struct {
	Store         store.Store
	Tokens        *auth.Tokens
	Users         *auth.Users
	Log           *slog.Logger
	Now           func() time.Time
	SkewThreshold time.Duration
	// Discard makes ingest decode and drop batches (load baseline).
	Discard      bool
	MaxBodyBytes int64
	MaxResults   int
	// Retention, when set, deletes results older than this every few hours.
	Retention time.Duration
	// SLA are the objectives of the SLA reports.
	SLA sla.Settings
}

// Server is a collector's HTTP surface and readiness engine.
type Server struct {
	Handler   http.Handler
	Engine    *readiness.Engine
	Metrics   *metrics.Metrics
	log       *slog.Logger
	store     store.Store
	retention time.Duration
	now       func() time.Time
	roller    *sla.Roller // nil when the store keeps no SLA rollups
	reports   sla.Reports
}

// NewServer wires the routes:
//
//	POST /api/v1/results        agents, bearer token of their branch
//	GET  /api/v1/confirmations  agents: staff confirmations made on the board
//	POST /api/v1/branches/{id}/confirmations, POST /branches/{id}/confirm  people, login
//	GET  /api/v1/branches[/id]  people, login
//	GET  /api/v1/sla            people, login: SLA report (JSON, CSV)
//	GET  /, /branches/{id}, /sla  the board, login
//	GET  /metrics, /-/healthy, /-/ready
func NewServer(o ServerOptions) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	m := metrics.New()
	e := &readiness.Engine{Store: o.Store, Now: o.Now, SkewThreshold: o.SkewThreshold}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/results", ingest.New(ingest.Options{
		Store: o.Store, Tokens: o.Tokens, Metrics: m, Log: o.Log, Now: o.Now, Discard: o.Discard,
		Changed: e.Invalidate, MaxBodyBytes: o.MaxBodyBytes, MaxResults: o.MaxResults, SkewThreshold: o.SkewThreshold,
	}))
	mux.Handle("GET /api/v1/confirmations", ingest.Confirmations(o.Tokens, o.Store))
	login := o.Users.Require
	api.Register(mux, e, o.Store, o.Now, o.Log, login)
	board.Register(mux, e, o.Store, o.Now, o.Log, login)
	if o.SLA.OnTime == (sla.Objective{}) {
		o.SLA.OnTime = DefaultOnTimeObjective
	}
	if o.SLA.Availability == (sla.Objective{}) {
		o.SLA.Availability = DefaultAvailabilityObjective
	}
	var roller *sla.Roller
	var reports sla.Reports
	if ss, ok := o.Store.(sla.Source); ok {
		reports = sla.Reports{Store: ss, Settings: o.SLA}
		roller = &sla.Roller{Store: ss, Log: o.Log, Lookback: slaLookback(o.Retention)}
		api.RegisterSLA(mux, reports, o.Now, o.Log, login)
		board.RegisterSLA(mux, reports, o.Now, o.Log, login)
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
	mux.HandleFunc("GET /-/healthy", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /-/ready", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := o.Store.Branches(ctx); err != nil {
			http.Error(w, "store not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return &Server{Handler: mux, Engine: e, Metrics: m, log: o.Log, store: o.Store, retention: o.Retention, now: o.Now, roller: roller, reports: reports}
}

// slaLookback keeps the roll-up inside the results' retention: a day
// whose results were deleted must not roll up as unknown.
func slaLookback(retention time.Duration) time.Duration {
	const want = 35 * 24 * time.Hour
	if retention > 0 && retention-24*time.Hour < want {
		return retention - 24*time.Hour
	}
	return want
}

// Serve serves on ln until ctx ends, then shuts down gracefully, and keeps
// the verdict gauges current meanwhile.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	if s.retention > 0 {
		go s.pruneEvery(ctx, 6*time.Hour)
	}
	if s.roller != nil {
		go s.rollEvery(ctx, 15*time.Minute)
	}
	s.updateGauges(ctx)
	for {
		select {
		case err := <-errc:
			return err
		case <-tick.C:
			s.updateGauges(ctx)
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}
	}
}

func (s *Server) updateGauges(ctx context.Context) {
	all, err := s.Engine.All(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("update readiness gauges", "err", err)
		}
		return
	}
	counts := map[readiness.Verdict]float64{}
	silent := 0.0
	s.Metrics.BranchReady.Reset()
	for _, b := range all {
		counts[b.Judgement.Verdict]++
		switch b.Judgement.Verdict {
		case readiness.Ready, readiness.ReadyDegraded:
			s.Metrics.BranchReady.WithLabelValues(b.ID, b.Region).Set(1)
		case readiness.NotReady, readiness.Unknown:
			s.Metrics.BranchReady.WithLabelValues(b.ID, b.Region).Set(0)
		}
		if b.Silent {
			silent++
		}
	}
	s.Metrics.SilentAgents.Set(silent)
	for _, v := range []readiness.Verdict{readiness.Ready, readiness.ReadyDegraded, readiness.NotReady, readiness.Unknown, readiness.Closed} {
		s.Metrics.Branches.WithLabelValues(string(v)).Set(counts[v])
	}
}
