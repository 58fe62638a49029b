package spool

import (
	"encoding/binary"
	"time"
)

// Priority says how urgently a result must reach the collector.
type Priority uint8

// Priorities a caller gives to Put. The zero value is PriorityNormal.
const (
	// PriorityNormal is a business-hours or on-demand result.
	PriorityNormal Priority = iota
	// PriorityReadiness is a result of a pre-opening sweep: it decides
	// whether the branch is ready, so it ships first and is dropped last.
	PriorityReadiness
	// PriorityInformational is a result of an informational device: it ships
	// last and is dropped first when the spool is full.
	PriorityInformational
)

// Lanes in shipping order; a key starts with its lane.
const (
	laneReadiness byte = iota
	laneNormal
	laneInformational
	lanes
)

// evictOrder is the order in which lanes lose their oldest results.
var evictOrder = [lanes]byte{laneInformational, laneNormal, laneReadiness}

func (p Priority) lane() byte {
	switch p {
	case PriorityReadiness:
		return laneReadiness
	case PriorityInformational:
		return laneInformational
	}
	return laneNormal
}

// Buckets and meta keys.
var (
	bucketResults = []byte("results") // key(lane, seq) -> JSON result
	bucketIDs     = []byte("ids")     // result id -> key
	bucketMeta    = []byte("meta")
	metaSeq       = []byte("seq")
	metaCount     = []byte("count")
	metaBytes     = []byte("bytes")
	metaDropped   = "dropped." // + reason
)

// Reasons a result left the spool without being stored by the collector.
const (
	ReasonSpoolFull = "spool_full"
	ReasonRejected  = "rejected"
	// ReasonCorrupt counts records that no longer decode (never expected).
	ReasonCorrupt = "corrupt"
	// ReasonDiskFull counts results that never reached the spool because
	// the disk was full: those replaced in memory by a newer result of the
	// same check before space returned.
	ReasonDiskFull = "disk_full"
	// ReasonWriteError is the same for any other write failure.
	ReasonWriteError = "write_error"
	// ReasonUnencodable counts results that do not encode as JSON (a NaN
	// observation); the rest of their sweep is spooled.
	ReasonUnencodable = "unencodable"
)

const keyLen = 9

// key is the lane followed by the big-endian sequence. The sequence is the
// put time in Unix nanoseconds, kept strictly increasing, so a key also says
// when its result was put and fresh results sit at the end of their lane.
func key(lane byte, seq uint64) []byte {
	k := make([]byte, keyLen)
	k[0] = lane
	binary.BigEndian.PutUint64(k[1:], seq)
	return k
}

func keySeq(k []byte) uint64 { return binary.BigEndian.Uint64(k[1:]) }

// nextSeq returns a sequence after last that is at least now.
func nextSeq(last uint64, now time.Time) uint64 {
	n := uint64(max(now.UnixNano(), 0))
	return max(last+1, n)
}

// recordSize is what one result costs against MaxBytes: its record and its
// index entry.
func recordSize(k, v []byte, id string) int64 {
	return int64(len(k) + len(v) + len(id) + len(k))
}

func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func u64b(n uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, n)
	return b
}
