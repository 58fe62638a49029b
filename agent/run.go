package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/branchready/branchready/agent/admin"
	"github.com/branchready/branchready/agent/schedule"
	"github.com/branchready/branchready/agent/shipper"
	"github.com/branchready/branchready/agent/spool"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/checks/manual"
	"github.com/branchready/branchready/config"
	"github.com/branchready/branchready/result"
)

// Options configure Run.
type Options struct {
	ConfigPath string
	Log        *slog.Logger
	// Client talks to the collector; default a client with the config's timeout.
	Client *http.Client
	// Book overrides where manual confirmations are read (default: state dir).
	Book manual.Book
	// Clock drives the schedule; default real time.
	Clock clockwork.Clock
	// OnSweep, if set, sees every sweep's results (tests, the demo).
	OnSweep func(calendar.Slot, []result.Result)
	// Ready, if set, is called once the agent runs, with its admin address.
	Ready func(adminAddr string)
}

// Run is the agent: it sweeps on the calendar's schedule, spools every
// result durably and ships it, until ctx ends. SIGHUP or POST /-/reload
// reloads the configuration; an invalid one is refused and the running one
// kept. The spool's location and size are fixed at start.
func Run(ctx context.Context, o Options) error {
	tuneGC()
	remote := &manual.MemoryBook{}
	load := func(path string) (*Branch, error) {
		if o.Book != nil {
			return loadForRun(path, o.Book)
		}
		l, err := config.Load(path)
		if err != nil {
			return nil, err
		}
		return checkForRun(l, manual.Merged{manual.NewFileBook(ConfirmationsPath(l)), remote})
	}
	b, err := load(o.ConfigPath)
	if err != nil {
		return err
	}
	dir := b.Config.File.Agent.StateDir
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	sp, err := spool.Open(filepath.Join(dir, "spool.db"), spool.Options{MaxBytes: b.Config.File.Agent.SpoolMaxBytes, Log: o.Log})
	if err != nil {
		return fmt.Errorf("open spool: %w", err)
	}
	defer sp.Close()
	a := &agentState{o: o, spool: sp, started: time.Now(), reload: make(chan chan error), load: load, remote: remote}
	a.set(b)
	a.metrics = admin.NewMetrics(Version, admin.Gauges{
		SpoolResults: func() float64 { return float64(sp.Depth()) },
		SpoolBytes:   func() float64 { return float64(sp.Bytes()) },
		Dropped:      sp.Dropped,
		ShipLatency:  func() float64 { return a.shipStatus().LastLatency.Seconds() },
		ShipFailures: func() float64 { return float64(a.shipStatus().ConsecutiveFailures) },
	})
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if listen := b.Config.File.Agent.Listen; listen != "off" {
		srv := &admin.Server{Status: a.status, Reload: a.requestReload, Ready: a.ready, Metrics: a.metrics, Log: o.Log}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Serve(ctx, listen, false); err != nil {
				o.Log.Error("admin endpoint stopped", "err", err)
			}
		}()
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		next, err := a.generation(ctx, hup)
		if err != nil || next == nil {
			return err
		}
		a.set(next)
	}
}

// ready reports whether the agent's sweeps are scheduled (the admin
// endpoint's /-/ready).
func (a *agentState) ready() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.sched == nil {
		return errors.New("the sweep schedule has not started yet")
	}
	return nil
}

// loadForRun loads a configuration and checks what run needs beyond validity.
func loadForRun(path string, book manual.Book) (*Branch, error) {
	l, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return checkForRun(l, book)
}

func checkForRun(l *config.Loaded, book manual.Book) (*Branch, error) {
	b, err := Compile(l, book)
	if err != nil {
		return nil, err
	}
	if l.File.Collector.URL == "" {
		return nil, fmt.Errorf("%s: collector.url is not set: run needs a collector to ship to", l.Path)
	}
	if l.TokenErr != nil {
		return nil, l.TokenErr
	}
	return b, nil
}

// agentState is the running agent, shared by the scheduler, the shipper and
// the admin endpoint.
type agentState struct {
	o       Options
	spool   *spool.Spool
	metrics *admin.Metrics
	started time.Time
	reload  chan chan error
	load    func(path string) (*Branch, error)
	// remote holds the confirmations made on the collector's board.
	remote *manual.MemoryBook

	mu        sync.Mutex
	branch    *Branch
	shipper   *shipper.Shipper
	sched     *schedule.Scheduler
	latest    map[[2]string]lastResult
	lastSweep *admin.Sweep
	reloadErr string
}

// lastResult is what /status shows of a check's latest result. Only this
// is kept between sweeps, not the whole result (its id, observations and
// labels): with 500 checks that is most of what a sweep would otherwise
// leave behind in the heap until the next one.
type lastResult struct {
	status result.Status
	reason string
	at     time.Time
}

