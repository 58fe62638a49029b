package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/branchready/branchready/alerts/notify"
	"github.com/branchready/branchready/alerts/outbox"
)

// Store is an outbox.Store held in memory. The zero value is not usable;
// call New.
type Store struct {
	mu      sync.Mutex
	rows    []outbox.Row // in Seq order
	claimed map[int64]time.Time
	threads map[route]notify.Receipt
	next    int64
}

// route is what orders rows: an incident's conversation on one target.
type route struct{ incident, notifier, target string }

func routeOf(m notify.Message) route { return route{m.IncidentID, m.Notifier, m.Target} }

var (
	_ outbox.Store    = (*Store)(nil)
	_ outbox.Recorder = (*Store)(nil)
)

// New returns an empty store.
func New() *Store {
	return &Store{claimed: map[int64]time.Time{}, threads: map[route]notify.Receipt{}, next: 1}
}

// Enqueue implements outbox.Store.
func (s *Store) Enqueue(ctx context.Context, ms []notify.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range ms {
		s.rows = append(s.rows, outbox.Row{Seq: s.next, Message: clone(m), State: outbox.Pending})
		s.next++
	}
	return nil
}

// Claim implements outbox.Store.
func (s *Store) Claim(ctx context.Context, now time.Time, n int, lease time.Duration) ([]outbox.Row, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[route]bool{}
	var out []outbox.Row
	for i := range s.rows {
		r := &s.rows[i]
		if len(out) == n {
			break
		}
		if r.State != outbox.Pending || seen[routeOf(r.Message)] {
			continue
		}
		seen[routeOf(r.Message)] = true
		if r.NotBefore.After(now) || s.claimed[r.Seq].After(now) {
			continue
		}
		out = append(out, s.claim(r, now, lease))
	}
	return out, nil
}

// claim leases r, a claimable row, and returns a copy as claimed.
func (s *Store) claim(r *outbox.Row, now time.Time, lease time.Duration) outbox.Row {
	_, again := s.claimed[r.Seq] // a claim that ran out: ended rows leave no entry
	s.claimed[r.Seq] = now.Add(lease)
	c := copyRow(*r)
	c.Unsettled, c.ClaimedUntil = again, now.Add(lease)
	return c
}

// Delivered implements outbox.Store.
func (s *Store) Delivered(ctx context.Context, seq int64, rc notify.Receipt, at time.Time) error {
	return s.update(ctx, seq, "delivered", func(r *outbox.Row) { s.deliver(r, rc, at) })
}

// deliver marks r delivered and keeps a Post's receipt as the thread (the
// first one, as the collector's stores keep it).
func (s *Store) deliver(r *outbox.Row, rc notify.Receipt, at time.Time) {
	r.Attempts++
	r.State, r.Receipt, r.DeliveredAt = outbox.Delivered, rc, at
	if _, ok := s.threads[routeOf(r.Message)]; r.Message.Op == notify.Post && !ok {
		s.threads[routeOf(r.Message)] = rc
	}
}

// Record implements outbox.Recorder.
func (s *Store) Record(ctx context.Context, ds []outbox.Delivery, now time.Time, lease time.Duration) ([]outbox.Row, []int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("record: %w", err)
	}
	var notPending []int64
	freed := map[route]bool{}
	for _, d := range ds {
		var k route
		err := s.update(ctx, d.Seq, "delivered", func(r *outbox.Row) {
			s.deliver(r, d.Receipt, d.At)
			k = routeOf(r.Message)
		})
		if err != nil {
			notPending = append(notPending, d.Seq)
			continue
		}
		freed[k] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var next []outbox.Row
	for i := range s.rows {
		r := &s.rows[i]
		k := routeOf(r.Message)
		if r.State != outbox.Pending || !freed[k] {
			continue
		}
		delete(freed, k) // only the route's oldest pending row
		if r.NotBefore.After(now) || s.claimed[r.Seq].After(now) {
			continue
		}
		next = append(next, s.claim(r, now, lease))
	}
	return next, notPending, nil
}

// Retry implements outbox.Store.
func (s *Store) Retry(ctx context.Context, seq int64, errText string, notBefore time.Time) error {
	return s.update(ctx, seq, "retry", func(r *outbox.Row) {
		r.Attempts++
		r.LastError, r.NotBefore = errText, notBefore
	})
}

// Fail implements outbox.Store.
func (s *Store) Fail(ctx context.Context, seq int64, errText string, at time.Time) error {
	return s.update(ctx, seq, "fail", func(r *outbox.Row) {
		r.Attempts++
		r.State, r.LastError, r.FailedAt = outbox.Failed, errText, at
	})
}

// Renew implements outbox.Store.
func (s *Store) Renew(ctx context.Context, claims []outbox.Claim, until time.Time) ([]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("renew: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int64
	for _, c := range claims {
		// Ended claims leave no entry (update deletes it), and only
		// pending rows are claimed.
		if cur, ok := s.claimed[c.Seq]; ok && cur.Equal(c.Until) {
			s.claimed[c.Seq] = until
			out = append(out, c.Seq)
		}
	}
	return out, nil
}

// Release implements outbox.Store.
func (s *Store) Release(ctx context.Context, seq int64, notBefore time.Time) error {
	return s.update(ctx, seq, "release", func(r *outbox.Row) { r.NotBefore = notBefore })
}

// update applies f to the pending row seq and ends its claim.
func (s *Store) update(ctx context.Context, seq int64, op string, f func(*outbox.Row)) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s %d: %w", op, seq, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.rows {
		if s.rows[i].Seq != seq {
			continue
		}
		if s.rows[i].State != outbox.Pending {
			break
		}
		f(&s.rows[i])
		delete(s.claimed, seq)
		return nil
	}
	return fmt.Errorf("%s %d: %w", op, seq, outbox.ErrNotPending)
}

// Thread implements outbox.Store.
func (s *Store) Thread(ctx context.Context, incident, notifier, target string) (notify.Receipt, error) {
	if err := ctx.Err(); err != nil {
		return notify.Receipt{}, fmt.Errorf("thread: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.threads[route{incident, notifier, target}], nil
}

// Sent implements outbox.Store.
func (s *Store) Sent(ctx context.Context, incident string) ([]outbox.Row, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sent: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []outbox.Row
	for _, r := range s.rows {
		if r.Message.IncidentID == incident {
			out = append(out, copyRow(r))
		}
	}
	return out, nil
}

// Stats implements outbox.Store.
func (s *Store) Stats(ctx context.Context, now time.Time) (int, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, fmt.Errorf("stats: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		n      int
		oldest time.Time
	)
	for _, r := range s.rows {
		if r.State != outbox.Pending {
			continue
		}
		n++
		if oldest.IsZero() || r.Message.DecidedAt.Before(oldest) {
			oldest = r.Message.DecidedAt
		}
	}
	if n == 0 {
		return 0, 0, nil
	}
	return n, now.Sub(oldest), nil
}

// copyRow returns r sharing no slice or map with the store.
func copyRow(r outbox.Row) outbox.Row {
	r.Message = clone(r.Message)
	return r
}

func clone(m notify.Message) notify.Message {
	m.Fields = slices.Clone(m.Fields)
	m.Button = slices.Clone(m.Button)
	m.Labels = maps.Clone(m.Labels)
	return m
}
