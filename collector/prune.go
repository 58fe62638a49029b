package collector

import (
	"context"
	"time"

	"github.com/branchready/branchready/collector/store"
)

// pruneEvery applies the retention shortly after start and then at every
// interval, until ctx ends. It runs on the leader only (see lead), so
// collectors sharing PostgreSQL do not race to drop the same partitions.
func (s *Server) pruneEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Prune(ctx)
			s.PruneSLA(ctx)
			s.PruneIncidents(ctx)
			t.Reset(interval)
		}
	}
}

// Prune removes the raw results older than the retention and returns how
// many: a store that expires results itself (PostgreSQL drops whole day
// partitions and makes the days ahead) does it in one call; otherwise
// (SQLite) every branch's results are deleted, one branch per transaction
// so that ingest is never held up for long.
func (s *Server) Prune(ctx context.Context) int64 {
	now := s.now()
	cutoff := now.Add(-time.Duration(s.retention.Load()))
	var total int64
	if ex, ok := s.store.(store.ResultsExpirer); ok {
		n, err := ex.ExpireResults(ctx, cutoff, now)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("retention: expire results", "err", err)
		}
		total = n
	} else {
		total = s.pruneByBranch(ctx, cutoff)
	}
	s.Metrics.PrunedResults.Add(float64(total))
	if total > 0 {
		s.log.Info("retention: removed old results", "results", total, "before", cutoff.Format(time.RFC3339))
	}
	return total
}

// contactLister lists branches without decoding their descriptors.
type contactLister interface {
	BranchContacts(ctx context.Context) ([]store.Branch, error)
}

func (s *Server) pruneByBranch(ctx context.Context, cutoff time.Time) int64 {
	// Only the ids are needed: decoding 20,000 descriptors for them cost a
	// tenth of a wave's CPU when retention ran at start.
	list := s.store.Branches
	if cl, ok := s.store.(contactLister); ok {
		list = cl.BranchContacts
	}
	bs, err := list(ctx)
	if err != nil {
		s.log.Warn("retention: list branches", "err", err)
		return 0
	}
	var total int64
	for _, b := range bs {
		n, err := s.store.DeleteResults(ctx, b.ID, cutoff)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("retention: delete results", "branch", b.ID, "err", err)
			}
			continue
		}
		total += n
	}
	return total
}

// PruneSLA deletes the SLA rollups of dates older than the SLA retention
// (counted in UTC days: a day either side makes no difference over years)
// and returns how many rows it deleted.
func (s *Server) PruneSLA(ctx context.Context) int64 {
	keep := time.Duration(s.slaRetention.Load())
	ex, ok := s.store.(store.SLAExpirer)
	if !ok || keep <= 0 {
		return 0
	}
	date := s.now().Add(-keep).UTC().Format(time.DateOnly)
	n, err := ex.ExpireSLA(ctx, date)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("retention: expire sla rollups", "err", err)
		}
		return 0
	}
	if n > 0 {
		s.log.Info("retention: deleted old sla rollups", "rows", n, "before", date)
	}
	return n
}

// PruneIncidents deletes the incidents resolved longer ago than the
// incident retention, with their outbox rows and threads, and returns how
// many incidents it deleted. The store keeps any incident with a message
// still to deliver.
func (s *Server) PruneIncidents(ctx context.Context) int64 {
	keep := time.Duration(s.incRetention.Load())
	ex, ok := s.store.(store.IncidentExpirer)
	if !ok || keep <= 0 {
		return 0
	}
	before := s.now().Add(-keep)
	n, m, err := ex.ExpireIncidents(ctx, before)
	s.Metrics.PrunedIncidents.Add(float64(n))
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("retention: expire incidents", "err", err, "deleted", n)
		}
		return n
	}
	if n > 0 {
		s.log.Info("retention: deleted old incidents", "incidents", n, "messages", m, "resolved_before", before.Format(time.RFC3339))
	}
	return n
}
