package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/collector/store"
)

var _ store.Commands = (*Store)(nil)

// QueueCommand stores a pending command, or returns the one stored with its key.
func (s *Store) QueueCommand(ctx context.Context, c store.CommandRecord) (store.CommandRecord, error) {
	_, err := s.tx(ctx, "queue command", func(ctx context.Context, tx *sql.Tx) (int, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO alert_commands (idem_key, incident, action, by_whom, snooze, queued_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idem_key) DO NOTHING`,
			c.Key, c.Incident, c.Action, c.By, int64(c.Snooze), c.QueuedAt.UnixNano())
		return 0, err
	})
	if err != nil {
		return store.CommandRecord{}, err
	}
	return s.Command(ctx, c.Key)
}

// Command returns the command with that key.
func (s *Store) Command(ctx context.Context, key string) (store.CommandRecord, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+store.CommandColumns+` FROM alert_commands WHERE idem_key = ?`, key)
	if err != nil {
		return store.CommandRecord{}, fmt.Errorf("sqlite store: command %s: %w", key, err)
	}
	defer rows.Close()
	out, err := store.ScanCommands(rows)
	if err != nil {
		return store.CommandRecord{}, fmt.Errorf("sqlite store: command %s: %w", key, err)
	}
	if len(out) == 0 {
		return store.CommandRecord{}, fmt.Errorf("sqlite store: command %s: %w", key, store.ErrNotFound)
	}
	return out[0], nil
}

// PendingCommands returns up to n pending commands, oldest first.
func (s *Store) PendingCommands(ctx context.Context, n int) ([]store.CommandRecord, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+store.CommandColumns+` FROM alert_commands WHERE state = ? ORDER BY seq LIMIT ?`,
		store.CommandPending, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: pending commands: %w", err)
	}
	defer rows.Close()
	out, err := store.ScanCommands(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: pending commands: %w", err)
	}
	return out, nil
}

// SettleCommand settles a pending command with what applying it changed.
func (s *Store) SettleCommand(ctx context.Context, c store.CommandRecord, incs []store.IncidentRecord, ms []notify.Message) error {
	enc, err := encodeMessages(ms)
	if err != nil {
		return fmt.Errorf("sqlite store: settle command %s: %w", c.Key, err)
	}
	_, err = s.tx(ctx, "settle command "+c.Key, func(ctx context.Context, tx *sql.Tx) (int, error) {
		res, err := tx.ExecContext(ctx, `UPDATE alert_commands SET state = ?, outcome = ?, done_at = ? WHERE seq = ? AND state = ?`,
			c.State, c.Outcome, c.DoneAt.UnixNano(), c.Seq, store.CommandPending)
		if err != nil {
			return 0, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return 0, store.ErrCommandSettled
		}
		if err := s.upsertIncidents(ctx, tx, incs); err != nil {
			return 0, err
		}
		_, err = s.enqueue(ctx, tx, ms, enc)
		return 0, err
	})
	return err
}

// PruneCommands deletes settled commands queued before cutoff.
func (s *Store) PruneCommands(ctx context.Context, cutoff time.Time) (int, error) {
	// The count comes back through the writer's answer, not a variable the
	// closure sets: when ctx ends first, the writer may still be running it.
	return s.tx(ctx, "prune commands", func(ctx context.Context, tx *sql.Tx) (int, error) {
		res, err := tx.ExecContext(ctx, `DELETE FROM alert_commands WHERE state <> ? AND queued_at < ?`, store.CommandPending, cutoff.UnixNano())
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		return int(n), err
	})
}
