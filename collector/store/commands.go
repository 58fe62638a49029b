package store

import (
	"context"
	"errors"
	"time"

	"github.com/branchready/branchready/alerts/notify"
)

// CommandRecord is a person's change of an incident (acknowledge,
// unacknowledge, snooze) asked of any collector and applied by the one
// whose alert engine runs (the leader): the queue survives a leader's
// crash, and Key makes a retried request one command.
type CommandRecord struct {
	Seq int64 `json:"seq"`
	// Key is unique: the idempotency key of the request (Slack's action,
	// an Idempotency-Key header, a board form's nonce) or a random one.
	Key      string        `json:"key"`
	Incident string        `json:"incident"`
	Action   string        `json:"action"`
	By       string        `json:"by"`
	Snooze   time.Duration `json:"snooze,omitempty"`
	QueuedAt time.Time     `json:"queued_at"`
	// State is CommandPending until the engine settles it as
	// CommandApplied or CommandRefused (Outcome then says why).
	State   string    `json:"state"`
	Outcome string    `json:"outcome,omitempty"`
	DoneAt  time.Time `json:"done_at,omitzero"`
}

// The states of a command.
const (
	CommandPending = "pending"
	CommandApplied = "applied"
	CommandRefused = "refused"
)

// ErrCommandSettled is returned by SettleCommand for a command that is not
// pending any more (another engine settled it first): nothing was saved.
var ErrCommandSettled = errors.New("the command is settled already")

// Commands is the durable queue of people's incident changes. Both stores
// implement it; storetest holds them to it.
type Commands interface {
	// QueueCommand stores c as pending and returns it with its Seq. When a
	// command with c.Key is stored already, it returns that one unchanged
	// (whatever its state): a retried request is queued once.
	QueueCommand(ctx context.Context, c CommandRecord) (CommandRecord, error)
	// Command returns the command with that key, or ErrNotFound.
	Command(ctx context.Context, key string) (CommandRecord, error)
	// PendingCommands returns up to n pending commands, oldest first.
	PendingCommands(ctx context.Context, n int) ([]CommandRecord, error)
	// SettleCommand records a pending command's state and outcome together
	// with the incident changes and messages applying it decided, in one
	// transaction, and only while the command is still pending: otherwise
	// it returns ErrCommandSettled and saves nothing. That is what makes a
	// command take effect once, even when two engines overlap during a
	// change of leader.
	SettleCommand(ctx context.Context, c CommandRecord, incs []IncidentRecord, ms []notify.Message) error
	// PruneCommands deletes settled commands queued before cutoff and
	// returns how many.
	PruneCommands(ctx context.Context, cutoff time.Time) (int, error)
}

// CommandColumns are the columns ScanCommands reads.
const CommandColumns = "seq, idem_key, incident, action, by_whom, snooze, queued_at, state, outcome, done_at"

// ScanCommands reads rows of CommandColumns, times in unix nanoseconds
// (done_at 0: not settled), the snooze in nanoseconds.
func ScanCommands(rows Rows) ([]CommandRecord, error) {
	out := []CommandRecord{}
	for rows.Next() {
		var c CommandRecord
		var snooze, queued, done int64
		if err := rows.Scan(&c.Seq, &c.Key, &c.Incident, &c.Action, &c.By, &snooze, &queued, &c.State, &c.Outcome, &done); err != nil {
			return nil, err
		}
		c.Snooze, c.QueuedAt = time.Duration(snooze), time.Unix(0, queued).UTC()
		if done != 0 {
			c.DoneAt = time.Unix(0, done).UTC()
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CommandSignal lets any collector wake the leader's alert engine at once
// when it queued a command or changed a silence (PostgreSQL: NOTIFY and
// LISTEN). Without it the engine finds queued work at its next tick.
type CommandSignal interface {
	// Signal wakes the listening engine; what says what changed
	// (SignalCommand or SignalSilence).
	Signal(ctx context.Context, what string) error
	// ListenSignals starts listening: every Signal made after it returns is
	// delivered by the listener.
	ListenSignals(ctx context.Context) (SignalListener, error)
}

// What a Signal says changed.
const (
	SignalCommand = "command"
	SignalSilence = "silence"
)

// SignalListener delivers signals in the order they were made.
type SignalListener interface {
	// Next waits for the next signal, or until ctx ends or the listener
	// breaks (an error).
	Next(ctx context.Context) (string, error)
	Close() error
}
