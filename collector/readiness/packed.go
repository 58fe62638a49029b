package readiness

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/branchready/branchready/result"
)

// heldSet is the results the engine holds of one branch (see held), in a
// form the garbage collector need not scan: each result is a packed
// record without pointers, its id, reason and sweep are bytes of one
// arena, and its device and check an index into a small table of the
// branch's names. Held as []result.Result, a 20,000-branch wave's results
// were some 400,000 structs of seven strings each, 120 MB more of
// pointers to mark at every collection after each wave of the day; packed,
// they are about 70 bytes each that no collection reads.
//
// Every part is appended to only, never changed below its length, so a
// reader may decode a copy of the set (taken under the engine's hmu)
// while Handed appends to it: it sees only what was there.
type heldSet struct {
	ps    []packed
	arena []byte
	// names are the devices and checks of ps (packed.name); zones the
	// locations of their times other than UTC (packed.zone-1), which
	// decoding gives back so that a held result is the one handed in.
	names []checkName
	zones []*time.Location
	// lastOf is, by name, the index in ps of the latest result packed of
	// that check (or -1): its reason is likely the next one's too, whose
	// bytes are then shared. Packing reads it, readers never do.
	lastOf []int32
	// nameBytes holds the bytes of names, when reserve made room for
	// them: appended to only within its capacity, never moved.
	nameBytes []byte
}

// packed is one held result.
type packed struct {
	at                      int64 // StartedAt, in Unix nanoseconds
	id, reason, sweep       uint32
	idLen, reasonLen, swLen uint16
	name                    uint16
	status                  uint8
	zone                    uint8 // 0: UTC
}

type checkName struct{ device, check string }

// packedStatuses are the statuses a packed result can carry, by packed.status.
var packedStatuses = [...]result.Status{"", result.StatusOK, result.StatusDegraded, result.StatusFail, result.StatusUnknown}

var (
	minPacked = time.Unix(0, math.MinInt64)
	maxPacked = time.Unix(0, math.MaxInt64)
)

// len is how many results s holds.
func (s heldSet) len() int { return len(s.ps) }

// str is the string of arena bytes at off: it shares them, which is safe
// because bytes below the arena's length are never written again.
func (s heldSet) str(off uint32, n uint16) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(&s.arena[off], int(n))
}

// id is the id of result i.
func (s heldSet) id(i int) string { return s.str(s.ps[i].id, s.ps[i].idLen) }

// result is result i as it was handed in, with what judging needs (see
// compact).
func (s heldSet) result(i int) result.Result {
	p := &s.ps[i]
	n := s.names[p.name]
	t := time.Unix(0, p.at)
	if p.zone == 0 {
		t = t.UTC()
	} else {
		t = t.In(s.zones[p.zone-1])
	}
	return result.Result{ID: s.str(p.id, p.idLen), Device: n.device, Check: n.check, Status: packedStatuses[p.status], StartedAt: t,
		Reason: s.str(p.reason, p.reasonLen), Sweep: s.str(p.sweep, p.swLen)}
}

// appendResults appends every result of s to dst, in order.
func (s heldSet) appendResults(dst []result.Result) []result.Result {
	dst = slices.Grow(dst, len(s.ps))
	for i := range s.ps {
		dst = append(dst, s.result(i))
	}
	return dst
}

// slice is s with the results at indexes [lo, hi) only (sharing the rest).
func (s heldSet) slice(lo, hi int) heldSet {
	s.ps = s.ps[lo:hi:hi]
	return s
}

// add appends r to s; ok is false when r does not fit the packed form
// (an unknown status, a string or a count past its field, a time out of
// Unix nanoseconds' range), and s then holds no more results (it may
// have gained a name or a zone).
func (s *heldSet) add(r result.Result) (ok bool) {
	if len(r.ID) > math.MaxUint16 || len(r.Reason) > math.MaxUint16 || len(r.Sweep) > math.MaxUint16 ||
		len(s.arena)+len(r.ID)+len(r.Reason)+len(r.Sweep) > math.MaxUint32 ||
		r.StartedAt.Before(minPacked) || r.StartedAt.After(maxPacked) {
		return false
	}
	p := packed{at: r.StartedAt.UnixNano()}
	if p.status, ok = statusCode(r.Status); !ok {
		return false
	}
	if p.zone, ok = s.zone(r.StartedAt); !ok {
		return false
	}
	if p.name, ok = s.name(r.Device, r.Check); !ok {
		return false
	}
	p.id, p.idLen = s.bytes(r.ID)
	p.reason, p.reasonLen = s.shared(r.Reason, s.lastOf[p.name], func(q *packed) (uint32, uint16) { return q.reason, q.reasonLen })
	p.sweep, p.swLen = s.shared(r.Sweep, int32(len(s.ps))-1, func(q *packed) (uint32, uint16) { return q.sweep, q.swLen })
	s.lastOf[p.name] = int32(len(s.ps))
	s.ps = append(s.ps, p)
	return true
}

// bytes appends v to the arena and returns where it is.
func (s *heldSet) bytes(v string) (uint32, uint16) {
	if v == "" {
		return 0, 0
	}
	off := uint32(len(s.arena))
	s.arena = append(s.arena, v...)
	return off, uint16(len(v))
}

