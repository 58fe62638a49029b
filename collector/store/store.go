package store

import (
	"context"
	"errors"
	"time"

	"github.com/branchready/branchready/result"
)

// ErrNotFound is returned when a branch is not known.
var ErrNotFound = errors.New("not found")

// Store is the collector's persistence. Every method is safe for concurrent use.
type Store interface {
	// WriteResults stores results durably (committed before it returns).
	// A result whose id its branch already has is left as it is and counted
	// as a duplicate, so a retried batch stores nothing twice, also when
	// ingest corrected its started_at differently on the retry. Both stores
	// keep a branch's results one row per batch (collector/store/chunk), so
	// each bounds how far it looks for a copy: PostgreSQL, partitioned by
	// day, up to a day apart (postgres.DedupWindow); SQLite in the chunks
	// overlapping the batch and the branch's four latest.
	WriteResults(ctx context.Context, rs []result.Result, receivedAt time.Time) (inserted, duplicates int, err error)
	// PutBranch records that an agent reported in: its descriptor when d is
	// non-nil (nil keeps the last one) and its contact details.
	PutBranch(ctx context.Context, id string, d *result.Descriptor, c Contact) error
	// Branches returns every known branch, ordered by id.
	Branches(ctx context.Context) ([]Branch, error)
	// Branch returns one branch or ErrNotFound.
	Branch(ctx context.Context, id string) (Branch, error)
	// Results returns a branch's results with from <= started_at < to, oldest first.
	Results(ctx context.Context, branch string, from, to time.Time) ([]result.Result, error)
	// DeleteResults removes a branch's results with started_at < before
	// (retention) and returns how many it removed.
	DeleteResults(ctx context.Context, branch string, before time.Time) (int64, error)
	// PutConfirmation records a staff confirmation of a manual item made on
	// the board; it is kept, never overwritten (the latest per item wins).
	PutConfirmation(ctx context.Context, branch string, c result.Confirmation) error
	// Confirmations returns a branch's confirmations for a branch-local
	// date, oldest first.
	Confirmations(ctx context.Context, branch, date string) ([]result.Confirmation, error)
	// Close flushes and releases the store.
	Close() error
}

// Contact is an agent's last request to the collector.
type Contact struct {
	At           time.Time     `json:"at"`
	AgentVersion string        `json:"agent_version"`
	ConfigHash   string        `json:"config_hash"`
	ClockSkew    time.Duration `json:"clock_skew_ns"`
	// Health is the agent's last heartbeat (nil from agents that send none).
	Health *result.Health `json:"health,omitempty"`
}

// Branch is what the store knows of a branch.
type Branch struct {
	ID         string             `json:"id"`
	Descriptor *result.Descriptor `json:"descriptor"`
	Contact    Contact            `json:"last_contact"`
}

// Rows is what database/sql's and pgx's result sets have in common.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// ScanConfirmations reads rows of (device, check_name, date, by_name, at,
// problem), at in unix nanoseconds, as both stores select them.
func ScanConfirmations(rows Rows) ([]result.Confirmation, error) {
	out := []result.Confirmation{}
	for rows.Next() {
		var c result.Confirmation
		var at int64
		if err := rows.Scan(&c.Device, &c.Check, &c.Date, &c.By, &at, &c.Problem); err != nil {
			return nil, err
		}
		c.At = time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}
