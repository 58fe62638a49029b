package result

import "time"

// Batch is what an agent posts to the collector's ingest API.
type Batch struct {
	Branch string `json:"branch"`
	Agent  Agent  `json:"agent"`
	// Descriptor is sent when the agent starts or its configuration changes;
	// it tells the collector what the branch expects.
	Descriptor *Descriptor `json:"descriptor,omitempty"`
	Results    []Result    `json:"results"`
}

// Agent identifies the sender of a batch.
type Agent struct {
	Version    string `json:"version"`
	ConfigHash string `json:"config_hash,omitempty"`
	// SentAt is the agent's clock when the batch left; the collector compares
	// it with its own clock to detect skew.
	SentAt time.Time `json:"sent_at"`
	// Health is the agent's own state, sent with every batch and heartbeat.
	Health *Health `json:"health,omitempty"`
}

// Health is what an agent says about itself: how far behind shipping is,
// what it lost, and when it last swept.
type Health struct {
	SpoolDepth int `json:"spool_depth"`
	// Dropped counts results lost since the spool was created (full spool,
	// rejected by the collector), so the operations centre sees every loss.
	Dropped uint64 `json:"dropped"`
	// DroppedByReason splits Dropped: spool_full, rejected, corrupt,
	// disk_full (never reached the spool), write_error.
	DroppedByReason map[string]uint64 `json:"dropped_by_reason,omitempty"`
	// Held counts results kept in memory because the disk is full; they
	// ship once it takes writes again.
	Held           int       `json:"held,omitempty"`
	LastSweep      time.Time `json:"last_sweep,omitzero"`
	LastSweepReady bool      `json:"last_sweep_ready"`
}

// IngestResponse is the collector's answer to a batch.
type IngestResponse struct {
	Accepted   int         `json:"accepted"`
	Duplicates int         `json:"duplicates"`
	Rejected   []Rejection `json:"rejected,omitempty"`
	// StoredAt is when the collector had committed the batch. Its
	// readiness judgement of the branch reflects the batch once the
	// branch's judged_at (GET /api/v1/branches) is at or after it.
	StoredAt time.Time `json:"stored_at,omitzero"`
}

// Rejection names one item of a batch that was not stored and why.
type Rejection struct {
	Index int    `json:"index"`
	ID    string `json:"id,omitempty"`
	Error string `json:"error"`
	// Code classifies the cause for the agent's loss counters; empty for
	// a malformed item.
	Code string `json:"code,omitempty"`
}

// RejectEventTime is the Rejection code of a result whose event time the
// collector refused: after its batch was sent (the agent's clock ran
// ahead) or outside the accepted window.
const RejectEventTime = "event_time"
