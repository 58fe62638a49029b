package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/branchready/branchready/collector/store"
)

func testConcurrentWriters(t *testing.T, open Opener) {
	s := opened(t, open)
	const writers, batches, size, overlap = 8, 5, 40, 10
	// Writer w writes results [w*size*batches - overlap*w, ...): each one's
	// first results repeat its neighbour's last ones, and every batch is
	// sent twice, so duplicates race with inserts.
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		ins, dups  int
		errs       []error
		perWriter  = size * batches
		uniqueWant = writers*perWriter - (writers-1)*overlap
	)
	for w := range writers {
		wg.Go(func() {
			first := w * (perWriter - overlap)
			for b := range batches {
				rs := samples("br-001", first+b*size, size)
				for range 2 {
					i, d, err := s.WriteResults(context.Background(), rs, time.Now())
					mu.Lock()
					ins, dups = ins+i, dups+d
					if err != nil {
						errs = append(errs, fmt.Errorf("writer %d batch %d: %w", w, b, err))
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	total := writers * perWriter * 2
	if ins != uniqueWant || dups != total-uniqueWant {
		t.Errorf("inserted %d, duplicates %d; want %d, %d", ins, dups, uniqueWant, total-uniqueWant)
	}
	if got := all(t, s, "br-001"); len(got) != uniqueWant {
		t.Errorf("stored %d results, want %d", len(got), uniqueWant)
	}
}

func testWriteAfterClose(t *testing.T, open Opener) {
	s := opened(t, open)
	write(t, s, samples("br-001", 0, 3), 3, 0)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, _, err := s.WriteResults(context.Background(), samples("br-001", 3, 3), base); err == nil {
		t.Error("WriteResults after Close succeeded, want an error")
	}
	if err := s.PutBranch(context.Background(), "br-001", nil, contact(0, "1.2.3")); err == nil {
		t.Error("PutBranch after Close succeeded, want an error")
	}
}

func testCancelled(t *testing.T, open Opener) {
	s := opened(t, open)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := s.WriteResults(ctx, samples("br-001", 0, 3), base)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WriteResults with a cancelled context: err = %v, want context.Canceled", err)
	}
	if err := s.PutBranch(ctx, "br-001", nil, contact(0, "1.2.3")); !errors.Is(err, context.Canceled) {
		t.Errorf("PutBranch with a cancelled context: err = %v, want context.Canceled", err)
	}
	if _, err := s.Results(ctx, "br-001", base, base.Add(time.Hour)); err == nil {
		t.Error("Results with a cancelled context succeeded, want an error")
	}
	if got := all(t, s, "br-001"); len(got) != 0 {
		t.Errorf("stored %v with a cancelled context, want nothing", ids(got))
	}
	if _, err := s.Branch(context.Background(), "br-001"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("branch put with a cancelled context: err = %v, want not found", err)
	}
}
