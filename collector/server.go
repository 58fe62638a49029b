package collector

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/branchready/branchready/collector/api"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/board"
	"github.com/branchready/branchready/collector/branchdir"
	"github.com/branchready/branchready/collector/ingest"
	"github.com/branchready/branchready/collector/leader"
	"github.com/branchready/branchready/collector/metrics"
	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/sla"
	"github.com/branchready/branchready/collector/sla/record"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
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
	// Retention, when set, removes raw results older than this every few
	// hours (on the leader).
	Retention time.Duration
	// SLARetention, when set, deletes SLA rollups older than this.
	SLARetention time.Duration
	// IncidentRetention, when set, deletes incidents resolved longer ago
	// than this, with their outbox rows and threads.
	IncidentRetention time.Duration
	// Alerts configures the alert engine (incidents, Slack, webhooks).
	Alerts AlertOptions
	// Reload, when set, serves POST /-/reload (from loopback, or a logged-in
	// user): it re-reads the configuration, as SIGHUP does.
	Reload func() error
	// SLA are the objectives of the SLA reports.
	SLA sla.Settings
	// MetricsApart leaves /metrics off Handler: Run serves MetricsHandler on
	// its own address instead.
	MetricsApart bool
	// MetricsLogin, when set, guards /metrics (basic auth for Prometheus).
	MetricsLogin func(http.Handler) http.Handler
	// MaxDecodeBytes bounds the ingest bytes decoded at once (0: default).
	MaxDecodeBytes int64
	// Elector chooses the collector that runs alerting, roll-up and
	// retention; nil: the store's (PostgreSQL), or always this one.
	Elector leader.Elector
	// LeaderPoll is how often to try or confirm leadership (0: 5 s).
	LeaderPoll time.Duration
	// RecordKey signs the daily pre-opening records (nil: not served).
	RecordKey ed25519.PrivateKey
	// TrustedProxies are the load balancers whose X-Forwarded-For names
	// the client (the zero value: none).
	TrustedProxies auth.Proxies
}

// branchListEvery is how often the branch directory lists every branch's
// contact instead of the changes alone: the safety net for a change its
// incremental reads missed (a commit later than the overlap).
const branchListEvery = 3 * time.Minute

// Server is a collector's HTTP surface and readiness engine.
type Server struct {
	Handler http.Handler
	// MetricsHandler serves /metrics (also on Handler unless MetricsApart).
	MetricsHandler http.Handler
	Engine         *readiness.Engine
	Metrics        *metrics.Metrics
	log            *slog.Logger
	store          store.Store
	retention      atomic.Int64 // time.Duration; Apply changes it
	slaRetention   atomic.Int64 // time.Duration; Apply changes it
	incRetention   atomic.Int64 // time.Duration; Apply changes it
	now            func() time.Time
	alerts         *alertParts
	// stored hands stored results to the alert engine (nil: no engine).
	stored  func(ctx context.Context, branch string, rs []result.Result)
	opts    ServerOptions
	ingest  atomic.Pointer[http.Handler]
	roller  *sla.Roller // nil when the store keeps no SLA rollups
	reports sla.Reports
	// routes are the patterns registered, in order (the scope test walks them).
	routes []string
	leader *leadership
}

