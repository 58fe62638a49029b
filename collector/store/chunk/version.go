package chunk

import (
	"fmt"
	"sync"

	"github.com/klauspost/compress/s2"
)

// buffers hold plain chunks while they are compressed or read: a
// store encodes and decodes thousands a second.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooled is the largest buffer put back: one huge chunk must not keep
// its buffer alive in the pool.
const maxPooled = 256 << 10

// put returns buf to the pool, grown to b's backing array when b was
// built in it; a nil buf (a plain chunk read in place) is ignored.
func put(buf *[]byte, b []byte) {
	if buf == nil || cap(b) > maxPooled {
		return
	}
	*buf = b[:0]
	buffers.Put(buf)
}

// open returns the fields of chunk b, after its version byte: b's own
// bytes for a plain chunk, else the decompressed bytes in a pooled buffer,
// returned too so that the caller can put it back (with put) once nothing
// refers to the fields any more.
func open(b []byte) ([]byte, *[]byte, error) {
	if len(b) == 0 {
		return nil, nil, fmt.Errorf("chunk: version: %w", errShort)
	}
	switch b[0] {
	case plain:
		return b[1:], nil, nil
	case compressed:
		n, err := s2.DecodedLen(b[1:])
		if err != nil {
			return nil, nil, fmt.Errorf("chunk: compressed fields: %w", err)
		}
		if n > maxPlain {
			return nil, nil, fmt.Errorf("chunk: compressed fields claim %d bytes, more than the %d a chunk may hold", n, maxPlain)
		}
		buf := buffers.Get().(*[]byte)
		if cap(*buf) < n {
			*buf = make([]byte, 0, n)
		}
		fields, err := s2.Decode((*buf)[:n], b[1:])
		if err != nil {
			put(buf, *buf)
			return nil, nil, fmt.Errorf("chunk: compressed fields: %w", err)
		}
		return fields, buf, nil
	}
	return nil, nil, fmt.Errorf("chunk: version %d: this collector reads versions %d and %d (written by a newer collector?)", b[0], plain, compressed)
}
