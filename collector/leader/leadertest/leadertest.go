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
}

// Elector is one process's side of the election.
type Elector struct {
	lock *Lock
	// Name identifies the process in Holder.
	Name string
}

// Elector returns a new participant named name.
func (l *Lock) Elector(name string) *Elector { return &Elector{lock: l, Name: name} }

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
	}
	l.releases++
	return nil
}
