package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/collector/store"
)

var (
	_ store.Commands      = (*Store)(nil)
	_ store.CommandSignal = (*Store)(nil)
)

// signalChannel is the NOTIFY channel that wakes the leader's alert engine.
const signalChannel = "branchready_alert_signal"

// QueueCommand stores a pending command, or returns the one stored with its key.
func (s *Store) QueueCommand(ctx context.Context, c store.CommandRecord) (store.CommandRecord, error) {
	if _, err := s.pool.Exec(ctx, `INSERT INTO alert_commands (idem_key, incident, action, by_whom, snooze, queued_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idem_key) DO NOTHING`,
		c.Key, c.Incident, c.Action, c.By, int64(c.Snooze), c.QueuedAt.UnixNano()); err != nil {
		return store.CommandRecord{}, fmt.Errorf("postgres store: queue command: %w", err)
	}
	return s.Command(ctx, c.Key)
}

// Command returns the command with that key.
func (s *Store) Command(ctx context.Context, key string) (store.CommandRecord, error) {
	out, err := s.commands(ctx, `SELECT `+store.CommandColumns+` FROM alert_commands WHERE idem_key = $1`, key)
	if err != nil {
		return store.CommandRecord{}, fmt.Errorf("postgres store: command %s: %w", key, err)
	}
	if len(out) == 0 {
		return store.CommandRecord{}, fmt.Errorf("postgres store: command %s: %w", key, store.ErrNotFound)
	}
	return out[0], nil
}

// PendingCommands returns up to n pending commands, oldest first.
func (s *Store) PendingCommands(ctx context.Context, n int) ([]store.CommandRecord, error) {
	out, err := s.commands(ctx, `SELECT `+store.CommandColumns+` FROM alert_commands WHERE state = $1 ORDER BY seq LIMIT $2`,
		store.CommandPending, n)
	if err != nil {
		return nil, fmt.Errorf("postgres store: pending commands: %w", err)
	}
	return out, nil
}

func (s *Store) commands(ctx context.Context, q string, args ...any) ([]store.CommandRecord, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return store.ScanCommands(rows)
}

// SettleCommand settles a pending command with what applying it changed.
// The command's row is locked by the UPDATE until the transaction ends, so
// of two engines settling it at once the second waits, then finds it
// settled and saves nothing.
func (s *Store) SettleCommand(ctx context.Context, c store.CommandRecord, incs []store.IncidentRecord, ms []notify.Message) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE alert_commands SET state = $1, outcome = $2, done_at = $3 WHERE seq = $4 AND state = $5`,
			c.State, c.Outcome, c.DoneAt.UnixNano(), c.Seq, store.CommandPending)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return store.ErrCommandSettled
		}
		return s.saveIncidents(ctx, tx, incs, ms)
	})
	if err != nil {
		return fmt.Errorf("postgres store: settle command %s: %w", c.Key, err)
	}
	return nil
}

// PruneCommands deletes settled commands queued before cutoff.
func (s *Store) PruneCommands(ctx context.Context, cutoff time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM alert_commands WHERE state <> $1 AND queued_at < $2`, store.CommandPending, cutoff.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("postgres store: prune commands: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Signal NOTIFYs the leader's listener.
func (s *Store) Signal(ctx context.Context, what string) error {
	if _, err := s.pool.Exec(ctx, "SELECT pg_notify($1, $2)", signalChannel, what); err != nil {
		return fmt.Errorf("postgres store: signal %s: %w", what, err)
	}
	return nil
}

// ListenSignals LISTENs on a connection of its own.
func (s *Store) ListenSignals(ctx context.Context) (store.SignalListener, error) {
	conn, err := s.dedicated(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+signalChannel); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres store: listen: %w", err)
	}
	return &signals{conn: conn}, nil
}

type signals struct{ conn *pgx.Conn }

func (l *signals) Next(ctx context.Context) (string, error) {
	n, err := l.conn.WaitForNotification(ctx)
	if err != nil {
		return "", fmt.Errorf("postgres store: wait for signals: %w", err)
	}
	return n.Payload, nil
}

func (l *signals) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return l.conn.Close(ctx)
}
