package alerting

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/branchready/branchready/result"
)

// bulkResults is a store that reads the results of many branches in one
// query (PostgreSQL).
type bulkResults interface {
	ResultsOf(ctx context.Context, branches []string, from, to time.Time) (map[string][]result.Result, error)
}

// replayBatch is how many branches one replay query reads. A query per
// branch, 20,000 of them one after another, held a new leader's engine
// for tens of seconds after a leader died mid-wave (and cost PostgreSQL
// most of its processor time in that round, each query planned over the
// partitions anew).
var replayBatch = 500

// Replay has the engine observe again every branch's results of the
// replay window, as a new leader does at start: the leader calls it when
// it listens again to what other collectors store, after losing that
// feed, so that a result stored meanwhile (unheard) still reaches the
// engine. Results the engine has applied already are skipped (see seen).
// It blocks while the engine's queue is full, or until ctx ends; the
// replay itself runs on the engine's loop.
func (s *Service) Replay(ctx context.Context) {
	select {
	case s.in <- job{f: func(ctx context.Context) {
		n, err := s.replay(ctx, s.o.Now())
		if err != nil {
			s.o.Log.Error("alerts: replay after the feed was lost failed; results stored meanwhile reach alerting at the next leader change", "err", err)
			return
		}
		s.o.Log.Info("alerts: replayed recent results after listening again", "replayed_results", n, "window", s.o.Replay)
	}}:
	case <-ctx.Done():
	}
}

// replay observes every described branch's results since the replay
// window began, reading many branches a query when the store can, the
// next batch read while the last is observed. It returns how many
// results it observed.
func (s *Service) replay(ctx context.Context, now time.Time) (int, error) {
	ids := make([]string, 0, len(s.branches))
	for id, b := range s.branches {
		if b.Descriptor != nil {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	from, to := now.Add(-s.o.Replay), now.Add(time.Hour)
	bulk, ok := s.o.Store.(bulkResults)
	if !ok {
		n := 0
		for _, id := range ids {
			rs, err := s.o.Store.Results(ctx, id, from, to)
			if err != nil {
				return n, fmt.Errorf("alerts: replay results of %s: %w", id, err)
			}
			s.observe(ctx, id, observationsOf(rs))
			n += len(rs)
		}
		return n, nil
	}
	type batch struct {
		ids []string
		got map[string][]result.Result
		err error
	}
	reads := make(chan batch, 1)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(reads)
		for part := range slices.Chunk(ids, replayBatch) {
			got, err := bulk.ResultsOf(rctx, part, from, to)
			select {
			case reads <- batch{ids: part, got: got, err: err}:
			case <-rctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	n := 0
	for b := range reads {
		if b.err != nil {
			return n, fmt.Errorf("alerts: replay results of %d branches: %w", len(b.ids), b.err)
		}
		for _, id := range b.ids {
			// Observed even without results, as one at a time did.
			s.observe(ctx, id, observationsOf(b.got[id]))
			n += len(b.got[id])
		}
	}
	return n, ctx.Err()
}
