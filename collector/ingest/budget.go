package ingest

import (
	"errors"
	"io"
	"sync"
)

// errBudget is returned by a budgeted reader when the collector is already
// decoding as many bytes as it allows at once.
var errBudget = errors.New("decode budget exhausted")

// budget bounds the bytes being decoded at once across all requests: each
// request's bounds alone let forty parallel gzip bodies of 31 KB that expand
// to 31 MiB each take the collector to 2.4 GiB. A request that would pass it
// is answered 503 with Retry-After, which agents honour.
type budget struct {
	mu   sync.Mutex
	used int64
	max  int64
}

func (b *budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

func (b *budget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// Used returns the bytes currently held.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// budgetReader takes from the budget for every byte it reads; release gives
// them all back when the request is done with them.
type budgetReader struct {
	r    io.Reader
	b    *budget
	held int64
}

func (br *budgetReader) Read(p []byte) (int, error) {
	n, err := br.r.Read(p)
	if n > 0 {
		if !br.b.take(int64(n)) {
			return 0, errBudget
		}
		br.held += int64(n)
	}
	return n, err
}

func (br *budgetReader) release() {
	br.b.give(br.held)
	br.held = 0
}
