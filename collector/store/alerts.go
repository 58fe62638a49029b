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
	b, err := m.AppendJSON(make([]byte, 0, 1024)) // json.Marshal's bytes
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
	raw, err := ScanRawClaimedRow(rows)
	if err != nil {
		return outbox.Row{}, err
	}
	return raw.Decode()
}

// RawOutboxRow is an outbox row as read, its message still the JSON
// stored: a store reads rows inside its writing transaction and decodes
// them (Decode) after it, so that the writer, which every write waits
// for, does not spend its time decoding.
type RawOutboxRow struct {
	row     outbox.Row
	message string
}

// ScanRawClaimedRow is ScanClaimedRow without decoding the message.
func ScanRawClaimedRow(rows Rows) (RawOutboxRow, error) {
	var prior int64
	raw, err := scanRawOutbox(rows, &prior)
	raw.row.Unsettled = prior != 0
	return raw, err
}

// Seq is the row's seq.
func (r RawOutboxRow) Seq() int64 { return r.row.Seq }

// Decode returns the row with its message decoded.
func (r RawOutboxRow) Decode() (outbox.Row, error) {
	row := r.row
	m, err := notify.DecodeJSON([]byte(r.message))
	if err != nil {
		return row, err
	}
	row.Message = m
	return row, nil
}

// WithMessage returns the row with m as its message, the one the store
// enqueued, when the store still holds it: its stored JSON need not be
// decoded.
func (r RawOutboxRow) WithMessage(m notify.Message) outbox.Row {
	row := r.row
	row.Message = m
	return row
}

func scanOutbox(rows Rows, extra ...any) (outbox.Row, error) {
	raw, err := scanRawOutbox(rows, extra...)
	if err != nil {
		return raw.row, err
	}
	return raw.Decode()
}

func scanRawOutbox(rows Rows, extra ...any) (RawOutboxRow, error) {
	var raw RawOutboxRow
	r := &raw.row
	var notBefore int64
	var doneAt *int64
	dest := append([]any{&r.Seq, &raw.message, &r.Attempts, &notBefore, &r.State, &r.LastError, &doneAt, &r.Receipt.Channel, &r.Receipt.TS}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return raw, err
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
	return raw, nil
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
