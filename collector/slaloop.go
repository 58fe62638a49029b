package collector

import (
	"context"
	"time"

	"github.com/branchready/branchready/collector/sla"
)

// rollEvery rolls up final branch-days and refreshes the SLA gauges, at
// start and then every interval, until ctx ends.
func (s *Server) rollEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.rollOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) rollOnce(ctx context.Context) {
	now := s.now()
	st, err := s.currentRoller().RollUp(ctx, now)
	s.Metrics.SLARollups.WithLabelValues("new").Add(float64(st.Written - st.Revised))
	s.Metrics.SLARollups.WithLabelValues("revised").Add(float64(st.Revised))
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("sla roll-up", "err", err)
		}
		return
	}
	if st.Written > 0 {
		s.log.Info("sla roll-up", "judged", st.Judged, "written", st.Written, "revised", st.Revised)
	}
	s.updateSLAGauges(ctx, now)
}

// currentRoller is the roller with the retention in force now: a reload
// that changes the retention reaches the next roll-up, not only the next
// start (a shorter retention must shorten the lookback, or days whose
// results are gone would roll up as unknown).
func (s *Server) currentRoller() *sla.Roller {
	r := *s.roller
	r.Retention = time.Duration(s.retention.Load())
	r.Lookback = slaLookback(r.Retention)
	return &r
}

// updateSLAGauges sets each region's figures over the last 30 days.
func (s *Server) updateSLAGauges(ctx context.Context, now time.Time) {
	to := now.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	from := now.UTC().AddDate(0, 0, -30).Format(time.DateOnly)
	rep, err := s.reports.Report(ctx, sla.Query{From: from, To: to, GroupBy: sla.ByRegion, Period: sla.Whole})
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("update sla gauges", "err", err)
		}
		return
	}
	m := s.Metrics
	set := s.reports.Settings
	m.SLAObjective.WithLabelValues("on_time_readiness", "desired").Set(set.OnTime.Desired)
	m.SLAObjective.WithLabelValues("on_time_readiness", "adequate").Set(set.OnTime.Adequate)
	m.SLAObjective.WithLabelValues("availability", "desired").Set(set.Availability.Desired)
	m.SLAObjective.WithLabelValues("availability", "adequate").Set(set.Availability.Adequate)
	m.SLARatio.Reset()
	m.SLABudgetLeft.Reset()
	for _, r := range rep.Rows {
		if o := r.OnTime; o != nil && o.Ratio != nil {
			m.SLARatio.WithLabelValues(r.Group, "on_time_readiness").Set(*o.Ratio)
			m.SLABudgetLeft.WithLabelValues(r.Group, "on_time_readiness").Set(o.Budget.Left)
		}
		if a := r.Availability; a != nil && a.Ratio != nil {
			m.SLARatio.WithLabelValues(r.Group, "availability").Set(*a.Ratio)
			m.SLABudgetLeft.WithLabelValues(r.Group, "availability").Set(a.Budget.Left)
		}
	}
}
