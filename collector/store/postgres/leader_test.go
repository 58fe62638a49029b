package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/branchready/branchready/collector/leader"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
)

func TestLeadership(t *testing.T) {
	srv := pgtest.Start(t)
	ctx := t.Context()
	t.Run("one collector leads; another leads only once the first releases", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		defer a.Close()
		defer b.Close()
		la := mustLead(t, a)
		if err := la.Check(ctx); err != nil {
			t.Fatalf("the leader's Check = %v, want nil", err)
		}
		if lb, err := b.TryLead(ctx); err != nil || lb != nil {
			t.Fatalf("a second collector's TryLead = %v, %v; want no lease while the first leads", lb, err)
		}
		if err := la.Release(ctx); err != nil {
			t.Fatal(err)
		}
		mustLead(t, b).Release(ctx)
	})
	t.Run("a leader whose session is killed loses the lock, and another takes it", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		defer a.Close()
		defer b.Close()
		la := mustLead(t, a)
		execSQL(t, dsn, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'branchready-collector leader'")
		if err := la.Check(ctx); err == nil {
			t.Fatal("Check = nil after the leader's session was killed; want an error")
		}
		_ = la.Release(ctx)
		// pg_terminate_backend only signals the session: the lock is
		// free once the session has ended, not when the call returns.
		waitFor(t, dsn, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", 0)
		mustLead(t, b).Release(ctx)
	})
	t.Run("a collector waiting for the lock leads once the leader's session is killed", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		defer a.Close()
		defer b.Close()
		la := mustLead(t, a)
		got := make(chan leader.Lease, 1)
		errc := make(chan error, 1)
		go func() {
			l, err := b.WaitLead(ctx)
			if err != nil {
				errc <- err
				return
			}
			got <- l
		}()
		// The wait is under way once b's session waits on the lock.
		waitFor(t, dsn, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", 1)
		select {
		case l := <-got:
			t.Fatalf("b leads (%v) while a holds the lock", l)
		default:
		}
		execSQL(t, dsn, fmt.Sprintf("SELECT pg_terminate_backend(%d)", la.(*lease).conn.PgConn().PID()))
		select {
		case l := <-got:
			if err := l.Check(ctx); err != nil {
				t.Errorf("the new leader's Check = %v, want nil", err)
			}
			_ = l.Release(ctx)
		case err := <-errc:
			t.Fatalf("WaitLead = %v", err)
		case <-time.After(time.Minute):
			t.Fatal("b still waits a minute after the leader's session was killed")
		}
		_ = la.Release(ctx)
	})
	t.Run("a wait for the lock ends with its context", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		defer a.Close()
		defer b.Close()
		la := mustLead(t, a)
		defer la.Release(ctx)
		wctx, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		go func() {
			l, err := b.WaitLead(wctx)
			if l != nil {
				_ = l.Release(ctx)
			}
			errc <- err
		}()
		waitFor(t, dsn, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", 1)
		cancel()
		select {
		case err := <-errc:
			if err == nil {
				t.Error("WaitLead = nil error after its context ended while another led")
			}
		case <-time.After(time.Minute):
			t.Fatal("WaitLead still waits a minute after its context ended")
		}
	})
	t.Run("an announcement made on one collector reaches the leader's subscription", func(t *testing.T) {
		dsn := srv.NewDatabase(t)
		a, b := open(t, dsn), open(t, dsn)
		defer a.Close()
		defer b.Close()
		sub, err := a.Subscribe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		from := time.Date(2026, 3, 2, 8, 0, 0, 123, time.UTC)
		want := leader.Stored{Branch: "nyc-001", From: from, To: from.Add(time.Minute)}
		if err := b.Announce(ctx, want); err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		got, err := sub.Next(wctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.Branch != want.Branch || !got.From.Equal(want.From) || !got.To.Equal(want.To) {
			t.Errorf("heard %+v, want %+v", got, want)
		}
	})
}

func mustLead(t *testing.T, s *Store) leader.Lease {
	t.Helper()
	l, err := s.TryLead(t.Context())
	if err != nil || l == nil {
		t.Fatalf("TryLead = %v, %v; want the lease", l, err)
	}
	return l
}

// waitFor polls query (an integer) until it gives want, for up to a minute.
func waitFor(t *testing.T, dsn, query string, want int) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for deadline := time.Now().Add(time.Minute); ; {
		var n int
		if err := conn.QueryRow(t.Context(), query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %d after a minute, want %d", query, n, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
