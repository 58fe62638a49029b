package postgres

import (
	"context"
	"testing"
	"time"

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
		mustLead(t, b).Release(ctx)
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
