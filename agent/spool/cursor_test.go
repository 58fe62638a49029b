package spool

import (
	"fmt"
	"math/rand/v2"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Acknowledging part of a spool that spans many pages, in any order,
// leaves exactly the rest, with the counters and the index in agreement.
func TestAckOfScatteredResultsAcrossManyPagesLeavesTheRest(t *testing.T) {
	s := open(t, "", Options{})
	var all []string
	for sweep := range 4 {
		batch := make([]string, 500)
		for i := range batch {
			batch[i] = fmt.Sprintf("r-%d-%03d", sweep, i)
		}
		put(t, s, PriorityNormal, batch...)
		all = append(all, batch...)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var ack, keep []string
	for _, id := range all {
		if rng.IntN(3) == 0 {
			keep = append(keep, id)
		} else {
			ack = append(ack, id)
		}
	}
	rng.Shuffle(len(ack), func(i, j int) { ack[i], ack[j] = ack[j], ack[i] })
	if err := s.Ack(append(ack, "unknown", ack[0])); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(); err != nil {
		t.Fatal(err)
	}
	if got := mustNext(t, s, len(all)); !sameIDs(got, keep) {
		t.Errorf("after the ack %d results remain, want %d (the ones not acknowledged, in order)", len(got), len(keep))
	}
	if s.Depth() != len(keep) {
		t.Errorf("depth %d, want %d", s.Depth(), len(keep))
	}
}

// An index entry whose record is gone is removed by the acknowledgement of
// its id, and the records around it stay.
func TestAckCleansAnIndexEntryWithoutItsRecord(t *testing.T) {
	s := open(t, "", Options{})
	put(t, s, PriorityNormal, "a", "b", "c")
	err := s.db.Update(func(tx *bolt.Tx) error {
		k := tx.Bucket(bucketIDs).Get([]byte("b"))
		return tx.Bucket(bucketResults).Delete(append([]byte(nil), k...))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ack([]string{"b"}); err != nil {
		t.Fatal(err)
	}
	err = s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketIDs).Get([]byte("b")); v != nil {
			return fmt.Errorf("the index still holds b -> %x", v)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if got := mustNext(t, s, 10); !sameIDs(got, []string{"a", "c"}) {
		t.Errorf("Next = %v, want a and c", got)
	}
}
