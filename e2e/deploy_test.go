package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/branchready/branchready/testpeer"
)

// The files in deploy/ that Prometheus and Grafana load must load.
func TestDeployFilesLoad(t *testing.T) {
	t.Run("the Prometheus alert rules pass promtool", func(t *testing.T) {
		bin := testpeer.Require(t, "promtool")
		out, err := exec.Command(bin, "check", "rules", "../deploy/prometheus/branchready-rules.yml").CombinedOutput()
		if err != nil {
			t.Errorf("promtool check rules: %v\n%s", err, out)
		}
	})
	t.Run("the Grafana dashboard is JSON and queries only our metrics", func(t *testing.T) {
		data, err := os.ReadFile("../deploy/grafana/branchready-overview.json")
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			Panels []struct {
				Targets []struct{ Expr string } `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatal(err)
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				if !strings.Contains(tg.Expr, "branchready_") {
					t.Errorf("panel query %q uses no branchready metric", tg.Expr)
				}
			}
		}
	})
}
