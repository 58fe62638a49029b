package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/branchready/branchready/calendar"
)

// SweepFunc runs one sweep and reports whether every blocking check passed.
type SweepFunc func(ctx context.Context, slot calendar.Slot) (ready bool)

// Scheduler runs sweeps at the calendar's slots. It always has exactly one
// job pending: the next slot. When that job fires it first plans the one
// after, so a calendar's daylight-saving days and holidays are handled by
// the calendar alone, and a reloaded calendar takes effect at the next slot.
type Scheduler struct {
	cal   *calendar.Calendar
	sweep SweepFunc
	log   *slog.Logger
	clock clockwork.Clock
	s     gocron.Scheduler
	ctx   context.Context

	mu        sync.Mutex
	next      calendar.Slot
	readyDay  string // the date on which the pre-opening sweeps found the branch ready
	sweeping  bool
	lastSlot  calendar.Slot
	lastReady bool
}

// New builds a scheduler; clock may be a fake in tests (nil: real time).
func New(cal *calendar.Calendar, sweep SweepFunc, log *slog.Logger, clock clockwork.Clock) (*Scheduler, error) {
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	s, err := gocron.NewScheduler(gocron.WithLocation(cal.Location()), gocron.WithClock(clock), gocron.WithLogger(gocronLogger{log}))
	if err != nil {
		return nil, fmt.Errorf("create scheduler: %w", err)
	}
	return &Scheduler{cal: cal, sweep: sweep, log: log, clock: clock, s: s}, nil
}

// Start plans the first slot, and sweeps at once when the agent starts
// inside today's pre-opening window (a restart at 08:20 must not wait for
// the next retry) or while the branch is open.
func (s *Scheduler) Start(ctx context.Context) error {
	s.ctx = ctx
	s.s.Start()
	now := s.clock.Now()
	day := s.cal.DayOf(now)
	switch {
	case day.Open && !now.Before(day.SweepFrom) && now.Before(day.Deadline):
		return s.add(calendar.Slot{At: now, Kind: calendar.PreOpening}, true)
	case day.Open && !now.Before(day.Opening) && now.Before(day.Closing):
		// Started while the branch is open: show its state now rather
		// than at the next business-hours slot.
		return s.add(calendar.Slot{At: now, Kind: calendar.BusinessHours}, true)
	}
	return s.planAfter(now)
}

// Stop ends the scheduler, waiting for a running sweep to return.
func (s *Scheduler) Stop() error { return s.s.Shutdown() }

// Next returns the next planned sweep.
func (s *Scheduler) Next() calendar.Slot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next
}

func (s *Scheduler) planAfter(t time.Time) error {
	slot, ok := s.cal.Next(t)
	if !ok {
		return fmt.Errorf("the calendar has no opening in the next two weeks")
	}
	return s.add(slot, false)
}

func (s *Scheduler) add(slot calendar.Slot, now bool) error {
	start := gocron.OneTimeJobStartDateTime(slot.At)
	if now || !slot.At.After(s.clock.Now()) {
		start = gocron.OneTimeJobStartImmediately()
	}
	s.mu.Lock()
	s.next = slot
	s.mu.Unlock()
	_, err := s.s.NewJob(gocron.OneTimeJob(start), gocron.NewTask(s.fire, slot),
		gocron.WithName(fmt.Sprintf("%s sweep at %s", slot.Kind, slot.At.Format(time.RFC3339))))
	if err != nil {
		return fmt.Errorf("schedule %s sweep at %s: %w", slot.Kind, slot.At, err)
	}
	return nil
}

func (s *Scheduler) fire(slot calendar.Slot) {
	after := slot.At
	if now := s.clock.Now(); now.After(after) {
		after = now
	}
	if err := s.planAfter(after); err != nil {
		s.log.Error("plan next sweep", "err", err)
	}
	date := slot.At.In(s.cal.Location()).Format(time.DateOnly)
	s.mu.Lock()
	skip := s.sweeping || (slot.Kind == calendar.PreOpening && s.readyDay == date)
	busy := s.sweeping
	if !skip {
		s.sweeping = true
	}
	s.mu.Unlock()
	if skip {
		if busy {
			s.log.Warn("sweep skipped: the previous sweep is still running", "kind", slot.Kind, "slot", slot.At)
		}
		return
	}
	ready := s.sweep(s.ctx, slot)
	s.mu.Lock()
	s.sweeping = false
	s.lastSlot, s.lastReady = slot, ready
	if ready && slot.Kind == calendar.PreOpening {
		s.readyDay = date
	}
	s.mu.Unlock()
}

// gocronLogger adapts slog to gocron's logger.
type gocronLogger struct{ l *slog.Logger }

func (g gocronLogger) Debug(string, ...any)       {}
func (g gocronLogger) Info(string, ...any)        {}
func (g gocronLogger) Warn(msg string, a ...any)  { g.l.Warn("scheduler: "+msg, a...) }
func (g gocronLogger) Error(msg string, a ...any) { g.l.Error("scheduler: "+msg, a...) }
