package chunk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/branchready/branchready/result"
)

// The first byte of a chunk is its version.
const (
	// plain chunks hold the fields as doc.go lists them.
	plain = 1
	// compressed chunks hold a plain chunk's bytes after its version byte
	// as one S2 block (github.com/klauspost/compress/s2, a superset of
	// Snappy's block format).
	compressed = 2
	// version is what Append writes.
	version = compressed
)

// maxPlain bounds what one compressed chunk may claim to decompress to: a
// batch is at most a few megabytes, and a damaged length must not become
// an allocation of gigabytes.
const maxPlain = 64 << 20

// statuses are the status codes in the order of their byte.
var statuses = [...]result.Status{result.StatusOK, result.StatusDegraded, result.StatusFail, result.StatusUnknown}

// literalStatus marks a status written as a string (one this version does
// not know by a code).
const literalStatus = 4

// Append appends the encoding of rs, results of one branch, to dst: a
// compressed chunk. A wave's batch of twenty results is about 2.4 KB plain,
// which fills a 4 KiB SQLite page on its own, and about 0.9 KB compressed
// (names, reasons, sweep and the ids' time prefixes repeat), for 2-3 µs.
func Append(dst []byte, rs []result.Result) []byte {
	buf := buffers.Get().(*[]byte)
	raw := appendPlain((*buf)[:0], rs)
	dst = append(dst, compressed)
	n := s2.MaxEncodedLen(len(raw) - 1)
	dst = slices.Grow(dst, n)
	enc := s2.Encode(dst[len(dst):len(dst)+n], raw[1:])
	dst = dst[:len(dst)+len(enc)]
	put(buf, raw)
	return dst
}

// Encode returns the encoding of rs, as Append makes it, in a slice of its
// own exactly as long: a store that keeps chunks until their statement is
// sent (PostgreSQL's group writer) kept three times their bytes alive
// when each was appended to a slice sized for the worst case, and grew
// that slice once more for the compressor's bound.
func Encode(rs []result.Result) []byte {
	buf := buffers.Get().(*[]byte)
	enc := Append((*buf)[:0], rs)
	out := make([]byte, len(enc))
	copy(out, enc)
	put(buf, enc)
	return out
}

// appendPlain appends the plain (version 1) encoding of rs to dst.
func appendPlain(dst []byte, rs []result.Result) []byte {
	dst = append(dst, plain)
	dst = binary.AppendUvarint(dst, uint64(len(rs)))
	var prevStarted int64
	var prevSweep, prevAgent string
	var names []string
	for i := range rs {
		r := &rs[i]
		dst = appendString(dst, r.ID)
		dst = appendString(dst, r.Device)
		dst = appendString(dst, r.Check)
		dst = appendString(dst, r.Kind)
		dst = appendStatus(dst, r.Status)
		started := r.StartedAt.UnixNano()
		dst = binary.AppendVarint(dst, started-prevStarted)
		prevStarted = started
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(r.DurationMS))
		dst = appendString(dst, r.Reason)
		if len(r.Observations) == 1 { // the usual one: nothing to sort, no lookup
			for name, v := range r.Observations {
				dst = appendString(append(dst, 1), name)
				dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
			}
		} else {
			names = names[:0]
			for name := range r.Observations {
				names = append(names, name)
			}
			slices.Sort(names)
			dst = binary.AppendUvarint(dst, uint64(len(names)))
			for _, name := range names {
				dst = appendString(dst, name)
				dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(r.Observations[name]))
			}
		}
		dst = appendRepeated(dst, r.Sweep, prevSweep)
		dst = appendRepeated(dst, r.AgentVersion, prevAgent)
		prevSweep, prevAgent = r.Sweep, r.AgentVersion
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendStatus(dst []byte, s result.Status) []byte {
	for code, known := range statuses {
		if s == known {
			return append(dst, byte(code))
		}
	}
	return appendString(append(dst, literalStatus), string(s))
}

// appendRepeated writes s as 0 when it equals prev, else as its length
// plus one and its bytes.
func appendRepeated(dst []byte, s, prev string) []byte {
	if s == prev {
		return append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(s))+1)
	return append(dst, s...)
}

// Decode returns the results in b, each with Branch set to branch.
func Decode(b []byte, branch string) ([]result.Result, error) {
	return AppendDecoded(nil, b, branch, time.Time{}, time.Time{})
}

