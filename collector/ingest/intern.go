package ingest

import (
	"unsafe"

	"github.com/branchready/branchready/result"
)

// interner shares the strings a request repeats: a wave's batch of 20
// results names its branch, sweep, agent version and status 20 times, its
// devices, checks and kinds a few times each, and a descriptor repeats
// its kinds and criticalities. Each was a separate allocation (and GC
// work) before. It is a small direct-mapped cache: a string whose slot
// holds another is simply made anew, so a lookup costs one hash of a few
// bytes and one comparison whatever the batch holds.
//
// It also carries the state of one parse: the body while it is not yet
// known valid (see valid), and the chunk the results' strings are cut
// from (see keep).
type interner struct {
	slots [64]string
	// pack: new strings are cut from chunk (the results' strings, set
	// while parseItems runs) rather than allocated one by one. A
	// descriptor's are not: it lives as long as its branch's
	// configuration, and a chunk of its own, partly empty, kept about
	// 700 bytes more per batch alive than its strings allocated apart.
	pack  bool
	chunk []byte
	// Scratch lists a descriptor's devices are read into (see devices).
	devs  []result.Device
	refs  []result.CheckRef
	spans []span
	// unchecked is the body, until validJSON has judged it; bad is its
	// verdict.
	unchecked []byte
	bad       bool
}

// intern returns b as a string, shared with an earlier equal one if its
// slot still holds it.
func (in *interner) intern(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	h := (n*31 + int(b[0])*7 + int(b[n/2])*3 + int(b[n-1])) & (len(in.slots) - 1)
	if in.slots[h] == string(b) {
		return in.slots[h]
	}
	s := in.keep(b)
	in.slots[h] = s
	return s
}

// Chunks the results' strings are cut from: a wave batch's ids and the
// strings it does not repeat were some 45 allocations of a few bytes each,
// a third of the handler's; they now take one or two. A string keeps its
// whole chunk alive, so chunks are small and long strings go alone.
const (
	chunkSize  = 1024
	maxChunked = 128
)

// keep returns a copy of b as a string: while packing, cut from the
// current chunk.
func (in *interner) keep(b []byte) string {
	if !in.pack || len(b) == 0 || len(b) > maxChunked {
		return string(b)
	}
	if len(b) > cap(in.chunk)-len(in.chunk) {
		in.chunk = make([]byte, 0, chunkSize)
	}
	start := len(in.chunk)
	in.chunk = append(in.chunk, b...) // within capacity: never moves
	// The chunk's bytes up to len are never written again (later strings
	// are appended past them, and a full chunk is replaced, not reused),
	// so a string may share them.
	return unsafe.String(&in.chunk[start], len(b))
}

// valid reports whether the body being parsed is valid JSON, judging it
// with validJSON the first time it is asked. The fast readers check what
// they read; a value they leave to encoding/json, which reads a part
// alone, is decoded only once the whole body is known valid, as it always
// was (a part can be valid JSON alone, nested too deeply in its body).
func (in *interner) valid() bool {
	if in.unchecked != nil {
		in.bad = !validJSON(in.unchecked)
		in.unchecked = nil
	}
	return !in.bad
}