func (a *agentState) set(b *Branch) {
	b.Log = a.o.Log
	a.mu.Lock()
	defer a.mu.Unlock()
	a.branch = b
	a.latest = map[[2]string]lastResult{}
}

// now is the agent's clock: Options.Clock, or real time.
func (a *agentState) now() time.Time {
	if a.o.Clock != nil {
		return a.o.Clock.Now()
	}
	return time.Now()
}

func (a *agentState) current() *Branch {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.branch
}

// generation runs one configuration until ctx ends (nil, nil) or a valid
// new configuration is loaded (it is returned).
func (a *agentState) generation(ctx context.Context, hup <-chan os.Signal) (*Branch, error) {
	b := a.current()
	l := b.Config
	o := a.o
	client := o.Client
	if client == nil {
		client = collectorClient(l)
	}
	desc := l.Descriptor()
	sh := shipper.New(shipper.Options{
		URL: l.File.Collector.URL, Token: l.Token, Branch: l.File.Branch.ID, Spool: a.spool, Client: client,
		BatchSize: l.File.Collector.BatchSize, Log: o.Log, Timeout: l.File.Collector.Timeout,
		Agent: func() result.Agent {
			return result.Agent{Version: Version, ConfigHash: l.Hash, SentAt: time.Now(), Health: a.health()}
		},
		Descriptor: func() *result.Descriptor { return desc },
		Drained:    a.releaseMemoryUnlessSoon,
	})
	fb := a.newFallback(l)
	sched, err := schedule.New(l.Calendar, func(ctx context.Context, slot calendar.Slot) bool {
		a.fetchConfirmations(ctx, b, client)
		start := time.Now()
		rs, ready := a.sweep(ctx, b, sh, slot)
		a.alertLocally(ctx, b, fb, rs, start)
		return ready
	}, o.Log, o.Clock)
	if err != nil {
		return nil, err
	}
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = sh.Run(gctx)
	}()
	a.mu.Lock()
	a.shipper, a.sched = sh, sched
	a.mu.Unlock()
	if err := sched.Start(gctx); err != nil {
		stop()
		wg.Wait()
		return nil, err
	}
	next := sched.Next()
	o.Log.Info("agent running", "branch", l.File.Branch.ID, "checks", len(b.Checks), "config_hash", l.Hash,
		"next_sweep", next.At.In(l.Calendar.Location()).Format("Mon 2006-01-02 15:04 MST"), "next_kind", next.Kind)
	if o.Ready != nil {
		o.Ready(l.File.Agent.Listen)
		o.Ready = nil
	}
	defer func() {
		_ = sched.Stop()
		stop()
		wg.Wait()
	}()
	for {
		var reply chan error
		select {
		case <-ctx.Done():
			return nil, nil
		case <-hup:
		case reply = <-a.reload:
		}
		nb, err := a.load(l.Path)
		a.metrics.Reloaded(err == nil)
		a.mu.Lock()
		if err != nil {
			a.reloadErr = err.Error()
		} else {
			a.reloadErr = ""
		}
		a.mu.Unlock()
		if reply != nil {
			reply <- err
		}
		if err != nil {
			o.Log.Error("configuration reload refused; the previous configuration stays in force", "err", err)
			continue
		}
		o.Log.Info("configuration reloaded", "config_hash", nb.Config.Hash)
		return nb, nil
	}
}

// collectorClient trusts the system CAs plus collector.ca_file.
func collectorClient(l *config.Loaded) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if l.CollectorCA != nil {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		pool.AppendCertsFromPEM(l.CollectorCA)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Timeout: l.File.Collector.Timeout, Transport: tr}
}

// requestReload asks the running generation to reload and waits for the verdict.
func (a *agentState) requestReload() error {
	reply := make(chan error, 1)
	select {
	case a.reload <- reply:
		return <-reply
	case <-time.After(30 * time.Second):
		return errors.New("the agent is busy; try again")
	}
}

