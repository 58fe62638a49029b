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
	// MetricsApart leaves /metrics off Handler: Run serves MetricsHandler on
	// its own address instead.
	MetricsApart bool
	// MetricsLogin, when set, guards /metrics (basic auth for Prometheus).
	MetricsLogin func(http.Handler) http.Handler
	// MaxDecodeBytes bounds the ingest bytes decoded at once (0: default).
	MaxDecodeBytes int64
}

// Server is a collector's HTTP surface and readiness engine.
type Server struct {
	Handler http.Handler
	// MetricsHandler serves /metrics (also on Handler unless MetricsApart).
	MetricsHandler http.Handler
	Engine         *readiness.Engine
	Metrics        *metrics.Metrics
	log            *slog.Logger
	store          store.Store
	retention      time.Duration
	now            func() time.Time
}

// NewServer wires the routes:
//
//	POST /api/v1/results        agents, bearer token of their branch
//	GET  /api/v1/confirmations  agents: staff confirmations made on the board
//	POST /api/v1/branches/{id}/confirmations, POST /branches/{id}/confirm  people, login
//	GET  /api/v1/branches[/id]  people, login
//	GET  /, /branches/{id}      the board, login
//	GET  /metrics, /-/healthy, /-/ready
//
// Every state-changing request from a browser must come from the board's
// own origin (http.CrossOriginProtection): basic auth alone would let any
// page an operator visits post with their login. Agents send no Origin
// or Sec-Fetch-Site header, so ingest is unaffected.
func NewServer(o ServerOptions) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	m := metrics.New()
	o.Users.Guard(auth.GuardOptions{Now: o.Now, OnFailure: func(user, addr, reason string) {
		m.LoginFailures.WithLabelValues(reason).Inc()
		o.Log.Warn("login refused", "user", clipName(user), "client", addr, "reason", reason)
	}})
	e := &readiness.Engine{Store: o.Store, Now: o.Now, SkewThreshold: o.SkewThreshold}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/results", ingest.New(ingest.Options{
		Store: o.Store, Tokens: o.Tokens, Metrics: m, Log: o.Log, Now: o.Now, Discard: o.Discard,
		Changed: e.Invalidate, MaxBodyBytes: o.MaxBodyBytes, MaxResults: o.MaxResults, SkewThreshold: o.SkewThreshold,
		MaxDecodeBytes: o.MaxDecodeBytes,
	}))
	mux.Handle("GET /api/v1/confirmations", ingest.Confirmations(o.Tokens, o.Store))
	login := o.Users.Require
	api.Register(mux, e, o.Store, o.Now, o.Log, login)
	board.Register(mux, e, o.Store, o.Now, o.Log, login)
	var mh http.Handler = promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
	if o.MetricsLogin != nil {
		mh = o.MetricsLogin(mh)
	}
	if !o.MetricsApart {
		mux.Handle("GET /metrics", mh)
	}
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
	return &Server{Handler: http.NewCrossOriginProtection().Handler(mux), MetricsHandler: mh, Engine: e, Metrics: m, log: o.Log, store: o.Store, retention: o.Retention, now: o.Now}
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

// ServeMetrics serves /metrics alone on ln until ctx ends.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.MetricsHandler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
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
	for _, b := range all {
		counts[b.Judgement.Verdict]++
		if b.Silent {
			silent++
		}
	}
	s.Metrics.SilentAgents.Set(silent)
	for _, v := range []readiness.Verdict{readiness.Ready, readiness.ReadyDegraded, readiness.NotReady, readiness.Unknown, readiness.Closed} {
		s.Metrics.Branches.WithLabelValues(string(v)).Set(counts[v])
	}
}

// clipName keeps a guessed user name from flooding the log.
func clipName(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
