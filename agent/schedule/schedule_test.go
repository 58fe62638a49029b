package schedule

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/branchready/branchready/calendar"
)

func london(t *testing.T, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/London")
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type fired struct {
	slot calendar.Slot
}

func start(t *testing.T, now string, readyAfter int) (*clockwork.FakeClock, chan fired, *Scheduler) {
	t.Helper()
	cal, probs := calendar.Compile(calendar.Spec{Timezone: "Europe/London",
		Hours:         calendar.Week{Mon: "09:00-17:00", Tue: "09:00-17:00", Wed: "09:00-17:00", Thu: "09:00-17:00", Fri: "09:00-17:00"},
		RetryInterval: 15 * time.Minute, BusinessInterval: 4 * time.Hour})
	if probs != nil {
		t.Fatal(probs)
	}
	clock := clockwork.NewFakeClockAt(london(t, now))
	ch := make(chan fired, 16)
	n := 0
	s, err := New(cal, func(_ context.Context, slot calendar.Slot) bool {
		n++
		ch <- fired{slot}
		return n >= readyAfter
	}, slog.New(slog.NewTextHandler(io.Discard, nil)), clock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); _ = s.Stop() })
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return clock, ch, s
}

// advanceTo moves the fake clock to a London time once the scheduler is
// waiting on its next job, and returns the sweep that fires (if any).
//
// The scheduler plans its next sweep (Next) before gocron has armed the
// job's timer in its own goroutine; moving the clock in between would put
// the job's start in the past and it would never run. So the clock moves
// only once gocron reports the planned sweep as a job's next run.
//
// The sweep function hands its slot to the test before fire has marked the
// sweep done; moving the clock in between would fire the next slot while
// the last is still "running", and fire skips it as an overlap. So the
// clock also waits for the scheduler to be idle.
func advanceTo(t *testing.T, clock *clockwork.FakeClock, ch chan fired, s *Scheduler, to string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !armed(s) || sweeping(s) {
		select {
		case <-ctx.Done():
			t.Fatalf("the sweep planned for %s was never armed (or the last sweep never ended)", s.Next().At)
		case <-time.After(time.Millisecond):
		}
	}
	if err := clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatalf("scheduler never waited for its next job: %v", err)
	}
	clock.Advance(london(t, to).Sub(clock.Now()))
}

// sweeping reports whether a sweep is still running (fire has not yet
// recorded its outcome).
func sweeping(s *Scheduler) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sweeping
}

// armed reports whether gocron holds a job whose next run is the sweep the
// scheduler planned.
func armed(s *Scheduler) bool {
	want := s.Next().At
	for _, j := range s.s.Jobs() {
		if at, err := j.NextRun(); err == nil && at.Equal(want) {
			return true
		}
	}
	return false
}

func expect(t *testing.T, ch chan fired, want string) {
	t.Helper()
	select {
	case f := <-ch:
		got := f.slot.At.In(f.slot.At.Location()).Format("15:04") + " " + string(f.slot.Kind)
		if got != want {
			t.Fatalf("sweep %q, want %q", got, want)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no sweep, want %q", want)
	}
}

func TestPreOpeningSweepsRepeatUntilReadyThenBusinessHours(t *testing.T) {
	clock, ch, s := start(t, "2026-11-24 07:50", 2)
	if got := s.Next(); got.At.Format("15:04") != "08:00" || got.Kind != calendar.PreOpening {
		t.Fatalf("next sweep %v, want 08:00 pre_opening", got)
	}
	advanceTo(t, clock, ch, s, "2026-11-24 08:00")
	expect(t, ch, "08:00 pre_opening")
	advanceTo(t, clock, ch, s, "2026-11-24 08:15")
	expect(t, ch, "08:15 pre_opening") // ready now: later pre-opening slots are skipped
	advanceTo(t, clock, ch, s, "2026-11-24 08:30")
	advanceTo(t, clock, ch, s, "2026-11-24 08:45")
	advanceTo(t, clock, ch, s, "2026-11-24 09:00")
	expect(t, ch, "09:00 business_hours")
}

func TestAgentStartedInsideTheWindowSweepsAtOnce(t *testing.T) {
	_, ch, _ := start(t, "2026-11-24 08:20", 1)
	expect(t, ch, "08:20 pre_opening")
}

func TestNothingRunsOnClosedDays(t *testing.T) {
	_, _, s := start(t, "2026-11-28 10:00", 1) // a Saturday
	if got := s.Next().At.Format("Mon 2006-01-02 15:04"); got != "Mon 2026-11-30 08:00" {
		t.Fatalf("next sweep %s, want Monday 08:00", got)
	}
}

func TestAgentStartedWhileOpenSweepsAtOnce(t *testing.T) {
	_, ch, _ := start(t, "2026-11-24 11:07", 1)
	expect(t, ch, "11:07 business_hours")
}
