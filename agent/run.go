package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/branchready/branchready/agent/schedule"
	"github.com/branchready/branchready/agent/shipper"
	"github.com/branchready/branchready/agent/spool"
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/checks/manual"
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
	// SpoolMaxBytes bounds the spool; default 256 MiB.
	SpoolMaxBytes int64
	// OnSweep, if set, sees every sweep's results (tests, the demo).
	OnSweep func(calendar.Slot, []result.Result)
}

// DefaultSpoolMaxBytes bounds the spool when the config does not.
const DefaultSpoolMaxBytes = 256 << 20

// Run is the agent: it sweeps on the calendar's schedule, spools every
// result durably and ships it, until ctx ends.
func Run(ctx context.Context, o Options) error {
	b, err := Load(o.ConfigPath, o.Book)
	if err != nil {
		return err
	}
	l := b.Config
	if l.File.Collector.URL == "" {
		return fmt.Errorf("%s: collector.url is not set: run needs a collector to ship to", l.Path)
	}
	if l.TokenErr != nil {
		return l.TokenErr
	}
	if err := os.MkdirAll(l.File.Agent.StateDir, 0o750); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	if o.SpoolMaxBytes == 0 {
		o.SpoolMaxBytes = DefaultSpoolMaxBytes
	}
	sp, err := spool.Open(filepath.Join(l.File.Agent.StateDir, "spool.db"), spool.Options{MaxBytes: o.SpoolMaxBytes, Log: o.Log})
	if err != nil {
		return fmt.Errorf("open spool: %w", err)
	}
	defer sp.Close()
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: l.File.Collector.Timeout}
	}
	desc := l.Descriptor()
	sh := shipper.New(shipper.Options{
		URL: l.File.Collector.URL, Token: l.Token, Branch: l.File.Branch.ID, Spool: sp, Client: client,
		BatchSize: l.File.Collector.BatchSize, Log: o.Log,
		Agent:      func() result.Agent { return result.Agent{Version: Version, ConfigHash: l.Hash, SentAt: time.Now()} },
		Descriptor: func() *result.Descriptor { return desc },
	})
	sweep := func(ctx context.Context, slot calendar.Slot) bool {
		rs := b.Sweep(ctx, string(slot.Kind), b.Checks, nil)
		sum := Summarise(b.Checks, rs)
		o.Log.Info("sweep done", "kind", slot.Kind, "checks", sum.Total, "ready", sum.Ready, "blocking_not_passing", len(sum.Blocking))
		if err := sp.Put(rs, priorities(b, slot, rs)); err != nil {
			// Keep checking even when the disk is full: the next sweep may fit.
			o.Log.Error("spool results", "results", len(rs), "err", err)
		}
		sh.Kick()
		if o.OnSweep != nil {
			o.OnSweep(slot, rs)
		}
		return sum.Ready
	}
	sched, err := schedule.New(l.Calendar, sweep, o.Log, o.Clock)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := sh.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			o.Log.Error("shipper stopped", "err", err)
		}
	}()
	if err := sched.Start(ctx); err != nil {
		return err
	}
	next := sched.Next()
	o.Log.Info("agent started", "branch", l.File.Branch.ID, "checks", len(b.Checks), "config_hash", l.Hash,
		"next_sweep", next.At.In(l.Calendar.Location()).Format("Mon 2006-01-02 15:04 MST"), "next_kind", next.Kind)
	<-ctx.Done()
	err = sched.Stop()
	wg.Wait()
	return err
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
