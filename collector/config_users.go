package collector

import (
	"slices"
	"strings"

	"github.com/branchready/branchready/collector/auth"
	"github.com/branchready/branchready/strictyaml"
)

// validateUsers checks each user's name, password hash, role and scope:
// a scoped role must say what it covers, and a role that sees the whole
// bank must not look as if it were scoped.
func (c *Config) validateUsers(p *strictyaml.Problems) {
	if len(c.Users) == 0 {
		p.Addf("users", "list at least one user: the board and API need a login")
	}
	seen := map[string]bool{}
	for i, u := range c.Users {
		path := strictyaml.Index("users", i)
		switch {
		case u.Name == "":
			p.Addf(path+".name", "must be set")
		case seen[u.Name]:
			p.Addf(path+".name", "%q: listed twice", u.Name)
		}
		seen[u.Name] = true
		if _, err := auth.NewUsers(map[string]string{u.Name: u.PasswordBcrypt}); err != nil {
			p.Addf(path+".password_bcrypt", "must be a bcrypt hash")
		}
		c.validateScope(p, path, u)
	}
}

func (c *Config) validateScope(p *strictyaml.Problems, path string, u User) {
	role := u.Role
	if role == "" {
		role = auth.Operations
	}
	if !role.Valid() {
		names := make([]string, len(auth.Roles))
		for i, r := range auth.Roles {
			names[i] = string(r)
		}
		p.Addf(path+".role", "%q: must be one of %s", u.Role, strings.Join(names, ", "))
		return
	}
	scopes := []struct {
		key   string
		list  []string
		owner auth.Role // the one role scoped by this key
	}{{"branches", u.Branches, auth.BranchStaff}, {"regions", u.Regions, auth.RegionManager}}
	for _, sc := range scopes {
		switch {
		case role == sc.owner && len(sc.list) == 0:
			p.Addf(path+"."+sc.key, "role %s needs %s: the ones this user is responsible for", role, sc.key)
		case role != sc.owner && len(sc.list) > 0 && !role.Everywhere():
			p.Addf(path+"."+sc.key, "role %s is not scoped by %s: remove them", role, sc.key)
		case role != sc.owner && len(sc.list) > 0:
			p.Addf(path+"."+sc.key, "role %s sees every branch: remove %s, or make the user %s", role, sc.key, sc.owner)
		}
		if role != sc.owner {
			continue
		}
		for j, v := range sc.list {
			item := strictyaml.Index(path+"."+sc.key, j)
			switch {
			case strings.TrimSpace(v) == "":
				p.Addf(item, "must not be empty")
			case slices.Index(sc.list, v) < j:
				p.Addf(item, "%q: listed twice", v)
			case sc.key == "branches" && len(c.Agents) > 0 && !slices.ContainsFunc(c.Agents, func(a AgentToken) bool { return a.Branch == v }):
				p.Addf(item, "%q: not a branch listed in agents", v)
			}
		}
	}
}
