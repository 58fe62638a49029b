package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/branchready/branchready/alerts"
	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/collector/sla"
	"github.com/branchready/branchready/collector/store"
)

// Directory is what scope checks read of the store: a branch's region is
// the one its stored descriptor names.
type Directory interface {
	Branch(ctx context.Context, id string) (store.Branch, error)
	Branches(ctx context.Context) ([]store.Branch, error)
}

// Person is the logged-in person making a request. Without one (a route
// whose login was forgotten) it is a person of no role, who sees nothing.
func Person(r *http.Request) auth.Person {
	p, _ := auth.PersonFrom(r.Context())
	return p
}

// User is the logged-in person's name: actions are recorded in it.
func User(r *http.Request) string { return Person(r).Name }

// scopeError answers a failed Sees: 404 for a branch unknown or out of
// scope alike, 500 when the store could not say.
func scopeError(w http.ResponseWriter, id string, err error) {
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no branch "+id)
		return
	}
	writeError(w, http.StatusInternalServerError, "cannot read branch "+id)
}

// Sees returns nil when branch id is in the person's scope, and an error
// wrapping store.ErrNotFound when it is not or does not exist: a branch
// out of scope is answered exactly as a branch that does not exist, so
// that its existence is not revealed.
func Sees(ctx context.Context, dir Directory, p auth.Person, id string) error {
	if p.Everywhere() {
		return nil
	}
	b, err := dir.Branch(ctx, id)
	if err != nil {
		return err
	}
	if !p.Covers(b.ID, region(b)) {
		return fmt.Errorf("branch %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// Scope is the set of branches a person sees, read once per request.
type Scope struct {
	all      bool
	branches map[string]string // id -> region
}

// ScopeOf reads the branches in p's scope.
func ScopeOf(ctx context.Context, dir Directory, p auth.Person) (Scope, error) {
	if p.Everywhere() {
		return Scope{all: true}, nil
	}
	bs, err := dir.Branches(ctx)
	if err != nil {
		return Scope{}, fmt.Errorf("branches in scope: %w", err)
	}
	s := Scope{branches: map[string]string{}}
	for _, b := range bs {
		if p.Covers(b.ID, region(b)) {
			s.branches[b.ID] = region(b)
		}
	}
	return s, nil
}

// All reports whether the scope is the whole bank.
func (s Scope) All() bool { return s.all }

// Has reports whether branch id is in the scope.
func (s Scope) Has(id string) bool {
	if s.all {
		return true
	}
	_, ok := s.branches[id]
	return ok
}

// Touches reports whether a silence's matcher can apply to a branch of the
// scope (whatever its device and check): such a silence is shown.
func (s Scope) Touches(m alerts.Matcher) bool {
	if s.all {
		return true
	}
	for id, reg := range s.branches {
		if match(m.Branch, id) && match(m.Region, reg) {
			return true
		}
	}
	return false
}

// ErrSilenceScope is returned for a silence a scoped person may not make:
// it could mute branches outside their scope.
var ErrSilenceScope = errors.New("a silence must name one of your regions, or one of your branches, exactly (no patterns): it would otherwise reach branches outside your scope")

// MaySilence returns nil when p may create or end a silence with matcher m:
// everyone-scoped roles any silence, region managers one pinned to their
// scope by an exact region, or an exact branch of their scope.
func MaySilence(ctx context.Context, dir Directory, p auth.Person, m alerts.Matcher) error {
	if p.Everywhere() {
		return nil
	}
	if m.Region != "" && literal(m.Region) && slices.Contains(p.Regions, m.Region) {
		return nil
	}
	if m.Branch != "" && literal(m.Branch) {
		if b, err := dir.Branch(ctx, m.Branch); err == nil && p.Covers(b.ID, region(b)) {
			return nil
		}
	}
	return ErrSilenceScope
}

func literal(pattern string) bool { return !strings.ContainsAny(pattern, `*?[\`) }

// match is how alert matchers compare (an empty pattern matches anything).
func match(pattern, v string) bool {
	if pattern == "" {
		return true
	}
	ok, err := path.Match(pattern, v)
	return err == nil && ok
}

func region(b store.Branch) string {
	if b.Descriptor == nil {
		return ""
	}
	return b.Descriptor.Region
}

// ScopedReports returns reports that read only the rollups of the branches
// in p's scope: a region manager's "bank" row is their region's branches.
func ScopedReports(ctx context.Context, dir Directory, p auth.Person, r sla.Reports) (sla.Reports, error) {
	sc, err := ScopeOf(ctx, dir, p)
	if err != nil || sc.All() {
		return r, err
	}
	r.Store, r.RowsOnly = scopedSLA{SLA: r.Store, scope: sc}, true
	return r, nil
}

// scopedSLA filters the rollups a report reads; other methods pass through.
type scopedSLA struct {
	store.SLA
	scope Scope
}

func (s scopedSLA) SLADays(ctx context.Context, from, to string) ([]store.SLADay, error) {
	days, err := s.SLA.SLADays(ctx, from, to)
	return slices.DeleteFunc(days, func(d store.SLADay) bool { return !s.scope.Has(d.Branch) }), err
}

func (s scopedSLA) SLADevices(ctx context.Context, from, to string) ([]store.SLADevice, error) {
	devs, err := s.SLA.SLADevices(ctx, from, to)
	return slices.DeleteFunc(devs, func(d store.SLADevice) bool { return !s.scope.Has(d.Branch) }), err
}
