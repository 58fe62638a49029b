package auth

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Role is what a person at the board is responsible for.
type Role string

// Roles. A scoped role (branch staff, region manager) sees only the
// branches of its scope; operations and admin see every branch.
const (
	BranchStaff   Role = "branch_staff"
	RegionManager Role = "region_manager"
	Operations    Role = "operations"
	Admin         Role = "admin"
)

// Roles lists every role in the order the docs describe them.
var Roles = []Role{BranchStaff, RegionManager, Operations, Admin}

// Action is something a person may be allowed to do.
type Action string

// Actions, each checked on every route that does it.
const (
	// View reads branches, their pages, incidents, silences and SLA
	// reports, within the person's scope.
	View Action = "view"
	// Confirm records that a manual item (feedback book, posters) was
	// checked on site.
	Confirm Action = "confirm manual items"
	// Acknowledge takes an incident on (ack, unack, snooze).
	Acknowledge Action = "acknowledge incidents"
	// Silence creates, expires and deletes silences and maintenance.
	Silence Action = "manage silences and maintenance"
	// Administer reloads the configuration, which holds users and tokens.
	Administer Action = "administer users and tokens"
)

// grants is the one table of who may do what. Region managers may
// acknowledge because escalation at the deadline reaches them; they do not
// confirm manual items, which only someone on site can see. Admin reads
// everything (to manage branch tokens) but takes no operational action.
var grants = map[Role][]Action{
	BranchStaff:   {View, Confirm, Acknowledge},
	RegionManager: {View, Acknowledge, Silence},
	Operations:    {View, Confirm, Acknowledge, Silence},
	Admin:         {View, Administer},
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { _, ok := grants[r]; return ok }

// Can reports whether the role may do a.
func (r Role) Can(a Action) bool { return slices.Contains(grants[r], a) }

// RolesThatCan lists the roles allowed to do a.
func RolesThatCan(a Action) []Role {
	var out []Role
	for _, r := range Roles {
		if r.Can(a) {
			out = append(out, r)
		}
	}
	return out
}

// Person is a logged-in user with their role and scope.
type Person struct {
	Name string
	Role Role
	// Branches are a branch staff member's branch ids.
	Branches []string
	// Regions are a region manager's regions.
	Regions []string
}

// Everywhere reports whether the role's scope is the whole bank.
func (r Role) Everywhere() bool { return r == Operations || r == Admin }

// Everywhere reports whether p's scope is the whole bank.
func (p Person) Everywhere() bool { return p.Role.Everywhere() }

// Covers reports whether a branch in region is in p's scope. The region
// is the one the branch's stored descriptor names.
func (p Person) Covers(branch, region string) bool {
	switch p.Role {
	case Operations, Admin:
		return true
	case BranchStaff:
		return slices.Contains(p.Branches, branch)
	case RegionManager:
		return region != "" && slices.Contains(p.Regions, region)
	}
	return false
}

type personKey struct{}

// WithPerson returns ctx carrying the logged-in person.
func WithPerson(ctx context.Context, p Person) context.Context {
	return context.WithValue(ctx, personKey{}, p)
}

// PersonFrom returns the person Require let in, if any.
func PersonFrom(ctx context.Context) (Person, bool) {
	p, ok := ctx.Value(personKey{}).(Person)
	return p, ok
}

// Allow wraps h so that only a logged-in person whose role may do a gets
// through; others get 403 with the roles that may. It must run inside
// Require, which puts the person in the request context: without one the
// request is refused, so a route that forgot its login fails closed.
func Allow(a Action, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := PersonFrom(r.Context())
		if !ok {
			http.Error(w, "forbidden: no logged-in user", http.StatusForbidden)
			return
		}
		if !p.Role.Can(a) {
			http.Error(w, Forbidden(p, a), http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Forbidden says in words why p may not do a.
func Forbidden(p Person, a Action) string {
	names := make([]string, 0, len(Roles))
	for _, r := range RolesThatCan(a) {
		names = append(names, string(r))
	}
	return fmt.Sprintf("forbidden: %s has role %s, which may not %s (roles that may: %s)", p.Name, p.Role, a, strings.Join(names, ", "))
}

// Mux is where routes are registered: an *http.ServeMux, or a recorder
// that also lists the patterns (the route-scope test walks them).
type Mux interface {
	Handle(pattern string, h http.Handler)
}
