package agent

import (
	"context"
	"path/filepath"
	"time"

	"github.com/branchready/branchready/agent/fallback"
	"github.com/branchready/branchready/config"
	"github.com/branchready/branchready/result"
)

// newFallback returns the local alert of a configuration, or nil when none
// is configured or its webhook cannot be read (logged: the agent still runs).
func (a *agentState) newFallback(l *config.Loaded) *fallback.Fallback {
	if l.FallbackErr != nil {
		a.o.Log.Error("the local Slack fallback is off", "err", l.FallbackErr)
		return nil
	}
	if l.FallbackURL == "" {
		return nil
	}
	return fallback.New(fallback.Options{
		WebhookURL: l.FallbackURL.Reveal(), After: l.File.Fallback.After, Window: l.File.Fallback.Window,
		StatePath: filepath.Join(l.File.Agent.StateDir, "fallback.json"), Log: a.o.Log,
	})
}

// alertLocally posts the sweep's blocking failures to the branch channel
// when the collector has been unreachable near the deadline.
func (a *agentState) alertLocally(ctx context.Context, b *Branch, fb *fallback.Fallback, rs []result.Result, at time.Time) {
	if fb == nil {
		return
	}
	l := b.Config
	day := l.Calendar.DayOf(at)
	s := fallback.Situation{Branch: l.File.Branch.ID, BranchName: l.File.Branch.Name, Date: day.Date}
	if day.Open {
		s.Deadline = day.Deadline
	}
	s.LastAck = a.shipStatus().LastSuccess
	if s.LastAck.IsZero() {
		s.LastAck = a.started
	}
	blocking := map[[2]string]bool{}
	for _, c := range b.Checks {
		blocking[[2]string{c.Target.Device, c.Target.Check}] = c.Criticality == result.Blocking
	}
	for _, r := range rs {
		if r.Status == result.StatusFail && blocking[[2]string{r.Device, r.Check}] {
			s.Failing = append(s.Failing, r)
		}
	}
	if _, err := fb.Consider(ctx, s); err != nil {
		a.o.Log.Error("local Slack fallback", "err", err)
	}
}
