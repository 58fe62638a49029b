package collector

import (
	"context"
	"time"
)

// pruneEvery applies the retention shortly after start and then at every
// interval, until ctx ends.
func (s *Server) pruneEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Prune(ctx)
			t.Reset(interval)
		}
	}
}

// Prune deletes every branch's results older than the retention, one branch
// per transaction so that ingest is never held up for long.
func (s *Server) Prune(ctx context.Context) int64 {
	bs, err := s.store.Branches(ctx)
	if err != nil {
		s.log.Warn("retention: list branches", "err", err)
		return 0
	}
	cutoff := s.now().Add(-time.Duration(s.retention.Load()))
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
	s.Metrics.PrunedResults.Add(float64(total))
	if total > 0 {
		s.log.Info("retention: deleted old results", "results", total, "before", cutoff.Format(time.RFC3339))
	}
	return total
}
