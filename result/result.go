package result

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Status is the outcome of one check run. Never a bare bool: a Result always
// carries a Reason alongside it.
type Status string

// The statuses a check can report.
const (
	StatusOK       Status = "ok"
	StatusDegraded Status = "degraded"
	StatusFail     Status = "fail"
	StatusUnknown  Status = "unknown"
)

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusOK, StatusDegraded, StatusFail, StatusUnknown:
		return true
	}
	return false
}

// Passing reports whether s lets a blocking item count as ready.
func (s Status) Passing() bool { return s == StatusOK || s == StatusDegraded }

// Result is one run of one check on one device at one branch.
type Result struct {
	// ID is made by the agent and makes ingest idempotent.
	ID     string `json:"id"`
	Branch string `json:"branch"`
	Device string `json:"device"`
	Check  string `json:"check"`
	Kind   string `json:"kind"`
	Status Status `json:"status"`
	// StartedAt is the agent's clock when the check started: the event time
	// readiness is judged on.
	StartedAt time.Time `json:"started_at"`
	// DurationMS is how long the check ran, in milliseconds.
	DurationMS float64 `json:"duration_ms"`
	// Reason says, in words a lobby manager understands, why Status is what it is.
	Reason string `json:"reason"`
	// Observations are numeric measurements (latency_seconds, paper_level...).
	Observations map[string]float64 `json:"observations,omitempty"`
	// Sweep groups results run together (a pre-opening or business-hours sweep).
	Sweep        string `json:"sweep,omitempty"`
	AgentVersion string `json:"agent_version,omitempty"`
}

// Limits on a result's fields, enforced by Validate.
const (
	MaxIDLen     = 64
	MaxNameLen   = 128
	MaxReasonLen = 2048
	MaxObserved  = 32
)

// Validate reports the first rule r breaks, as a message naming the field.
func (r *Result) Validate() error {
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"id", r.ID, MaxIDLen}, {"branch", r.Branch, MaxNameLen}, {"device", r.Device, MaxNameLen},
		{"check", r.Check, MaxNameLen}, {"kind", r.Kind, MaxNameLen},
	} {
		if f.v == "" {
			return fmt.Errorf("%s: must not be empty", f.name)
		}
		if len(f.v) > f.max {
			return fmt.Errorf("%s: longer than %d bytes", f.name, f.max)
		}
	}
	if !r.Status.Valid() {
		return fmt.Errorf("status %q: must be one of ok, degraded, fail, unknown", r.Status)
	}
	if r.StartedAt.IsZero() {
		return fmt.Errorf("started_at: must be set")
	}
	if r.DurationMS < 0 {
		return fmt.Errorf("duration_ms %v: must be >= 0", r.DurationMS)
	}
	if len(r.Reason) > MaxReasonLen {
		return fmt.Errorf("reason: longer than %d bytes", MaxReasonLen)
	}
	if len(r.Observations) > MaxObserved {
		return fmt.Errorf("observations: more than %d entries", MaxObserved)
	}
	return nil
}

// NewID returns a UUIDv7 (RFC 9562): a 48-bit millisecond timestamp, the
// version and variant bits, then random bits. Time-ordered ids keep the
// collector's primary-key index writes local, which doubles SQLite's ingest
// rate over fully random ids (see BENCHMARKS.md); uniqueness and idempotency
// are those of any UUID.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}
