package api

import (
	"context"
	"fmt"
	"time"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/store"
)

// VisibleIncidents lists the incidents (open, or resolved since) of the
// branches in p's scope.
func VisibleIncidents(ctx context.Context, a Alerting, dir Directory, p auth.Person, since time.Time) ([]alerts.Incident, error) {
	incs, err := a.Incidents(ctx, since)
	if err != nil {
		return nil, err
	}
	sc, err := ScopeOf(ctx, dir, p)
	if err != nil || sc.All() {
		return incs, err
	}
	out := make([]alerts.Incident, 0, len(incs))
	for _, inc := range incs {
		if sc.Has(inc.Key.Branch) {
			out = append(out, inc)
		}
	}
	return out, nil
}

// IncidentInScope returns nil when incident id belongs to a branch in p's
// scope, and an error wrapping store.ErrNotFound when it does not or there
// is no such incident.
func IncidentInScope(ctx context.Context, a Alerting, dir Directory, p auth.Person, id string) error {
	if p.Everywhere() {
		return nil // the action itself says when there is no such incident
	}
	inc, _, err := a.Incident(ctx, id)
	if err != nil {
		return err
	}
	return Sees(ctx, dir, p, inc.Key.Branch)
}

// VisibleSilences lists the silences ending after since that can touch a
// branch in p's scope.
func VisibleSilences(ctx context.Context, a Alerting, dir Directory, p auth.Person, since time.Time) ([]alerts.Silence, error) {
	ss, err := a.Silences(ctx, since)
	if err != nil {
		return nil, err
	}
	sc, err := ScopeOf(ctx, dir, p)
	if err != nil || sc.All() {
		return ss, err
	}
	out := make([]alerts.Silence, 0, len(ss))
	for _, s := range ss {
		if sc.Touches(s.Matcher) {
			out = append(out, s)
		}
	}
	return out, nil
}

// SilenceInScope returns nil when p may end silence id; an error wrapping
// store.ErrNotFound when p cannot see it (or it does not exist), and
// ErrSilenceScope when p sees it but it reaches beyond their scope (a
// bank-wide silence a region manager sees but may not lift).
func SilenceInScope(ctx context.Context, a Alerting, dir Directory, p auth.Person, id string) error {
	if p.Everywhere() {
		return nil
	}
	ss, err := VisibleSilences(ctx, a, dir, p, time.Time{})
	if err != nil {
		return err
	}
	for _, s := range ss {
		if s.ID == id {
			return MaySilence(ctx, dir, p, s.Matcher)
		}
	}
	return fmt.Errorf("silence %s: %w", id, store.ErrNotFound)
}
