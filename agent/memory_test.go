package agent

import (
	"testing"
	"time"
)

func TestTheMemoryOfASweepIsKeptOnlyWhenTheNextSweepIsNear(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		next time.Time
		keep bool
	}{
		{"a business-hours sweep 30 s away keeps it", now.Add(30 * time.Second), true},
		{"a sweep already due keeps it", now.Add(-time.Second), true},
		{"a sweep a minute away gets it back from the OS", now.Add(time.Minute), false},
		{"the opening sweep 30 minutes away gets it back", now.Add(30 * time.Minute), false},
		{"no sweep planned returns it", time.Time{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := keepMemory(tc.next, now); got != tc.keep {
				t.Errorf("keepMemory = %v, want %v", got, tc.keep)
			}
		})
	}
}
