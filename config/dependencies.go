package config

import "github.com/branchready/branchready/strictyaml"

// validateAlertFields checks the device fields that only alerts read:
// transactions_per_day and depends_on (which must name another device of
// the branch, without a loop, or an ATM's alerts could wait on themselves).
func (f *File) validateAlertFields(p *strictyaml.Problems) {
	index := map[string]int{}
	for i, d := range f.Devices {
		index[d.ID] = i
	}
	for i, d := range f.Devices {
		path := strictyaml.Index("devices", i)
		if d.TransactionsPerDay < 0 {
			p.Addf(path+".transactions_per_day", "%d: must not be negative", d.TransactionsPerDay)
		}
		if d.DependsOn == "" {
			continue
		}
		if _, ok := index[d.DependsOn]; !ok || d.DependsOn == d.ID {
			p.Addf(path+".depends_on", "%q: must name another device of this branch", d.DependsOn)
			continue
		}
		seen := map[string]bool{d.ID: true}
		for next := d.DependsOn; next != ""; next = f.Devices[index[next]].DependsOn {
			if seen[next] {
				p.Addf(path+".depends_on", "%q: devices depend on each other in a loop", d.DependsOn)
				break
			}
			seen[next] = true
			if _, ok := index[next]; !ok {
				break
			}
		}
	}
}
