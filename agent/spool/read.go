package spool

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/branchready/branchready/result"
)

// Next returns up to n results in shipping order (see the package comment)
// without removing them: they stay until Ack or Drop.
func (s *Spool) Next(n int) ([]result.Result, error) {
	return next(s, n, func(_, v []byte) (result.Result, bool) {
		var r result.Result
		return r, json.Unmarshal(v, &r) == nil && r.ID != ""
	})
}

// next returns up to n records in shipping order, each as decode makes it
// (false: the record no longer decodes); records that do not decode are
// removed and counted as corrupt.
func next[T any](s *Spool, n int, decode func(k, v []byte) (T, bool)) ([]T, error) {
	var out []T
	var corrupt [][]byte
	err := s.db.View(func(tx *bolt.Tx) error {
		emit := func(k, v []byte) bool {
			if r, ok := decode(k, v); ok {
				out = append(out, r)
			} else {
				corrupt = append(corrupt, append([]byte(nil), k...))
			}
			return len(out) < n
		}
		b := tx.Bucket(bucketResults)
		cut := s.cutoffs()
		if walkFresh(b, cut, emit) {
			walkBacklog(b, cut, emit)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read spool: %w", err)
	}
	if len(corrupt) > 0 {
		if err := s.removeKeys(corrupt, ReasonCorrupt); err != nil {
			return out, err
		}
		s.o.Log.Error("spool: dropped records that no longer decode", "dropped", len(corrupt), "reason", ReasonCorrupt)
	}
	return out, nil
}

// cutoffs returns, per lane, the first sequence that counts as fresh.
func (s *Spool) cutoffs() [lanes]uint64 {
	now := s.o.Now()
	var cut [lanes]uint64
	for lane := range lanes {
		d := s.o.FreshFor
		if lane == laneReadiness {
			d = s.o.ReadinessFreshFor
		}
		cut[lane] = uint64(max(now.Add(-d).UnixNano(), 0))
	}
	return cut
}

// walkFresh emits fresh records lane by lane, oldest first; it reports
// whether emit wants more.
func walkFresh(b *bolt.Bucket, cut [lanes]uint64, emit func(k, v []byte) bool) bool {
	for lane := range lanes {
		c := b.Cursor()
		for k, v := c.Seek(key(lane, cut[lane])); k != nil && k[0] == lane; k, v = c.Next() {
			if !emit(k, v) {
				return false
			}
		}
	}
	return true
}

// walkBacklog emits the records older than their lane's cutoff, oldest first
// across lanes, by merging one cursor per lane.
func walkBacklog(b *bolt.Bucket, cut [lanes]uint64, emit func(k, v []byte) bool) {
	var cs [lanes]*bolt.Cursor
	var ks, vs [lanes][]byte
	valid := func(lane byte) bool {
		k := ks[lane]
		return k != nil && k[0] == lane && keySeq(k) < cut[lane]
	}
	for lane := range lanes {
		cs[lane] = b.Cursor()
		ks[lane], vs[lane] = cs[lane].Seek([]byte{lane})
	}
	for {
		best := lanes
		for lane := range lanes {
			if valid(lane) && (best == lanes || keySeq(ks[lane]) < keySeq(ks[best])) {
				best = lane
			}
		}
		if best == lanes || !emit(ks[best], vs[best]) {
			return
		}
		ks[best], vs[best] = cs[best].Next()
	}
}

// Ack removes results the collector has stored. Unknown ids are ignored, so
// acknowledging twice is harmless.
func (s *Spool) Ack(ids []string) error {
	return s.remove(ids, "")
}

// Drop removes results that will never be stored (the collector rejected
// them) and adds them to the persisted counter of reason.
func (s *Spool) Drop(ids []string, reason string) error {
	return s.remove(ids, reason)
}

func (s *Spool) remove(ids []string, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		m := loadMeta(tx)
		// One cursor per bucket for every lookup and deletion (see lookup).
		idx, res := tx.Bucket(bucketIDs).Cursor(), tx.Bucket(bucketResults).Cursor()
		var n uint64
		for _, id := range ids {
			k := lookup(idx, []byte(id))
			if k == nil {
				continue
			}
			k = append([]byte(nil), k...)
			v := lookup(res, k)
			if v == nil { // a dangling index entry: clean it up
				if err := idx.Delete(); err != nil {
					return err
				}
				continue
			}
			m.removed(k, v, id)
			if err := res.Delete(); err != nil {
				return err
			}
			if err := idx.Delete(); err != nil {
				return err
			}
			n++
		}
		if reason != "" && n > 0 {
			m.dropped[reason] += n
		}
		return m.store(tx)
	})
	if err != nil {
		return fmt.Errorf("remove %d results from the spool: %w", len(ids), err)
	}
	return nil
}

// removeKeys drops records by key (those whose id cannot be read).
func (s *Spool) removeKeys(keys [][]byte, reason string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		m := loadMeta(tx)
		res := tx.Bucket(bucketResults)
		for _, k := range keys {
			if v := res.Get(k); v != nil {
				if err := removeRecord(tx, k, v, "", &m); err != nil {
					return err
				}
				m.dropped[reason]++
			}
		}
		return m.store(tx)
	})
	if err != nil {
		return fmt.Errorf("drop corrupt spool records: %w", err)
	}
	return nil
}

// Depth returns how many results wait to be shipped.
func (s *Spool) Depth() int {
	var n uint64
	_ = s.db.View(func(tx *bolt.Tx) error { n = loadMeta(tx).count; return nil })
	return int(n)
}

// Bytes returns the spooled bytes counted against MaxBytes.
func (s *Spool) Bytes() int64 {
	var n uint64
	_ = s.db.View(func(tx *bolt.Tx) error { n = loadMeta(tx).bytes; return nil })
	return int64(n)
}

// Dropped returns, by reason, how many results ever left the spool without
// being stored: ReasonSpoolFull, ReasonRejected, ReasonCorrupt, and those
// that never reached it, ReasonDiskFull and ReasonWriteError. The counters
// survive restarts (the last two once the disk takes writes again).
func (s *Spool) Dropped() map[string]uint64 {
	var out map[string]uint64
	_ = s.db.View(func(tx *bolt.Tx) error { out = readDropped(tx); return nil })
	s.hmu.Lock()
	for reason, n := range s.held.lost {
		out[reason] += n
	}
	s.hmu.Unlock()
	return out
}

// Held returns how many results wait in memory for the disk to take them.
func (s *Spool) Held() int {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	return len(s.held.byCheck)
}

// Oldest returns when the oldest waiting result was put, zero when empty:
// how far behind shipping is.
func (s *Spool) Oldest() time.Time {
	var seq uint64
	_ = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketResults).Cursor()
		for lane := range lanes {
			if k, _ := c.Seek([]byte{lane}); k != nil && k[0] == lane && (seq == 0 || keySeq(k) < seq) {
				seq = keySeq(k)
			}
		}
		return nil
	})
	if seq == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(seq))
}
