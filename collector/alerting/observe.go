package alerting

import (
	"context"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// Observe hands the engine results that ingest has just stored. It blocks
// while the engine's queue is full, or until ctx ends.
func (s *Service) Observe(ctx context.Context, branchID string, rs []result.Result) {
	if len(rs) == 0 {
		return
	}
	obs := observationsOf(rs)
	at := time.Now()
	select {
	case s.in <- job{branches: []string{branchID}, f: func(ctx context.Context) {
		s.o.Metrics.QueueWait.Observe(time.Since(at).Seconds())
		s.observe(ctx, branchID, obs)
	}}:
	case <-ctx.Done():
	}
}

// Handed is results of one branch handed to ObserveAll, with the branch
// as read from the store when the engine had not described it (see
// Described): the engine then takes it instead of reading the store on its
// loop.
type Handed struct {
	Branch  string
	Results []result.Result
	Read    *store.Branch
}

// observeChunk is how many branches one piece of ObserveAll's work holds:
// a run of queued work is bounded by branches (maxQueuedRun), so a chunk
// must be a small part of one.
const observeChunk = 32

// ObserveAll hands the engine the results of many branches at once (the
// leader's share of what other collectors stored), taking hs and their
// slices over. It blocks while the engine's queue is full, or until ctx
// ends.
func (s *Service) ObserveAll(ctx context.Context, hs []Handed) {
	for len(hs) > 0 {
		chunk := hs[:min(observeChunk, len(hs))]
		hs = hs[len(chunk):]
		ids := make([]string, 0, len(chunk))
		obs := make([][]alerts.Observation, len(chunk))
		n := 0
		for i, h := range chunk {
			if len(h.Results) == 0 {
				continue
			}
			n++
			obs[i] = observationsOf(h.Results)
			if h.Read == nil {
				ids = append(ids, h.Branch) // for prefetch to read
			}
		}
		if n == 0 {
			continue
		}
		at := time.Now()
		select {
		case s.in <- job{branches: ids, f: func(ctx context.Context) {
			s.o.Metrics.QueueWait.Observe(time.Since(at).Seconds())
			now := s.o.Now()
			for i, h := range chunk {
				if len(h.Results) == 0 {
					continue
				}
				if b := s.branches[h.Branch]; h.Read != nil && (b == nil || b.Descriptor == nil) {
					s.take(*h.Read, now)
				}
				s.observe(ctx, h.Branch, obs[i])
			}
		}}:
		case <-ctx.Done():
			return
		}
	}
}

// Described reports whether the engine holds a descriptor of the branch;
// safe from any goroutine (the leader's feed reads the branches it does
// not hold before handing their results over).
func (s *Service) Described(id string) bool {
	_, ok := s.described.Load(id)
	return ok
}

// observationsOf copies what the engine reads of results, on the caller's
// goroutine: a result is twice an observation's size, and a wave hands the
// engine a batch from every branch, nearly all of it passing.
func observationsOf(rs []result.Result) []alerts.Observation {
	obs := make([]alerts.Observation, len(rs))
	for i := range rs {
		obs[i] = alerts.ObservationOf(&rs[i])
	}
	return obs
}

// observe applies stored results of a branch in their agent-time order.
func (s *Service) observe(ctx context.Context, id string, rs []alerts.Observation) {
	b := s.branch(id)
	if b.Descriptor == nil {
		// A branch's first batch carries its descriptor; ingest stores it
		// before handing the results over.
		// Only this branch is read: a wave from thousands of branches new
		// to this engine (its first after a start) must not list every
		// branch once for each of them.
		if err := s.refreshOne(ctx, b); err != nil {
			s.o.Log.Warn("alerts: read a new branch before its results", "branch", id, "err", err)
		}
	}
	now := s.o.Now()
	if now.After(b.LastHeard) {
		b.LastHeard = now
	}
	if len(b.Incidents) == 0 && allPassing(rs) {
		// The common path of a wave: a branch with nothing open whose
		// checks all pass. Each result would be skipped below (passing,
		// no open incident), no branch-wide judgement runs without
		// incidents, and nothing is staged: only the contact counts.
		return
	}
	sortByStart(rs)
	var out alerts.Outcome
	for i := range rs {
		r := &rs[i]
		key := alerts.Key{Branch: id, Device: r.Device, Check: r.Check}
		// A passing result of a check with no open incident changes no
		// incident: most results are such, and skipping them keeps the
		// engine's cost proportional to what is failing. It is looked at
		// first: the replay guard's map hashes the key's three strings.
		if r.Status.Passing() && !hasOpen(&b.Branch, key) {
			continue
		}
		if seen, ok := s.seen[key]; ok && !r.At.After(seen) {
			continue
		}
		merge(&out, s.o.Policy.Observe(&b.Branch, *r, now))
		s.o.Metrics.ResultsObserved.Inc()
	}
	if len(b.Incidents) > 0 {
		// The branch-wide judgements (agent silent, unreachable) follow
		// the contact just made, once per batch.
		merge(&out, s.o.Policy.Tick(&b.Branch, now))
	}
	// Staged, not saved: the loop saves what a run of queued batches
	// decided in one transaction (see runQueued).
	s.stage(b, out)
}

// hasOpen reports whether the branch has an open incident of key. A
// branch has few incidents open, and looking through them costs less than
// a map of their keys made for every batch and every result applied.
func hasOpen(b *alerts.Branch, key alerts.Key) bool {
	for _, inc := range b.Incidents {
		if inc.Key == key && inc.Open() {
			return true
		}
	}
	return false
}

// allPassing reports whether every result passes.
func allPassing(rs []alerts.Observation) bool {
	for i := range rs {
		if !rs[i].Status.Passing() {
			return false
		}
	}
	return true
}