// shared is bytes, but for a v equal to the field (of) of result k, whose
// bytes it shares: a sweep's results share their sweep, and a check
// mostly repeats its reason.
func (s *heldSet) shared(v string, k int32, of func(*packed) (uint32, uint16)) (uint32, uint16) {
	if k >= 0 && int(k) < len(s.ps) {
		if off, n := of(&s.ps[k]); s.str(off, n) == v {
			return off, n
		}
	}
	return s.bytes(v)
}

// name is the index of device's check in s.names, added if new. Agents
// report their checks in the same order every sweep: the one after the
// last result's is tried first.
func (s *heldSet) name(device, check string) (uint16, bool) {
	if n := len(s.ps); n > 0 {
		if i := int(s.ps[n-1].name) + 1; i < len(s.names) && s.names[i].check == check && s.names[i].device == device {
			return uint16(i), true
		}
	}
	for i, n := range s.names {
		if n.check == check && n.device == device {
			return uint16(i), true
		}
	}
	if len(s.names) > math.MaxUint16 {
		return 0, false
	}
	// Copies: the handed strings may share a request's memory.
	s.names = append(s.names, checkName{device: s.clone(device), check: s.clone(check)})
	s.lastOf = append(s.lastOf, -1)
	return uint16(len(s.names) - 1), true
}

// clone is a copy of v, in nameBytes when reserve left room for it.
func (s *heldSet) clone(v string) string {
	n := len(s.nameBytes)
	if v == "" || cap(s.nameBytes)-n < len(v) {
		return strings.Clone(v)
	}
	s.nameBytes = append(s.nameBytes, v...)
	return unsafe.String(&s.nameBytes[n], len(v))
}

// reserve makes room, in one allocation each, for a first batch rs: its
// records, their bytes and their names, which would otherwise grow by
// appending from nothing (every branch's first batch of the day) and
// clone two strings a check. It does nothing to a set that holds any.
func (s *heldSet) reserve(rs []result.Result) {
	if len(s.ps) > 0 || len(s.names) > 0 || len(s.arena) > 0 {
		return
	}
	var arena, names int
	for i, r := range rs {
		arena += len(r.ID) + len(r.Reason)
		if i == 0 || r.Sweep != rs[i-1].Sweep { // a sweep's results share its bytes (see shared)
			arena += len(r.Sweep)
		}
		names += len(r.Device) + len(r.Check)
	}
	s.ps = make([]packed, 0, len(rs))
	s.arena = make([]byte, 0, arena)
	s.names = make([]checkName, 0, len(rs))
	s.lastOf = make([]int32, 0, len(rs))
	s.nameBytes = make([]byte, 0, names)
}

// zone is the index among s.zones, plus one (0 for UTC), of t's
// location, or of one that names and places t the same: a time parsed
// with an offset, or in a zone loaded again, has a location of its own,
// and decoding t with another that gives the same name and offset shows
// the same time.
func (s *heldSet) zone(t time.Time) (uint8, bool) {
	loc := t.Location()
	if loc == time.UTC {
		return 0, true
	}
	if i := slices.Index(s.zones, loc); i >= 0 {
		return uint8(i + 1), true
	}
	name, off := t.Zone()
	for i, z := range s.zones {
		if z.String() != loc.String() {
			continue
		}
		if n, o := t.In(z).Zone(); n == name && o == off {
			return uint8(i + 1), true
		}
	}
	if len(s.zones) >= math.MaxUint8 {
		return 0, false
	}
	s.zones = append(s.zones, loc)
	return uint8(len(s.zones)), true
}

func statusCode(st result.Status) (uint8, bool) {
	for i, s := range packedStatuses {
		if s == st {
			return uint8(i), true
		}
	}
	return 0, false
}

// packAll is a new set of rs (store order); ok is false when one does
// not fit the packed form.
func packAll(rs []result.Result) (heldSet, bool) {
	var s heldSet
	s.reserve(rs)
	for _, r := range rs {
		if !s.add(r) {
			return heldSet{}, false
		}
	}
	return s, true
}

// cmpAt orders result i of s and r as byTimeID does.
func (s heldSet) cmpAt(i int, r result.Result) int { return s.cmpPacked(s.ps[i], r) }

// cmpPacked orders p, a result of s, and r as byTimeID does.
func (s heldSet) cmpPacked(p packed, r result.Result) int {
	if c := cmpNanos(p.at, r.StartedAt); c != 0 {
		return c
	}
	return strings.Compare(s.str(p.id, p.idLen), r.ID)
}

// cmpNanos compares a packed time with t, as time.Time.Compare would the
// time it was packed from.
func cmpNanos(at int64, t time.Time) int {
	if t.Before(minPacked) {
		return 1
	}
	if t.After(maxPacked) {
		return -1
	}
	return cmp.Compare(at, t.UnixNano())
}

// search finds r (its id at its time) in s, in store order.
func (s heldSet) search(r result.Result) (int, bool) {
	return slices.BinarySearchFunc(s.ps, r, s.cmpPacked)
}

// hasID reports whether s holds a result with id, at any time.
func (s heldSet) hasID(id string) bool {
	for i := range s.ps {
		if s.id(i) == id {
			return true
		}
	}
	return false
}

// inRange is s with the results with from <= started_at < to only.
func (s heldSet) inRange(from, to time.Time) heldSet {
	lo, _ := slices.BinarySearchFunc(s.ps, from, func(p packed, t time.Time) int { return cmpNanos(p.at, t) })
	hi, _ := slices.BinarySearchFunc(s.ps, to, func(p packed, t time.Time) int { return cmpNanos(p.at, t) })
	return s.slice(lo, max(lo, hi))
}
