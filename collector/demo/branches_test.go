package demo

import (
	"testing"
	"time"

	"github.com/branchready/branchready/config"
)

func TestADemoBranchConfigSurvivesAnyName(t *testing.T) {
	name := `Zürich: Paradeplatz #1 — "head office"`
	b := branchSpec{ID: "zrh-paradeplatz", Name: name, Region: "eu: central", TZ: "Europe/Zurich", OpensIn: 40 * time.Minute,
		Devices: []device{{ID: "feedback-book", Kind: "other", Criticality: "blocking",
			Checks: []check{{Name: "in-place", Manual: map[string]string{"instructions": "on the counter: left of the door # not the window"}}}}}}
	path, err := b.write(t.TempDir(), "http://127.0.0.1:1", "demo-token-0123456789abcdef", time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	l, err := config.Load(path)
	if err != nil {
		t.Fatalf("the generated file does not load: %v", err)
	}
	if l.File.Branch.Name != name || l.File.Branch.Region != "eu: central" {
		t.Errorf("name %q region %q, want %q and %q", l.File.Branch.Name, l.File.Branch.Region, name, "eu: central")
	}
	if got := l.File.Devices[0].Checks[0].Manual; got == nil {
		t.Error("the manual check was lost")
	}
}
