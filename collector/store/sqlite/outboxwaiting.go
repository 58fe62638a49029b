package sqlite

import (
	"sync"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
)

// waitingCap bounds the messages waiting remembers; past it the memory
// starts over (the store still has them all).
const waitingCap = 1 << 13

// waiting remembers the messages SaveAndClaim enqueued behind a row of
// their route (a resolved incident's update behind its reply), which
// Record claims when the row before them is delivered: decoding each
// one's stored JSON again was a third of finding the next rows. An
// outbox row's message never changes once enqueued, and seqs are never
// given twice (AUTOINCREMENT; only committed rows are remembered), so a
// remembered message is the stored one; one not remembered is decoded.
type waiting struct {
	mu sync.Mutex
	m  map[int64]notify.Message
}

// keep remembers the messages ms, enqueued as seqs, but those claimed.
func (w *waiting) keep(seqs []int64, ms []notify.Message, claimed []outbox.Row) {
	if len(claimed) == len(ms) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, seq := range seqs {
		if isClaimed(claimed, seq) {
			continue
		}
		if w.m == nil || len(w.m) >= waitingCap {
			w.m = map[int64]notify.Message{}
		}
		w.m[seq] = ms[i]
	}
}

// take returns and forgets the message enqueued as seq, if remembered.
func (w *waiting) take(seq int64) (notify.Message, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m, ok := w.m[seq]
	if ok {
		delete(w.m, seq)
	}
	return m, ok
}

func isClaimed(claimed []outbox.Row, seq int64) bool {
	for _, r := range claimed {
		if r.Seq == seq {
			return true
		}
	}
	return false
}
