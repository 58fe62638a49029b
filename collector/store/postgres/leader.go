package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/leader"
)

// leaderLock is the advisory lock key of the collectors' leader
// ("brleader" in ASCII); migrationLock is another key.
const leaderLock int64 = 0x62726c6561646572

// storedChannel is the NOTIFY channel of leader.Stored announcements.
const storedChannel = "branchready_stored"

var (
	_ leader.Elector = (*Store)(nil)
	_ leader.Waiter  = (*Store)(nil)
	_ leader.Feed    = (*Store)(nil)
)

// keepalives make the server notice a leader whose machine vanished
// without closing its connection (no FIN), so the lock is freed within
// about 25 s; on a unix socket they are ignored.
const keepalives = `SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3;
SET tcp_user_timeout = 25000; SET application_name = 'branchready-collector leader'`

// TryLead takes the leader's session-level advisory lock on a connection
// of its own, outside the pool: the lock lives exactly as long as that
// session, so a leader that dies (even by SIGKILL) frees it with its
// connection.
func (s *Store) TryLead(ctx context.Context) (leader.Lease, error) {
	conn, err := s.dedicated(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, keepalives); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres store: leader session: %w", err)
	}
	var got bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", leaderLock).Scan(&got); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres store: leader lock: %w", err)
	}
	if !got {
		_ = conn.Close(ctx)
		return nil, nil
	}
	return &lease{conn: conn}, nil
}

// WaitLead waits for the leader's lock on a session of its own, so that
// a follower leads the moment the leader's session ends (a SIGKILLed
// leader's at once, its socket closed) instead of at its next poll. The
// session waits without a statement or lock timeout: a DSN's
// statement_timeout would end the wait, to be tried again a poll later.
func (s *Store) WaitLead(ctx context.Context) (leader.Lease, error) {
	conn, err := s.dedicated(ctx)
	if err != nil {
		return nil, err
	}
	fail := func(what string, err error) (leader.Lease, error) {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres store: %s: %w", what, err)
	}
	if _, err := conn.Exec(ctx, keepalives+"; SET statement_timeout = 0; SET lock_timeout = 0"); err != nil {
		return fail("leader session", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", leaderLock); err != nil {
		return fail("wait for the leader lock", err)
	}
	return &lease{conn: conn}, nil
}

// dedicated opens a connection outside the pool, with the pool's settings.
func (s *Store) dedicated(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig)
	if err != nil {
		return nil, fmt.Errorf("postgres store: connect: %w", err)
	}
	return conn, nil
}

// lease is the session holding the leader's lock.
type lease struct{ conn *pgx.Conn }

// Check confirms that the session, and so the lock, is alive.
func (l *lease) Check(ctx context.Context) error {
	var held bool
	const q = `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
		AND objid = ($1::bigint & x'ffffffff'::bigint) AND classid = ($1::bigint >> 32))`
	if err := l.conn.QueryRow(ctx, q, leaderLock).Scan(&held); err != nil {
		return fmt.Errorf("postgres store: leader session: %w", err)
	}
	if !held {
		return errors.New("postgres store: the leader lock is no longer held by this session")
	}
	return nil
}

// Release unlocks and closes the session; closing alone would free the
// lock too, so an unlock error only matters for the log.
func (l *lease) Release(ctx context.Context) error {
	_, err := l.conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", leaderLock)
	if cerr := l.conn.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("postgres store: release leader lock: %w", err)
	}
	return nil
}

// storedNote is an announcement as it travels in a NOTIFY payload (well
// under PostgreSQL's 8,000 bytes: a branch id and two times).
type storedNote struct {
	Branch string `json:"b"`
	From   int64  `json:"f"`
	To     int64  `json:"t"`
}

// Announce sends a NOTIFY that the leader's subscription receives.
func (s *Store) Announce(ctx context.Context, st leader.Stored) error {
	b, err := json.Marshal(storedNote{Branch: st.Branch, From: st.From.UnixNano(), To: st.To.UnixNano()})
	if err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, "SELECT pg_notify($1, $2)", storedChannel, string(b)); err != nil {
		return fmt.Errorf("postgres store: announce stored results of %q: %w", st.Branch, err)
	}
	return nil
}

// Subscribe LISTENs on a connection of its own.
func (s *Store) Subscribe(ctx context.Context) (leader.Subscription, error) {
	conn, err := s.dedicated(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+storedChannel); err != nil {
		_ = conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres store: listen: %w", err)
	}
	return &subscription{conn: conn}, nil
}

type subscription struct{ conn *pgx.Conn }

func (s *subscription) Next(ctx context.Context) (leader.Stored, error) {
	for {
		n, err := s.conn.WaitForNotification(ctx)
		if err != nil {
			return leader.Stored{}, fmt.Errorf("postgres store: wait for stored results: %w", err)
		}
		var note storedNote
		if json.Unmarshal([]byte(n.Payload), &note) != nil || note.Branch == "" {
			continue // not ours: someone else NOTIFYing on the channel
		}
		return leader.Stored{Branch: note.Branch, From: time.Unix(0, note.From), To: time.Unix(0, note.To)}, nil
	}
}

func (s *subscription) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.conn.Close(ctx)
}
