// Package leadertest is an in-memory election for tests: several
// Electors share one Lock, as collectors share one database.
package leadertest

import (
	"context"
	"errors"
	"sync"

	"github.com/branchready/branchready/collector/leader"
)

// ErrDown is returned while a Lock is made unreachable with Down.
var ErrDown = errors.New("leadertest: store unreachable")

// Lock is the one leadership the Electors compete for.
type Lock struct {
	mu       sync.Mutex
	holder   *Elector
	down     bool
	releases int
	// changed is closed (and replaced) whenever the lock may have become
	// free, for the waiters.
	changed chan struct{}
}

// changedLocked wakes the waiters; l.mu is held.
func (l *Lock) changedLocked() {
	if l.changed != nil {
		close(l.changed)
	}
	l.changed = make(chan struct{})
}

// waitLocked returns the channel closed at the next change; l.mu is held.
func (l *Lock) waitLocked() <-chan struct{} {
	if l.changed == nil {
		l.changed = make(chan struct{})
	}
	return l.changed
}

// Elector is one process's side of the election.
type Elector struct {
	lock *Lock
	// Name identifies the process in Holder.
	Name string
}

// Elector returns a new participant named name.
func (l *Lock) Elector(name string) *Elector { return &Elector{lock: l, Name: name} }

// Waiter returns a new participant named name that can also wait for the
// lock (leader.Waiter), as a database session waits for a lock.
func (l *Lock) Waiter(name string) *Waiting { return &Waiting{Elector{lock: l, Name: name}} }

// Waiting is an Elector that implements leader.Waiter.
type Waiting struct{ Elector }

var _ leader.Waiter = (*Waiting)(nil)

// WaitLead takes the lock as soon as nobody holds it; it fails while the
// store is down, and when ctx ends.
func (w *Waiting) WaitLead(ctx context.Context) (leader.Lease, error) {
	l := w.lock
	for {
		l.mu.Lock()
		switch {
		case l.down:
			l.mu.Unlock()
			return nil, ErrDown
		case l.holder == nil:
			l.holder = &w.Elector
			l.mu.Unlock()
			return &lease{e: &w.Elector}, nil
		}
		changed := l.waitLocked()
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-changed:
		}
	}
}

// Drop ends the holder's session with the store up (its process was
// killed): the lock is free at once, and the old holder's Check fails.
func (l *Lock) Drop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.holder = nil
	l.changedLocked()
}

// TryLead takes the lock when nobody holds it.
func (e *Elector) TryLead(context.Context) (leader.Lease, error) {
	l := e.lock
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down {
		return nil, ErrDown
	}
	if l.holder != nil {
		return nil, nil
	}
	l.holder = e
	return &lease{e: e}, nil
}

// Holder names the participant that leads ("" when none does).
func (l *Lock) Holder() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == nil {
		return ""
	}
	return l.holder.Name
}

// Releases counts the leases given back with Release.
func (l *Lock) Releases() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.releases
}

// Down makes the store unreachable (down true) or reachable again. While
// it is down, nobody can take the lock and the holder's Check fails; the
// holder loses the lock, as a database session does when it breaks.
func (l *Lock) Down(down bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = down
	if down {
		l.holder = nil
	}
	l.changedLocked()
}

type lease struct{ e *Elector }

func (s *lease) Check(context.Context) error {
	l := s.e.lock
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down {
		return ErrDown
	}
	if l.holder != s.e {
		return errors.New("leadertest: the lock is held by another")
	}
	return nil
}

func (s *lease) Release(context.Context) error {
	l := s.e.lock
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == s.e {
		l.holder = nil
		l.changedLocked()
	}
	l.releases++
	return nil
}
