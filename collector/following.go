package collector

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/branchready/branchready/collector/alerting"
	"github.com/branchready/branchready/collector/leader"
	"github.com/branchready/branchready/collector/store"
	"github.com/branchready/branchready/result"
)

// follow hands the alert engine the results other collectors stored. One
// announcement at a time, each read by a query of its own, the leader fell
// tens of seconds behind a wave that two collectors shared: now a goroutine
// hears announcements while the ones already heard are read in batches
// (many branches a query), a few batches at once, and handed to the engine
// in the order they were heard, so a branch's results still reach it
// oldest announcement first.
func (s *Server) follow(ctx context.Context, sub leader.Subscription) {
	heard := make(chan leader.Stored, feedBuffer)
	reads := make(chan *feedRead, feedReads)
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { s.hear(ctx, sub, heard) })
	wg.Go(func() { s.readHeard(ctx, heard, reads) })
	for r := range reads {
		select {
		case <-r.done:
		case <-ctx.Done():
			// Drain so that readHeard, blocked on a full reads, can end.
			continue
		}
		if len(r.got) > 0 {
			s.alerts.svc.ObserveAll(ctx, r.got)
		}
	}
}

// Batching the feed: feedBuffer announcements are held heard and not yet
// read, up to feedBatch branches are read in one query, at most feedReads
// batches are read at once, and one query spans at most feedSpan of agent
// time (an agent's spooled results from hours ago are read apart, not by
// widening every branch's range). The pool leaves the readers (the judge,
// board pages, the alert engine, the outbox) a few connections: the feed
// takes at most feedReads × branchReaders of them, and that only while
// branches new to the engine are read.
const (
	feedBuffer = 8192
	feedBatch  = 500
	feedReads  = 2
	feedSpan   = 10 * time.Minute
)

// hear puts every announcement into heard until ctx ends, listening again
// when the subscription breaks (what was announced meanwhile is lost, as
// the log says), then closes heard.
func (s *Server) hear(ctx context.Context, sub leader.Subscription, heard chan<- leader.Stored) {
	defer close(heard)
	for sub != nil {
		st, err := sub.Next(ctx)
		if err != nil {
			_ = sub.Close()
			if ctx.Err() != nil {
				return
			}
			s.log.Error("alerts: lost the feed of results stored by other collectors; listening again, then replaying recent results so that none stored meanwhile is missed", "err", err)
			sub = s.subscribe(ctx)
			// What other collectors stored between losing the feed and
			// listening again was announced to nobody: the engine reads
			// the replay window again (results it has applied are skipped).
			// Queued before anything heard on the new subscription.
			if sub != nil && s.alerts != nil {
				s.alerts.svc.Replay(ctx)
			}
			continue
		}
		select {
		case heard <- st:
		case <-ctx.Done():
			_ = sub.Close()
			return
		}
	}
}

// feedRead is one batch of announcements being read; got is valid once
// done is closed.
type feedRead struct {
	done chan struct{}
	got  []alerting.Handed
}

// readHeard takes what was heard in batches, starts each batch's read and
// passes it on in order; it closes reads when heard is closed.
func (s *Server) readHeard(ctx context.Context, heard <-chan leader.Stored, reads chan<- *feedRead) {
	var wg sync.WaitGroup
	defer close(reads)
	defer wg.Wait()
	for first := range heard {
		batch := []leader.Stored{first}
	more:
		for len(batch) < feedBatch {
			select {
			case st, ok := <-heard:
				if !ok {
					break more
				}
				batch = append(batch, st)
			default:
				break more
			}
		}
		r := &feedRead{done: make(chan struct{})}
		select {
		case reads <- r:
		case <-ctx.Done():
			return
		}
		wg.Go(func() {
			defer close(r.done)
			r.got = s.readAnnounced(ctx, batch)
			s.readUndescribed(ctx, r.got)
		})
	}
}

// readAnnounced reads the results a batch of announcements names, by
// branch, keeping only those within an announced range of their branch:
// results this collector stored itself reached the engine from its own
// ingest.
func (s *Server) readAnnounced(ctx context.Context, batch []leader.Stored) []alerting.Handed {
	byBranch := map[string][]result.Result{}
	var order []string
	for _, part := range spans(batch) {
		got := s.readSpan(ctx, part)
		ranges := map[string][]leader.Stored{}
		for _, st := range part {
			ranges[st.Branch] = append(ranges[st.Branch], st)
		}
		for _, st := range part {
			rs, ok := got[st.Branch]
			if !ok {
				continue
			}
			delete(got, st.Branch)
			if _, seen := byBranch[st.Branch]; !seen {
				order = append(order, st.Branch)
			}
			byBranch[st.Branch] = append(byBranch[st.Branch], within(rs, ranges[st.Branch])...)
		}
	}
	out := make([]alerting.Handed, 0, len(order))
	for _, id := range order {
		if rs := dedupe(byBranch[id]); len(rs) > 0 {
			out = append(out, alerting.Handed{Branch: id, Results: rs})
		}
	}
	return out
}

