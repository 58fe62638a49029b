package record

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"

	"github.com/branchready/branchready/collector/readiness"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// ErrNotYet is returned for a branch-day whose deadline has not passed:
// there is nothing final to sign.
var ErrNotYet = errors.New("the day's deadline has not passed yet")

// Source is the part of the store records are made from.
type Source interface {
	Branch(ctx context.Context, id string) (store.Branch, error)
	Results(ctx context.Context, branch string, from, to time.Time) ([]result.Result, error)
	Confirmations(ctx context.Context, branch, date string) ([]result.Confirmation, error)
	SLARevisions(ctx context.Context, branch, from, to string) ([]store.SLARevision, error)
}

// Maker makes signed records from the store.
type Maker struct {
	Store Source
	Key   ed25519.PrivateKey
	Now   func() time.Time
}

// Make returns a branch-day's record and its signed file. The error wraps
// store.ErrNotFound for an unknown branch and ErrNotYet before the deadline.
func (m Maker) Make(ctx context.Context, branch, date string) (Record, []byte, error) {
	b, err := m.Store.Branch(ctx, branch)
	if err != nil {
		return Record{}, nil, err
	}
	if b.Descriptor == nil {
		return Record{}, nil, fmt.Errorf("branch %q has sent no descriptor: %w", branch, store.ErrNotFound)
	}
	// The day is recorded by the rules in force on it (the descriptor
	// version of that day), not by today's configuration.
	rules, err := readiness.LoadRules(ctx, m.Store, b)
	if err != nil {
		return Record{}, nil, err
	}
	d, cal, err := rules.For(date)
	if err != nil {
		return Record{}, nil, fmt.Errorf("branch %q: %w", branch, err)
	}
	b.Descriptor = d
	day, err := cal.DayByDate(date)
	if err != nil {
		return Record{}, nil, fmt.Errorf("date %q: %w", date, err)
	}
	now := m.Now()
	if day.Open && now.Before(day.Deadline) {
		return Record{}, nil, ErrNotYet
	}
	in := Input{Branch: b, Day: day, Location: cal.Location(), Now: now}
	if day.Open {
		if in.Results, err = m.Store.Results(ctx, branch, day.SweepFrom.Add(-readiness.Grace), day.Closing); err != nil {
			return Record{}, nil, err
		}
	}
	if in.Judgement, err = readiness.Judge(b.Descriptor, cal, day.Date, in.Results, now); err != nil {
		return Record{}, nil, err
	}
	if in.Confirmations, err = m.Store.Confirmations(ctx, branch, day.Date); err != nil {
		return Record{}, nil, err
	}
	if in.Revisions, err = m.Store.SLARevisions(ctx, branch, day.Date, day.Date); err != nil {
		return Record{}, nil, err
	}
	r := Build(in)
	file, err := Sign(r, m.Key)
	if err != nil {
		return Record{}, nil, err
	}
	r, err = Verify(file, nil) // the record as served, signature included
	return r, file, err
}
