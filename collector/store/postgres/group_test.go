package postgres

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/collector/store/postgres/pgtest"
	"github.com/branchready/branchready/result"
)

// TestGroupCommit: requests written at once share transactions, and each
// still gets its own counts, contact and descriptor; copies of a result
// sent again (moved in time, or identical) in the same wave are stored
// once; a request the server refuses fails alone.
func TestGroupCommit(t *testing.T) {
	srv := pgtest.Start(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	batch := func(branch string, n int) []result.Result {
		rs := make([]result.Result, n)
		for i := range rs {
			rs[i] = result.Result{ID: fmt.Sprintf("%s-r%02d", branch, i), Branch: branch, Device: "atm-01",
				Check: fmt.Sprintf("c%02d", i), Kind: "tcp", Status: result.StatusOK, StartedAt: base.Add(time.Duration(i) * time.Second),
				Sweep: "pre-opening-1", AgentVersion: "1.2.3"}
		}
		return rs
	}
	contact := func(at time.Duration) store.Contact {
		return store.Contact{At: base.Add(at), AgentVersion: "1.2.3", ConfigHash: "sha256:ab"}
	}
	t.Run("concurrent requests of many branches are each stored with their counts", func(t *testing.T) {
		s := open(t, srv.NewDatabase(t))
		defer s.Close()
		const branches, copies = 40, 3
		type outcome struct{ ins, dup int }
		got := make([][copies]outcome, branches)
		var wg sync.WaitGroup
		for b := range branches {
			for c := range copies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id := fmt.Sprintf("br-%02d", b)
					rs := batch(id, 20)
					for i := range rs {
						rs[i].StartedAt = rs[i].StartedAt.Add(time.Duration(c) * 90 * time.Minute) // a corrected retry moves
					}
					ins, dup, err := s.WriteBatch(ctx, id, rs, base, benchDescriptor(id), contact(time.Duration(c)*time.Second))
					if err != nil {
						t.Errorf("%s copy %d: %v", id, c, err)
					}
					got[b][c] = outcome{ins, dup}
				}()
			}
		}
		wg.Wait()
		for b := range branches {
			id := fmt.Sprintf("br-%02d", b)
			ins, dup := 0, 0
			for _, o := range got[b] {
				ins, dup = ins+o.ins, dup+o.dup
			}
			if ins != 20 || dup != 20*(copies-1) {
				t.Errorf("%s: %d inserted and %d duplicates over %d copies, want 20 and %d", id, ins, dup, copies, 20*(copies-1))
			}
			rs, err := s.Results(ctx, id, base.Add(-time.Hour), base.Add(24*time.Hour))
			if err != nil || len(rs) != 20 {
				t.Errorf("%s: %d results stored, %v; want 20", id, len(rs), err)
			}
			br, err := s.Branch(ctx, id)
			if err != nil || br.Descriptor == nil || br.Descriptor.Name != "Branch "+id || br.Contact.AgentVersion != "1.2.3" {
				t.Errorf("%s: branch %+v, %v; want its own descriptor and contact", id, br, err)
			}
			vs, err := s.DescriptorVersions(ctx, id)
			if err != nil || len(vs) != 1 {
				t.Errorf("%s: %d descriptor versions, %v; want 1", id, len(vs), err)
			}
		}
	})
	t.Run("a request the server refuses fails alone", func(t *testing.T) {
		s := open(t, srv.NewDatabase(t))
		defer s.Close()
		var wg sync.WaitGroup
		errs := make([]error, 20)
		for b := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("br-%02d", b)
				c := contact(0)
				if b == 7 {
					c.AgentVersion = "a NUL byte \x00 PostgreSQL text cannot hold"
				}
				_, _, errs[b] = s.WriteBatch(ctx, id, batch(id, 5), base, nil, c)
			}()
		}
		wg.Wait()
		for b, err := range errs {
			id := fmt.Sprintf("br-%02d", b)
			rs, rerr := s.Results(ctx, id, base.Add(-time.Hour), base.Add(time.Hour))
			switch {
			case b == 7 && (err == nil || len(rs) != 0):
				t.Errorf("%s: WriteBatch = %v with %d results stored; want an error and nothing stored", id, err, len(rs))
			case b != 7 && (err != nil || len(rs) != 5 || rerr != nil):
				t.Errorf("%s: WriteBatch = %v, %d results stored (%v); want no error and 5", id, err, len(rs), rerr)
			}
		}
	})
	t.Run("a write after Close fails", func(t *testing.T) {
		s := open(t, srv.NewDatabase(t))
		s.Close()
		if _, _, err := s.WriteBatch(ctx, "br-01", batch("br-01", 1), base, nil, contact(0)); err == nil {
			t.Fatal("WriteBatch after Close succeeded")
		}
	})
}
