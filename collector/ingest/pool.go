package ingest

import (
	"bytes"
	"io"
	"sync"
)

// maxPooledBuffer is the largest body buffer kept for reuse: a wave's
// batches are a few KB gzipped and tens of KB expanded, and one rare
// 30 MiB batch must not stay pinned in the pool afterwards.
const maxPooledBuffer = 1 << 20

// bodyBuffers holds the buffers a request's raw and expanded body are read
// into; io.ReadAll grew a fresh slice from 512 bytes for each.
var bodyBuffers sync.Pool

func getBuffer() *bytes.Buffer {
	if b, ok := bodyBuffers.Get().(*bytes.Buffer); ok {
		return b
	}
	return new(bytes.Buffer)
}

// putBuffer gives b back once nothing refers to its bytes any more.
func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	bodyBuffers.Put(b)
}

// readAll reads r to its end into buf, as io.ReadAll does.
func readAll(buf *bytes.Buffer, r io.Reader) ([]byte, error) {
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// interners are reused: one is 64 string headers (1 KiB) besides the
// chunk it cuts strings from, which it keeps using across requests.
var interners sync.Pool

// getInterner returns an empty interner for parsing body.
func getInterner(body []byte) *interner {
	in, ok := interners.Get().(*interner)
	if !ok {
		in = new(interner)
	}
	in.unchecked, in.bad = body, false
	return in
}

// putInterner gives in back; it lets go of the strings it shares.
func putInterner(in *interner) {
	clear(in.slots[:])
	in.unchecked, in.pack = nil, false
	interners.Put(in)
}
