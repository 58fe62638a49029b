package alerting

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/collector/store"
)

// The actions of a Command.
const (
	ActAck    = "ack"
	ActUnack  = "unack"
	ActSnooze = "snooze"
)

// Command is a person's change of an open incident, asked of any
// collector.
type Command struct {
	// Key makes a retried request one command (Slack's action, an
	// Idempotency-Key header, a board form's nonce); random when empty.
	Key      string
	Incident string
	// Action is ActAck, ActUnack or ActSnooze.
	Action string
	By     string
	// Snooze is how long an ActSnooze holds reminders.
	Snooze time.Duration
}

// ErrQueued is Submit's answer when the command is kept but the engine did
// not apply it in time (no collector leads right now, or it is busy): it
// takes effect once the engine runs, on whichever collector leads next.
var ErrQueued = errors.New("accepted: it will apply when the alert engine is available")

// ErrRefused wraps the reason the engine gave for not applying a command
// when that reason is not ErrUnknownIncident.
var ErrRefused = errors.New("refused")

// DefaultCommandWait is how long Submit waits for the engine's outcome.
const DefaultCommandWait = 5 * time.Second

// commandBatch bounds the commands applied in one go, so that a backlog
// (after a long time without a leader) does not hold results back.
const commandBatch = 100

// commandRetention is how long settled commands are kept (for retried
// requests and for the record).
const commandRetention = 7 * 24 * time.Hour

// Submit queues c in the store, wakes the engine wherever it runs, and
// waits (at most the CommandWait option, and no longer than ctx) for its
// outcome: nil once applied, an error wrapping ErrUnknownIncident or
// ErrRefused once refused, ErrQueued when it is kept but not applied yet.
// Queueing first, on every collector, is what lets any of them accept a
// click and the leader apply it exactly once, even across a crash.
func (s *Service) Submit(ctx context.Context, c Command) error {
	if err := c.validate(); err != nil {
		return err
	}
	// A retried request is answered by its command's outcome, whatever
	// became of the incident since.
	if c.Key != "" {
		if rec, err := s.o.Store.Command(ctx, c.Key); err == nil && rec.State != store.CommandPending {
			return outcomeOf(rec)
		}
	}
	// An incident the store does not know, or knows resolved, is refused
	// here at once rather than queued for a leader that may be a while.
	if rec, err := s.o.Store.Incident(ctx, c.Incident); errors.Is(err, store.ErrNotFound) || (err == nil && rec.State == store.ResolvedState) {
		return fmt.Errorf("incident %s: %w", c.Incident, ErrUnknownIncident)
	}
	if c.Key == "" {
		c.Key = newID("cmd")
	}
	rec, err := s.o.Store.QueueCommand(ctx, store.CommandRecord{Key: c.Key, Incident: c.Incident, Action: c.Action, By: c.By,
		Snooze: c.Snooze, QueuedAt: s.o.Now()})
	if err != nil {
		return fmt.Errorf("queue %s of incident %s: %w", c.Action, c.Incident, err)
	}
	if rec.State != store.CommandPending {
		return outcomeOf(rec)
	}
	s.ring(ctx, store.SignalCommand)
	wctx, cancel := context.WithTimeout(ctx, s.o.CommandWait)
	defer cancel()
	return s.await(wctx, rec.Key)
}

func (c Command) validate() error {
	switch c.Action {
	case ActAck, ActUnack:
	case ActSnooze:
		if c.Snooze <= 0 || c.Snooze > alerts.MaxSnooze {
			return fmt.Errorf("snooze %v: %w", c.Snooze, alerts.ErrBadSnooze)
		}
	default:
		return fmt.Errorf("unknown action %q", c.Action)
	}
	if c.Incident == "" {
		return errors.New("which incident?")
	}
	return nil
}

// ring wakes the engine: at once when it runs here, else through the
// store's signal (the leader listens); with neither, it finds the work at
// its next tick.
func (s *Service) ring(ctx context.Context, what string) {
	if s.running.Load() {
		s.wakeUp(what)
		return
	}
	if s.o.Signal == nil {
		return
	}
	if err := s.o.Signal(ctx, what); err != nil && ctx.Err() == nil {
		s.o.Log.Warn("alerts: could not wake the leader; it finds the change at its next tick (20 s)", "what", what, "err", err)
	}
}

// Wake tells the engine that another collector queued a command or changed
// a silence (the leader's listener calls it).
func (s *Service) Wake(what string) { s.wakeUp(what) }

func (s *Service) wakeUp(what string) {
	ch := s.wakeCommands
	if what == store.SignalSilence {
		ch = s.wakeSilences
	}
	select {
	case ch <- struct{}{}:
	default: // a wake-up is already due: it covers this one
	}
}