// spans splits a batch into parts each spanning at most feedSpan, in the
// order heard within each part.
func spans(batch []leader.Stored) [][]leader.Stored {
	sorted := slices.Clone(batch)
	slices.SortStableFunc(sorted, func(a, b leader.Stored) int { return a.From.Compare(b.From) })
	var parts [][]leader.Stored
	start := 0
	for i := range sorted {
		if i > start && sorted[i].To.Sub(sorted[start].From) > feedSpan {
			parts = append(parts, sorted[start:i])
			start = i
		}
	}
	return append(parts, sorted[start:])
}

// bulkResults is a store that reads the results of many branches at once.
type bulkResults interface {
	ResultsOf(ctx context.Context, branches []string, from, to time.Time) (map[string][]result.Result, error)
}

// readSpan reads the results of part's branches over part's whole range,
// in one query when the store can, retrying a failed read a few times
// before the batch is given up (and logged).
func (s *Server) readSpan(ctx context.Context, part []leader.Stored) map[string][]result.Result {
	from, to := part[0].From, part[0].To
	var ids []string
	seen := map[string]bool{}
	for _, st := range part {
		from, to = minTime(from, st.From), maxTime(to, st.To)
		if !seen[st.Branch] {
			seen[st.Branch] = true
			ids = append(ids, st.Branch)
		}
	}
	to = to.Add(time.Nanosecond)
	wait := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		got, err := s.resultsOf(ctx, ids, from, to)
		if err == nil {
			return got
		}
		if ctx.Err() != nil {
			return nil
		}
		if attempt == 3 {
			s.log.Error("alerts: read results other collectors stored; alerting does not see them", "branches", len(ids), "err", err)
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait *= 4
	}
}

// resultsOf reads the results of ids, with one query when the store can.
func (s *Server) resultsOf(ctx context.Context, ids []string, from, to time.Time) (map[string][]result.Result, error) {
	if b, ok := s.store.(bulkResults); ok {
		return b.ResultsOf(ctx, ids, from, to)
	}
	out := make(map[string][]result.Result, len(ids))
	for _, id := range ids {
		rs, err := s.store.Results(ctx, id, from, to)
		if err != nil {
			return nil, err
		}
		if len(rs) > 0 {
			out[id] = rs
		}
	}
	return out, nil
}

// within keeps the results that started within one of a branch's
// announced ranges.
func within(rs []result.Result, ranges []leader.Stored) []result.Result {
	var out []result.Result
	for _, r := range rs {
		for _, st := range ranges {
			if !r.StartedAt.Before(st.From) && !r.StartedAt.After(st.To) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// dedupe drops a result read twice (two announcements' ranges overlap).
func dedupe(rs []result.Result) []result.Result {
	seen := make(map[string]bool, len(rs))
	out := rs[:0]
	for _, r := range rs {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out
}

// bulkBranches is a store that reads many branches in one query.
type bulkBranches interface {
	BranchesOf(ctx context.Context, ids []string) (map[string]store.Branch, error)
}

// readUndescribedBulk reads the branches of hs the engine holds no
// descriptor of in one query: two at a time, one query each, the first
// round of a wave after leadership began (every branch of the other
// collectors new to the engine) put their results seconds behind the
// leader's own. A failed read leaves the branches to the engine.
func (s *Server) readUndescribedBulk(ctx context.Context, b bulkBranches, hs []alerting.Handed) {
	var ids []string
	for i := range hs {
		if !s.alerts.svc.Described(hs[i].Branch) {
			ids = append(ids, hs[i].Branch)
		}
	}
	if len(ids) == 0 {
		return
	}
	got, err := b.BranchesOf(ctx, ids)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("alerts: read branches new to the engine; it reads them itself", "branches", len(ids), "err", err)
		}
		return
	}
	for i := range hs {
		if br, ok := got[hs[i].Branch]; ok && !s.alerts.svc.Described(hs[i].Branch) {
			hs[i].Read = &br
		}
	}
}

// branchReaders bounds the branch reads readUndescribed makes at once.
const branchReaders = 2

// readUndescribed reads, several at once, the branches of hs the alert
// engine holds no descriptor of (a wave's first round after leadership
// began: the other collectors' branches), so that the engine does not
// read them one after another on its loop, holding every result behind
// them. A branch that cannot be read is left to the engine.
func (s *Server) readUndescribed(ctx context.Context, hs []alerting.Handed) {
	if b, ok := s.store.(bulkBranches); ok {
		s.readUndescribedBulk(ctx, b, hs)
		return
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range branchReaders {
		wg.Go(func() {
			for i := range next {
				if b, err := s.store.Branch(ctx, hs[i].Branch); err == nil {
					hs[i].Read = &b
				}
			}
		})
	}
	for i := range hs {
		if !s.alerts.svc.Described(hs[i].Branch) {
			next <- i
		}
	}
	close(next)
	wg.Wait()
}