// NewServer wires the routes:
//
//	POST /api/v1/results        agents, bearer token of their branch
//	GET  /api/v1/confirmations  agents: staff confirmations made on the board
//	POST /api/v1/branches/{id}/confirmations, POST /branches/{id}/confirm  people, login
//	GET  /api/v1/branches[/id]  people, login
//	GET  /api/v1/sla            people, login: SLA report (JSON, CSV)
//	/api/v1/admin/branches..., /admin/branches  the branch registry, login (see registerBranches)
//	POST /api/v1/enroll         agents: a one-time code for their token
//	GET  /, /branches/{id}, /sla  the board, login
//	GET  /metrics, /-/healthy, /-/ready
//	POST /-/reload              loopback, or login with role admin
//
// People's routes check role and scope (docs/security.md, Roles): each
// answers only about the branches in the person's scope, 404 for a branch
// outside it, 403 for an action their role may not take.
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
	// One branch directory for the readiness and alert engines, told by
	// ingest what it stored: a wave is not re-read and re-decoded.
	// A store without a feed and no election serves this process alone
	// (SQLite): the directory does not read back what ingest told it.
	_, shared := o.Store.(leader.Feed)
	dir := branchdir.New(branchdir.Options{Source: o.Store, Now: o.Now, FullEvery: branchListEvery, Alone: !shared && o.Elector == nil})
	e := &readiness.Engine{Store: o.Store, Now: o.Now, Branches: dir}
	s := &Server{Engine: e, Metrics: m, log: o.Log, store: o.Store, now: o.Now, opts: o}
	s.leader = newLeadership(o, m.Registry)
	if s.leader.feed != nil {
		// Other collectors share the store: what the engine holds of a
		// branch is read again now and then (see Engine.Recheck).
		e.Recheck = 5 * time.Minute
	}
	mux := &routes{mux: http.NewServeMux()}
	login := o.Users.Require
	al, err := buildAlerts(o, mux, m.Registry, login, dir)
	if err != nil {
		o.Log.Error("alerts are off: the alerts configuration cannot be used", "err", err)
	}
	if al != nil && !o.Discard {
		s.alerts, s.stored = al, s.handOver
	}
	s.Apply(Settings{SkewThreshold: o.SkewThreshold, MaxBodyBytes: o.MaxBodyBytes, MaxResults: o.MaxResults, Retention: o.Retention, SLARetention: o.SLARetention, IncidentRetention: o.IncidentRetention})
	mux.Handle("/api/v1/results", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*s.ingest.Load()).ServeHTTP(w, r)
	}))
	mux.Handle("GET /api/v1/confirmations", ingest.Confirmations(o.Tokens, o.Store))
	api.Register(mux, e, o.Store, o.Now, o.Log, login)
	board.Register(mux, e, o.Store, o.Now, o.Log, login)
	if ms, ok := o.Store.(store.Maintenance); ok {
		changed := e.InvalidateAll
		if al != nil {
			// Stored windows mute notifications too: the alert engine
			// applies a change at once, wherever it runs.
			changed = func() { e.InvalidateAll(); al.svc.MaintenanceChanged() }
		}
		api.RegisterMaintenance(mux, ms, o.Store, changed, o.Now, o.Log, login)
		board.RegisterMaintenance(mux, ms, o.Store, changed, o.Now, o.Log, login)
	}
	registerBranches(mux, o.Store, o.Tokens, o.Now, o.Log, login)
	if o.SLA.OnTime == (sla.Objective{}) {
		o.SLA.OnTime = DefaultOnTimeObjective
	}
	if o.SLA.Availability == (sla.Objective{}) {
		o.SLA.Availability = DefaultAvailabilityObjective
	}
	if ss, ok := o.Store.(sla.Source); ok {
		s.reports = sla.Reports{Store: ss, Settings: o.SLA}
		s.roller = &sla.Roller{Store: ss, Log: o.Log, Lookback: slaLookback(o.Retention), Retention: o.Retention}
		api.RegisterSLA(mux, s.reports, o.Store, o.Now, o.Log, login)
		board.RegisterSLA(mux, s.reports, o.Store, o.Now, o.Log, login)
		if src, ok := o.Store.(record.Source); ok {
			maker := record.Maker{Store: src, Key: o.RecordKey, Now: o.Now}
			api.RegisterRecord(mux, maker, o.Store, o.Log, login)
			board.RegisterRecord(mux, maker, o.Store, o.Log, login)
		}
	}
	var mh http.Handler = promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
	if o.MetricsLogin != nil {
		mh = o.MetricsLogin(mh)
	}
	if !o.MetricsApart {
		mux.Handle("GET /metrics", mh)
	}
	s.MetricsHandler = mh
	mux.Handle("GET /-/healthy", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") }))
	mux.Handle("GET /-/ready", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		// One primary-key read proves the store answers; listing every
		// branch (20,000 descriptors) on each load balancer probe would not.
		if _, err := o.Store.Branch(ctx, readyProbe); err != nil && !errors.Is(err, store.ErrNotFound) {
			http.Error(w, "store not ready", http.StatusServiceUnavailable)
			return
		}
		// Just started and not yet through its first judgement of every
		// branch: its board would only say how far it has got. A load
		// balancer keeps it out of rotation until then (during a rolling
		// restart the others serve meanwhile).
		if done, of, starting := s.Engine.Starting(); starting {
			w.Header().Set("Retry-After", "2")
			http.Error(w, fmt.Sprintf("starting: judged %d of %d branches", done, of), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, s.readyLines())
	}))
	if o.Reload != nil {
		reload := reloadHandler(o.Reload)
		mux.Handle("POST /-/reload", loopbackOr(reload, login(auth.Allow(auth.Administer, reload))))
	}
	s.Handler = o.TrustedProxies.Handler(http.NewCrossOriginProtection().Handler(mux.mux))
	s.routes = mux.patterns
	return s
}

