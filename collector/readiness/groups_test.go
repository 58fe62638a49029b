package readiness

import (
	"slices"
	"testing"

	"github.com/branchready/branchready/result"
)

// groupFixture is a branch with two ATMs of which one must pass (blocking)
// and three online-banking PCs of which two must pass (degrading).
func groupFixture(t *testing.T) *result.Descriptor {
	t.Helper()
	dev := func(id, kind string, crit result.Criticality) result.Device {
		return result.Device{ID: id, Kind: kind, Criticality: crit, Checks: []result.CheckRef{{Name: "up", Kind: "tcp"}}}
	}
	return &result.Descriptor{Name: "Bank Street", Devices: []result.Device{
		dev("atm-01", "atm", result.Blocking), dev("atm-02", "atm", result.Blocking),
		// The PCs' own criticality (blocking) gives way to their group's.
		dev("pc-1", "banking_pc", result.Blocking), dev("pc-2", "banking_pc", result.Blocking), dev("pc-3", "banking_pc", result.Blocking),
		dev("counter", "counter", result.Blocking),
	}, Groups: []result.Group{
		{Name: "atms", Devices: []string{"atm-01", "atm-02"}, Min: 1, Criticality: result.Blocking},
		{Name: "banking pcs", Devices: []string{"pc-1", "pc-2", "pc-3"}, Min: 2, Criticality: result.Degrading},
	}}
}

func TestJudgeQuorumGroups(t *testing.T) {
	_, cal := fixture(t)
	d := groupFixture(t)
	up := func(dev string, ok bool) result.Result {
		if ok {
			return res(dev, "up", result.StatusOK, "08:05", "ok")
		}
		return res(dev, "up", result.StatusFail, "08:05", "down")
	}
	all := func(atm1, atm2, pc1, pc2, pc3 bool) []result.Result {
		return []result.Result{up("atm-01", atm1), up("atm-02", atm2), up("pc-1", pc1), up("pc-2", pc2), up("pc-3", pc3), up("counter", true)}
	}
	tests := []struct {
		name     string
		results  []result.Result
		want     Verdict
		problems []string // devices named as problems, in order
		passing  map[string]int
	}{
		{name: "one ATM of two down keeps the branch ready: the quorum of one holds",
			results: all(true, false, true, true, true), want: Ready, passing: map[string]int{"atms": 1, "banking pcs": 3}},
		{name: "both ATMs down blocks the branch and names both",
			results: all(false, false, true, true, true), want: NotReady, problems: []string{"atm-01", "atm-02"}, passing: map[string]int{"atms": 0, "banking pcs": 3}},
		{name: "one PC of three down still meets two of three: ready",
			results: all(true, true, false, true, true), want: Ready, passing: map[string]int{"atms": 2, "banking pcs": 2}},
		{name: "two PCs of three down degrades the branch by the group's criticality, not the PCs' own",
			results: all(true, true, false, false, true), want: ReadyDegraded, problems: []string{"pc-1", "pc-2"}, passing: map[string]int{"atms": 2, "banking pcs": 1}},
		{name: "a member with no result yet does not count towards the minimum",
			results: []result.Result{up("atm-01", false), up("pc-1", true), up("pc-2", true), up("pc-3", true), up("counter", true)},
			want:    NotReady, problems: []string{"atm-01", "atm-02"}, passing: map[string]int{"atms": 0, "banking pcs": 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j, err := Judge(d, cal, "2026-11-24", tc.results, at("09:30"))
			if err != nil {
				t.Fatal(err)
			}
			if j.Verdict != tc.want {
				t.Fatalf("verdict %s, want %s (problems %+v)", j.Verdict, tc.want, j.Problems)
			}
			var got []string
			for _, p := range j.Problems {
				got = append(got, p.Device)
			}
			if !slices.Equal(got, tc.problems) {
				t.Errorf("problems %v, want %v", got, tc.problems)
			}
			for _, g := range j.Groups {
				if len(g.Passing) != tc.passing[g.Name] || g.Satisfied != (len(g.Passing) >= g.Min) {
					t.Errorf("group %s: passing %v satisfied %v, want %d passing", g.Name, g.Passing, g.Satisfied, tc.passing[g.Name])
				}
			}
			if len(j.Groups) != 2 {
				t.Errorf("groups %+v, want both", j.Groups)
			}
		})
	}
}

func TestReadyAtWaitsForTheQuorum(t *testing.T) {
	_, cal := fixture(t)
	d := groupFixture(t)
	rs := []result.Result{
		res("atm-01", "up", result.StatusFail, "08:05", "down"), res("atm-02", "up", result.StatusFail, "08:05", "down"),
		res("pc-1", "up", result.StatusOK, "08:05", ""), res("pc-2", "up", result.StatusOK, "08:05", ""), res("pc-3", "up", result.StatusOK, "08:05", ""),
		res("counter", "up", result.StatusOK, "08:05", ""),
		// The second ATM comes back at 08:20: the quorum holds from then.
		res("atm-02", "up", result.StatusOK, "08:20", ""),
	}
	j, err := Judge(d, cal, "2026-11-24", rs, at("09:30"))
	if err != nil {
		t.Fatal(err)
	}
	if j.Verdict != Ready || j.ReadyAt == nil || !j.ReadyAt.Equal(at("08:20")) {
		t.Fatalf("verdict %s ready at %v, want ready at 08:20", j.Verdict, j.ReadyAt)
	}
}