// await polls the command's state until it is settled or ctx ends. Where
// the engine runs, a settlement wakes it at once; elsewhere the store is
// read again at growing intervals.
func (s *Service) await(ctx context.Context, key string) error {
	pause := 10 * time.Millisecond
	for {
		settled := s.settledChan()
		rec, err := s.o.Store.Command(ctx, key)
		if err == nil && rec.State != store.CommandPending {
			return outcomeOf(rec)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return ErrQueued
		case <-settled:
		case <-t.C:
		}
		t.Stop()
		pause = min(2*pause, 250*time.Millisecond)
	}
}

// settledChan returns a channel closed at the next settlement here.
func (s *Service) settledChan() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settled
}

func (s *Service) announceSettled() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.settled)
	s.settled = make(chan struct{})
}

// outcomeOf turns a settled command into Submit's answer.
func outcomeOf(rec store.CommandRecord) error {
	switch {
	case rec.State == store.CommandApplied:
		return nil
	case rec.Outcome == ErrUnknownIncident.Error():
		return fmt.Errorf("incident %s: %w", rec.Incident, ErrUnknownIncident)
	}
	return fmt.Errorf("%w: %s", ErrRefused, rec.Outcome)
}

// drain applies the pending commands, on the loop.
func (s *Service) drain(ctx context.Context) {
	// A command applies after what was decided before it.
	s.flush(ctx)
	for {
		cmds, err := s.o.Store.PendingCommands(ctx, commandBatch)
		if err != nil {
			if ctx.Err() == nil {
				s.o.Log.Warn("alerts: read queued commands; trying again at the next tick", "err", err)
			}
			return
		}
		for _, c := range cmds {
			s.apply(ctx, c)
		}
		if len(cmds) > 0 {
			s.announceSettled()
		}
		if len(cmds) < commandBatch || ctx.Err() != nil {
			return
		}
	}
}

// apply runs one queued command on the engine and settles it in the store
// together with the incident change it made. When the store refuses (a
// broken connection, or another engine settled it first), the branch's
// memory is rebuilt from the store, so it never runs ahead of what is kept;
// a command still pending is tried again at the next drain.
func (s *Service) apply(ctx context.Context, c store.CommandRecord) {
	now := s.o.Now()
	b := s.owner(c.Incident)
	var o alerts.Outcome
	var err error
	if b == nil {
		err = ErrUnknownIncident
	} else {
		o, err = s.operate(&b.Branch, c, now)
	}
	c.State, c.DoneAt = store.CommandApplied, now
	if err != nil {
		c.State, c.Outcome = store.CommandRefused, err.Error()
		if errors.Is(err, alerts.ErrNoIncident) || errors.Is(err, ErrUnknownIncident) {
			c.Outcome = ErrUnknownIncident.Error()
		}
	}
	recs := s.records(o)
	if err := s.o.Store.SettleCommand(ctx, c, recs, o.Messages); err != nil {
		if b != nil {
			s.reload(ctx, b)
		}
		if errors.Is(err, store.ErrCommandSettled) {
			return
		}
		s.o.Metrics.SaveFailures.Inc()
		if ctx.Err() == nil {
			s.o.Log.Error("alerts: settle a command; it stays queued", "command", c.Key, "incident", c.Incident, "err", err)
		}
		return
	}
	s.o.Log.Info("alerts: command settled", "action", c.Action, "incident", c.Incident, "by", c.By, "state", c.State, "outcome", c.Outcome,
		"waited", now.Sub(c.QueuedAt))
	s.o.Metrics.Decided.Add(float64(len(o.Messages)))
	if len(o.Messages) > 0 && s.o.Decided != nil {
		s.o.Decided()
	}
}

// operate applies a command to the branch's engine state.
func (s *Service) operate(b *alerts.Branch, c store.CommandRecord, now time.Time) (alerts.Outcome, error) {
	p := s.o.Policy
	switch c.Action {
	case ActAck:
		return p.Ack(b, c.Incident, c.By, now)
	case ActUnack:
		return p.Unack(b, c.Incident, c.By, now)
	case ActSnooze:
		return p.Snooze(b, c.Incident, c.By, c.Snooze, now)
	}
	return alerts.Outcome{}, fmt.Errorf("unknown action %q", c.Action)
}

// pruneCommands forgets settled commands once a week old, at most hourly.
func (s *Service) pruneCommands(ctx context.Context, now time.Time) {
	if now.Sub(s.pruned) < time.Hour {
		return
	}
	s.pruned = now
	if _, err := s.o.Store.PruneCommands(ctx, now.Add(-commandRetention)); err != nil && ctx.Err() == nil {
		s.o.Log.Warn("alerts: prune settled commands", "err", err)
	}
}