// AppendDecoded appends to out the results in b that started in
// [from, to), each with Branch set to branch. A zero from or to leaves that
// end open.
func AppendDecoded(out []result.Result, b []byte, branch string, from, to time.Time) ([]result.Result, error) {
	return appendDecoded(out, b, branch, from, to, nil)
}

func appendDecoded(out []result.Result, b []byte, branch string, from, to time.Time, strs map[string]string) ([]result.Result, error) {
	fields, buf, err := open(b)
	if err != nil {
		return out, err
	}
	defer put(buf, fields)
	d := decoder{b: fields, strs: strs}
	n := d.uvarint("count")
	// Every result takes at least 16 bytes, so a count beyond that is a
	// corrupt chunk, not a reason to allocate.
	if d.err == nil && n > uint64(len(d.b))/16 {
		return out, fmt.Errorf("chunk: %d results cannot fit in %d bytes", n, len(fields))
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !from.IsZero() {
		lo = from.UnixNano()
	}
	if !to.IsZero() {
		hi = to.UnixNano()
	}
	out = slices.Grow(out, int(n))
	var started int64
	var sweep, agent string
	for i := uint64(0); i < n && d.err == nil; i++ {
		r := result.Result{Branch: branch}
		r.ID = d.string("id")
		r.Device = d.shared("device")
		r.Check = d.shared("check")
		r.Kind = d.shared("kind")
		r.Status = d.status()
		started += d.varint("started_at")
		r.StartedAt = time.Unix(0, started).UTC()
		r.DurationMS = d.float("duration_ms")
		r.Reason = d.string("reason")
		if count := d.uvarint("observations"); count > 0 && d.err == nil {
			if count > uint64(len(d.b))/9 {
				d.fail("observations", errors.New("more than the bytes left can hold"))
				break
			}
			r.Observations = make(map[string]float64, count)
			for range count {
				name := d.shared("observation name")
				r.Observations[name] = d.float("observation value")
			}
		}
		sweep = d.repeated("sweep", sweep)
		agent = d.repeated("agent_version", agent)
		r.Sweep, r.AgentVersion = sweep, agent
		if d.err != nil {
			return out, fmt.Errorf("chunk: result %d of %d: %w", i+1, n, d.err)
		}
		if started >= lo && started < hi {
			out = append(out, r)
		}
	}
	if d.err != nil {
		return out, fmt.Errorf("chunk: %w", d.err)
	}
	if len(d.b) != 0 {
		return out, fmt.Errorf("chunk: %d bytes after the last result", len(d.b))
	}
	return out, nil
}

// decoder reads a chunk front to back; the first error sticks and every
// later read returns zero values.
type decoder struct {
	b   []byte
	err error
	// strs, when set, holds one copy of each string shared() read.
	strs map[string]string
}

func (d *decoder) fail(field string, err error) {
	if d.err == nil {
		d.err = fmt.Errorf("%s: %w", field, err)
	}
}

var errShort = errors.New("chunk ends early")

func (d *decoder) byte(field string) byte {
	if d.err != nil || len(d.b) == 0 {
		d.fail(field, errShort)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(field, errShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint(field string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(field, errShort)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) float(field string) float64 {
	if d.err != nil || len(d.b) < 8 {
		d.fail(field, errShort)
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

func (d *decoder) bytes(field string, n uint64) string {
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail(field, errShort)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) string(field string) string {
	return d.bytes(field, d.uvarint(field))
}

// shared reads a string that repeats from result to result (a device,
// check or kind name), returning the copy in d.strs when there is one.
func (d *decoder) shared(field string) string {
	return d.intern(d.raw(field, d.uvarint(field)))
}

// intern returns b as a string, the copy in d.strs when there is one.
func (d *decoder) intern(b []byte) string {
	if d.strs == nil {
		return string(b)
	}
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.strs) < maxShared {
		d.strs[s] = s
	}
	return s
}

func (d *decoder) status() result.Status {
	code := d.byte("status")
	switch {
	case d.err != nil:
		return ""
	case int(code) < len(statuses):
		return statuses[code]
	case code == literalStatus:
		return result.Status(d.string("status"))
	}
	d.fail("status", fmt.Errorf("unknown code %d", code))
	return ""
}

func (d *decoder) repeated(field, prev string) string {
	n := d.uvarint(field)
	if n == 0 || d.err != nil {
		return prev
	}
	return d.intern(d.raw(field, n-1))
}