// readyProbe is the branch id /-/ready looks up: no branch has it.
const readyProbe = "/-/ready"

// routes is the server's mux that also records each pattern registered:
// the route-scope test walks every one with every role, so a new route
// cannot go without a scope decision.
type routes struct {
	mux      *http.ServeMux
	patterns []string
}

// Handle registers h for pattern and records the pattern.
func (m *routes) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.mux.Handle(pattern, h)
}

// Settings are what a configuration reload changes in a running server.
type Settings struct {
	SkewThreshold time.Duration
	MaxBodyBytes  int64
	MaxResults    int
	Retention     time.Duration
	SLARetention  time.Duration
	// IncidentRetention: see Options.IncidentRetention.
	IncidentRetention time.Duration
}

// Apply puts new settings into force: later ingest requests, judgements and
// retention runs use them. Requests already in flight finish with the old.
func (s *Server) Apply(st Settings) {
	o := s.opts
	var h http.Handler = ingest.New(ingest.Options{
		Store: o.Store, Tokens: o.Tokens, Metrics: s.Metrics, Log: o.Log, Now: o.Now, Discard: o.Discard,
		Contacted: s.Engine.Branches.Stored, Judge: s.Engine.Handed, Stored: s.stored,
		MaxBodyBytes: st.MaxBodyBytes, MaxResults: st.MaxResults, SkewThreshold: st.SkewThreshold,
		MaxDecodeBytes: o.MaxDecodeBytes,
	})
	s.ingest.Store(&h)
	s.Engine.SetSkewThreshold(st.SkewThreshold)
	s.retention.Store(int64(st.Retention))
	s.slaRetention.Store(int64(st.SLARetention))
	s.incRetention.Store(int64(st.IncidentRetention))
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

// Serve serves on ln until ctx ends, and keeps the verdict gauges current
// meanwhile; it takes part in the leader election (see leading.go). When
// ctx ends it stops accepting, lets the requests in flight (ingest batches)
// finish, then stops the leader's work and hands leadership over.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	// The readiness snapshot is judged in the background: requests and the
	// gauges read it and never judge the board themselves.
	judged := make(chan struct{})
	go func() {
		defer close(judged)
		s.Engine.Run(ctx, func(err error) { s.log.Warn("judge readiness", "err", err) })
	}()
	defer func() { <-judged }()
	go func() { errc <- srv.Serve(ln) }()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	// The leader's work outlives ctx until the requests in flight are done:
	// their results must still reach the alert engine.
	lctx, stopLeading := context.WithCancel(context.WithoutCancel(ctx))
	led := make(chan struct{})
	go func() { defer close(led); s.runLeadership(lctx) }()
	defer func() { stopLeading(); <-led }()
	started := s.Engine.Started()
	for {
		select {
		case err := <-errc:
			return err
		case <-started:
			started = nil
			s.updateGauges(ctx)
		case <-tick.C:
			s.updateGauges(ctx)
		case <-ctx.Done():
			s.log.Info("shutting down: finishing the requests in flight, then handing leadership over")
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

func (s *Server) updateGauges(context.Context) {
	snap := s.Engine.Published()
	if snap == nil {
		return // still judging at start-up: the next tick sets them
	}
	all := snap.Select(nil, "", "").Match
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
		if s.Engine.Silent(b.Contact) {
			silent++
		}
	}
	s.Metrics.SilentAgents.Set(silent)
	for _, v := range []readiness.Verdict{readiness.Ready, readiness.ReadyDegraded, readiness.NotReady, readiness.Unknown, readiness.Closed, readiness.Maintenance} {
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
