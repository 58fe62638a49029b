package spool

import (
	"bytes"
	"encoding/json"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// meta holds the counters kept in the same transactions as the records, so
// they can never disagree with them, even after a kill.
type meta struct {
	seq, count, bytes uint64
	// dropped holds increments to add to the persisted counters.
	dropped map[string]uint64
}

func loadMeta(tx *bolt.Tx) meta {
	b := tx.Bucket(bucketMeta)
	return meta{
		seq: u64(b.Get(metaSeq)), count: u64(b.Get(metaCount)), bytes: u64(b.Get(metaBytes)),
		dropped: map[string]uint64{},
	}
}

func (m *meta) store(tx *bolt.Tx) error {
	b := tx.Bucket(bucketMeta)
	for k, v := range map[string]uint64{string(metaSeq): m.seq, string(metaCount): m.count, string(metaBytes): m.bytes} {
		if err := b.Put([]byte(k), u64b(v)); err != nil {
			return err
		}
	}
	for reason, n := range m.dropped {
		k := []byte(metaDropped + reason)
		if err := b.Put(k, u64b(u64(b.Get(k))+n)); err != nil {
			return err
		}
	}
	return nil
}

func readDropped(tx *bolt.Tx) map[string]uint64 {
	out := map[string]uint64{}
	c := tx.Bucket(bucketMeta).Cursor()
	p := []byte(metaDropped)
	for k, v := c.Seek(p); k != nil && strings.HasPrefix(string(k), metaDropped); k, v = c.Next() {
		out[strings.TrimPrefix(string(k), metaDropped)] = u64(v)
	}
	return out
}

// idOf reads the id of a stored record without decoding all of it.
func idOf(v []byte) (string, bool) {
	var r struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(v, &r) != nil || r.ID == "" {
		return "", false
	}
	return r.ID, true
}

// removeRecord deletes the record at k (a copy, not a slice into the page)
// and its index entry, and updates the counters. id is the record's id when
// the caller knows it (an acknowledgement looked the record up by it), or ""
// to read it from the record: decoding 500 records to learn ids the caller
// holds was a fifth of the spool's CPU per sweep.
func removeRecord(tx *bolt.Tx, k, v []byte, id string, m *meta) error {
	if id == "" {
		id, _ = idOf(v)
	}
	m.removed(k, v, id)
	if err := tx.Bucket(bucketResults).Delete(k); err != nil {
		return err
	}
	if id != "" {
		if err := tx.Bucket(bucketIDs).Delete([]byte(id)); err != nil {
			return err
		}
	}
	return nil
}

// removed updates the counters for the record k, v of result id leaving.
func (m *meta) removed(k, v []byte, id string) {
	m.count--
	m.bytes -= min(uint64(recordSize(k, v, id)), m.bytes)
}

// lookup is Bucket.Get on a cursor the caller keeps for a whole
// transaction, and leaves the cursor on the key (for Cursor.Delete). Get,
// Put and Delete each make a cursor of their own and grow its stack anew:
// a dozen allocations per result between spooling and acknowledging it
// (issue 11, CPU per probe). The buckets hold no nested buckets.
func lookup(c *bolt.Cursor, key []byte) []byte {
	k, v := c.Seek(key)
	if !bytes.Equal(k, key) {
		return nil
	}
	return v
}
