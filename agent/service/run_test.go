package service

import (
	"context"
	"errors"
	"log/slog"
	"testing"
)

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestProgramStopCancelsTheAgent(t *testing.T) {
	p := newProgram(func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}, quiet(), nil)
	if err := p.Start(nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(nil); err != nil {
		t.Errorf("stop of a cancelled agent: %v, want nil", err)
	}
}

func TestProgramStopReturnsTheAgentsShutdownError(t *testing.T) {
	flush := errors.New("spool: close: disk full")
	p := newProgram(func(ctx context.Context) error {
		<-ctx.Done()
		return flush
	}, quiet(), nil)
	_ = p.Start(nil)
	if err := p.Stop(nil); !errors.Is(err, flush) {
		t.Errorf("stop: %v, want %v", err, flush)
	}
}

func TestAFailedAgentEndsTheServiceWithItsError(t *testing.T) {
	bad := errors.New("branch.yaml: collector.url is not set")
	p := newProgram(func(context.Context) error { return bad }, quiet(), nil)
	_ = p.Start(nil)
	p.wait() // returns because the agent ended, not because of a signal
	if err := p.Stop(nil); !errors.Is(err, bad) {
		t.Errorf("stop after failure: %v, want %v so systemd restarts the agent", err, bad)
	}
}

func TestAnAgentThatReturnsNilByItselfStillCountsAsFailed(t *testing.T) {
	p := newProgram(func(context.Context) error { return nil }, quiet(), nil)
	_ = p.Start(nil)
	<-p.done
	if err := p.Stop(nil); !errors.Is(err, errStoppedByItself) {
		t.Errorf("stop: %v, want %v", err, errStoppedByItself)
	}
}

func TestOnWindowsAFailedAgentExitsTheProcessNonZero(t *testing.T) {
	codes := make(chan int, 1)
	p := newProgram(func(context.Context) error { return errors.New("boom") }, quiet(), func(c int) { codes <- c })
	_ = p.Start(nil)
	if c := <-codes; c != 1 {
		t.Errorf("exit code %d, want 1", c)
	}
}

func TestStopGivesUpOnAnAgentThatIgnoresCancellation(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	p := newProgram(func(context.Context) error { <-release; return nil }, quiet(), nil)
	p.stopTimeout = 0
	_ = p.Start(nil)
	if err := p.Stop(nil); err == nil {
		t.Error("stop returned nil for an agent still running")
	}
}
