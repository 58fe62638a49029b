package spool

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Verify checks the file's structure and that the counters, the records and
// the id index agree; an agent can run it at start or from a doctor command.
func (s *Spool) Verify() error {
	return s.db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		m := loadMeta(tx)
		var count, size uint64
		idx := tx.Bucket(bucketIDs)
		err := tx.Bucket(bucketResults).ForEach(func(k, v []byte) error {
			id, ok := idOf(v)
			if !ok {
				return fmt.Errorf("record %x does not decode", k)
			}
			if got := idx.Get([]byte(id)); !bytes.Equal(got, k) {
				return fmt.Errorf("record %x: index of id %s points to %x", k, id, got)
			}
			count++
			size += uint64(recordSize(k, v, id))
			return nil
		})
		errs = append(errs, err)
		if n := uint64(idx.Stats().KeyN); n != count {
			errs = append(errs, fmt.Errorf("index holds %d ids for %d records", n, count))
		}
		if m.count != count || m.bytes != size {
			errs = append(errs, fmt.Errorf("counters say %d results in %d bytes, records are %d in %d bytes", m.count, m.bytes, count, size))
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("spool inconsistent: %w", err)
		}
		return nil
	})
}