// sweep runs one scheduled sweep, spools its results and wakes the shipper.
func (a *agentState) sweep(ctx context.Context, b *Branch, sh *shipper.Shipper, slot calendar.Slot) ([]result.Result, bool) {
	start := time.Now()
	rs := b.Sweep(ctx, string(slot.Kind), b.Checks, nil)
	sum := Summarise(b.Checks, rs)
	elapsed := time.Since(start)
	a.o.Log.Info("sweep done", "kind", slot.Kind, "checks", sum.Total, "ready", sum.Ready,
		"blocking_not_passing", len(sum.Blocking), "seconds", elapsed.Seconds())
	if err := a.spool.Put(rs, priorities(b, slot, rs)); err != nil {
		// Keep checking even when the disk is full: the next sweep may fit.
		a.o.Log.Error("spool results", "results", len(rs), "err", err)
	}
	sh.Kick()
	if sh.Status().ConsecutiveFailures > 0 {
		// The collector is away: the shipper will not drain soon, so give
		// back what the sweep used now rather than when it does.
		a.releaseMemoryUnlessSoon()
	}
	a.metrics.ObserveSweep(string(slot.Kind), elapsed.Seconds(), rs, sum.Ready, float64(time.Now().Unix()))
	by := map[string]int{}
	for s, n := range sum.ByStatus {
		by[string(s)] = n
	}
	a.mu.Lock()
	for _, r := range rs {
		a.latest[[2]string{r.Device, r.Check}] = lastResult{r.Status, r.Reason, r.StartedAt}
	}
	a.lastSweep = &admin.Sweep{Kind: string(slot.Kind), At: start, Seconds: elapsed.Seconds(), Ready: sum.Ready, ByStatus: by}
	a.mu.Unlock()
	if a.o.OnSweep != nil {
		a.o.OnSweep(slot, rs)
	}
	return rs, sum.Ready
}

// health is the heartbeat the collector keeps: spool depth, every result
// lost, and the last sweep.
func (a *agentState) health() *result.Health {
	h := &result.Health{SpoolDepth: a.spool.Depth(), Held: a.spool.Held()}
	for reason, n := range a.spool.Dropped() {
		h.Dropped += n
		if n > 0 {
			if h.DroppedByReason == nil {
				h.DroppedByReason = map[string]uint64{}
			}
			h.DroppedByReason[reason] = n
		}
	}
	a.mu.Lock()
	if a.lastSweep != nil {
		h.LastSweep, h.LastSweepReady = a.lastSweep.At, a.lastSweep.Ready
	}
	a.mu.Unlock()
	return h
}

func (a *agentState) shipStatus() shipper.Status {
	a.mu.Lock()
	sh := a.shipper
	a.mu.Unlock()
	if sh == nil {
		return shipper.Status{}
	}
	return sh.Status()
}

// status is what /status and `branchready-agent status` show.
func (a *agentState) status() admin.Status {
	st := a.shipStatus()
	a.mu.Lock()
	defer a.mu.Unlock()
	l := a.branch.Config
	loc := l.Calendar.Location()
	s := admin.Status{
		Branch: l.File.Branch.ID, Name: l.File.Branch.Name, Timezone: l.File.Branch.Timezone, Version: Version,
		ConfigPath: l.Path, ConfigHash: l.Hash, Started: a.started, LastReloadError: a.reloadErr, LastSweep: a.lastSweep,
		Spool: admin.SpoolState{Results: a.spool.Depth(), Bytes: a.spool.Bytes(), Oldest: a.spool.Oldest(), Dropped: a.spool.Dropped(), Held: a.spool.Held()},
		Collector: admin.CollectorLink{URL: l.File.Collector.URL, LastSuccess: st.LastSuccess, LastError: st.LastError,
			LastErrorAt: st.LastErrorAt, LastErrorCode: st.LastErrorCode, ConsecutiveFailures: st.ConsecutiveFailures, Stored: st.Stored,
			Reachable: !st.LastSuccess.IsZero() && st.ConsecutiveFailures == 0},
	}
	if a.sched != nil {
		n := a.sched.Next()
		s.NextSweep, s.NextSweepKind = n.At.In(loc).Format("Mon 2006-01-02 15:04 MST"), string(n.Kind)
	}
	for _, c := range a.branch.Checks {
		cs := admin.CheckState{Device: c.Target.Device, Check: c.Target.Check, Kind: c.Kind, Criticality: string(c.Criticality), Status: "not run yet"}
		if r, ok := a.latest[[2]string{c.Target.Device, c.Target.Check}]; ok {
			cs.Status, cs.Reason, cs.At = string(r.status), r.reason, r.at
		}
		s.Checks = append(s.Checks, cs)
	}
	return s
}

// priorities ranks results for shipping: pre-opening sweeps first (they
// decide readiness), informational devices last (dropped first when full).
func priorities(b *Branch, slot calendar.Slot, rs []result.Result) []spool.Priority {
	crit := map[string]result.Criticality{}
	for _, c := range b.Checks {
		crit[c.Target.Device] = c.Criticality
	}
	out := make([]spool.Priority, len(rs))
	for i, r := range rs {
		switch {
		case crit[r.Device] == result.Informational:
			out[i] = spool.PriorityInformational
		case slot.Kind == calendar.PreOpening:
			out[i] = spool.PriorityReadiness
		default:
			out[i] = spool.PriorityNormal
		}
	}
	return out
}
