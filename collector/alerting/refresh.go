package alerting

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// stored is what a refresh reads from the store: every branch, the live
// silences and maintenance windows. Reading it touches no engine state,
// so a periodic tick reads it off the loop.
type stored struct {
	branches []store.Branch
	// silences is nil when they could not be read (err says why).
	silences []store.SilenceRecord
	err      error
	maint    []store.MaintenanceRecord
	maintErr error
}

// read reads what a refresh applies.
func (s *Service) read(ctx context.Context) stored {
	var st stored
	bs, err := s.readBranches(ctx)
	if err != nil {
		st.err = fmt.Errorf("alerts: read branches: %w", err)
		return st
	}
	st.branches = bs
	if st.silences, err = s.o.Store.Silences(ctx, s.o.Now()); err != nil {
		st.err = fmt.Errorf("alerts: read silences: %w", err)
		return st
	}
	if st.silences == nil {
		st.silences = []store.SilenceRecord{}
	}
	st.maint, st.maintErr = s.readMaintenance(ctx)
	return st
}

// refresh reads branch descriptors, contact times and silences.
func (s *Service) refresh(ctx context.Context) error {
	return s.applyStored(s.read(ctx))
}

// applyStored takes what read returned into the engine, as far as it got.
func (s *Service) applyStored(st stored) error {
	for _, sb := range st.branches {
		b := s.branch(sb.ID)
		if sb.Contact.At.After(b.LastHeard) {
			b.LastHeard = sb.Contact.At
		}
		s.describe(b, sb)
	}
	if st.silences == nil {
		return st.err
	}
	s.silences = s.silences[:0]
	for _, r := range st.silences {
		sil, err := silenceOf(r)
		if err != nil {
			s.o.Log.Error("alerts: a silence in the store cannot be read; it is left out", "silence", r.ID, "err", err)
			continue
		}
		s.silences = append(s.silences, sil)
	}
	if st.maintErr != nil {
		// The windows last read keep muting: a database hiccup must not
		// unmute a branch in maintenance.
		s.o.Log.Warn("alerts: maintenance windows not refreshed", "err", st.maintErr)
	} else {
		s.maint = st.maint
		s.forgetWindows(st.maint)
	}
	now := s.o.Now()
	for _, b := range s.branches {
		s.silence(b, now)
	}
	return st.err
}

// tick advances time for every branch.
func (s *Service) tick(ctx context.Context) {
	// now is taken before the store is read: what the read returns is at
	// least as new as now, so a slow read cannot make an agent look silent.
	now := s.o.Now()
	s.tickWith(ctx, now, s.read(ctx))
}

// tickApart starts a periodic tick whose store reads run off the loop:
// the loop goes on judging results meanwhile and applies the tick when
// the reads are done, as a piece of queued work. On a shared database the
// branch directory's read of what other collectors changed took seconds
// during a wave, every result waiting behind it. One tick reads at a
// time; reading joins the reads for Run to wait for.
func (s *Service) tickApart(ctx context.Context, reading *sync.WaitGroup) {
	if s.ticking {
		return
	}
	s.ticking = true
	now := s.o.Now()
	reading.Go(func() {
		st := s.read(ctx)
		select {
		case s.in <- job{f: func(ctx context.Context) {
			s.ticking = false
			s.tickWith(ctx, now, st)
		}}:
		case <-ctx.Done():
		}
	})
}

// tickWith advances time for every branch to now, with what was read.
func (s *Service) tickWith(ctx context.Context, now time.Time, st stored) {
	start := time.Now()
	defer func() { s.o.Metrics.TickSeconds.Observe(time.Since(start).Seconds()) }()
	if err := s.applyStored(st); err != nil {
		if ctx.Err() == nil {
			s.o.Log.Warn("alerts: tick without fresh branches", "err", err)
		}
	}
	for _, b := range s.branches {
		if b.Descriptor == nil {
			continue
		}
		s.stage(b, s.o.Policy.Tick(&b.Branch, now))
	}
	s.flush(ctx)
	s.o.Metrics.observeOpen(s.branches)
	// A command whose wake-up was lost (the leader's listener was
	// reconnecting) applies here at the latest.
	s.drain(ctx)
	s.pruneCommands(ctx, now)
	for k, t := range s.seen {
		if now.Sub(t) > 2*s.o.Replay {
			delete(s.seen, k)
		}
	}
}
