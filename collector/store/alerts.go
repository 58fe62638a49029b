package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
)

// IncidentRecord is an incident as the store keeps it: the columns it is
// found by, and the engine's own state as JSON (the store never looks inside).
type IncidentRecord struct {
	ID        string          `json:"id"`
	Branch    string          `json:"branch"`
	Device    string          `json:"device"`
	Check     string          `json:"check"`
	State     string          `json:"state"`
	OpenedAt  time.Time       `json:"opened_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	Body      json.RawMessage `json:"body"`
}

// SilenceRecord is a silence or maintenance window made on the board or API.
type SilenceRecord struct {
	ID        string          `json:"id"`
	StartsAt  time.Time       `json:"starts_at"`
	EndsAt    time.Time       `json:"ends_at"`
	CreatedBy string          `json:"created_by"`
	Comment   string          `json:"comment"`
	CreatedAt time.Time       `json:"created_at"`
	Body      json.RawMessage `json:"body"`
}

// Alerts is what the alert engine keeps: incidents, the outbox of decided
// notifications (with the thread of each incident's message) and silences.
// Both stores implement it; storetest and outboxtest hold them to it.
type Alerts interface {
	outbox.Store
	// SaveIncidents upserts incidents and enqueues the messages their
	// changes decided, in one transaction: a notification decided is a
	// notification kept.
	SaveIncidents(ctx context.Context, incs []IncidentRecord, ms []notify.Message) error
	// Incidents returns every incident that is not resolved, and resolved
	// ones updated at or after since, newest first.
	Incidents(ctx context.Context, since time.Time) ([]IncidentRecord, error)
	// Incident returns one incident or ErrNotFound.
	Incident(ctx context.Context, id string) (IncidentRecord, error)
	// PutSilence creates or replaces a silence.
	PutSilence(ctx context.Context, s SilenceRecord) error
	// Silences returns silences that end after since, soonest start first.
	Silences(ctx context.Context, since time.Time) ([]SilenceRecord, error)
	// DeleteSilence removes a silence; an unknown id is ErrNotFound.
	DeleteSilence(ctx context.Context, id string) error
}

// ResolvedState is the incident state that Incidents leaves out once old.
const ResolvedState = "resolved"

// EncodeMessage returns a message as stored in an outbox row.
func EncodeMessage(m notify.Message) (string, error) {
	b, err := json.Marshal(m)
	return string(b), err
}

// ScanOutboxRow reads (seq, message, attempts, not_before, state,
// last_error, done_at, channel, ts) as both stores select them, times in unix
// nanoseconds.
func ScanOutboxRow(rows Rows) (outbox.Row, error) { return scanOutbox(rows) }

// ScanClaimedRow reads OutboxColumns followed by the claimed_until the row
// had before it was claimed: a claim that ran out without an outcome left
// it non-zero, and the row is returned Unsettled.
func ScanClaimedRow(rows Rows) (outbox.Row, error) {
	var prior int64
	r, err := scanOutbox(rows, &prior)
	r.Unsettled = prior != 0
	return r, err
}

func scanOutbox(rows Rows, extra ...any) (outbox.Row, error) {
	var r outbox.Row
	var msg string
	var notBefore int64
	var doneAt *int64
	dest := append([]any{&r.Seq, &msg, &r.Attempts, &notBefore, &r.State, &r.LastError, &doneAt, &r.Receipt.Channel, &r.Receipt.TS}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(msg), &r.Message); err != nil {
		return r, err
	}
	if notBefore > 0 {
		r.NotBefore = time.Unix(0, notBefore).UTC()
	}
	if doneAt != nil {
		switch r.State {
		case outbox.Delivered:
			r.DeliveredAt = time.Unix(0, *doneAt).UTC()
		case outbox.Failed:
			r.FailedAt = time.Unix(0, *doneAt).UTC()
		}
	}
	return r, nil
}

// OutboxColumns are the columns ScanOutboxRow reads.
const OutboxColumns = "seq, message, attempts, not_before, state, last_error, done_at, channel, ts"

// ScanIncidents reads rows of (id, branch, device, check_name, state,
// opened_at, updated_at, body).
func ScanIncidents(rows Rows) ([]IncidentRecord, error) {
	out := []IncidentRecord{}
	for rows.Next() {
		var r IncidentRecord
		var opened, updated int64
		var body string
		if err := rows.Scan(&r.ID, &r.Branch, &r.Device, &r.Check, &r.State, &opened, &updated, &body); err != nil {
			return nil, err
		}
		r.OpenedAt, r.UpdatedAt, r.Body = time.Unix(0, opened).UTC(), time.Unix(0, updated).UTC(), json.RawMessage(body)
		out = append(out, r)
	}
	return out, rows.Err()
}

// IncidentColumns are the columns ScanIncidents reads.
const IncidentColumns = "id, branch, device, check_name, state, opened_at, updated_at, body"

// ScanSilences reads rows of (id, starts_at, ends_at, created_by, comment,
// created_at, body).
func ScanSilences(rows Rows) ([]SilenceRecord, error) {
	out := []SilenceRecord{}
	for rows.Next() {
		var s SilenceRecord
		var starts, ends, created int64
		var body string
		if err := rows.Scan(&s.ID, &starts, &ends, &s.CreatedBy, &s.Comment, &created, &body); err != nil {
			return nil, err
		}
		s.StartsAt, s.EndsAt, s.CreatedAt = time.Unix(0, starts).UTC(), time.Unix(0, ends).UTC(), time.Unix(0, created).UTC()
		s.Body = json.RawMessage(body)
		out = append(out, s)
	}
	return out, rows.Err()
}

// SilenceColumns are the columns ScanSilences reads.
const SilenceColumns = "id, starts_at, ends_at, created_by, comment, created_at, body"
