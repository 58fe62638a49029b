package result

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestNewIDIsAUUIDv7(t *testing.T) {
	before := time.Now().Add(-time.Second)
	id := NewID()
	u, err := uuid.Parse(id)
	if err != nil {
		t.Fatalf("NewID() = %q: not a UUID: %v", id, err)
	}
	if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
		t.Fatalf("NewID() = %q: version %d variant %v, want version 7, RFC 4122 variant", id, u.Version(), u.Variant())
	}
	sec, nsec := u.Time().UnixTime()
	if at := time.Unix(sec, nsec); at.Before(before) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("NewID() = %q carries time %v, want now", id, at)
	}
	if len(id) > MaxIDLen {
		t.Errorf("NewID() is %d bytes, over the %d the collector accepts", len(id), MaxIDLen)
	}
}

func TestSweepIDsCarryTheirKindAndStart(t *testing.T) {
	start := time.Date(2026, 11, 24, 7, 45, 0, 0, time.UTC)
	tests := []struct {
		name, id, kind string
		start          time.Time
		ok             bool
	}{
		{name: "a sweep id made by the agent gives back its kind and start", id: NewSweepID("pre_opening", start), kind: "pre_opening", start: start, ok: true},
		{name: "a sweep id from an older agent reads the same", id: "business_hours-20261124T093000-9c1a2b", kind: "business_hours", start: start.Add(105 * time.Minute), ok: true},
		{name: "an empty sweep is not understood", id: ""},
		{name: "a label without a time is not understood", id: "pre-opening-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kind, at, ok := ParseSweep(tc.id)
			if ok != tc.ok || kind != tc.kind || !at.Equal(tc.start) {
				t.Errorf("ParseSweep(%q) = %q, %v, %v; want %q, %v, %v", tc.id, kind, at, ok, tc.kind, tc.start, tc.ok)
			}
		})
	}
}
