package schedule

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/jonboulle/clockwork"

	"github.com/branchready/branchready/calendar"
)

// An agent of a lobby open around the clock plans its sweeps like any
// other: between business-hours sweeps, the pre-opening sweep before the
// daily check time comes next.
func TestAnAgentOpenAroundTheClockPlansItsPreOpeningSweep(t *testing.T) {
	all := "00:00-24:00"
	cal, probs := calendar.Compile(calendar.Spec{Timezone: "Europe/London",
		Hours: calendar.Week{Mon: all, Tue: all, Wed: all, Thu: all, Fri: all, Sat: all, Sun: all}})
	if probs != nil {
		t.Fatal(probs)
	}
	clock := clockwork.NewFakeClockAt(london(t, "2026-11-24 04:50"))
	s, err := New(cal, func(context.Context, calendar.Slot) bool { return true }, slog.New(slog.NewTextHandler(io.Discard, nil)), clock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); _ = s.Stop() })
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if next := s.Next(); next.Kind != calendar.PreOpening || !next.At.Equal(london(t, "2026-11-24 05:00")) {
		t.Errorf("next sweep %v %s, want the pre-opening sweep at 05:00", next.At, next.Kind)
	}
}
