package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	kservice "github.com/kardianos/service"
)

// stopTimeout bounds how long a stop request waits for the agent to finish
// its sweep and close the spool; Windows gives a service about 20 s.
const stopTimeout = 15 * time.Second

// errStoppedByItself marks an agent that returned without being asked to.
var errStoppedByItself = errors.New("the agent stopped by itself")

// Run runs the agent. Started by the service manager, it calls run with a
// context cancelled when the manager stops the service, and returns run's
// error so the manager restarts a failed agent. From a terminal it runs run
// under SIGINT and SIGTERM.
func Run(cfg Config, run func(ctx context.Context) error) error {
	cfg.Log = resolveLog(cfg)
	if kservice.Interactive() {
		return runInteractive(run)
	}
	p := newProgram(run, cfg.Log, exitOnFailure)
	s, err := newService(cfg, p, p.wait)
	if err != nil {
		return fmt.Errorf("run as a service: %w", err)
	}
	return s.Run()
}

func runInteractive(run func(ctx context.Context) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx)
}

// program adapts run to kardianos' Start/Stop callbacks.
type program struct {
	run         func(ctx context.Context) error
	log         *slog.Logger
	exit        func(code int) // nil where wait notices the agent's end instead
	stopTimeout time.Duration

	cancel   context.CancelFunc
	done     chan struct{} // closed when run has returned
	err      error         // run's error, read after done
	stopping atomic.Bool
}

func newProgram(run func(ctx context.Context) error, log *slog.Logger, exit func(int)) *program {
	return &program{run: run, log: log, exit: exit, stopTimeout: stopTimeout, done: make(chan struct{})}
}

// Start launches the agent and returns at once, as kardianos requires.
func (p *program) Start(kservice.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() {
		defer close(p.done)
		err := p.run(ctx)
		if p.stopping.Load() {
			p.err = err
			return
		}
		if err == nil {
			err = errStoppedByItself
		}
		p.err = err
		p.log.Error("agent stopped unexpectedly", "err", err)
		if p.exit != nil {
			// The Windows service manager restarts a service only when its
			// process ends without reporting that it stopped.
			p.exit(1)
		}
	}()
	return nil
}

// Stop cancels the agent and waits for it; it returns the agent's error,
// so an agent that failed by itself makes the whole process fail.
func (p *program) Stop(kservice.Service) error {
	p.stopping.Store(true)
	p.cancel()
	t := time.NewTimer(p.stopTimeout)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
		return fmt.Errorf("the agent did not stop within %s", p.stopTimeout)
	}
	if errors.Is(p.err, context.Canceled) {
		return nil
	}
	return p.err
}

// wait is kardianos' RunWait on Unix: it returns on SIGTERM or SIGINT from
// the service manager, or when the agent ended by itself, so that a failed
// agent exits non-zero and systemd's Restart=on-failure applies.
func (p *program) wait() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sig)
	select {
	case <-sig:
	case <-p.done:
	}
}
