package config

import (
	"github.com/branchready/branchready/calendar"
	"github.com/branchready/branchready/result"
	"github.com/branchready/branchready/strictyaml"
)

// Group is a quorum of devices: "at least 1 of 2 ATMs". The branch is held
// back only when fewer than Min members pass; members are judged by the
// group's criticality instead of their own.
type Group struct {
	Name        string             `yaml:"name" doc:"Name shown on the board, e.g. atms."`
	Devices     []string           `yaml:"devices" doc:"Ids of the member devices; a device belongs to one group at most."`
	Min         int                `yaml:"min" doc:"How many members must pass; 1 to the number of members."`
	Criticality result.Criticality `yaml:"criticality" doc:"blocking (default), degrading or informational: what the group does to readiness when fewer than min pass."`
}

// validateGroups checks that every group names known devices, that a
// device sits in one group only, and that min can be met.
func (f *File) validateGroups(p *strictyaml.Problems) {
	known := map[string]bool{}
	for _, d := range f.Devices {
		known[d.ID] = true
	}
	names := map[string]int{}
	member := map[string]string{}
	for i := range f.Groups {
		g := &f.Groups[i]
		path := strictyaml.Index("groups", i)
		if g.Criticality == "" {
			g.Criticality = DefaultCriticality
		}
		switch {
		case g.Name == "":
			p.Addf(path+".name", "must be set")
		default:
			if prev, dup := names[g.Name]; dup {
				p.Addf(path+".name", "%q: already used by groups[%d]", g.Name, prev)
			}
			names[g.Name] = i
		}
		if len(g.Devices) == 0 {
			p.Addf(path+".devices", "must list at least one device")
		}
		for j, id := range g.Devices {
			dpath := strictyaml.Index(path+".devices", j)
			switch {
			case !known[id]:
				p.Addf(dpath, "%q: no such device in this branch", id)
			case member[id] != "":
				p.Addf(dpath, "%q: already in group %q; a device belongs to one group at most", id, member[id])
			default:
				member[id] = g.Name
			}
		}
		if g.Min < 1 || g.Min > len(g.Devices) {
			p.Addf(path+".min", "%d: must be 1 to the number of devices (%d)", g.Min, len(g.Devices))
		}
		switch g.Criticality {
		case result.Blocking, result.Degrading, result.Informational:
		default:
			p.Addf(path+".criticality", "%q: must be blocking, degrading or informational", g.Criticality)
		}
	}
}

// descriptorGroups returns the groups as the collector receives them.
func (f *File) descriptorGroups() []result.Group {
	var out []result.Group
	for _, g := range f.Groups {
		out = append(out, result.Group{Name: g.Name, Devices: g.Devices, Min: g.Min, Criticality: g.Criticality})
	}
	return out
}

// validateMaintenance compiles every maintenance window and checks that it
// names devices of this branch.
func (f *File) validateMaintenance(p *strictyaml.Problems) {
	known := map[string]bool{}
	for _, d := range f.Devices {
		known[d.ID] = true
	}
	for i, w := range f.Maintenance {
		path := strictyaml.Index("maintenance", i)
		_, probs := calendar.CompileWindow(w, f.Branch.Timezone)
		for _, pr := range probs {
			at := path
			if pr.Path != "" {
				at += "." + pr.Path
			}
			p.Addf(at, "%s", pr.Msg)
		}
		for j, id := range w.Devices {
			if !known[id] {
				p.Addf(strictyaml.Index(path+".devices", j), "%q: no such device in this branch", id)
			}
		}
	}
}
