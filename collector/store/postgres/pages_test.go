package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
)

func TestAPersonsReadsAreAnsweredWhileEveryConnectionOfTheSharedPoolIsTaken(t *testing.T) {
	srv := pgtest.Start(t)
	s := open(t, srv.NewDatabase(t))
	defer s.Close()
	ctx := context.Background()
	var held []*pgxpool.Conn
	for range s.pool.Stat().MaxConns() {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	defer func() {
		for _, c := range held {
			c.Release()
		}
	}()
	// Generous: on the shared pool the reads would wait for it to pass.
	wait, cancel := context.WithTimeout(store.Interactive(ctx), time.Minute)
	defer cancel()
	from := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	reads := map[string]func() error{
		"branch": func() error {
			_, err := s.Branch(wait, "lon")
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			return nil
		},
		"results":             func() error { _, err := s.Results(wait, "lon", from, from.Add(24*time.Hour)); return err },
		"descriptor versions": func() error { _, err := s.DescriptorVersions(wait, "lon"); return err },
		"day roll-ups":        func() error { _, err := s.BranchSLADays(wait, "lon", []string{"2026-11-23"}); return err },
		"confirmations":       func() error { _, err := s.Confirmations(wait, "lon", "2026-11-24"); return err },
	}
	for name, read := range reads {
		if err := read(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := s.pages.Stat().AcquireCount(); n < int64(len(reads)) {
		t.Errorf("%d reads on the pool kept for people, want %d", n, len(reads))
	}
}

// TestThePoolForPeopleIsConnectedBeforeAnyoneAsks holds the pool kept for
// a person's reads to its connections being made at start and kept: the
// first pages after a start must not each wait for a new server process.
func TestThePoolForPeopleIsConnectedBeforeAnyoneAsks(t *testing.T) {
	srv := pgtest.Start(t)
	s := open(t, srv.NewDatabase(t))
	defer s.Close()
	deadline := time.Now().Add(time.Minute) // generous: it only stops a broken test from hanging
	for s.pages.Stat().IdleConns() < pagesConns {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d connections for people's reads made without a read", s.pages.Stat().IdleConns(), pagesConns)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := s.pages.Stat().AcquireCount(); n != 0 {
		t.Fatalf("%d reads on the pool for people, want none: its connections come from the start", n)
	}
}
