package outbox

import (
	"context"
	"sync"

	"github.com/branchready/branchready/alerts/notify"
)

// threadCap bounds the threads remembered; past it the memory starts over
// (the store still has them all).
const threadCap = 1 << 16

// threads remembers the receipt of each incident's first message per
// route, which every later Update and Reply of the incident needs: during
// a wave, reading it from the store for each message was as costly as
// recording the message. The store stays the truth: a thread never
// changes once kept (the first Post's receipt wins, and an incident has
// one Post per route), so a remembered one is never stale; only a thread
// this deliverer recorded or read is remembered, and one unknown here is
// read from the store.
type threads struct {
	mu sync.Mutex
	m  map[threadKey]notify.Receipt
}

type threadKey struct{ incident, notifier, target string }

func (t *threads) get(k threadKey) (notify.Receipt, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rc, ok := t.m[k]
	return rc, ok
}

// keep remembers k's thread unless one is already known (the first wins,
// as in the store).
func (t *threads) keep(k threadKey, rc notify.Receipt) {
	if rc == (notify.Receipt{}) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.m[k]; ok {
		return
	}
	if t.m == nil || len(t.m) >= threadCap {
		t.m = map[threadKey]notify.Receipt{}
	}
	t.m[k] = rc
}

// thread returns m's thread: remembered, else read from the store (and
// remembered when there is one).
func (d *Deliverer) thread(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	k := threadKey{m.IncidentID, m.Notifier, m.Target}
	if rc, ok := d.threads.get(k); ok {
		return rc, nil
	}
	rc, err := d.Store.Thread(ctx, m.IncidentID, m.Notifier, m.Target)
	if err == nil {
		d.threads.keep(k, rc)
	}
	return rc, err
}

// recorded remembers the thread a recorded Post made.
func (d *Deliverer) recorded(r Row, rc notify.Receipt) {
	if m := r.Message; m.Op == notify.Post {
		d.threads.keep(threadKey{m.IncidentID, m.Notifier, m.Target}, rc)
	}
}
